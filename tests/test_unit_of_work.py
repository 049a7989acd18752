"""The unit of work: one service call, one commit; a broken rule rolls back and is shown; views never commit."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import get_flashed_messages
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms import Form, StringField

from app import unit_of_work
from app.access import Role
from app.auth import services as auth_services
from app.errors import Conflict, NotFound, PermissionDenied, StaleEdit, ValidationFailed
from app.extensions import db
from app.suppliers.models import Supplier, SupplierStatus
from tests.helpers import PASSWORD

APP = Path(__file__).resolve().parent.parent / "app"


def _modules_with_routes() -> list[Path]:
    """Every module that answers requests: it registers routes, error handlers or request hooks."""
    markers = ("Blueprint(", "@bp.", "errorhandler(", "before_request", "after_request", "before_app_request")
    return [
        path for path in sorted(APP.rglob("*.py"))
        if path.name != "unit_of_work.py" and any(marker in path.read_text() for marker in markers)
    ]


def _session_calls(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if (
            isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("commit", "rollback")
            and isinstance(node.func.value, ast.Attribute) and node.func.value.attr == "session"
        ):
            found.append(f"{path.relative_to(APP.parent)}:{node.lineno} session.{node.func.attr}()")
    return found


def test_the_route_modules_are_found() -> None:
    names = {path.relative_to(APP).as_posix() for path in _modules_with_routes()}
    assert {
        "suppliers/views.py", "inventory/views.py", "inventory/advisories/views.py", "api/views.py", "error_pages.py",
        "portal/views.py",
    } <= names


def test_no_view_commits_or_rolls_back_itself() -> None:
    offenders = [call for path in _modules_with_routes() for call in _session_calls(path)]
    assert offenders == [], "views go through app.unit_of_work: " + ", ".join(offenders)


class _NameForm(Form):
    name = StringField("Name")


def _add_user_row(username: str) -> None:
    auth_services.create_user(
        username=username, full_name=username, email=f"{username}@example.com", roles={Role.ENGINEER}, password=PASSWORD
    )


def _add_user_row_then(username: str, error: Exception) -> Callable[[], None]:
    """A service call that writes a user row, then fails with `error`."""
    def action() -> None:
        _add_user_row(username)
        raise error
    return action


def _usernames() -> set[str]:
    from app.auth.models import User

    db.session.expire_all()
    return set(db.session.scalars(select(User.username)))


def test_success_commits_once_and_returns_the_value(app) -> None:
    with app.test_request_context("/"):
        outcome = unit_of_work.run(lambda: _add_user_row("uow-ok") or 7)
        assert outcome.ok and outcome.value == 7 and outcome.status == 200
        db.session.rollback()  # nothing left to undo: it was committed
        assert "uow-ok" in _usernames()


def test_a_broken_rule_rolls_back_and_lands_on_the_named_field(app) -> None:
    action = _add_user_row_then("uow-refused", ValidationFailed("The name is taken."))

    with app.test_request_context("/", method="POST"):
        form = _NameForm()
        outcome = unit_of_work.run(action, form.name)
        assert not outcome.ok and outcome.status == 422 and outcome.message == "The name is taken."
        assert form.name.errors == ["The name is taken."]
        assert get_flashed_messages() == []
        assert "uow-refused" not in _usernames()


def test_a_broken_rule_without_a_field_is_flashed(app) -> None:
    def action() -> None:
        raise Conflict("Release 1.0 is frozen.")

    with app.test_request_context("/"):
        outcome = unit_of_work.run(action)
        assert outcome.status == 409
        assert get_flashed_messages(with_categories=True) == [("error", "Release 1.0 is frozen.")]


@pytest.mark.parametrize("error", [PermissionDenied("no"), NotFound("gone"), StaleEdit()])
def test_errors_that_are_pages_roll_back_and_propagate(app, error) -> None:
    action = _add_user_row_then("uow-page", error)

    with app.test_request_context("/"):
        with pytest.raises(type(error)):
            unit_of_work.run(action)
        assert "uow-page" not in _usernames()


def test_a_refused_signature_keeps_what_was_recorded_before_it(app) -> None:
    from app.signatures.services import SignatureRefused

    action = _add_user_row_then("uow-failed-attempt", SignatureRefused("The password is not correct."))

    with app.test_request_context("/"):
        outcome = unit_of_work.run(action)
        assert not outcome.ok and outcome.status == 422
        db.session.rollback()
        assert "uow-failed-attempt" in _usernames()


def test_a_view_names_the_errors_that_are_pages_and_a_stale_edit_always_is_one(app) -> None:
    with app.test_request_context("/"):
        with pytest.raises(Conflict):
            unit_of_work.run(_add_user_row_then("uow-named-page", Conflict("Release 1.0 is frozen.")), pages=(Conflict,))
        with pytest.raises(StaleEdit):
            unit_of_work.run(_add_user_row_then("uow-named-page", StaleEdit()), pages=())
        outcome = unit_of_work.run(_add_user_row_then("uow-named-page", NotFound("No such question.")), pages=())
        assert outcome.status == 422 and get_flashed_messages() == ["No such question."]
        assert "uow-named-page" not in _usernames()


def test_a_refused_signature_named_as_a_page_is_still_kept(app) -> None:
    from app.errors import DomainError
    from app.signatures.services import SignatureRefused

    action = _add_user_row_then("uow-kept-page", SignatureRefused("The password is not correct."))

    with app.test_request_context("/"):
        with pytest.raises(SignatureRefused):
            unit_of_work.run(action, pages=(DomainError,))
        db.session.rollback()
        assert "uow-kept-page" in _usernames()


def test_a_page_that_records_what_it_shows_writes_in_a_transaction_begun_as_a_write(app, login_as, make_user,
                                                                                   monkeypatch) -> None:
    """A GET (the audit CSV export) reads first, then records the export. Someone else's write committed in
    between must not make it fail: on SQLite a read transaction cannot become a write after another writer
    committed ("database is locked"), so the unit of work begins the write afresh, as a write."""
    from app.audit import services as audit
    from app.audit.models import AuditEvent
    from tests.helpers import sign_in_elsewhere

    make_user("erin", Role.ENGINEER)
    client = login_as(Role.AUDITOR)
    original = audit.record
    seen: list[int] = []

    def record_after_someone_else_wrote(name: str, *args: object, **kwargs: object) -> None:
        if name == "audit.exported":
            seen.append(sign_in_elsewhere(app, "erin"))
        original(name, *args, **kwargs)

    monkeypatch.setattr(audit, "record", record_after_someone_else_wrote)
    response = client.get("/audit/export.csv")
    assert seen == [302] and response.status_code == 200
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.name == "audit.exported")) is not None


def _insert_supplier_unchecked(code: str, name: str | None = "Raced Ltd") -> None:
    """What a request goes on to write after its uniqueness check ran before another request committed the code."""
    db.session.add(Supplier(code=code, name=name, kind="commercial_vendor", status=SupplierStatus.CANDIDATE,
                            criticality="major"))
    db.session.flush()


def _supplier_codes() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(Supplier.code)))


def test_work_that_lost_a_race_for_a_unique_key_runs_once_more_and_its_check_then_refuses(app) -> None:
    """A real unique-key violation from the database (either engine): the work is rolled back and run again; this
    time its check meets the other request's row and refuses as a broken rule (422), not a 500."""
    calls = []

    def action() -> None:
        calls.append(len(calls) + 1)
        if calls[-1] == 1:
            _insert_supplier_unchecked("SUP-RACE")
        elif db.session.scalar(select(Supplier.id).where(Supplier.code == "SUP-RACE")) is not None:
            raise ValidationFailed("The code SUP-RACE is already used by another supplier.")

    with app.test_request_context("/", method="POST"):
        assert unit_of_work.run(lambda: _insert_supplier_unchecked("SUP-RACE")).ok  # the other request, first
        outcome = unit_of_work.run(action)
        assert calls == [1, 2]
        assert outcome.status == 422 and "already used" in outcome.message
        assert _supplier_codes() == ["SUP-RACE"]


def test_a_race_lost_every_time_it_is_run_is_the_409_page_that_says_others_saved_at_the_same_moment(app) -> None:
    calls = []

    def action() -> None:
        calls.append(1)
        _insert_supplier_unchecked("SUP-RACE")

    with app.test_request_context("/", method="POST"):
        assert unit_of_work.run(lambda: _insert_supplier_unchecked("SUP-RACE")).ok
        with pytest.raises(StaleEdit) as refused:
            unit_of_work.run(action)
        assert len(calls) == unit_of_work.RACE_ATTEMPTS
        assert refused.value.message == unit_of_work.RACE_LOST  # not "someone changed this record": it may be new
        assert _supplier_codes() == ["SUP-RACE"]


def test_work_that_loses_races_in_turn_takes_the_next_free_number_when_it_runs_again(app) -> None:
    """Several people create at once, each taking the next free number: this one read before each of three others
    committed (so it takes SUP-1, then SUP-2, then SUP-3, each already taken) and is saved on its fourth run. A second
    run alone gave the third of four simultaneous creators the 409 page."""
    calls = []

    def action() -> None:
        calls.append(1)
        _insert_supplier_unchecked(f"SUP-{len(calls)}")  # the number its read gave, one behind the others each time

    with app.test_request_context("/", method="POST"):
        for taken in ("SUP-1", "SUP-2", "SUP-3"):
            assert unit_of_work.run(lambda code=taken: _insert_supplier_unchecked(code)).ok  # the others, first
        assert unit_of_work.run(action).ok
        assert len(calls) == 4
        assert _supplier_codes() == ["SUP-1", "SUP-2", "SUP-3", "SUP-4"]


def test_an_integrity_error_that_no_race_explains_is_raised_at_once(app) -> None:
    """A missing required value is a defect in the code, not a race: it is not run again and stays a 500."""
    calls = []

    def action() -> None:
        calls.append(1)
        _insert_supplier_unchecked("SUP-NO-NAME", name=None)

    with app.test_request_context("/", method="POST"):
        with pytest.raises(IntegrityError):
            unit_of_work.run(action)
        assert len(calls) == 1
        assert _supplier_codes() == []
