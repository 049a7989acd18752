"""Portal answer save under concurrency: p50 latency of our autosave against a bare one-row write, same run.

One SQLite database holds SESSIONS evaluations, each with its own supplier link. Our app (wsgi:app) and a bare
Flask + SQLAlchemy app that inserts one row per request (bench/bare_write_app.py) are both served by gunicorn
with WORKERS sync workers on loopback ports. SESSIONS client threads (one per supplier link, with its own
session cookie and CSRF token, as htmx sends them) save answers back to back for SECONDS per slice, alternating
the two apps (ABBA) for ROUNDS rounds; each round gives the ratio of the two p50 latencies, the median is printed:

    bench portal_save_concurrent ratio=<ours p50 / bare p50> ours_p50_ms=... ours_p95_ms=... target<=3

Settings through the environment: BENCH_SESSIONS (32), BENCH_WORKERS (4), BENCH_SECONDS (1.5), BENCH_ROUNDS (7),
and BENCH_PORTAL_DATABASE_URL (a PostgreSQL database, postgresql+psycopg://..., emptied and filled by the bench;
a temporary SQLite file when unset).
"""

from __future__ import annotations

import http.client
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.bench_supplier_list import ROOT, free_port, start, stop

SESSIONS = int(os.environ.get("BENCH_SESSIONS", "32"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "1.5"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))  # the round ratios spread widely on a busy machine


def prepare_database(instance: Path, url: str) -> list[str]:
    """Schema, one user, SESSIONS sent evaluations (returns their link tokens) and the bare app's table."""
    os.environ["PROVENANCE_INSTANCE_PATH"] = str(instance)
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import text

    from app import create_app
    from app.access import Role
    from app.audit import services as audit
    from app.auth import services as auth_services
    from app.extensions import db
    from tests.questionnaires.factories import GOOD_SUPPLIER_ANSWERS, make_supplier, sent

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "ARGON2_TIME_COST": 1,
                      "ARGON2_MEMORY_COST": 8192, "ARGON2_PARALLELISM": 1})
    tokens = []
    with app.app_context(), audit.acting_as(audit.Actor(None, "bench")):
        db.session.execute(text("DROP TABLE IF EXISTS bench_writes"))
        db.session.commit()
        db.drop_all()
        db.create_all()
        user = auth_services.create_user(username="bench", full_name="Bench User", email="bench@example.com",
                                         roles={Role.PURCHASING}, password="bench-password-not-for-production-42")
        from app.questionnaires import evaluations
        for index in range(SESSIONS):
            evaluation, token = sent(user, make_supplier(f"S{index}", f"Supplier {index}"))
            for code, raw in GOOD_SUPPLIER_ANSWERS.items():  # a realistic, mostly answered questionnaire
                evaluations.save_supplier_answer(evaluation, code, raw)
            tokens.append(token)
        key = "SERIAL PRIMARY KEY" if db.engine.dialect.name == "postgresql" else "INTEGER PRIMARY KEY"
        db.session.execute(text(f"CREATE TABLE bench_writes (id {key}, code VARCHAR(40), value TEXT)"))
        db.session.commit()
        db.engine.dispose()
    return tokens


def open_session(port: int, token: str) -> dict[str, str]:
    """GET the questionnaire like a browser: the session cookie and the CSRF token htmx sends."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", f"/portal/{token}")
    response = connection.getresponse()
    page = response.read()
    connection.close()
    assert response.status == 200, f"portal page: {response.status}"
    cookie = re.search(r"session=([^;]+)", "; ".join(v for k, v in response.getheaders() if k.lower() == "set-cookie"))
    csrf = re.search(rb'name="csrf-token" content="([^"]+)"', page)
    assert cookie and csrf, "no session cookie or CSRF token on the portal page"
    return {"Cookie": f"session={cookie.group(1)}", "X-CSRFToken": csrf.group(1).decode(), "HX-Request": "true",
            "Content-Type": "application/x-www-form-urlencoded"}


def load(port: int, paths: list[str], headers: list[dict[str, str]], seconds: float) -> list[float]:
    """Latencies (s) of len(paths) threads saving answers back to back for `seconds`; any failure is an error."""
    latencies: list[list[float]] = [[] for _ in paths]
    errors: list[str] = []
    stop = time.monotonic() + seconds

    def worker(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        number = 0
        while time.monotonic() < stop:
            number += 1
            began = time.perf_counter()
            try:
                connection.request("POST", paths[index], body=f"answer={number % 40 + 1}", headers=headers[index])
                response = connection.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException) as error:
                errors.append(repr(error))
                connection.close()
                continue
            latencies[index].append(time.perf_counter() - began)
            if response.status != 200 or b"saved" not in body.lower():
                errors.append(f"{response.status} {body[:80]!r}")
        connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(paths))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(f"{len(errors)} failed saves on port {port}: {errors[0]}")
    return [value for per_thread in latencies for value in per_thread]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run() -> list[str]:
    workdir = Path(tempfile.mkdtemp(prefix="bench-portal-"))
    url = os.environ.get("BENCH_PORTAL_DATABASE_URL") or f"sqlite:///{workdir / 'bench.sqlite3'}"
    processes = []
    try:
        tokens = prepare_database(workdir / "instance", url)
        env = {**os.environ, "PROVENANCE_INSTANCE_PATH": str(workdir / "instance"), "DATABASE_URL": url,
               "PROVENANCE_SECRET_KEY": "bench-secret", "PROVENANCE_PORTAL_RATE_LIMIT_PER_MINUTE": "1000000",
               "BENCH_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
        env["BENCH_WORKERS"] = str(WORKERS)
        ours_port, bare_port = free_port(), free_port()
        import bench.bench_supplier_list as shared
        shared.WORKERS = WORKERS  # the same gunicorn settings for both apps
        processes.append(start("wsgi:app", ours_port, env, workdir / "ours.log"))
        processes.append(start("bench.bare_write_app:app", bare_port, env, workdir / "bare.log"))
        ours_headers = [open_session(ours_port, token) for token in tokens]
        ours_paths = [f"/portal/{token}/answers/C3" for token in tokens]
        bare_headers = [{"Content-Type": "application/x-www-form-urlencoded"} for _ in tokens]
        bare_paths = [f"/write/C{i}" for i in range(len(tokens))]
        load(ours_port, ours_paths, ours_headers, 0.5)  # warm up both
        load(bare_port, bare_paths, bare_headers, 0.5)
        ours_all: list[float] = []
        bare_all: list[float] = []
        ratios = []
        for round_number in range(ROUNDS):
            sides = [("ours", ours_port, ours_paths, ours_headers), ("bare", bare_port, bare_paths, bare_headers)]
            found: dict[str, list[float]] = {}
            for name, port, paths, headers in sides if round_number % 2 == 0 else reversed(sides):
                found[name] = load(port, paths, headers, SECONDS)
            ours_all += found["ours"]
            bare_all += found["bare"]
            ratios.append(statistics.median(found["ours"]) / statistics.median(found["bare"]))
        ms = 1000
        return [
            f"bench portal_save_concurrent ratio={statistics.median(ratios):.2f} "
            f"ours_p50_ms={statistics.median(ours_all) * ms:.0f} ours_p95_ms={percentile(ours_all, 0.95) * ms:.0f} "
            f"bare_p50_ms={statistics.median(bare_all) * ms:.0f} bare_p95_ms={percentile(bare_all, 0.95) * ms:.0f} "
            f"saves={len(ours_all)} db={url.split(':')[0]} sessions={SESSIONS} workers={WORKERS} rounds={ROUNDS}x{SECONDS}s "
            f"ratios={','.join(f'{r:.2f}' for r in ratios)} target<=3"
        ]
    finally:
        stop(processes, workdir)


if __name__ == "__main__":
    for line in run():
        print(line)
