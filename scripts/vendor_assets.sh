#!/usr/bin/env bash
# Copy the pinned browser assets from node_modules into app/static/vendor (committed; no CDN).
set -euo pipefail
cd "$(dirname "$0")/.."
npm install --no-audit --no-fund --ignore-scripts
mkdir -p app/static/vendor
cp node_modules/@picocss/pico/css/pico.min.css app/static/vendor/pico.min.css
cp node_modules/htmx.org/dist/htmx.min.js app/static/vendor/htmx.min.js
cp node_modules/chart.js/dist/chart.umd.min.js app/static/vendor/chart.umd.min.js
echo "vendor assets copied into app/static/vendor"
