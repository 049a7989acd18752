"""50 suppliers at once on the portal of a production-like server (gunicorn, 4 sync workers): each opens its
link, autosaves 25 answers as htmx sends them and submits. No request may fail, no answer may be lost, and
the audit trail must still verify."""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.questionnaires.models import EvaluationStatus
from tests.load.served import QUESTIONS, Served, Supplier, seed, stored_evaluations

pytestmark = pytest.mark.load

SUPPLIERS = 50
SAVES = 25  # every question once, then the first five again with a new value


def answers_of(n: int) -> list[tuple[str, str]]:
    """The saves of supplier n, in order: what its answers must be at the end is the last value of each."""
    saves = [("Q01", "no")] + [(f"Q{q:02d}", f"supplier {n} practice {q}") for q in range(2, QUESTIONS + 1)]
    saves += [("Q01", "yes")] + [(f"Q{q:02d}", f"supplier {n} practice {q}, revised") for q in range(2, SAVES - QUESTIONS + 1)]
    assert len(saves) == SAVES
    return saves


def session(supplier: Supplier, n: int) -> None:
    supplier.open()
    for code, value in answers_of(n):
        supplier.save(code, value)
    assert supplier.submit() == 302


def test_fifty_suppliers_answer_and_submit_at_once_without_errors_or_lost_answers(served: Served, database_url, capsys):
    tokens = seed(database_url, SUPPLIERS)
    suppliers = [Supplier(served.port, token, f"10.0.{n // 200}.{n % 200 + 1}") for n, token in enumerate(tokens)]
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=SUPPLIERS) as pool:
        futures = [pool.submit(session, supplier, n) for n, supplier in enumerate(suppliers)]
        errors = [repr(error) for future in futures if (error := future.exception(timeout=300)) is not None]
    elapsed = time.monotonic() - started
    assert errors == [], f"{len(errors)} of {SUPPLIERS} sessions failed, first: {errors[:3]}\n{served.log.read_text()[-3000:]}"

    stored = stored_evaluations(database_url)
    assert len(stored) == SUPPLIERS
    for n in range(SUPPLIERS):
        status, answers, _version = stored[f"S{n:03d}"]
        assert status == EvaluationStatus.SUBMITTED, f"S{n:03d} is {status}"
        assert answers == dict(answers_of(n)), f"S{n:03d} lost answers"
    verify = served.flask("audit", "verify")
    assert verify.returncode == 0 and "audit chain OK" in verify.stdout, verify.stdout + verify.stderr

    saves = sorted(s for supplier in suppliers for s in supplier.save_seconds)
    with capsys.disabled():
        print(f"\nload: {SUPPLIERS} suppliers x {SAVES} saves + submit in {elapsed:.1f}s; save p50 "
              f"{statistics.median(saves) * 1000:.0f} ms, p95 {saves[int(len(saves) * 0.95)] * 1000:.0f} ms")
