"""Templates hold nothing the CSP (default-src 'self') refuses: no inline style or script, no event-handler attribute
(docs/ui.md). The browser test (tests/browser/test_ui_pages.py) sees the pages; this one reads every template."""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)
REFUSED = {
    "a style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "a <style> element": re.compile(r"<style[\s>]", re.IGNORECASE),
    "an inline <script>": re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE),
    "an event-handler attribute": re.compile(r"\s(?:on[a-z]+|hx-on[:\w-]*)\s*=", re.IGNORECASE),
    "a javascript: link": re.compile(r"javascript:", re.IGNORECASE),
}


def test_no_template_holds_what_the_csp_refuses():
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        # Jinja comments are not sent: blank them (keeping their line breaks, so line numbers stay right).
        text = COMMENT.sub(lambda comment: "\n" * comment.group().count("\n"), path.read_text(encoding="utf-8"))
        for what, pattern in REFUSED.items():
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(TEMPLATES)}:{line}: {what}")
    assert not found, "\n".join(found)


def test_htmx_injects_no_indicator_style_and_the_page_links_a_favicon(app, client):
    html = client.get("/login").get_data(as_text=True)
    assert """<meta name="htmx-config" content='{"includeIndicatorStyles": false}'>""" in html
    favicon = re.search(r'<link rel="icon" href="([^"]+)"', html)
    assert favicon and client.get(favicon.group(1)).status_code == 200
    assert ".htmx-indicator" in client.get("/static/css/app.css").get_data(as_text=True)
