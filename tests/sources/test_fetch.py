"""Fetching public sources: a local server plays the registry (a company mirror) so that every answer, cache hit
and failure is exact; each answer is kept once as evidence."""

from __future__ import annotations

import hashlib
import threading
from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.sources import fetch
from app.sources.models import SourceResponse
from tests.services import free_port


def _count() -> int:
    return db.session.scalar(select(func.count(SourceResponse.id))) or 0


def _age_cache(hours: float) -> None:
    for row in db.session.scalars(select(SourceResponse)):
        row.checked_at -= timedelta(hours=hours)
    db.session.flush()


def test_an_answer_is_kept_with_url_time_sha256_and_body(app, mirror):
    mirror.pypi("six", headers={"ETag": '"v1"'})
    url = f"{mirror.url}/pypi/six/json"
    answer = fetch.fetch_one("pypi", url)
    body = (mirror.routes["/pypi/six/json"]).body
    assert answer.state == fetch.AnswerState.OK and not answer.from_cache
    stored = answer.response
    assert (stored.url, stored.status_code, stored.sha256, stored.size, stored.body, stored.etag) == (
        url, 200, hashlib.sha256(body).hexdigest(), len(body), body, '"v1"')
    assert stored.fetched_at == stored.checked_at


def test_a_fresh_answer_is_read_from_the_cache_without_asking(app, mirror):
    mirror.pypi("six")
    url = f"{mirror.url}/pypi/six/json"
    fetch.fetch_one("pypi", url)
    again = fetch.fetch_one("pypi", url)
    assert again.from_cache and again.state == fetch.AnswerState.OK
    assert mirror.paths() == ["/pypi/six/json"]
    assert _count() == 1


def test_an_old_answer_is_revalidated_and_a_304_adds_no_row(app, mirror):
    mirror.pypi("six", headers={"ETag": '"v1"'})
    url = f"{mirror.url}/pypi/six/json"
    first = fetch.fetch_one("pypi", url).response
    _age_cache(app.config["SOURCES_CACHE_HOURS"] + 1)
    before = first.checked_at
    again = fetch.fetch_one("pypi", url)
    assert mirror.requests[-1][1].get("If-None-Match") == '"v1"'
    assert again.response.id == first.id and again.response.checked_at > before
    assert _count() == 1


def test_a_changed_body_is_a_new_row_and_the_same_body_again_is_not(app, mirror):
    route = mirror.pypi("six")
    url = f"{mirror.url}/pypi/six/json"
    fetch.fetch_one("pypi", url)
    _age_cache(100)
    route.body = route.body.replace(b'"six"', b'"Six"', 1)
    changed = fetch.fetch_one("pypi", url)
    _age_cache(100)
    same = fetch.fetch_one("pypi", url)
    assert _count() == 2
    assert same.response.id == changed.response.id


def test_offline_mode_answers_from_stored_answers_only(app, mirror):
    mirror.pypi("six")
    url = f"{mirror.url}/pypi/six/json"
    fetch.fetch_one("pypi", url)
    _age_cache(100)  # old, but offline nothing is asked
    app.config["SOURCES_OFFLINE"] = True
    cached = fetch.fetch_one("pypi", url)
    missing = fetch.fetch_one("pypi", f"{mirror.url}/pypi/flask/json")
    assert cached.state == fetch.AnswerState.OK and cached.from_cache
    assert (missing.state, missing.error) == (fetch.AnswerState.OFFLINE, "offline mode: not looked up, nothing cached")
    assert mirror.paths() == ["/pypi/six/json"]


def test_failures_say_why_and_keep_the_last_stored_answer(app, mirror):
    mirror.pypi("six")
    url = f"{mirror.url}/pypi/six/json"
    good = fetch.fetch_one("pypi", url).response
    _age_cache(100)
    mirror.route("/pypi/six/json", b"slow down", status=429, headers={"Retry-After": "30"})
    limited = fetch.fetch_one("pypi", url)
    assert limited.state == fetch.AnswerState.FAILED
    assert limited.error == "rate limited by the source: HTTP 429 (it asks to wait 30 s); try again later"
    assert limited.response.id == good.id
    mirror.route("/pypi/six/json", b"oops", status=503)
    assert fetch.fetch_one("pypi", url).error == "the source answered HTTP 503"
    assert _count() == 1


def test_a_404_is_an_answer_kept_as_evidence(app, mirror):
    answer = fetch.fetch_one("pypi", f"{mirror.url}/pypi/no-such-package/json")
    assert answer.state == fetch.AnswerState.NOT_FOUND
    assert answer.response.status_code == 404 and _count() == 1


def test_a_source_that_does_not_answer_in_time_is_a_timeout(app, mirror):
    mirror.pypi("six", block=threading.Event())
    app.config["SOURCES_TIMEOUT_S"] = 0.5
    answer = fetch.fetch_one("pypi", f"{mirror.url}/pypi/six/json")
    assert answer.state == fetch.AnswerState.FAILED
    assert answer.error == f"127.0.0.1:{mirror.url.rsplit(':', 1)[1]} gave no answer within 0.5 s (timeout)"
    assert _count() == 0


def test_an_unreachable_mirror_is_said_so(app, mirror):
    port = free_port()  # nothing listens there
    answer = fetch.fetch_one("pypi", f"http://127.0.0.1:{port}/pypi/six/json")
    assert answer.state == fetch.AnswerState.FAILED
    assert answer.error.startswith(f"cannot reach 127.0.0.1:{port}")


def test_requests_in_flight_never_exceed_the_concurrency_setting(app, mirror):
    app.config["SOURCES_CONCURRENCY"] = 3
    try:
        barrier = threading.Barrier(3)
        for n in range(9):
            mirror.route(f"/pypi/p{n}/json", {"info": {"name": f"p{n}"}}, barrier=barrier)
        answers = fetch.fetch_all("pypi", [f"{mirror.url}/pypi/p{n}/json" for n in range(9)])
    finally:
        app.config["SOURCES_CONCURRENCY"] = 8
    assert all(answer.state == fetch.AnswerState.OK for answer in answers.values())
    assert mirror.max_in_flight == 3  # three at a time met at the barrier, never a fourth


def test_a_warm_look_up_does_not_read_an_answer_it_has_already_read(app, mirror):
    from sqlalchemy import event

    from app.sources import packages

    mirror.pypi("six")
    packages.look_up([("pypi", "six")])
    db.session.commit()
    db.session.expire_all()
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        meta = packages.look_up([("pypi", "six")])[("pypi", "six")]
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert meta.licence == "MIT" and mirror.paths() == ["/pypi/six/json"]
    assert not any("source_responses.body" in statement for statement in statements)
