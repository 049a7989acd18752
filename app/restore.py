"""No lost work: a form refused because the session or its token expired goes back to its page, filled again.

The browser keeps what a form held when it was submitted (app.js, never passwords or files); a page opened with
`restore=1` in its address puts it back and says so. The server only decides where to go back to: the page the
form was on, when that page is on this site.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import request

RESTORE_PARAMETER = "restore"
NEVER_BACK_TO = ("/login", "/logout")


def restore_target(referrer: str | None) -> str | None:
    """The path (with `restore=1`) of the same-site page a refused form was sent from; None for another site."""
    page = same_site_page(referrer)
    return None if page is None else f"{page}{'&' if '?' in page else '?'}{RESTORE_PARAMETER}=1"


def same_site_page(referrer: str | None) -> str | None:
    """The path (and query, without `restore`) of the referring page when it is on this site (not the sign-in or
    sign-out page); None otherwise."""
    if not referrer:
        return None
    parts = urlsplit(referrer)
    if parts.scheme not in ("http", "https") or parts.netloc != request.host or not parts.path.startswith("/"):
        return None
    if parts.path.startswith(NEVER_BACK_TO) or parts.path.startswith("//"):
        return None
    query = [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True) if key != RESTORE_PARAMETER]
    return f"{parts.path}?{urlencode(query)}" if query else parts.path
