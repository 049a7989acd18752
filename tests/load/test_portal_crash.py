"""A gunicorn worker killed (SIGKILL) while suppliers submit: every submit either completed, with all its
answers, or left the evaluation open with all its previous answers, and then goes through when the supplier
presses the button again. The audit trail still verifies."""

from __future__ import annotations

import http.client
import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.questionnaires.models import EvaluationStatus
from tests.load.served import QUESTIONS, Served, Supplier, busy_worker, seed, stored_evaluations

pytestmark = pytest.mark.load

SUPPLIERS = 40
ANSWERS = {"Q01": "yes", **{f"Q{q:02d}": f"practice {q}" for q in range(2, QUESTIONS + 1)}}
DROPPED = (OSError, http.client.HTTPException)


def submit(supplier: Supplier) -> str:
    """'done' (the receipt, or 'already submitted'), or 'dropped' when the connection died under it."""
    try:
        supplier.submit()
    except DROPPED:
        return "dropped"
    return "done"


def test_a_worker_killed_during_submits_leaves_each_evaluation_whole_and_every_submit_retryable(
        served: Served, database_url):
    tokens = seed(database_url, SUPPLIERS, ANSWERS)
    suppliers = [Supplier(served.port, token, f"10.1.0.{n + 1}") for n, token in enumerate(tokens)]
    with ThreadPoolExecutor(max_workers=SUPPLIERS) as pool:
        list(pool.map(Supplier.open, suppliers))
        before = stored_evaluations(database_url)
        futures = [pool.submit(submit, supplier) for supplier in suppliers]
        deadline = time.monotonic() + 60
        victim = None
        while victim is None and time.monotonic() < deadline and not all(f.done() for f in futures):
            victim = busy_worker(served)
        assert victim is not None, "no worker was seen serving a submit"
        os.kill(victim, signal.SIGKILL)
        outcomes = [future.result(timeout=120) for future in futures]

    dropped = [supplier for supplier, outcome in zip(suppliers, outcomes, strict=True) if outcome == "dropped"]
    assert dropped, "the killed worker was serving no submit"
    stored = stored_evaluations(database_url)
    for n in range(SUPPLIERS):
        status, answers, version = stored[f"S{n:03d}"]
        assert answers == ANSWERS, f"S{n:03d}: answers changed"
        if status != EvaluationStatus.SUBMITTED:  # not submitted: exactly as before the submit
            assert (status, version) == before[f"S{n:03d}"][0::2], f"S{n:03d} is half-written"
            assert suppliers[n] in dropped, f"S{n:03d} was answered 'done' but is {status}"

    again = [submit(supplier) for supplier in dropped]  # the supplier presses the button again
    assert again == ["done"] * len(dropped)
    assert {status for status, _answers, _version in stored_evaluations(database_url).values()} == {
        EvaluationStatus.SUBMITTED}
    verify = served.flask("audit", "verify")
    assert verify.returncode == 0 and "audit chain OK" in verify.stdout, verify.stdout + verify.stderr
