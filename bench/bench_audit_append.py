"""Audit append: one domain event per transaction through the app's anchored chain against a bare chained insert.

"Through the app" is audit.record() then commit: under the chain lock, read the signed head, compute the keyed
hash (HMAC), insert the event and move the signed head (every AUDIT_CHECKPOINT_EVERY events a checkpoint too).
The baseline is what the chain cost before it was anchored, on the same database: read the newest event's
hash, compute a plain sha256 over the same canonical JSON, insert the row, commit. Both alternate, ROUNDS
times EVENTS transactions each; the medians of the per-round totals are printed:

    bench audit_append ratio=<app/bare> app_ms_per_event=<median> bare_ms_per_event=<median> db=<sqlite|postgresql>

BENCH_ROUNDS, BENCH_AUDIT_EVENTS; BENCH_AUDIT_DATABASE_URL runs it on PostgreSQL (the tables are recreated).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
EVENTS = int(os.environ.get("BENCH_AUDIT_EVENTS", "300"))


def run() -> list[str]:
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import insert, select, text

    from app import create_app
    from app.audit import services as audit
    from app.audit.chain import canonical_json, sha256_hex
    from app.audit.models import AuditEvent
    from app.db import utcnow
    from app.extensions import db

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["PROVENANCE_INSTANCE_PATH"] = tmp
        url = os.environ.get("BENCH_AUDIT_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "AUDIT_CHAIN_KEY": "bench-key"})
        with app.app_context():
            db.drop_all()
            db.create_all()
            dialect = db.engine.dialect.name
            newest = select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
            add = insert(AuditEvent.__table__)

            def through_app() -> None:
                for number in range(EVENTS):
                    audit.record("bench.event", entity_type="bench", entity_id=number, detail="x" * 40)
                    db.session.commit()

            def bare() -> None:
                for number in range(EVENTS):
                    connection = db.session.connection()
                    if dialect == "postgresql":
                        connection.execute(text("SELECT pg_advisory_xact_lock(4242)"))
                    previous = connection.execute(newest).scalar() or ""
                    fields = {
                        "occurred_at": utcnow(), "actor_id": None, "actor_name": "system", "request_id": "", "ip": "",
                        "action": "event", "name": "bench.event", "entity_type": "bench", "entity_id": str(number),
                        "entity_version": None, "entity_label": "", "changes": {}, "details": {"detail": "x" * 40},
                        "reason": "", "prev_hash": previous,
                    }
                    connection.execute(add, {**fields, "hash": sha256_hex(canonical_json(fields))})
                    db.session.commit()

            timings: dict[str, list[float]] = {"app": [], "bare": []}
            through_app()  # warm up
            for _ in range(ROUNDS):
                for name, function in (("app", through_app), ("bare", bare)):
                    start = time.perf_counter()
                    function()
                    timings[name].append(time.perf_counter() - start)
            db.session.remove()
            db.drop_all()
    median = {name: statistics.median(values) for name, values in timings.items()}
    spread = {name: (min(values), max(values)) for name, values in timings.items()}
    ratios = [a / b for a, b in zip(timings["app"], timings["bare"], strict=True)]
    return [
        f"bench audit_append ratio={median['app'] / median['bare']:.2f} "
        f"app_ms_per_event={median['app'] / EVENTS * 1000:.3f} bare_ms_per_event={median['bare'] / EVENTS * 1000:.3f} "
        f"round_ratios={min(ratios):.2f}-{max(ratios):.2f} "
        f"app_s={spread['app'][0]:.3f}-{spread['app'][1]:.3f} bare_s={spread['bare'][0]:.3f}-{spread['bare'][1]:.3f} "
        f"events={EVENTS} rounds={ROUNDS} db={dialect}"
    ]


if __name__ == "__main__":
    for line in run():
        print(line)
