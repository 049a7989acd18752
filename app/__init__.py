"""Provenance: supplier qualification, SOUP/OTSS inventory and OTSS validation with audit-proof records."""

from __future__ import annotations

import os
import re
import secrets
from importlib import import_module
from pathlib import Path
from typing import Any

from flask import Flask, g, request, session

from app.config import ROOT, DefaultConfig

# Blueprints, in navigation order: "package" -> app/<package>/views.py:bp
BLUEPRINTS: tuple[str, ...] = (
    "auth", "audit", "dashboard", "drafts", "inbox", "suppliers", "questionnaires", "portal", "inventory", "validation", "documents", "api", "jobs", "sources",
    "notifications",
)
# Click groups: app/<module>.py:cli
CLI_MODULES: tuple[str, ...] = (
    "auth.cli", "audit.cli", "documents.cli", "demo", "notifications.cli", "notifications.reminders_cli",
    "inventory.cli", "inventory.advisories.cli", "jobs.cli", "sources.cli",
)

# Modules that plug a domain into a lower package (reminder rules into the outbox, evaluations into the
# supplier register): app/<module>.py:init_app(app). A lower package never imports a higher one.
# Endpoints whose uploads have their own size setting instead of MAX_CONTENT_LENGTH: a 50k-component SBOM is ~24 MB.
UPLOAD_LIMITS: dict[str, str] = {
    "inventory.releases_import": "INVENTORY_UPLOAD_MAX_BYTES",
    "api.imports_create": "INVENTORY_UPLOAD_MAX_BYTES",
    "inventory.test_results_import": "TEST_RESULTS_UPLOAD_MAX_BYTES",
    "api.test_results_create": "TEST_RESULTS_UPLOAD_MAX_BYTES",
}
FORM_OVERHEAD_BYTES = 1024 * 1024  # multipart boundaries and the other fields of the form

PLUG_INS: tuple[str, ...] = (
    "signatures.services", "jobs.queue", "notifications.tasks", "inventory.licences.lookup", "inventory.supplied",
    "questionnaires.evidence",
    "auth.services", "suppliers.reminders", "suppliers.services.register", "questionnaires.reminders", "questionnaires.evaluations",
    "inventory.reminders", "inventory.anomalies.services", "inventory.summary", "inventory.advisories.sync",
    "inventory.monitoring.services", "validation.reminders",
    "drafts.services", "documents.issuing", "documents.inbox", "questionnaires.inbox", "suppliers.inbox", "inventory.inbox", "inventory.traceability.inbox", "validation.inbox", "inbox.digest",
)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: config -> extensions -> blueprints -> plug-ins -> cli -> request hooks -> error pages."""
    app = Flask(
        __name__,
        instance_path=str(Path(os.environ.get("PROVENANCE_INSTANCE_PATH", ROOT / "instance")).resolve()),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
    )
    register_config(app, test_config)
    from app.inputs import AppRequest, RowId

    app.request_class = AppRequest  # it notes a form that could not be read (app.inputs.unreadable_form)

    app.url_map.converters["int"] = RowId  # before any route is added: every <int:…> is a bounded row id
    register_extensions(app)
    register_blueprints(app)
    register_plug_ins(app)
    register_cli(app)
    register_request_hooks(app)
    register_template_helpers(app)
    from app.error_pages import register_error_handlers

    register_error_handlers(app)
    register_denial_audit(app)
    return app


def register_denial_audit(app: Flask) -> None:
    """Every refused request (403) is logged, and recorded as access.denied in the audit trail (rate-limited)."""
    from app import error_pages, unit_of_work
    from app.audit import services as audit

    def record(reason: str) -> None:
        permission = ",".join(g.get("denied_permissions", ()))
        actor = audit.current_actor()
        app.logger.warning("access.denied: %s %s actor=%r ip=%s permission=%s reason=%s", request.method,
                           request.path, actor.name, request.remote_addr, permission, reason)
        try:
            unit_of_work.run(lambda: audit.record_access_denied(
                path=request.full_path.rstrip("?"), method=request.method, permission=permission, reason=reason,
                per_minute=int(app.config["ACCESS_DENIED_AUDIT_PER_MINUTE"]),
            ), once=False)
        except Exception:  # the refusal is answered anyway; the log line above keeps it
            app.logger.exception("access.denied could not be recorded in the audit trail")
            unit_of_work.discard()

    app.extensions.setdefault(error_pages.ON_DENIED, []).append(record)


def register_config(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Defaults -> instance/config.py -> PROVENANCE_* environment -> test config."""
    app.config.from_object(DefaultConfig)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("PROVENANCE")
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if os.environ.get("TASK_BROKER_URL"):
        app.config["TASK_BROKER_URL"] = os.environ["TASK_BROKER_URL"]
    if test_config:
        app.config.update(test_config)
    uri = app.config.get("SQLALCHEMY_DATABASE_URI")
    if not uri:
        os.makedirs(app.instance_path, exist_ok=True)
        uri = f"sqlite:///{Path(app.instance_path) / 'app.sqlite3'}"
    if uri.startswith("postgres://"):
        uri = "postgresql://" + uri[len("postgres://"):]
    if uri.startswith("postgresql://"):
        uri = "postgresql+psycopg://" + uri[len("postgresql://"):]
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    production = app.config["ENV"] == "production"
    if not app.config.get("SECRET_KEY"):
        if production:
            raise RuntimeError(
                "PROVENANCE_SECRET_KEY is not set. Production refuses to start without a secret key "
                "(set it in instance/config.py or the environment)."
            )
        # Development and tests without a configured key: a random one (sessions end at restart).
        app.config["SECRET_KEY"] = secrets.token_hex(32)
    if production and not app.config.get("AUDIT_CHAIN_KEY"):
        raise RuntimeError(
            "PROVENANCE_AUDIT_CHAIN_KEY is not set. Production refuses to start without the key of the audit chain "
            "(set it in instance/config.py or the environment; keep a copy outside the database and its backups)."
        )
    if app.config.get("SESSION_COOKIE_SECURE") is None:
        app.config["SESSION_COOKIE_SECURE"] = production
    if production:
        app.config["DEBUG"] = False
    if not app.config.get("SESSION_COOKIE_NAME"):
        # The __Host- prefix makes browsers refuse the cookie unless it is Secure, for Path=/ and without Domain,
        # so a sibling sub-domain cannot plant or overwrite it. Without https (development, tests) it could not be set.
        app.config["SESSION_COOKIE_NAME"] = "__Host-provenance-session" if production else "session"
    if app.config["SESSION_COOKIE_NAME"].startswith("__Host-"):
        app.config.update(SESSION_COOKIE_SECURE=True, SESSION_COOKIE_PATH="/", SESSION_COOKIE_DOMAIN=None)
    from datetime import timedelta

    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=app.config["SESSION_INACTIVITY_MINUTES"])
    if app.config["TRUST_PROXY_HOPS"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["TRUST_PROXY_HOPS"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]


def _seconds(app: Flask, name: str) -> float:
    """A setting that counts seconds, refused at start-up with its name when it is not a number of 0 or more."""
    value = app.config[name]
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = -1.0
    if isinstance(value, bool) or not seconds >= 0:
        raise RuntimeError(f"{name} must be a number of seconds (0 or more), not {value!r}.")
    return seconds


def register_extensions(app: Flask) -> None:
    from app.audit import services as audit_services
    from app.db import configure_postgresql, configure_sqlite
    from app.extensions import csrf, db, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))

    @app.before_request  # before CSRFProtect's hook, which reads the form (and so meets the body limit) first
    def _upload_limits() -> None:
        setting = UPLOAD_LIMITS.get(request.endpoint or "")
        if setting is not None:
            request.max_content_length = int(app.config[setting]) + FORM_OVERHEAD_BYTES

    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
        elif db.engine.dialect.name == "postgresql" and not app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_pre_ping"):
            configure_postgresql(db.engine, _seconds(app, "DATABASE_PING_AFTER_IDLE_S"))
    import_models()
    audit_services.init_app()

    from app.auth.models import User

    @login_manager.user_loader
    def _load_user(alternative_id: str) -> User | None:
        from sqlalchemy import select

        return db.session.scalar(select(User).where(User.alternative_id == alternative_id, User.active.is_(True)))


def import_models() -> None:
    """Import every models module (app/<package>/models.py and app/<package>/<sub-domain>/models.py) so Alembic
    sees every table."""
    for path in sorted((ROOT / "app").glob("*/models.py")) + sorted((ROOT / "app").glob("*/*/models.py")):
        import_module("app." + ".".join(path.relative_to(ROOT / "app").with_suffix("").parts))


def register_blueprints(app: Flask) -> None:
    for package in BLUEPRINTS:
        module = import_module(f"app.{package}.views")
        app.register_blueprint(module.bp)
        if hasattr(module, "csrf_exempt") and module.csrf_exempt:
            from app.extensions import csrf

            csrf.exempt(module.bp)


def register_plug_ins(app: Flask) -> None:
    for name in PLUG_INS:
        import_module(f"app.{name}").init_app(app)


def register_cli(app: Flask) -> None:
    for name in CLI_MODULES:
        module = import_module(f"app.{name}")
        app.cli.add_command(module.cli)


# A request id from a client or proxy (X-Request-ID) is kept only when it has this shape; otherwise one is made.
# It ends up in the audit trail and its CSV export, so it can never carry a formula, markup or control bytes.
REQUEST_ID = re.compile(r"[A-Za-z0-9-]{1,64}")


def request_id(header: str | None) -> str:
    """The request's id: the client's X-Request-ID when it matches REQUEST_ID, else a new random one."""
    if header and REQUEST_ID.fullmatch(header):
        return header
    return secrets.token_hex(8)


# Sent with every response unless the view set its own.
SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'self'; "
                                "form-action 'self'; object-src 'none'"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)


def register_request_hooks(app: Flask) -> None:
    from flask import before_render_template

    from app import unit_of_work
    from app.auth.hooks import enforce_session_rules
    from app.db import write_intent
    from app.inputs import refuse_control_characters, refuse_unreadable_form

    @app.before_request
    def _request_context() -> None:
        g.request_id = request_id(request.headers.get("X-Request-ID"))
        write_intent.set(request.method not in ("GET", "HEAD", "OPTIONS"))

    app.before_request(refuse_control_characters)
    app.before_request(refuse_unreadable_form)
    app.before_request(enforce_session_rules)
    before_render_template.connect(unit_of_work.release_write_lock_to_render, app)

    @app.after_request
    def _security_headers(response: Any) -> Any:
        headers = response.headers
        present = {name.lower() for name, _value in headers}  # a view's own header wins over the default
        headers.extend([(name, value) for name, value in SECURITY_HEADERS if name.lower() not in present])
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if "X-Request-ID" not in headers and g.get("request_id"):
            headers["X-Request-ID"] = g.request_id
        if request.endpoint != "static" and _signed_in():
            # Pages and downloads of a signed-in user stay out of every cache (shared proxies, the back button).
            headers["Cache-Control"] = "no-store"
            headers.pop("Expires", None)
        return response

    @app.teardown_request
    def _reset_write_intent(_error: BaseException | None) -> None:
        write_intent.set(True)


def _signed_in() -> bool:
    """A request of a signed-in user: its session names one. Read without the database, which may be what has just
    failed (a busy SQLite answering 503 must not be asked again for the user while the response is finished)."""
    return "_user_id" in session


def register_template_helpers(app: Flask) -> None:
    from app import navigation
    from app.audit.display import describe
    from app.audit.services import history
    from app.auth.hooks import seconds_until_session_limit
    from app.signatures.services import manifestations

    app.jinja_env.globals.update(
        nav_items=navigation.visible_items,
        seconds_until_session_limit=seconds_until_session_limit,
        audit_history=history,
        audit_display=describe,
        signature_manifestations=manifestations,
        company_name=lambda: app.config["COMPANY_NAME"],
    )
    from app import formatting

    formatting.register(app)
