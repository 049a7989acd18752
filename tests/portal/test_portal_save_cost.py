"""What one autosave costs: a bounded number of queries and no re-parse of the published template."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine.default import CacheStats

from app.access import Role
from app.extensions import db
from app.portal import ratelimit
from app.portal.ratelimit import RateLimiter, limiter
from app.questionnaires import models
from tests.questionnaires.factories import sent


@pytest.fixture
def pat(make_user):
    return make_user("pat", Role.PURCHASING)



@pytest.fixture(autouse=True)
def _one_rate_window(monkeypatch):
    """Every request of a test falls in one minute window of the rate limit: the saves after a window's first one
    (whose hit is counted on its own) all take one path, whatever the order and the time the suite runs in."""
    monkeypatch.setattr(ratelimit, "clock", lambda: 1_700_000_010.0)


def _warm(client, token: str) -> None:
    """Two saves before the one measured: the window's first hit, then one counted with its save (each path's
    statements compiled once)."""
    for answer in ("2", "3"):
        client.post(f"/portal/{token}/answers/C3", data={"answer": answer}, headers={"HX-Request": "true"})


def _autosave_statements(client, token: str) -> tuple[Any, list[str]]:
    """One autosave of C3 and every SQL statement it sent."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.post(f"/portal/{token}/answers/C3", data={"answer": "4"}, headers={"HX-Request": "true"})
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return response, statements

def test_an_autosave_does_not_reparse_the_template_and_stays_within_ten_queries(app, client, pat, monkeypatch):
    _evaluation, token = sent(pat)
    _warm(client, token)
    parses: list[object] = []
    real = models.from_dict
    monkeypatch.setattr(models, "from_dict", lambda data: parses.append(1) or real(data))
    response, statements = _autosave_statements(client, token)
    assert response.status_code == 200 and "Saved" in response.get_data(as_text=True)
    assert parses == []
    assert len([s for s in statements if not s.startswith(("BEGIN", "SELECT pg_advisory", "SET LOCAL"))]) <= 10


def test_an_autosave_takes_the_write_lock_once_and_sends_three_statements_on_postgresql_six_on_sqlite(app, client, pat):
    """One query for link + evaluation + template + the answer row (locked), the audit chain head read, the event
    and the signed head written. PostgreSQL: the first query also reads the rate-limit count, the head read draws
    the event's id, and the answer row and the rate-limit hit are written in the event's statement (three in all).
    SQLite: the hit, the answer row and the head are statements of their own, in one BEGIN (the one write lock).
    No supplier, no template definition re-read."""
    _evaluation, token = sent(pat)
    _warm(client, token)
    response, statements = _autosave_statements(client, token)
    assert response.status_code == 200 and "Saved" in response.get_data(as_text=True)
    work = [s for s in statements if not s.startswith(("BEGIN", "SELECT pg_advisory", "SET LOCAL"))]
    assert len(work) <= (3 if db.engine.dialect.name == "postgresql" else 6), work
    assert len([s for s in work if "FROM evaluation_answers" in s or "JOIN evaluation_answers" in s]) == 1
    assert len([s for s in work if "UPDATE evaluation_answers" in s]) == 1
    if db.engine.dialect.name == "sqlite":
        assert len([s for s in statements if s.startswith("BEGIN")]) == 1
    assert not any("FROM suppliers" in s for s in work)
    assert not any("questionnaire_templates.definition" in s for s in work)


def test_every_statement_of_an_autosave_comes_from_the_compiled_cache(app, client, pat):
    """No statement is compiled again per save: the rate-limit upsert once cost a full compile on every request."""
    _evaluation, token = sent(pat)
    _warm(client, token)
    compiled: list[tuple[str, object]] = []

    def note(_conn, _cursor, statement, _parameters, context, _many):  # type: ignore[no-untyped-def]
        if context is not None and context.compiled is not None:
            compiled.append((statement, context.cache_hit))

    event.listen(db.engine, "after_cursor_execute", note)
    try:
        response = client.post(f"/portal/{token}/answers/C3", data={"answer": "4"}, headers={"HX-Request": "true"})
    finally:
        event.remove(db.engine, "after_cursor_execute", note)
    assert response.status_code == 200
    assert compiled, "no compiled statement seen"
    misses = [statement for statement, cache in compiled if cache is not CacheStats.CACHE_HIT]
    assert misses == [], misses


def test_a_rate_limit_hit_costs_no_second_durable_commit(app, client, pat):
    """SQLite: the hit is counted in the save's own transaction. PostgreSQL: the save's first query reads the
    window's count, and the hit is written in the statement that writes the audit event (no connection, statement
    or commit of its own; the address's row is locked only while the chain's lock is held anyway)."""
    _evaluation, token = sent(pat)
    _warm(client, token)
    before = limiter.count("127.0.0.1")
    response, statements = _autosave_statements(client, token)
    assert response.status_code == 200
    assert limiter.count("127.0.0.1") == before + 1
    if db.engine.dialect.name == "postgresql":
        assert not any(s.startswith("INSERT INTO portal_rate_counts") for s in statements)
        hit = [s for s in statements if "UPDATE portal_rate_counts" in s]
        assert len(hit) == 1 and "INSERT INTO audit_events" in hit[0]
        assert any("FROM portal_rate_counts" in s and "JOIN evaluation_answers" in s for s in statements)
    else:
        assert any(s.startswith("INSERT INTO portal_rate_counts") for s in statements)
        assert not any("synchronous_commit" in s for s in statements)
        assert statements[0].startswith("BEGIN") and [s for s in statements if s.startswith("BEGIN")] == [statements[0]]


def test_the_first_save_of_a_minute_window_counts_its_hit_on_its_own(app, client, pat, monkeypatch):
    """The window's row does not exist yet (the query read no count): the hit is counted at once, in its own
    transaction on PostgreSQL (autocommit, no flush wait), as any request's hit is."""
    _evaluation, token = sent(pat)
    _warm(client, token)
    monkeypatch.setattr(ratelimit, "clock", lambda: 1_900_000_030.0)  # a window nobody has used
    response, statements = _autosave_statements(client, token)
    assert response.status_code == 200
    assert limiter.count("127.0.0.1", now=1_900_000_030.0) == 1
    upserts = [s for s in statements if s.startswith("INSERT INTO portal_rate_counts")]
    assert len(upserts) == 1
    if db.engine.dialect.name == "postgresql":
        assert "set_config('synchronous_commit', 'off', true)" in upserts[0]


def test_an_autosave_loads_no_orm_object_and_leaves_the_supplier_s_session_cookie_alone(app, client, pat):
    """The link, its evaluation and template and the answer row are read at Core level (no identity map, no
    relationship loading); the anonymous session holding the CSRF token is not re-signed (no Set-Cookie)."""
    _evaluation, token = sent(pat)
    client.get(f"/portal/{token}")  # the page puts the CSRF token in the session
    _warm(client, token)
    loaded: list[str] = []

    def note(target, _context):  # type: ignore[no-untyped-def]
        loaded.append(type(target).__name__)

    event.listen(db.Model, "load", note, propagate=True)
    try:
        response = client.post(f"/portal/{token}/answers/C3", data={"answer": "4"}, headers={"HX-Request": "true"})
    finally:
        event.remove(db.Model, "load", note)
    assert response.status_code == 200 and "Saved" in response.get_data(as_text=True)
    assert loaded == []
    assert "Set-Cookie" not in response.headers


def test_a_refused_answer_through_the_lean_path_keeps_the_value_and_shows_the_message(app, client, pat):
    evaluation, token = sent(pat)
    client.post(f"/portal/{token}/answers/C3", data={"answer": "12"}, headers={"HX-Request": "true"})
    refused = client.post(f"/portal/{token}/answers/C3", data={"answer": "-5"}, headers={"HX-Request": "true"})
    assert refused.status_code == 200 and "Saved" not in refused.get_data(as_text=True)
    assert 'class="error"' in refused.get_data(as_text=True)
    db.session.expire_all()
    assert evaluation.answers["C3"] == "12" and evaluation.invalid_answers["C3"]["raw"] == "-5"


def test_a_rate_limit_hit_outside_a_save_is_its_own_transaction_and_skips_the_flush_wait_on_postgresql(app):
    """PostgreSQL: one statement in autocommit (no BEGIN, no COMMIT) whose setting holds for its own transaction.
    SQLite: the upsert in a short transaction of its own, committed at once (SQLite has no flush-wait setting)."""
    statements: list[str] = []
    autocommit: list[bool] = []
    postgresql = db.engine.dialect.name == "postgresql"

    def note(conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        statements.append(statement)
        if postgresql:
            autocommit.append(bool(conn.connection.dbapi_connection.autocommit))

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        assert RateLimiter().allow("probe", 5, now=60.0)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    upserts = [s for s in statements if s.startswith("INSERT INTO portal_rate_counts")]
    assert len(upserts) == 1
    with db.engine.connect() as connection:  # another connection sees the hit: it was committed
        assert connection.execute(text("SELECT sum(count) FROM portal_rate_counts")).scalar() == 1
    if postgresql:
        assert autocommit and all(autocommit)
        assert "set_config('synchronous_commit', 'off', true)" in upserts[0]
        with db.engine.connect() as connection:  # a transaction block: look inside before it ends
            ratelimit._hit(connection, "probe", 2, ratelimit._UPSERT_NO_FLUSH_WAIT)
            assert connection.execute(text("SHOW synchronous_commit")).scalar() == "off"
            connection.rollback()
    else:
        assert not any("synchronous_commit" in s for s in statements)
