"""The app as production runs it, for the load and crash tests: gunicorn with 4 sync workers on a loopback
socket, its own instance folder and database (a fresh SQLite file, or the PostgreSQL database of DATABASE_URL),
migrated to head with `flask db upgrade`, seeded through the app's own services; and a supplier's browser
reduced to what it sends: the portal page's cookie and CSRF token, htmx autosaves and the submit button.

The test binds the listening socket itself and hands it to gunicorn (`--bind fd://N`): the port is free
without a race, and requests sent before the workers have booted wait in the socket's backlog.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 4
QUESTIONS = 20  # Q01 (a scored yes/no) and Q02..Q20 (text), all required
SECRET = "load-test-secret-key-not-for-production"
# How long one request may take before the client gives up: a bound for a machine loaded many times over (a
# save queued behind 32 others on 4 workers once passed 60 s at a load average of 17), not a retry.
REQUEST_TIMEOUT_S = 300
AUDIT_KEY = "load-test-audit-chain-key"  # the seed and the served workers write one keyed chain


class ServerError(Exception):
    """A response the supplier's browser would show as a failure (5xx, or the wrong page)."""


@dataclass
class Served:
    port: int
    process: subprocess.Popen[bytes]
    env: dict[str, str]
    log: Path

    def worker_pids(self) -> list[int]:
        """The gunicorn master's children (its workers), from /proc."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return [int(pid) for pid in children]

    def flask(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(Path(sys.executable).parent / "flask"), "--app", "wsgi", *args],
                              cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=120)


def server_env(instance: Path, url: str) -> dict[str, str]:
    """Production settings behind a TLS proxy (README, Deployment): one trusted hop sets the client's address."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PROVENANCE_")}
    env.update({
        "PROVENANCE_INSTANCE_PATH": str(instance), "DATABASE_URL": url, "PROVENANCE_ENV": "production",
        "PROVENANCE_SECRET_KEY": SECRET, "PROVENANCE_AUDIT_CHAIN_KEY": AUDIT_KEY,
        "PROVENANCE_TRUST_PROXY_HOPS": "1", "PYTHONPATH": str(ROOT),
    })
    return env


def prepare_database(url: str, env: dict[str, str]) -> None:
    """An empty database migrated to head by the real command (PostgreSQL: the suite's schema is dropped first)."""
    if url.startswith("postgresql"):
        from app import create_app
        from app.extensions import db

        fresh = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "AUDIT_CHAIN_KEY": AUDIT_KEY})
        with fresh.app_context():
            db.drop_all()
            with db.engine.begin() as connection:
                connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.session.remove()
            db.engine.dispose()
    upgrade = subprocess.run([str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "db", "upgrade"],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert upgrade.returncode == 0, upgrade.stderr


def template_definition(count: int = QUESTIONS) -> dict[str, Any]:
    questions: list[dict[str, Any]] = [{
        "code": "Q01", "text": "Do you keep a quality manual?", "answer_type": "single_choice", "required": True,
        "options": [{"value": "yes", "label": "Yes", "points": 10}, {"value": "no", "label": "No", "points": 0}],
    }]
    questions += [{"code": f"Q{n:02d}", "text": f"Describe practice {n}.", "answer_type": "text", "required": True}
                  for n in range(2, count + 1)]
    return {"name": "Load test questionnaire", "audience": "commercial", "version": 1,
            "description": f"{count} supplier questions.", "sections": [{"title": "Practices", "questions": questions}]}


def seed(url: str, count: int, answers: dict[str, str] | None = None, *, questions: int = QUESTIONS) -> list[str]:
    """One published template (Q01 and text questions up to `questions`) and `count` evaluations with a portal link
    each (through the app's services); `answers` are saved as the supplier's drafts. Returns the raw link tokens."""
    import json

    from app import create_app
    from app.access import Role
    from app.audit import services as audit
    from app.auth import services as auth_services
    from app.extensions import db
    from app.questionnaires import evaluations, services
    from app.suppliers.models import Supplier, SupplierContact, SupplierStatus

    fresh = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "AUDIT_CHAIN_KEY": AUDIT_KEY,
                        "ARGON2_TIME_COST": 1,
                        "ARGON2_MEMORY_COST": 1024, "ARGON2_PARALLELISM": 1})
    tokens = []
    with fresh.app_context(), fresh.test_request_context(), audit.acting_as(audit.Actor(None, "load test seed")):
        qa = auth_services.create_user(username="qa", full_name="Quality Lead", email="qa@example.com",
                                       roles={Role.QA}, password="load-test-password-42")
        template = services.import_template(json.dumps(template_definition(questions)).encode(), "load.json", by=qa)
        services.publish(template, by=qa)
        for n in range(count):
            supplier = Supplier(code=f"S{n:03d}", name=f"Supplier {n:03d}", kind="commercial_vendor",
                                status=SupplierStatus.CANDIDATE, criticality="major")
            supplier.contacts.append(SupplierContact(name="Sam", email=f"sam@s{n:03d}.example", role="QA"))
            db.session.add(supplier)
            db.session.flush()
            evaluation = evaluations.start_evaluation(supplier, template, evaluation_type="initial",
                                                      due_date=None, by=qa)
            tokens.append(evaluations.send_link(evaluation, contact_name="Sam",
                                                contact_email=f"sam@s{n:03d}.example", by=qa))
            for code, raw in (answers or {}).items():
                assert evaluations.save_supplier_answer(evaluation, code, raw).ok
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return tokens


def stored_evaluations(url: str) -> dict[str, tuple[str, dict[str, Any], int]]:
    """Every evaluation's (status, supplier answers, version) by supplier code, read straight from the database."""
    from sqlalchemy import create_engine, select

    from app.questionnaires.models import Evaluation, EvaluationAnswer
    from app.suppliers.models import Supplier

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    evaluations, answers = Evaluation.__table__, EvaluationAnswer.__table__
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(Supplier.__table__.c.code, evaluations.c.id, evaluations.c.status,
                                             evaluations.c.version).join(evaluations)).all()
            saved = connection.execute(
                select(answers.c.evaluation_id, answers.c.question_code, answers.c.value)
                .where(answers.c.answered_by == "supplier", answers.c.value.is_not(None))
            ).all()
    finally:
        engine.dispose()
    by_evaluation: dict[int, dict[str, Any]] = {}
    for evaluation_id, code, value in saved:
        by_evaluation.setdefault(evaluation_id, {})[code] = value
    return {code: (status, by_evaluation.get(evaluation_id, {}), version) for code, evaluation_id, status, version in rows}


@contextmanager
def gunicorn(tmp: Path, url: str) -> Iterator[Served]:
    """`gunicorn wsgi:app` with 4 sync workers on a socket of 127.0.0.1 bound by the test."""
    env = server_env(tmp / "instance", url)
    prepare_database(url, env)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(256)
    log = tmp / "gunicorn.log"
    executable = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [executable, "--workers", str(WORKERS), "--worker-class", "sync", "--bind", f"fd://{listener.fileno()}",
             "--log-level", "warning", "wsgi:app"],
            cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT, pass_fds=(listener.fileno(),),
        )
    served = Served(port=listener.getsockname()[1], process=process, env=env, log=log)
    listener.close()  # gunicorn holds its own copy
    try:
        yield served
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- a supplier's browser ---------------------------------------------------------------------------


REFERRER_META = re.compile(r'<meta name="referrer" content="([^"]+)">')


@dataclass
class Supplier:
    """One supplier's browser on the portal: the session cookie and CSRF token of the page it opened, the
    Referer its referrer policy lets it send, and an address of its own (X-Forwarded-For from the proxy)."""

    port: int
    token: str
    address: str
    cookie: str = ""
    csrf: str = ""
    referrer: str | None = None
    save_seconds: list[float] = field(default_factory=list)

    @property
    def page(self) -> str:
        return f"/portal/{self.token}"

    def request(self, method: str, path: str, form: dict[str, str] | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
        """One request on a new connection (sync workers close each one); a dropped connection raises OSError
        or http.client.HTTPException."""
        sent = {"X-Forwarded-For": self.address, "X-Forwarded-Proto": "https", **(headers or {})}
        if self.cookie:
            sent["Cookie"] = self.cookie
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            if self.referrer is not None:
                sent["Referer"] = self.referrer
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT_S)
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            data = response.read().decode("utf-8", "replace")
            cookies = [value for key, value in response.getheaders() if key.lower() == "set-cookie"]
            found = {key.lower(): value for key, value in response.getheaders()}
        finally:
            connection.close()
        for cookie in cookies:  # the session cookie, whatever its name (production uses the __Host- prefix)
            match = re.match(r"([^=;\s]*session)=([^;]*)", cookie)
            if match:
                self.cookie = f"{match.group(1)}={match.group(2)}"
        return response.status, found, data

    def open(self) -> None:
        """Open the link: keep the session cookie and the CSRF token, and what Referer the page allows."""
        status, _headers, page = self.request("GET", self.page)
        if status != 200:
            raise ServerError(f"{self.page}: status {status}")
        match = re.search(r'<meta name="csrf-token" content="([^"]+)">', page)
        if match is None:
            raise ServerError("no CSRF token on the portal page")
        self.csrf = match.group(1)
        policy = REFERRER_META.search(page)
        url = f"https://127.0.0.1:{self.port}{self.page}"
        self.referrer = None if policy and policy.group(1) == "no-referrer" else url

    def send_save(self, code: str, value: str) -> tuple[int, str]:
        """What htmx sends on `change` of one answer (the form's fields, HX-* headers and X-CSRFToken): the status
        and the fragment answered."""
        import time

        started = time.perf_counter()
        status, _headers, body = self.request(
            "POST", f"{self.page}/answers/{code}", {"csrf_token": self.csrf, "answer": value},
            {"HX-Request": "true", "HX-Current-URL": f"https://127.0.0.1:{self.port}{self.page}",
             "HX-Target": f"status-{code}", "X-CSRFToken": self.csrf},
        )
        self.save_seconds.append(time.perf_counter() - started)
        return status, body

    def save(self, code: str, value: str) -> None:
        """One autosave that must work (anything but 200 "Saved" raises ServerError)."""
        status, body = self.send_save(code, value)
        if status != 200 or "Saved" not in body:
            raise ServerError(f"save {code}: status {status}: {body[:300]}")

    def submit(self) -> int:
        """The review page's submit button; returns the status (302 to the receipt when it worked)."""
        status, headers, body = self.request("POST", f"{self.page}/submit", {"csrf_token": self.csrf})
        if status == 302 and headers.get("location", "").endswith(f"{self.page}/receipt"):
            return status
        if status == 410 and "already submitted" in body:
            return status
        raise ServerError(f"submit: status {status} {headers.get('location', '')}: {body[:300]}")


def busy_worker(served: Served) -> int | None:
    """A worker holding an accepted connection (a sync worker serves one request at a time and closes it after
    the response), found from /proc: its open sockets against the ESTABLISHED server-side sockets of the port."""
    established = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[3] == "01" and int(fields[1].split(":")[1], 16) == served.port:
            established.add(fields[9])
    for pid in served.worker_pids():
        try:
            links = [os.readlink(entry) for entry in Path(f"/proc/{pid}/fd").iterdir()]
        except OSError:
            continue
        if any(link.startswith("socket:[") and link[8:-1] in established for link in links):
            return pid
    return None


# --- many sessions on one questionnaire -------------------------------------------------------------


@dataclass
class ConcurrentSaves:
    """What `concurrent_saves` saw: saves that did not answer 200 "Saved" (conflicts, refusals) and answers missing
    or different in the database afterwards (lost)."""

    conflicts: list[str]
    lost: list[str]
    seconds: float


def concurrent_saves(port: int, token: str, saves: list[tuple[str, str]], *, rounds: int = 1) -> ConcurrentSaves:
    """One browser session per item of `saves` (its own cookie, CSRF token and address) on the same questionnaire:
    all open the link, then all save their (question, value) at the same moment, `rounds` times (the value gets the
    round's number after the first round). Returns the conflicts seen; `lost` is left to the caller."""
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    sessions = [Supplier(port, token, f"10.9.{n // 200}.{n % 200 + 1}") for n in range(len(saves))]
    with ThreadPoolExecutor(max_workers=len(sessions)) as pool:
        list(pool.map(Supplier.open, sessions))
    conflicts: list[str] = []
    started = time.monotonic()
    for round_number in range(rounds):
        barrier = threading.Barrier(len(sessions))

        def one(index: int, round_number: int = round_number, barrier: threading.Barrier = barrier) -> None:
            code, value = saves[index]
            barrier.wait()
            status, body = sessions[index].send_save(code, value if round_number == 0 else f"{value} #{round_number}")
            if status != 200 or "Saved" not in body:
                conflicts.append(f"{code}: {status} {body[:120]!r}")

        with ThreadPoolExecutor(max_workers=len(sessions)) as pool:
            list(pool.map(one, range(len(sessions))))
    return ConcurrentSaves(conflicts=conflicts, lost=[], seconds=time.monotonic() - started)


def answer_events(url: str, code: str) -> list[dict[str, Any]]:
    """The audit trail's changes of one answer ("answers.<code>": old, new), in the order of the chain."""
    from sqlalchemy import create_engine, select

    from app.audit.models import AuditEvent

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    events = AuditEvent.__table__
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(events.c.changes).where(events.c.entity_type == "evaluation")
                                      .order_by(events.c.id)).scalars().all()
    finally:
        engine.dispose()
    return [changes[f"answers.{code}"] for changes in rows if f"answers.{code}" in (changes or {})]
