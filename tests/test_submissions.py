"""A form sent twice is saved once (app/submissions.py): a double click, a resend or two tabs make one record, and
the second send leads to what the first one saved. Runs on the suite's database: `make test` checks SQLite and
`make test-postgres` PostgreSQL (where the twins meet on the key's primary key, not on the first read)."""

from __future__ import annotations

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select, update

from app import submissions
from app.access import Role
from app.auth.models import User
from app.db import utcnow
from app.extensions import db
from app.jobs import queue
from app.submissions import FormSubmission
from app.validation.models import SoftwareSystem
from tests.helpers import PASSWORD
from tests.suppliers.factories import make_supplier
from tests.validation.factories import make_system

NEW_SYSTEM = "/validation/systems/new"
NEW_SUPPLIER = {
    "code": "SUP-100", "name": "Postgres Global Development Group", "kind": "open_source_project",
    "website": "https://www.postgresql.org", "scope": "PostgreSQL database server (runtime SOUP)",
    "supplies_soup_class_c": "y", "manual_criticality": "", "criticality_rationale": "",
    "contact_name": "Security team", "contact_email": "security@postgresql.org", "contact_role": "security",
}


def _form_id(page: str) -> str:
    """The form id the page drew for its form."""
    found = re.search(r'name="submission_id" type="hidden" value="([^"]+)"', page)
    assert found, "the form carries no form id"
    return found.group(1)


def _system_form(page: str, supplier_id: int, product: str = "Jira") -> dict[str, str]:
    """The new-system form as a browser sends it, with the form id the page drew."""
    return {
        "submission_id": _form_id(page), "supplier_id": str(supplier_id), "product": product, "version_in_use": "9.1",
        "deployment": "saas", "intended_use": "CAPA tracking", "qms_processes": "CAPA", "in_scope": "y",
        "scope_rationale": "CAPA records", "gamp_category": "4",
    }


def _systems() -> int:
    db.session.expire_all()
    return int(db.session.scalar(select(func.count()).select_from(SoftwareSystem)) or 0)


def test_a_form_sent_twice_is_saved_once_and_the_second_send_leads_to_what_the_first_saved(login_as):
    engineer = login_as(Role.ENGINEER)
    supplier = make_supplier("ATL")
    db.session.commit()
    form = _system_form(engineer.get(NEW_SYSTEM).get_data(as_text=True), supplier.id)

    first = engineer.post(NEW_SYSTEM, data=form)
    second = engineer.post(NEW_SYSTEM, data=form)

    assert first.status_code == 302
    assert second.status_code == 303 and second.headers["Location"] == first.headers["Location"]
    assert _systems() == 1
    page = engineer.get(second.headers["Location"]).get_data(as_text=True)
    assert "already sent with these values, and saved then: it was not saved a second time" in page


def test_without_the_page_it_led_to_the_second_send_is_the_409_page_and_saves_nothing(login_as):
    engineer = login_as(Role.ENGINEER)
    supplier = make_supplier("ATL")
    db.session.commit()
    form = _system_form(engineer.get(NEW_SYSTEM).get_data(as_text=True), supplier.id)
    assert engineer.post(NEW_SYSTEM, data=form).status_code == 302
    db.session.execute(update(FormSubmission).values(location=None))  # as when the twin came first
    db.session.commit()

    second = engineer.post(NEW_SYSTEM, data=form, headers={"Referer": f"http://localhost{NEW_SYSTEM}"})

    assert second.status_code == 409
    assert "it was not saved a second time. Open the page again to see what was saved." in second.get_data(as_text=True)
    assert f'<a href="{NEW_SYSTEM}">Back to the page you came from</a>' in second.get_data(as_text=True)
    assert _systems() == 1


def test_the_same_form_sent_again_with_other_values_is_saved_again(login_as):
    engineer = login_as(Role.ENGINEER)
    supplier = make_supplier("ATL")
    db.session.commit()
    form = _system_form(engineer.get(NEW_SYSTEM).get_data(as_text=True), supplier.id)
    assert engineer.post(NEW_SYSTEM, data=form).status_code == 302

    # The user went back in the browser, changed the product and sent the same form again: another system.
    assert engineer.post(NEW_SYSTEM, data={**form, "product": "Confluence"}).status_code == 302

    assert _systems() == 2


def test_a_refused_form_keeps_no_key_so_sending_it_again_is_saved(login_as):
    taken = make_supplier("SUP-100")
    db.session.commit()
    purchasing = login_as(Role.PURCHASING)
    form = {**NEW_SUPPLIER, "submission_id": _form_id(purchasing.get("/suppliers/new").get_data(as_text=True))}
    refused = purchasing.post("/suppliers/new", data=form)
    assert refused.status_code == 422 and "already used" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(FormSubmission)) == 0

    taken.code = "SUP-099"  # the code is free now: the very same form is saved when it is sent again
    db.session.commit()

    assert purchasing.post("/suppliers/new", data=form).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(FormSubmission)) == 1


def test_a_form_whose_fields_carry_a_prefix_is_saved_once_too(login_as):
    engineer = login_as(Role.ENGINEER, username="erin")
    system = make_system(db.session.scalar(select(User).where(User.username == "erin")))
    db.session.commit()
    page = engineer.get(f"/validation/systems/{system.id}").get_data(as_text=True)
    found = re.search(r'name="function-submission_id" type="hidden" value="([^"]+)"', page)
    assert found, "the function form carries no form id"
    form = {"function-submission_id": found.group(1), "function-description": "Approve a CAPA",
            "function-use": "direct", "function-process_risk": "high", "function-rationale": "Wrong closure"}

    statuses = [engineer.post(f"/validation/systems/{system.id}/functions", data=form).status_code for _ in range(2)]

    assert statuses == [302, 303]
    db.session.expire_all()
    functions = db.session.get(SoftwareSystem, system.id).functions
    assert [f.description for f in functions].count("Approve a CAPA") == 1


def test_two_users_sending_the_same_values_each_save_their_own(login_as):
    supplier = make_supplier("ATL")
    db.session.commit()
    erin, eve = login_as(Role.ENGINEER, username="erin"), login_as(Role.ENGINEER, username="eve")
    form = _system_form(erin.get(NEW_SYSTEM).get_data(as_text=True), supplier.id)

    assert erin.post(NEW_SYSTEM, data=form).status_code == 302
    assert eve.post(NEW_SYSTEM, data=form).status_code == 302  # the same form id and values, another user

    assert _systems() == 2


def test_forms_without_a_form_id_are_saved_each_time_they_are_sent(login_as):
    engineer = login_as(Role.ENGINEER)
    supplier = make_supplier("ATL")
    db.session.commit()
    form = _system_form(engineer.get(NEW_SYSTEM).get_data(as_text=True), supplier.id)
    del form["submission_id"]  # a script, or a page rendered before the upgrade

    assert [engineer.post(NEW_SYSTEM, data=form).status_code for _ in range(2)] == [302, 302]
    assert _systems() == 2


def test_keys_older_than_the_kept_days_are_forgotten_by_a_daily_task(app):
    now = utcnow()
    db.session.add_all([
        FormSubmission(key="old".ljust(64, "0"), saved_at=now - timedelta(days=submissions.KEPT_DAYS, minutes=1)),
        FormSubmission(key="new".ljust(64, "0"), saved_at=now - timedelta(days=submissions.KEPT_DAYS - 1)),
    ])
    db.session.commit()

    assert submissions.forget_old(now) == 1
    db.session.commit()

    assert db.session.scalars(select(FormSubmission.key)).all() == ["new".ljust(64, "0")]
    assert queue.periodic_tasks(app)["forms.forget_old_submissions"].function is submissions.forget_old


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _status(opener: urllib.request.OpenerDirector, url: str, body: bytes | None = None) -> tuple[int, str]:
    try:
        with opener.open(urllib.request.Request(url, data=body, method="POST" if body else "GET"), timeout=60) as got:
            return int(got.status), got.read().decode()
    except urllib.error.HTTPError as error:  # 3xx (redirects are not followed), 4xx and 5xx
        return int(error.code), ""


def test_twins_sent_at_the_same_moment_make_one_record(live_server, make_user):
    make_user("erin", Role.ENGINEER)
    supplier_id = make_supplier("ATL").id
    db.session.commit()  # the test's own transaction ends: the server's requests take SQLite's write lock
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect())
    signed_in, _ = _status(opener, f"{live_server}/login",
                           urllib.parse.urlencode({"username": "erin", "password": PASSWORD}).encode())
    assert signed_in == 302
    _ok, page = _status(opener, f"{live_server}{NEW_SYSTEM}")
    body = urllib.parse.urlencode({**_system_form(page, supplier_id), "csrf_token": re.search(
        r'name="csrf-token" content="([^"]+)"', page).group(1)}).encode()  # type: ignore[union-attr]
    twins = 6
    start = threading.Barrier(twins)
    statuses: list[int] = []

    def send() -> None:
        start.wait(timeout=60)
        statuses.append(_status(opener, f"{live_server}{NEW_SYSTEM}", body)[0])

    threads = [threading.Thread(target=send) for _ in range(twins)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    counted = Counter(statuses)
    assert counted[302] == 1 and sum(counted.values()) == twins, counted
    assert set(counted) <= {302, 303, 409}, counted  # 303 to what was saved; 409 when it was not known yet
    assert _systems() == 1
