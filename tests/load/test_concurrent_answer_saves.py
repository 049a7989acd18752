"""Many browser sessions on ONE questionnaire of a production-like server (gunicorn, 4 sync workers): saves of
different questions at the same moment never conflict and lose nothing; saves of the same question resolve one
after the other, the last one wins, and the audit trail holds every one of them with the value it replaced."""

from __future__ import annotations

import pytest

from tests.load.served import Served, answer_events, concurrent_saves, seed, stored_evaluations

pytestmark = pytest.mark.load

SESSIONS = 32
ROUNDS = 3


def test_32_sessions_saving_different_questions_of_one_questionnaire_never_conflict_and_lose_nothing(
        served: Served, database_url):
    (token,) = seed(database_url, 1, questions=SESSIONS + 1)
    saves = [(f"Q{n:02d}", f"session {n}") for n in range(2, SESSIONS + 2)]  # Q02..Q33: one text question each

    seen = concurrent_saves(served.port, token, saves, rounds=ROUNDS)

    assert seen.conflicts == [], f"{len(seen.conflicts)} conflicts, first: {seen.conflicts[:3]}"
    ((status, answers, _version),) = stored_evaluations(database_url).values()
    assert status == "in_progress"
    assert answers == {code: f"{value} #{ROUNDS - 1}" for code, value in saves}  # every last value, none lost
    verify = served.flask("audit", "verify")
    assert verify.returncode == 0 and "audit chain OK" in verify.stdout, verify.stdout + verify.stderr


def test_sessions_saving_the_same_question_at_once_the_last_wins_and_the_trail_holds_every_save(
        served: Served, database_url):
    (token,) = seed(database_url, 1)
    saves = [("Q02", f"writer {n}") for n in range(8)]

    seen = concurrent_saves(served.port, token, saves)

    assert seen.conflicts == []
    events = answer_events(database_url, "Q02")
    assert sorted(event["new"] for event in events) == sorted(value for _code, value in saves)
    # one after the other: each save replaced the value the one before it saved
    assert [event["old"] for event in events] == [None] + [event["new"] for event in events[:-1]]
    ((_status, answers, _version),) = stored_evaluations(database_url).values()
    assert answers == {"Q02": events[-1]["new"]}  # the last writer wins
