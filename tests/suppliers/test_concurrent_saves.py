"""Ten people save the same supplier at the same moment through a real HTTP server: exactly one save wins,
the nine others get the 409 stale-edit page, and none gets a 500. Runs on the suite's database, so `make test`
checks SQLite and `make test-postgres` PostgreSQL."""

from __future__ import annotations

import http.cookiejar
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter

from sqlalchemy import select

from app.access import Role
from app.extensions import db
from app.suppliers.models import Supplier
from tests.helpers import PASSWORD
from tests.suppliers.factories import make_supplier

SAVES = 10


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _signed_in_opener(base: str, username: str) -> urllib.request.OpenerDirector:
    """An HTTP client with its own cookie jar, signed in through the login form."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect())
    body = urllib.parse.urlencode({"username": username, "password": PASSWORD}).encode()
    status = _status(opener, f"{base}/login", body)
    assert status == 302, f"sign-in of {username} answered {status}"
    return opener


def _status(opener: urllib.request.OpenerDirector, url: str, body: bytes) -> int:
    try:
        with opener.open(urllib.request.Request(url, data=body, method="POST"), timeout=60) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:  # 3xx (redirects are not followed), 4xx and 5xx
        return int(error.code)


def test_ten_concurrent_saves_of_one_supplier_one_wins_nine_get_409(live_server, make_user) -> None:
    supplier = make_supplier(code="SUP-RACE", name="Racing Ltd")
    db.session.commit()
    supplier_id, version = supplier.id, supplier.version
    openers = []
    for number in range(SAVES):
        make_user(f"editor{number}", Role.PURCHASING)
        openers.append(_signed_in_opener(live_server, f"editor{number}"))

    start = threading.Barrier(SAVES)
    statuses: list[int] = []
    lock = threading.Lock()

    def save(number: int) -> None:
        form = {
            "code": "SUP-RACE", "name": f"Racing Ltd, edit {number}", "kind": "commercial_vendor",
            "manual_criticality": "", "version": str(version),
        }
        start.wait(timeout=60)
        status = _status(openers[number], f"{live_server}/suppliers/{supplier_id}/edit", urllib.parse.urlencode(form).encode())
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=save, args=(number,)) for number in range(SAVES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert Counter(statuses) == {302: 1, 409: SAVES - 1}
    db.session.expire_all()
    saved = db.session.scalars(select(Supplier).where(Supplier.id == supplier_id)).one()
    assert saved.version == version + 1
    assert saved.name.startswith("Racing Ltd, edit ")
