"""Scale: every record page flat from a small to a large company, and `flask audit verify` never blocks writers.

The bench builds two data sets itself (generated, bulk-inserted):

    small: 1,000 suppliers and 10,000 audit events; the detail supplier has 25 certificates, performance events,
           purchases, contacts... (more than a page of each)
    large: 100,000 suppliers and 1,000,000 audit events; the detail supplier has 200 of each

(a valid hash chain, made with the app's own `event_hash`) on SQLite, or on PostgreSQL when
BENCH_SCALE_DATABASE_URL or DATABASE_URL is set (two schemas of that database, dropped afterwards). Both are
served by gunicorn (our wsgi:app, BENCH_WORKERS sync workers, as the other page benches) and every page is fetched
by one signed-in client in alternating rounds: a round fetches each page REQUESTS times from one set then the
other (ABBA order from round to round) and gives the ratio of the two median latencies; the median ratio over
ROUNDS rounds is printed with its min-max. Every page shows as many rows in both sets (the filtered actor and
record type are 1 % of the trail, the detail supplier has 60 events of its own in both), so a ratio measures
what the size of the data costs, not a longer page:

    bench scale_<page> ratio=<large/small> min=<..> max=<..> small_ms=<median> large_ms=<median> ...

Target: every ratio <= 1.5. Then, on the large set, `flask audit verify` runs as a separate process while
client threads keep signing in and saving supplier portal answers against the served app:

    bench scale_verify_concurrent errors=<n> verify_s=<s> events=<n> logins=<n> saves=<n> verify_rss_mb=<MB>
          verify_rss_small_mb=<MB of the same command on the small trail: memory stays flat>

Target: errors=0 (before, verify held SQLite's write lock for its whole run and writes failed "database is
locked"). Settings: BENCH_SCALE_SMALL_SUPPLIERS, BENCH_SCALE_SMALL_EVENTS, BENCH_SCALE_LARGE_SUPPLIERS,
BENCH_SCALE_LARGE_EVENTS, BENCH_SCALE_CHILDREN (200), BENCH_ROUNDS (7), BENCH_SCALE_REQUESTS (5),
BENCH_SCALE_VERIFY (1; 0 skips the concurrent verify run). It takes a while: building the large set takes 2-7
minutes and verifying a million events 4-14 minutes on this project's 2-core machine, depending on its load.
"""

from __future__ import annotations

import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.bench_supplier_list import PASSWORD, ROOT, free_port, request, sign_in, start, stop

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
REQUESTS = int(os.environ.get("BENCH_SCALE_REQUESTS", "5"))
USERS = 20
PORTAL_LINKS = 4
TARGET = 1.5


@dataclass(frozen=True)
class Scale:
    name: str
    suppliers: int
    events: int
    children: int  # certificates, performance events, purchases and evaluations of the detail supplier


SMALL = Scale("small", int(os.environ.get("BENCH_SCALE_SMALL_SUPPLIERS", "1000")),
              int(os.environ.get("BENCH_SCALE_SMALL_EVENTS", "10000")), 25)
LARGE = Scale("large", int(os.environ.get("BENCH_SCALE_LARGE_SUPPLIERS", "100000")),
              int(os.environ.get("BENCH_SCALE_LARGE_EVENTS", "1000000")),
              int(os.environ.get("BENCH_SCALE_CHILDREN", "200")))


@dataclass
class Built:
    """What a built data set offers the pages: ids to put in URLs, portal links, sizes and build time."""

    url: str
    detail_id: int = 0
    rare_actor_id: int = 0
    tokens: list[str] = field(default_factory=list)
    events: int = 0
    seconds: float = 0.0


# --- Building a data set -------------------------------------------------------------------------

STATUSES = (("approved", 66), ("conditionally_approved", 4), ("candidate", 10), ("under_evaluation", 10),
            ("rejected", 4), ("suspended", 2), ("inactive", 4))
KINDS = ("commercial_vendor", "open_source_project", "cloud_provider", "service_provider")
CRITICALITIES = ("critical", "major", "minor")
WORDS = ("Acme", "Blue", "Cedar", "Delta", "Echo", "Fjord", "Granite", "Harbor", "Iris", "Juniper", "Kestrel",
         "Lumen", "Meridian", "Nimbus", "Orchid", "Pioneer", "Quartz", "Raven", "Summit", "Tidal", "Umber",
         "Vertex", "Willow", "Xenon", "Yarrow", "Zephyr")
# Record types of the generated trail, with their share; purchase records are the rare type the filter bench reads.
EVENT_TYPES = (("supplier", 30), ("evaluation", 20), ("component", 20), ("certificate", 10),
               ("advisory_match", 10), ("signature", 5), ("user", 4), ("purchase_record", 1))
RARE_TYPE = "purchase_record"
RARE_ACTOR_SHARE = 100  # the actor the filter bench reads acts in one event of this many (a full page in both sets)
DETAIL_HISTORY = 60  # events of the detail supplier itself in both sets: its history panel shows its 50 latest


def schema_url(base: str, schema: str) -> str:
    """The PostgreSQL URL whose connections use `schema` (search_path), psycopg 3 driver."""
    url = base.replace("postgres://", "postgresql://", 1)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options=" + urllib.parse.quote(f"-csearch_path={schema}")


def reset_schema(base: str, schema: str, *, drop_only: bool = False) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(schema_url(base, "public"))
    try:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            if not drop_only:
                connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    finally:
        engine.dispose()


def complete(table: Any, rows: list[dict[str, Any]]) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The rows as tuples over every column but the id, with each column's default where a row has no value."""
    columns = [column for column in table.columns if column.name != "id"]
    defaults: dict[str, Any] = {}
    for column in columns:
        default = column.default
        if default is not None and default.is_scalar:
            defaults[column.name] = default.arg
        elif default is not None and default.is_callable:
            defaults[column.name] = default.arg(None)  # SQLAlchemy wraps it to take the execution context
        else:
            defaults[column.name] = None
    names = [column.name for column in columns]
    return names, [tuple(row.get(name, defaults[name]) for name in names) for row in rows]


def _sqlite_value(value: Any) -> Any:
    """A value as SQLAlchemy stores it in SQLite (its DateTime, Date, Boolean and JSON types)."""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def bulk_insert(connection: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    """COPY on PostgreSQL, the driver's executemany on SQLite: the fastest plain insert of each database."""
    if not rows:
        return
    names, values = complete(table, rows)
    driver = connection.connection.driver_connection
    json_columns = {column.name for column in table.columns if column.type.__class__.__name__ == "JSON"}
    positions = [index for index, name in enumerate(names) if name in json_columns]
    if connection.dialect.name == "postgresql":
        with driver.cursor() as cursor, cursor.copy(f'COPY {table.name} ({", ".join(names)}) FROM STDIN') as copy:
            for row in values:
                if positions:
                    row = list(row)
                    for index in positions:
                        row[index] = json.dumps(row[index])
                copy.write_row(row)
        return
    statement = f'INSERT INTO {table.name} ({", ".join(names)}) VALUES ({", ".join("?" * len(names))})'
    driver.cursor().executemany(statement, ([_sqlite_value(value) for value in row] for row in values))


def weighted(choices: Sequence[tuple[str, int]]) -> list[str]:
    """The names repeated by weight: rng.choice() of it is a weighted choice."""
    return [name for name, weight in choices for _ in range(weight)]


def supplier_rows(scale: Scale, rng: random.Random, today: date) -> Iterator[dict[str, Any]]:
    from app.suppliers.rules import name_key

    statuses = weighted(STATUSES)
    for n in range(scale.suppliers - PORTAL_LINKS - 1):
        status = rng.choice(statuses)
        approved = status in ("approved", "conditionally_approved")
        name = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {n + 1:06d}"
        yield {
            "code": f"GEN-{n + 1:06d}", "name": name, "name_key": name_key(name),
            "kind": rng.choice(KINDS), "status": status, "criticality": rng.choice(CRITICALITIES),
            "scope": f"Component family {n % 97}", "criticality_rationale": "Generated for the scale bench.",
            "next_reevaluation_due": today + timedelta(days=rng.randrange(-60, 900)) if approved else None,
            "approved_at": datetime(2025, 1, 1) + timedelta(minutes=n) if approved else None, "version": 1,
        }


def event_rows(scale: Scale, rng: random.Random, previous: str, user_ids: list[int], rare_actor: int,
               detail_id: int, first_time: datetime) -> Iterator[dict[str, Any]]:
    """Generated audit events chained to `previous` with the app's own hash (so `audit verify` passes)."""
    from app.audit.chain import event_hash, plain

    step = timedelta(seconds=2 * 365 * 24 * 3600 / max(scale.events, 1))
    others = [user_id for user_id in user_ids if user_id != rare_actor]
    types = weighted(EVENT_TYPES)
    detail_every = max(1, scale.events // DETAIL_HISTORY)
    for n in range(scale.events):
        entity_type = rng.choice(types)
        entity_id = str(rng.randrange(1000, 100000))  # never the detail supplier (a low id) by chance
        if n % detail_every == 3:
            entity_type, entity_id = "supplier", str(detail_id)
        roll = rng.random()
        action, name, changes, details = "update", "", {"status": {"old": "candidate", "new": "approved"}}, {}
        if roll < 0.3:
            action, changes = "create", {"name": {"old": None, "new": f"Record {n}"}}
        elif roll < 0.4:
            action, name, changes, details = "event", f"{entity_type}.reviewed", {}, {"decision": "approved"}
        elif roll < 0.45:
            entity_type, action, name, changes = "user", "login", "auth.login", {}
        if n % RARE_ACTOR_SHARE == 7:
            actor_id: int | None = rare_actor
        else:
            actor_id = None if roll > 0.92 else rng.choice(others)
        fields = {
            "occurred_at": first_time + step * n, "actor_id": actor_id,
            "actor_name": f"User {actor_id} (user{actor_id})" if actor_id else "system",
            "request_id": f"{rng.getrandbits(64):016x}", "ip": f"10.0.{n % 250}.{n % 200 + 1}",
            "action": action, "name": name, "entity_type": entity_type, "entity_id": entity_id,
            "entity_version": rng.randrange(1, 5) if action == "update" else None,
            "entity_label": f"{entity_type.replace('_', ' ').title()} {n}", "changes": plain(changes),
            "details": plain(details), "reason": "", "prev_hash": previous,
        }
        previous = event_hash(fields)
        yield {**fields, "hash": previous}


def build(url: str, scale: Scale, instance: Path) -> Built:
    """Schema, users, portal links (through the services), then suppliers, the detail supplier's sub-records and
    the audit trail in bulk."""
    os.environ["PROVENANCE_INSTANCE_PATH"] = str(instance)
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import func, select, text

    from app import create_app
    from app.access import Role
    from app.audit import services as audit
    from app.audit.models import AuditEvent
    from app.auth import services as auth_services
    from app.extensions import db
    from app.questionnaires.models import Evaluation
    from app.suppliers.models import Certificate, PerformanceEvent, PurchaseRecord, Supplier
    from tests.questionnaires.factories import commercial_template, make_supplier, sent

    began = time.monotonic()
    rng = random.Random(f"provenance-{scale.name}")
    built = Built(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "ARGON2_TIME_COST": 1,
                      "ARGON2_MEMORY_COST": 8192, "ARGON2_PARALLELISM": 1})
    with app.app_context(), app.test_request_context(), audit.acting_as(audit.Actor(None, "bench")):
        db.create_all()
        bench_user = auth_services.create_user(username="bench", full_name="Bench User", email="bench@example.com",
                                               roles={Role.QA, Role.AUDITOR}, password=PASSWORD)
        user_ids = [bench_user.id]
        for number in range(2, USERS + 1):
            user_ids.append(auth_services.create_user(
                username=f"user{number}", full_name=f"User {number}", email=f"user{number}@example.com",
                roles={Role.ENGINEER}, password=PASSWORD).id)
        built.rare_actor_id = user_ids[-1]
        for number in range(PORTAL_LINKS):
            built.tokens.append(sent(bench_user, make_supplier(f"PORTAL-{number}", f"Portal supplier {number}"))[1])
        template_id = commercial_template().id
        detail = make_supplier("DETAIL-1", "Detail Supplier", status="approved")
        built.detail_id = detail.id
        db.session.commit()

        connection = db.session.connection()
        today = date.today()
        bulk_insert(connection, Supplier.__table__, list(supplier_rows(scale, rng, today)))
        children = range(scale.children)
        bulk_insert(connection, Certificate.__table__, [
            {"supplier_id": detail.id, "standard": "ISO 9001", "number": f"Q-{n}", "issuer": "TÜV",
             "valid_until": today + timedelta(days=n * 3 - 100), "version": 1} for n in children])
        bulk_insert(connection, PerformanceEvent.__table__, [
            {"supplier_id": detail.id, "occurred_on": today - timedelta(days=n), "type": "defect", "severity": "low",
             "reference": f"BUG-{n}", "description": f"Defect {n} found in incoming inspection."} for n in children])
        bulk_insert(connection, PurchaseRecord.__table__, [
            {"supplier_id": detail.id, "reference": f"PO-{n}", "product": "Widget", "product_version": f"1.{n}",
             "status": "verified", "receipt_result": "accepted", "version": 1} for n in children])
        bulk_insert(connection, Evaluation.__table__, [
            {"supplier_id": detail.id, "template_id": template_id, "reference": f"EV-BENCH-{n:04d}",
             "evaluation_type": "periodic", "status": "cancelled", "cancel_reason": "Generated.", "version": 1}
            for n in children])
        head = connection.execute(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).scalar() or ""
        last_time = connection.execute(select(func.max(AuditEvent.occurred_at))).scalar()
        first_time = (last_time or datetime(2024, 1, 1)) + timedelta(seconds=1)
        rows: list[dict[str, Any]] = []
        for row in event_rows(scale, rng, head, user_ids, built.rare_actor_id, detail.id, first_time):
            rows.append(row)
            if len(rows) == 50000:
                bulk_insert(connection, AuditEvent.__table__, rows)
                rows = []
        bulk_insert(connection, AuditEvent.__table__, rows)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as raw:
                raw.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
        built.events = int(db.session.scalar(select(func.count()).select_from(AuditEvent)) or 0)
        db.session.remove()
        db.engine.dispose()
    built.seconds = time.monotonic() - began
    return built


# --- Measuring the pages --------------------------------------------------------------------------


def wait_ready(port: int, seconds: float = 300) -> None:
    """Until a worker answers the login page: on a busy machine booting the workers takes a while."""
    import http.client

    deadline = time.monotonic() + seconds
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=seconds)
            connection.request("GET", "/login")
            status = connection.getresponse().status
            connection.close()
            if status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the app on port {port} did not answer within {seconds:.0f} s")
        time.sleep(1)


def pages(built: Built) -> dict[str, str]:
    return {
        "scale_audit_log": "/audit/",
        "scale_audit_log_actor": f"/audit/?actor={built.rare_actor_id}",
        "scale_audit_log_type": f"/audit/?entity_type={RARE_TYPE}",
        "scale_approved_list": "/suppliers/approved",
        "scale_supplier_list": "/suppliers/",
        "scale_supplier_detail": f"/suppliers/{built.detail_id}",
    }


def fetch(port: int, path: str, cookie: str) -> float:
    began = time.perf_counter()
    status, _headers, body = request(port, path, headers={"Cookie": cookie})
    elapsed = time.perf_counter() - began
    if status != 200:
        raise RuntimeError(f"GET {path} on port {port}: {status} {body[:200]!r}")
    return elapsed


def measure(servers: dict[str, tuple[int, str, Built]]) -> list[str]:
    """Alternating rounds over every page; one line per page."""
    paths = {name: pages(built) for name, (_port, _cookie, built) in servers.items()}
    for name, (port, cookie, _built) in servers.items():  # warm up every worker: imports, templates, caches
        for path in paths[name].values():
            for _ in range(4):
                fetch(port, path, cookie)
    ratios: dict[str, list[float]] = {page: [] for page in paths["small"]}
    medians: dict[str, dict[str, list[float]]] = {page: {"small": [], "large": []} for page in paths["small"]}
    for round_number in range(ROUNDS):
        for page in ratios:
            order = ["small", "large"] if round_number % 2 == 0 else ["large", "small"]
            found = {}
            for side in order:
                port, cookie, _built = servers[side]
                found[side] = statistics.median(fetch(port, paths[side][page], cookie) for _ in range(REQUESTS))
                medians[page][side].append(found[side])
            ratios[page].append(found["large"] / found["small"])
    lines = []
    for page, values in ratios.items():
        small_ms = statistics.median(medians[page]["small"]) * 1000
        large_ms = statistics.median(medians[page]["large"]) * 1000
        lines.append(
            f"bench {page} ratio={statistics.median(values):.2f} min={min(values):.2f} max={max(values):.2f} "
            f"small_ms={small_ms:.1f} large_ms={large_ms:.1f} rounds={ROUNDS}x{REQUESTS} target<={TARGET}"
        )
    return lines


# --- audit verify while others write --------------------------------------------------------------


def portal_headers(port: int, token: str) -> dict[str, str]:
    status, headers, page = request(port, f"/portal/{token}")
    cookie = re.search(r"session=([^;]+)", headers.get("set-cookie-all", ""))
    csrf = re.search(rb'name="csrf-token" content="([^"]+)"', page)
    if status != 200 or not cookie or not csrf:
        raise RuntimeError(f"portal page: {status}")
    return {"Cookie": f"session={cookie.group(1)}", "X-CSRFToken": csrf.group(1).decode(), "HX-Request": "true",
            "Content-Type": "application/x-www-form-urlencoded"}


def verify_alone(env: dict[str, str]) -> tuple[bool, float]:
    """`flask audit verify` with nobody else: whether it passed, and its peak memory (MB)."""
    flask = Path(sys.executable).parent / "flask"
    process = subprocess.Popen([str(flask), "--app", "wsgi", "audit", "verify"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode == 0, usage.ru_maxrss / 1024


def verify_while_writing(port: int, built: Built, env: dict[str, str], workdir: Path, small_rss: float) -> str:
    """`flask audit verify` in its own process while one thread signs in again and again and two save portal
    answers; every refused or failed write is an error."""
    counts = {"logins": 0, "saves": 0}
    errors: list[str] = []
    done = threading.Event()
    headers = [portal_headers(port, token) for token in built.tokens]

    def logins() -> None:
        while not done.is_set():
            try:
                sign_in(port)
                counts["logins"] += 1
            except (AssertionError, OSError, RuntimeError) as error:
                errors.append(f"login: {error!r}")

    def saves(index: int) -> None:
        number = 0
        while not done.is_set():
            number += 1
            try:
                status, _h, body = request(port, f"/portal/{built.tokens[index]}/answers/C3", method="POST",
                                           body=f"answer={number % 40 + 1}", headers=headers[index])
                if status != 200 or b"saved" not in body.lower():
                    errors.append(f"save: {status} {body[:120]!r}")
                else:
                    counts["saves"] += 1
            except OSError as error:
                errors.append(f"save: {error!r}")

    threads = [threading.Thread(target=logins)] + [threading.Thread(target=saves, args=(i,)) for i in range(2)]
    flask = Path(sys.executable).parent / "flask"
    log = (workdir / "verify.log").open("wb")
    began = time.monotonic()
    process = subprocess.Popen([str(flask), "--app", "wsgi", "audit", "verify"], cwd=ROOT, env=env, stdout=log,
                               stderr=subprocess.STDOUT)
    for thread in threads:
        thread.start()
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.monotonic() - began
    process.returncode = os.waitstatus_to_exitcode(status)
    done.set()
    for thread in threads:
        thread.join()
    log.close()
    output = (workdir / "verify.log").read_text(errors="replace").strip()
    match = re.search(r"audit chain OK: (\d+) events", output)
    if process.returncode != 0 or not match:
        errors.append(f"verify: exit {process.returncode}: {output[-300:]}")
    rss_mb = usage.ru_maxrss / 1024  # kilobytes on Linux
    line = (f"bench scale_verify_concurrent errors={len(errors)} verify_s={seconds:.1f} "
            f"events={match.group(1) if match else '?'} logins={counts['logins']} saves={counts['saves']} "
            f"verify_rss_mb={rss_mb:.0f} verify_rss_small_mb={small_rss:.0f} target: errors=0")
    if errors:
        logged = [entry for entry in (workdir / "large.log").read_text(errors="replace").splitlines()
                  if "Error" in entry and not entry.startswith(" ")]
        line += f" first_error={errors[0][:120]!r} server_log={logged[:3]!r}"
    return line


# --- The run ----------------------------------------------------------------------------------------


def run() -> list[str]:
    workdir = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    base = os.environ.get("BENCH_SCALE_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""
    postgres = base.startswith(("postgres://", "postgresql"))
    processes: list[subprocess.Popen[bytes]] = []
    try:
        servers: dict[str, tuple[int, str, Built]] = {}
        envs: dict[str, dict[str, str]] = {}
        lines: list[str] = []
        for scale in (SMALL, LARGE):
            if postgres:
                schema = f"bench_scale_{scale.name}"
                reset_schema(base, schema)
                url = schema_url(base, schema)
            else:
                url = f"sqlite:///{workdir / f'{scale.name}.sqlite3'}"
            instance = workdir / f"instance-{scale.name}"
            built = build(url, scale, instance)
            lines.append(f"# scale {scale.name}: {scale.suppliers} suppliers, {built.events} audit events, "
                         f"{scale.children} sub-records of each kind on the detail supplier, built in {built.seconds:.0f} s "
                         f"({'postgresql' if postgres else 'sqlite'})")
            env = {**os.environ, "PROVENANCE_INSTANCE_PATH": str(instance), "DATABASE_URL": url,
                   "PROVENANCE_SECRET_KEY": "bench-secret", "PROVENANCE_PORTAL_RATE_LIMIT_PER_MINUTE": "1000000",
                   "PYTHONPATH": str(ROOT)}
            port = free_port()
            processes.append(start("wsgi:app", port, env, workdir / f"{scale.name}.log"))
            wait_ready(port)
            servers[scale.name] = (port, sign_in(port), built)
            envs[scale.name] = env
        lines += measure(servers)
        if os.environ.get("BENCH_SCALE_VERIFY", "1") != "0":
            passed, small_rss = verify_alone(envs["small"])
            if not passed:
                raise RuntimeError("audit verify failed on the small trail")
            port, _cookie, built = servers["large"]
            lines.append(verify_while_writing(port, built, envs["large"], workdir, small_rss))
        return lines
    finally:
        stop(processes, workdir)
        if postgres:
            for scale in (SMALL, LARGE):
                reset_schema(base, f"bench_scale_{scale.name}", drop_only=True)


if __name__ == "__main__":
    for line in run():
        print(line, flush=True)
