"""Scale: the release page, the release page with a search and the home page (as QA) on a small and a large company,
and concurrent answer saves on one questionnaire.

The bench builds both data sets itself with bulk inserts (SQLite files by default; two PostgreSQL databases next to
DATABASE_URL's, <name>_scale_small and <name>_scale_large, when DATABASE_URL is set):

    small: 1,000 suppliers, 100 evaluations, a 1,000-component release with 562 advisory matches
    large: 100,000 suppliers, 10,000 evaluations, a 20,000-component release with 12,770 advisory matches

(both with certificates, evaluation answers, class B/C components and anomaly reviews in the same proportions; the
review schedule and the release summary are built as the app keeps them; on PostgreSQL the build ends with VACUUM
ANALYZE, as autovacuum would soon after a bulk load). Each data set is served by gunicorn; a signed-in QA client asks for
each page, alternating small and large round by round (ABBA); a round gives the ratio of the two median latencies,
and the median of the rounds is printed with their min-max:

    bench scale_release ratio=<large/small> min=.. max=.. small_ms=.. large_ms=.. small_kb=.. large_kb=.. target<=1.5
    bench scale_release_search ratio=...
    bench scale_home_qa ratio=...
    bench portal_concurrent_saves lost=<n> conflicts=<n> sessions=32 ... target: lost=0 conflicts=0

The last line: 32 browser sessions (cookie, CSRF token, own address) on one questionnaire of a gunicorn server save
different questions at the same moment, three rounds; `conflicts` counts saves not answered 200 "Saved", `lost`
answers missing or different in the database afterwards (tests/load/served.py; its own database: a SQLite file, or
<name>_scale_portal next to DATABASE_URL's).

Settings through the environment: BENCH_SCALE_ROUNDS (7), BENCH_SCALE_REQUESTS (5 per page, side and round),
BENCH_SCALE_SIZES ("small,large"; e.g. "small" alone to try the bench quickly), BENCH_WORKERS (2).
"""

from __future__ import annotations

import http.client
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.bench_supplier_list import PASSWORD, ROOT, free_port, sign_in, start, stop

ROUNDS = int(os.environ.get("BENCH_SCALE_ROUNDS", "7"))
REQUESTS = int(os.environ.get("BENCH_SCALE_REQUESTS", "5"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
SESSIONS = 32

SIZES: dict[str, dict[str, int]] = {
    "small": {"suppliers": 1_000, "evaluations": 100, "components": 1_000, "matches": 562, "advisories": 150},
    "large": {"suppliers": 100_000, "evaluations": 10_000, "components": 20_000, "matches": 12_770, "advisories": 3_000},
}
FAMILIES = ("core", "util", "http", "json", "log", "test", "crypto", "parse", "date", "ui")
SEARCH = "crypto"  # one family in ten, spread over the alphabet: the search finds a tenth of the release
LICENCES = ("MIT", "Apache-2.0", "BSD-3-Clause", "ISC", "GPL-3.0-only", "LGPL-2.1-only", "MPL-2.0", "")
SEVERITIES = ("critical", "high", "medium", "low", "")
STATES = ("open", "open", "open", "open", "not_affected", "affected", "fixed")
EVALUATION_STATES = ("sent", "in_progress", "in_progress", "submitted", "scored", "decided", "decided", "decided")


def _app(url: str, instance: Path) -> Any:
    os.environ["PROVENANCE_INSTANCE_PATH"] = str(instance)
    sys.path.insert(0, str(ROOT))
    from app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "ARGON2_TIME_COST": 1,
                       "ARGON2_MEMORY_COST": 8192, "ARGON2_PARALLELISM": 1})


def _insert(table: Any, rows: list[dict[str, Any]], batch: int = 5000) -> None:
    from app.extensions import db

    for begin in range(0, len(rows), batch):
        db.session.execute(table.insert(), rows[begin:begin + batch])


def build(url: str, instance: Path, size: str) -> int:
    """Fill an empty database with one data set; returns the id of the release the pages show."""
    from app.access import Role
    from app.audit import services as audit
    from app.auth import services as auth_services
    from app.db import utcnow
    from app.extensions import db
    from app.inventory import summary as release_summaries
    from app.inventory.advisories.models import Advisory, AdvisoryMatch
    from app.inventory.advisories.services import severity_rank
    from app.inventory.anomalies import services as anomaly_services
    from app.inventory.anomalies.models import AnomalyReview
    from app.inventory.anomalies.rules import review_key
    from app.inventory.models import Component, Product, Release
    from app.questionnaires import services as questionnaire_services
    from app.questionnaires.models import Evaluation, EvaluationAnswer
    from app.suppliers.demo import seed_generated
    from app.suppliers.models import Certificate, Supplier

    counts = SIZES[size]
    app = _app(url, instance)
    with app.app_context(), audit.acting_as(audit.Actor(None, "bench")):
        db.drop_all()
        db.create_all()
        qa = auth_services.create_user(username="bench", full_name="Bench QA", email="bench@example.com",
                                       roles={Role.QA}, password=PASSWORD)
        seed_generated(counts["suppliers"])
        now = utcnow()
        today = now.date()
        supplier_ids = list(db.session.scalars(db.select(Supplier.id).order_by(Supplier.id)))
        _insert(Certificate.__table__, [
            {"supplier_id": supplier_id, "standard": "ISO 9001", "number": f"C-{n}", "issuer": "Bench",
             "valid_until": today + timedelta(days=(n * 13) % 700 - 30), "void_reason": "", "version": 1,
             "created_at": now, "updated_at": now}
            for n, supplier_id in enumerate(supplier_ids[::10])])
        template = questionnaire_services.ensure_default_templates()[0]
        codes = [q.code for q in template.parsed().questions() if q.answered_by.value == "supplier"][:10]
        evaluations = [
            {"supplier_id": supplier_ids[(n * 7) % len(supplier_ids)], "template_id": template.id,
             "evaluation_type": "periodic", "status": EVALUATION_STATES[n % len(EVALUATION_STATES)],
             "reference": f"EV-BENCH-{n:06d}", "due_date": today + timedelta(days=n % 90 - 20), "contact_name": "",
             "contact_email": "", "criticality": "", "knockout_hits": [], "suggested_decision": "", "decision": "",
             "approval_scope": "", "conditions": "", "rationale": "", "knockout_justification": "", "cancel_reason": "",
             "created_at": now, "updated_at": now, "version": 1}
            for n in range(counts["evaluations"])]
        _insert(Evaluation.__table__, evaluations)
        evaluation_ids = list(db.session.scalars(db.select(Evaluation.id).order_by(Evaluation.id)))
        _insert(EvaluationAnswer.__table__, [
            {"evaluation_id": evaluation_id, "question_code": code, "answered_by": "supplier", "value": "yes",
             "refused": None, "locked": False, "saved_at": now}
            for evaluation_id in evaluation_ids for code in codes])

        product = Product(name=f"Bench {size} pump", safety_class="C")
        db.session.add(product)
        db.session.flush()
        release = Release(product_id=product.id, version="1.0")
        db.session.add(release)
        db.session.flush()
        components = []
        for n in range(counts["components"]):
            ecosystem = "npm" if n % 3 else "pypi"
            name = f"{chr(97 + n % 26)}{FAMILIES[n // 26 % len(FAMILIES)]}-{n:05d}"  # families spread over the alphabet
            version = f"{n % 7}.{n % 11}.{n % 5}"
            components.append({
                "release_id": release.id, "name": name, "version": version, "ecosystem": ecosystem,
                "review_key": review_key(ecosystem, name, version), "purl": f"pkg:{ecosystem}/{name}@{version}",
                "description": "", "manufacturer": "", "repository_url": "", "supplier_id": None,
                "licence_expression": LICENCES[n % len(LICENCES)], "unknown_licences": [],
                "licence_verdict": ("allow", "allow", "allow", "allow", "review", "review", "allow", None)[n % 8],
                "direct": n % 5 == 0, "parents": [], "scope": "runtime", "classification": "soup" if n % 4 else "",
                "classification_rationale": "", "safety_class": ("A", "A", "A", "A", "A", "A", "A", "A", "B", "C")[n % 10],
                "requirements": "", "hw_sw_needed": "", "hazard_refs": "", "risk_level": "low", "status": "proposed",
                "change_kind": "added", "previous_version": "", "assessed": False, "assessment_note": "",
                "assessed_by_id": None, "assessed_at": None, "created_at": now, "updated_at": now, "row_version": 1,
            })
        _insert(Component.__table__, components)
        component_ids = list(db.session.scalars(db.select(Component.id).where(Component.release_id == release.id)
                                                .order_by(Component.id)))
        _insert(Advisory.__table__, [
            {"osv_id": f"BENCH-{size}-{n:05d}", "aliases": [], "summary": f"Flaw {n} in a bench package",
             "details": "", "severity": "", "severity_level": SEVERITIES[n % len(SEVERITIES)], "reference_urls": [],
             "content_hash": "", "affected_hash": "", "received_at": now - timedelta(days=n % 60),
             "imported_at": now, "source_file": "bench"}
            for n in range(counts["advisories"])])
        advisories = list(db.session.execute(db.select(Advisory.id, Advisory.severity_level).order_by(Advisory.id)))
        pairs: set[tuple[int, int]] = set()
        n = 0
        while len(pairs) < counts["matches"]:
            pairs.add((component_ids[(n * 7919) % len(component_ids)], n % len(advisories)))
            n += 1
        _insert(AdvisoryMatch.__table__, [
            {"component_id": component_id, "advisory_id": advisories[index].id, "release_id": release.id,
             "severity_rank": severity_rank(advisories[index].severity_level), "matched_at": now,
             "state": STATES[(component_id + index) % len(STATES)], "note": "", "created_at": now, "updated_at": now}
            for component_id, index in sorted(pairs)])
        reviewed = [row for row in components[::40] if row["safety_class"] != "A"]
        _insert(AnomalyReview.__table__, [
            {"component_id": None, "ecosystem": row["review_key"].split("\t")[0],
             "package": row["review_key"].split("\t")[1], "version": row["version"], "display_name": row["name"],
             "reviewer_id": qa.id, "reviewer_name": "Bench QA", "reviewed_at": now - timedelta(days=40),
             "safety_class": row["safety_class"], "anomalies": "none found", "links": [], "advisories_considered": [],
             "conclusion": "acceptable", "rationale": "", "next_due": today + timedelta(days=(n * 3) % 60 - 10),
             "created_at": now, "updated_at": now}
            for n, row in enumerate(reviewed)])
        anomaly_services.refresh_schedule()  # as imports, reviews and advisory imports keep it
        release_summaries.refresh([release.id])  # as an import keeps it
        db.session.commit()
        release_id = release.id
        db.session.remove()
        if db.engine.dialect.name == "postgresql":  # what autovacuum does soon after a bulk load: statistics and
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:  # visibility map
                connection.exec_driver_sql("VACUUM ANALYZE")
        db.engine.dispose()
    return release_id


def timed(port: int, path: str, cookie: str) -> tuple[float, int]:
    """Seconds and bytes of one GET (a new connection each, as the sync workers close them)."""
    began = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request("GET", path, headers={"Cookie": cookie})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    spent = time.perf_counter() - began
    if response.status != 200:
        raise RuntimeError(f"GET {path} on port {port}: {response.status} {body[:200]!r}")
    return spent, len(body)


def _databases(workdir: Path) -> dict[str, str]:
    """A database URL per data set: SQLite files, or PostgreSQL databases created next to DATABASE_URL's."""
    base = os.environ.get("DATABASE_URL", "")
    names = [*SIZES, "portal"]
    if not base.startswith("postgres"):
        return {name: f"sqlite:///{workdir / f'{name}.sqlite3'}" for name in names}
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(base.replace("postgresql://", "postgresql+psycopg://", 1).replace("postgres://", "postgresql+psycopg://", 1))
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    found = {}
    try:
        with engine.connect() as connection:
            for name in names:
                database = f"{url.database}_scale_{name}"
                if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": database}).scalar():
                    connection.execute(text(f'CREATE DATABASE "{database}"'))
                found[name] = url.set(database=database).render_as_string(hide_password=False)
    finally:
        engine.dispose()
    return found


PAGES = {
    "scale_release": "/releases/{release_id}",
    "scale_release_search": "/releases/{release_id}?q=" + SEARCH,
    "scale_home_qa": "/",
}


def measure(servers: dict[str, tuple[int, str, int]]) -> Iterator[str]:
    """Per page: ROUNDS rounds of REQUESTS requests per side, alternating which side goes first."""
    for name, template in PAGES.items():
        ratios: list[float] = []
        medians: dict[str, list[float]] = {size: [] for size in servers}
        sizes: dict[str, int] = {}
        for round_number in range(ROUNDS + 1):  # round 0 warms both servers up and is not counted
            order = list(servers) if round_number % 2 == 0 else list(reversed(servers))
            found: dict[str, float] = {}
            for size in order:
                port, cookie, release_id = servers[size]
                path = template.format(release_id=release_id)
                samples = []
                for _ in range(REQUESTS):
                    seconds, length = timed(port, path, cookie)
                    samples.append(seconds)
                    sizes[size] = length
                found[size] = statistics.median(samples)
            if round_number == 0:
                continue
            for size, value in found.items():
                medians[size].append(value)
            if "small" in found and "large" in found:
                ratios.append(found["large"] / found["small"])
        ms = {size: statistics.median(values) * 1000 for size, values in medians.items()}
        kb = {size: length / 1024 for size, length in sizes.items()}
        detail = " ".join(f"{size}_ms={ms[size]:.0f} {size}_kb={kb[size]:.0f}" for size in servers)
        if ratios:
            yield (f"bench {name} ratio={statistics.median(ratios):.2f} min={min(ratios):.2f} "
                   f"max={max(ratios):.2f} {detail} rounds={ROUNDS}x{REQUESTS} target<=1.5")
        else:
            yield f"bench {name} {detail} rounds={ROUNDS}x{REQUESTS}"


def concurrent_saves_line(url: str, workdir: Path) -> str:
    """32 sessions saving different questions of one questionnaire at once, three rounds: lost and conflicts."""
    sys.path.insert(0, str(ROOT))
    from tests.load.served import concurrent_saves, gunicorn, seed, stored_evaluations

    rounds = 3
    workdir.mkdir(parents=True, exist_ok=True)
    with gunicorn(workdir, url) as server:
        (token,) = seed(url, 1, questions=SESSIONS + 1)
        saves = [(f"Q{n:02d}", f"session {n}") for n in range(2, SESSIONS + 2)]
        seen = concurrent_saves(server.port, token, saves, rounds=rounds)
        ((_status, answers, _version),) = stored_evaluations(url).values()
    expected = {code: f"{value} #{rounds - 1}" for code, value in saves}
    lost = sum(1 for code, value in expected.items() if answers.get(code) != value)
    saves_done = SESSIONS * rounds
    return (f"bench portal_concurrent_saves lost={lost} conflicts={len(seen.conflicts)} sessions={SESSIONS} "
            f"saves={saves_done} seconds={seen.seconds:.1f} db={url.split(':')[0]} target: lost=0 conflicts=0")


def run() -> Iterator[str]:
    """The lines of this bench, each printed as soon as it is measured."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    wanted = [size for size in os.environ.get("BENCH_SCALE_SIZES", "small,large").split(",") if size in SIZES]
    processes = []
    try:
        urls = _databases(workdir)
        servers: dict[str, tuple[int, str, int]] = {}
        for size in wanted:
            began = time.perf_counter()
            release_id = build(urls[size], workdir / f"instance-{size}", size)
            yield f"bench scale_build_{size} seconds={time.perf_counter() - began:.1f} db={urls[size].split(':')[0]}"
            env = {**os.environ, "PROVENANCE_INSTANCE_PATH": str(workdir / f"instance-{size}"), "DATABASE_URL": urls[size],
                   "PROVENANCE_SECRET_KEY": "bench-secret", "PYTHONPATH": str(ROOT)}
            import bench.bench_supplier_list as shared
            shared.WORKERS = WORKERS
            port = free_port()
            processes.append(start("wsgi:app", port, env, workdir / f"{size}.log"))
            servers[size] = (port, sign_in(port), release_id)
        if servers:
            yield from measure(servers)
        stop(processes, workdir / "servers-stopped")
        processes = []
        yield concurrent_saves_line(urls["portal"], workdir / "portal")
    finally:
        stop(processes, workdir)


if __name__ == "__main__":
    for line in run():
        print(line, flush=True)
