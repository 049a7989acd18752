"""Shared fixtures: one app per test session on SQLite (or PostgreSQL when DATABASE_URL is set),
a clean database for every test, user factories, and a live server for browser tests."""

from __future__ import annotations

import contextvars
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from playwright.sync_api import expect
from sqlalchemy import text
from werkzeug.serving import make_server

from app import create_app
from app.access import Role
from app.audit import guard
from app.auth import services as auth_services
from app.auth.models import User
from app.extensions import db
from tests.helpers import PASSWORD, login

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def database_url(tmp_dir: Path) -> str:
    """PostgreSQL when DATABASE_URL is set (make test-postgres), else a SQLite file of this session."""
    return os.environ.get("DATABASE_URL") or f"sqlite:///{tmp_dir / 'test.sqlite3'}"


def test_config(tmp_dir: Path) -> dict[str, Any]:
    return {
        "ENV": "test",
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "AUDIT_CHAIN_KEY": "test-audit-chain-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": database_url(tmp_dir),
        "WTF_CSRF_ENABLED": False,
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 1024,
        "ARGON2_PARALLELISM": 1,
        "SERVER_NAME": None,
    }


class IsolatedClient(FlaskClient):
    """Runs each request in an empty context, as a real server would: its own app context, `g` and
    database session, even while the test itself holds an app context."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        if not has_app_context():  # a redirect followed inside the request's own context
            return super().open(*args, **kwargs)
        db.session.commit()  # end the test's own transaction so it holds no database lock meanwhile
        kwargs.setdefault("buffered", True)  # finish streamed responses inside that context
        response = contextvars.Context().run(super().open, *args, **kwargs)
        db.session.expire_all()  # what the test holds may have changed under it
        return response


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    tmp_dir = tmp_path_factory.mktemp("provenance")
    os.environ.setdefault("PROVENANCE_INSTANCE_PATH", str(tmp_dir / "instance"))
    application = create_app(test_config(tmp_dir))
    application.test_client_class = IsolatedClient
    with application.app_context():
        reset_schema()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def reset_schema() -> None:
    """Drop everything (Alembic's table too) and create the current schema."""
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.drop_all()
    db.create_all()


def wipe_tables() -> None:
    """Delete every row of every table (audit events included: raw SQL, outside the ORM's guard)."""
    db.session.remove()
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(f'"{table.name}"' for table in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            with guard.triggers_off(connection):  # the append-only triggers refuse DELETE on the audit tables
                for table in tables:
                    connection.execute(table.delete())


@pytest.fixture(autouse=True)
def _app_context(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test that uses the app runs inside an app context, on empty tables and an empty task queue."""
    if "app" not in request.fixturenames:
        yield
        return
    application: Flask = request.getfixturevalue("app")
    with application.app_context():
        yield
        wipe_tables()
        empty_task_queue(application)


def empty_task_queue(application: Flask) -> None:
    """Drop the tasks a test queued and never ran: the next test's worker would run them (on wiped tables)."""
    from app.jobs import queue

    if queue.is_built(application):
        queue.huey(application).flush()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    """Create and commit a user: make_user('qa', Role.QA) (password: PASSWORD)."""

    def factory(username: str, *roles: Role, full_name: str | None = None, password: str = PASSWORD) -> User:
        user = auth_services.create_user(
            username=username,
            full_name=full_name or username.replace("_", " ").title(),
            email=f"{username}@example.com",
            roles=set(roles) or {Role.ENGINEER},
            password=password,
        )
        db.session.commit()
        return user

    return factory


@pytest.fixture
def login_as(app: Flask, make_user: Callable[..., User]) -> Callable[..., FlaskClient]:
    """A test client signed in as a new user with the given roles: login_as(Role.QA)."""

    def factory(*roles: Role, username: str | None = None) -> FlaskClient:
        name = username or "_".join(str(role) for role in roles) + "_user"
        make_user(name, *roles)
        test_client = app.test_client()
        response = login(test_client, name)
        assert response.status_code == 302, response.get_data(as_text=True)
        return test_client

    return factory


# --- Browser tests -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": shutil.which("chromium") or shutil.which("chromium-browser"),
        "args": [
            "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run",
        ],
    }


class InFlight:
    """WSGI middleware that counts the requests the app is handling, so a test can wait until none is running.

    A request counts until the app returns its response: Flask has then run the view, committed and torn the request
    down (what is left is writing bytes). The server's call of the response's close() is no signal: Werkzeug's
    development server skips it when the client has already hung up."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.running = 0
        self.changed = threading.Condition()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        with self.changed:
            self.running += 1
        try:
            return self.app(environ, start_response)
        finally:
            with self.changed:
                self.running -= 1
                self.changed.notify_all()

    def wait_idle(self, timeout_s: float) -> bool:
        """True once no request is being handled; False if one still runs after timeout_s."""
        with self.changed:
            return self.changed.wait_for(lambda: self.running == 0, timeout_s)


# A browser assertion waits for its condition up to 20 s (Playwright's default is 5 s): on a loaded machine a page
# answers later, and an assertion that holds returns as soon as it does, so only a failing test waits longer.
BROWSER_EXPECT_MS = 20_000
expect.set_options(timeout=BROWSER_EXPECT_MS)

# A request the browser gave up on (a long import on a loaded machine) still runs in the server: the test's
# teardown waits for it, so the tables are never wiped under a live write transaction.
LIVE_SERVER_DRAIN_S = 300


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app served by a real HTTP server in a thread; yields its base URL; at the end, waits for running requests."""
    served = InFlight(app)
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        if not served.wait_idle(LIVE_SERVER_DRAIN_S):
            raise RuntimeError(f"a request to the live server was still running after {LIVE_SERVER_DRAIN_S} s")


@pytest.fixture
def screenshot() -> Callable[[Any, str], Path]:
    """Save a full-page screenshot under test-artifacts/screenshots/<name>.png."""

    def take(page: Any, name: str) -> Path:
        path = ARTIFACTS / "screenshots" / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


# --- The worker's brokers ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Redis server of this test session (Debian's redis-server, no persistence)."""
    from tests.services import redis_server

    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture(params=["sqlite", "redis"])
def broker(request: pytest.FixtureRequest, app: Flask, tmp_path: Path) -> Iterator[str]:
    """The worker's queue on each backend in turn: a SQLite file (the default) and a Redis server."""
    from app.jobs import queue

    url = request.getfixturevalue("redis_url") if request.param == "redis" else f"sqlite:///{tmp_path / 'tasks.sqlite3'}"
    previous = app.config.get("TASK_BROKER_URL", "")
    queue.use_broker(app, url).flush()
    try:
        yield url
    finally:
        queue.use_broker(app, previous)


# --- Public sources played by a local server -----------------------------------------------------


@pytest.fixture
def mirror(app: Flask) -> Iterator[Any]:
    """A local HTTP server standing in for the registries (a company mirror) and the other public sources; the app's
    base URLs point at it while the test runs. Nothing leaves the machine."""
    from tests.sources.mirror import serve

    keys = ("PYPI_URL", "NPM_REGISTRY_URL", "SOURCES_TIMEOUT_S", "SOURCES_CACHE_HOURS", "SOURCES_OFFLINE",
            "DEPSDEV_API_URL", "GITHUB_API_URL", "GITLAB_API_URL", "NPM_DOWNLOADS_URL", "SCORECARD_API_URL",
            "GITHUB_TOKEN", "SOURCES_CONCURRENCY")
    saved = {key: app.config[key] for key in keys}
    with serve() as server:
        app.config.update(PYPI_URL=f"{server.url}/pypi", NPM_REGISTRY_URL=f"{server.url}/npm", SOURCES_TIMEOUT_S=10,
                          DEPSDEV_API_URL=f"{server.url}/depsdev", GITHUB_API_URL=f"{server.url}/github",
                          GITLAB_API_URL=f"{server.url}/gitlab/api/v4", NPM_DOWNLOADS_URL=f"{server.url}/npmapi",
                          SCORECARD_API_URL=f"{server.url}/scorecard")
        try:
            yield server
        finally:
            app.config.update(saved)


@pytest.fixture
def worker_threads(app: Flask) -> Iterator[None]:
    """The real huey consumer on the app's default queue (a SQLite file), its workers as threads of this process
    (what `flask worker run` starts), for tests that watch a job progress from a page; stopped when the test ends.
    No signal handlers are touched. (The `broker` fixture runs the same jobs on Redis too.)"""
    from huey.consumer import Consumer

    from app.jobs import queue

    queue.huey(app).flush()  # tasks other tests queued and never ran

    class TestConsumer(Consumer):  # type: ignore[misc]
        def _set_signal_handlers(self) -> None:  # the test process keeps its own
            return

    consumer = TestConsumer(queue.huey(app), workers=2, worker_type="thread", periodic=False)
    consumer.start()
    try:
        yield
    finally:
        consumer.stop(graceful=True)
