#!/bin/sh
# Record the JUnit XML of Provenance's own SOUP requirement tests (tests/soup) for the demo's traceability matrix:
# the demo seed imports app/inventory/demo_data/provenance-soup-tests.xml into the release of product "Provenance".
# Run after changing tests/soup: sh scripts/record_soup_tests.sh
set -e
cd "$(dirname "$0")/.."
.venv/bin/pytest -q -p no:randomly tests/soup --junitxml=app/inventory/demo_data/provenance-soup-tests.xml
