"""Safe defaults. Secrets and deployment settings come from instance/config.py or PROVENANCE_* variables."""

from __future__ import annotations

from pathlib import Path

# The project folder: pyproject.toml, templates/, migrations/, instance/ (by default).
ROOT = Path(__file__).resolve().parent.parent


class DefaultConfig:
    """Every setting the app reads, with its safe default (the README lists them all)."""

    ENV = "development"  # development | production | test
    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None  # default: sqlite in instance/, or DATABASE_URL
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, object] = {}
    SQLITE_BUSY_TIMEOUT_MS = 15000  # writers queue this long for SQLite's one write lock, then get a 503 to retry
    # PostgreSQL: a pooled connection idle this long, or that the server spoke to, is tested before use (app.db)
    DATABASE_PING_AFTER_IDLE_S = 10.0
    # Login and sessions
    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCKOUT_MINUTES = 15
    SESSION_INACTIVITY_MINUTES = 15
    SESSION_ABSOLUTE_LIFETIME_HOURS = 12  # sign in again after this long, however active (ASVS 3.3)
    # None: "__Host-provenance-session" in production (Secure, Path=/, no Domain), "session" otherwise (no https)
    SESSION_COOKIE_NAME: str | None = None
    ACCESS_DENIED_AUDIT_PER_MINUTE = 10  # access.denied events written per user (or IP) and minute; more are only logged
    PASSWORD_MIN_LENGTH = 12
    PASSWORD_MIN_SCORE = 3  # zxcvbn's 0-4 guessability score a new password must reach (0 = no estimate)
    PASSWORD_MAX_AGE_DAYS = 0  # 0 = passwords do not expire
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536
    ARGON2_PARALLELISM = 4
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE: bool | None = None  # None: True in production, False otherwise
    REMEMBER_COOKIE_DURATION = 0
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    MAX_CONTENT_LENGTH = 50 * 1024 * 1024
    UPLOAD_MAX_BYTES = 20 * 1024 * 1024  # evidence, certificates, templates
    INVENTORY_UPLOAD_MAX_BYTES = 100 * 1024 * 1024  # one lockfile or SBOM to import (a 50k-component SBOM is ~24 MB)
    TEST_RESULTS_UPLOAD_MAX_BYTES = 30 * 1024 * 1024  # one JUnit XML report (10,000 test cases are ~2 MB)
    # Per evaluation (a supplier link must not grow storage without bound)
    REFUSED_ANSWER_MAX_CHARS = 2000  # a refused answer is kept (to show it again) cut to this many characters
    EVIDENCE_MAX_FILES_PER_EVALUATION = 50
    EVIDENCE_MAX_BYTES_PER_EVALUATION = 200 * 1024 * 1024
    TRUST_PROXY_HOPS = 0  # number of reverse proxies whose X-Forwarded-* headers to trust
    # Pagination
    PAGE_SIZE = 50
    RECORD_SUBLIST_SIZE = 20  # rows per page of a record page's sub-lists (a supplier's certificates, events...)
    PAGE_COUNT_CAP = 1000  # a list counts its rows up to this many, then says "more than 1000" (no COUNT(*) of a big table)
    # Mail: "log" writes e-mails to the log; "smtp" sends through SMTP_*
    MAIL_BACKEND = "log"
    MAIL_FROM = "provenance@localhost"
    SMTP_HOST = "localhost"
    SMTP_PORT = 25
    SMTP_USERNAME = ""
    SMTP_PASSWORD = ""
    SMTP_STARTTLS = False
    # Where links in e-mails point (https://provenance.example.com). Unset: outside production the host each request
    # came to (whatever port `make run` serves on), otherwise DEFAULT_BASE_URL. Set it in production.
    BASE_URL = ""
    # Where links point when BASE_URL is unset and no request tells (reminders the worker queues): `make run PORT=8000`
    # sets it to http://127.0.0.1:8000 for the web server and the worker.
    DEFAULT_BASE_URL = "http://127.0.0.1:5000"
    COMPANY_NAME = "Example Medical Devices Ltd"
    # Suppliers: re-evaluation periods in months by criticality; conditional approval; warning windows
    SUPPLIER_REEVALUATION_MONTHS = {"critical": 12, "major": 24, "minor": 36}
    SUPPLIER_CONDITIONAL_REEVALUATION_MONTHS = 6
    SUPPLIER_REEVALUATION_WARN_DAYS = 30
    CERTIFICATE_EXPIRY_WARN_DAYS = 60
    # Supplier tokens
    EVALUATION_TOKEN_DAYS = 30
    PORTAL_RATE_LIMIT_PER_MINUTE = 60
    # Inventory: anomaly reviews are due this many months after the last one, by safety class
    ANOMALY_REVIEW_MONTHS_CLASS_A = 12
    ANOMALY_REVIEW_MONTHS_CLASS_B = 3
    ANOMALY_REVIEW_MONTHS_CLASS_C = 1
    ANOMALY_REVIEW_REMIND_DAYS = 7  # reviews due within this many days show on the dashboard and in reminders
    # Release readiness: the safety classes each freeze gate applies to, overriding app.inventory.readiness's
    # defaults, e.g. {"advisory_triage": "ABC"} to triage advisories on class A items too ({} = the defaults).
    RELEASE_READINESS_RULES: dict[str, str] = {}
    # Readiness warnings (never blocking), the classes each applies to, e.g. {"withdrawn_version": ""} to turn off the
    # warning on class B/C SOUP versions that their registry yanked or deprecated ({} = the defaults).
    RELEASE_READINESS_WARNINGS: dict[str, str] = {}
    ADVISORY_UPLOAD_MAX_BYTES = 40 * 1024 * 1024  # an OSV file or zip (PyPA's database is ~3 MB)
    # Scheduled advisory sync: where each ecosystem's OSV export is read ({ecosystem} is OSV's name, e.g. PyPI):
    # OSV's public bucket, a mirror URL, or for offline sites a local path (a directory holding <ecosystem>/all.zip).
    ADVISORY_SYNC_SOURCE = "https://osv-vulnerabilities.storage.googleapis.com/{ecosystem}/all.zip"
    ADVISORY_SYNC_CRONTAB = "30 2 * * *"  # daily (UTC); the status page's "Sync now" queues the same as a job
    ADVISORY_SYNC_MAX_BYTES = 256 * 1024 * 1024  # a larger export is refused while it downloads
    # Audit trail: the key of the keyed hash chain (HMAC). Required in production; kept in the instance
    # configuration, never in the database. Without it (development, tests) a key is derived from SECRET_KEY.
    AUDIT_CHAIN_KEY: str | None = None
    AUDIT_CHECKPOINT_EVERY = 1000  # a signed checkpoint of the chain head every this many events
    # Separation of duties: per signed record type, the signature meanings one person may not combine on one version
    # of a record (a protocol's author, reviewer and approver are three people). Always on besides these: nobody
    # reviews or approves what they authored or executed, and deviations are closed by QA, not by their executor.
    SEPARATION_OF_DUTIES: dict[str, list[str]] = {
        "protocol": ["authored", "reviewed", "approved"],
        "report": ["authored", "approved"],
    }
    # Documents
    DOCUMENT_RENDER_TIMEOUT_S = 20
    DOCUMENT_RENDER_MEMORY_MB = 512
    PDF_TIMEOUT_S = 60
    # OTSS validation: periodic review interval after release or review
    VALIDATION_REVIEW_MONTHS_HIGH_RISK = 12  # when any function of the system is high process risk
    VALIDATION_REVIEW_MONTHS_OTHER = 24
    VALIDATION_REVIEW_DUE_SOON_DAYS = 30  # the home page and reminders list reviews due within this many days
    # Background worker (huey): TASK_BROKER_URL empty = SQLite file tasks.sqlite3 in the instance folder (one host);
    # redis://host:6379/0 for several hosts. `flask worker run` runs jobs and the periodic tasks below.
    TASK_BROKER_URL = ""
    TASK_QUEUE_NAME = "provenance"
    WORKER_THREADS = 2
    JOB_STALE_SECONDS = 300  # a running job whose heartbeat is older than this is resumed by another worker
    WORKER_OUTBOX_CRONTAB = "* * * * *"  # send queued e-mails every minute
    WORKER_REMINDERS_CRONTAB = "5 * * * *"  # queue reminders hourly (each item at most once a day)
    WORKER_DIGEST_CRONTAB = "0 6 * * *"  # the daily digest of My tasks, for the users who chose it (UTC)
    WORKER_RECOVER_CRONTAB = "*/5 * * * *"  # re-queue jobs that a stopped worker left behind
    # Public sources of open-source evidence. Base URLs may point at a company mirror (Artifactory, Nexus, devpi).
    PYPI_URL = "https://pypi.org/pypi"  # the PyPI JSON API: <PYPI_URL>/<project>/json
    NPM_REGISTRY_URL = "https://registry.npmjs.org"  # the npm registry: <NPM_REGISTRY_URL>/<package>
    SOURCES_OFFLINE = False  # True: answer from stored responses only, never ask a source
    SOURCES_TIMEOUT_S = 20
    SOURCES_CONCURRENCY = 8  # requests in flight at once
    SOURCES_CACHE_HOURS = 24  # a stored answer younger than this is used without asking the source
    SOURCES_MAX_BYTES = 64 * 1024 * 1024  # a larger answer is refused (an npm packument can be tens of MB)
    LOOKUP_BATCH_SIZE = 25  # packages looked up (and committed with the job's progress) per step
    REPOSITORY_CACHE = ""  # bare clones for repository history; "" = instance/repositories
    REPOSITORY_TIMEOUT_S = 300  # one git clone or fetch
    REPOSITORY_LOCAL_ROOTS: list[str] = []  # local folders whose repositories may be read in place (offline use)
    REPOSITORY_MIRRORS: dict[str, str] = {}  # clone "https://github.com/" from a company mirror: {prefix: mirror prefix}
    SCORECARD_API_URL = "https://api.securityscorecards.dev"  # OpenSSF Scorecard REST API: /projects/github.com/o/r
    # User-base sources (each reports its figure with the stored answer as evidence)
    DEPSDEV_API_URL = "https://api.deps.dev"  # dependents: /v3alpha/systems/{system}/packages/{name}/versions/{v}:dependents
    GITHUB_API_URL = "https://api.github.com"  # stars, forks, archived: /repos/{owner}/{repo}
    GITHUB_TOKEN = ""  # optional; raises GitHub's rate limit
    GITLAB_API_URL = "https://gitlab.com/api/v4"  # /projects/{url-encoded path}
    GITLAB_TOKEN = ""
    NPM_DOWNLOADS_URL = "https://api.npmjs.org"  # /downloads/point/last-month/{package}
