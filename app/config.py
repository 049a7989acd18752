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
    SQLITE_BUSY_TIMEOUT_MS = 5000
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
    BASE_URL = "http://127.0.0.1:5000"
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
    ADVISORY_UPLOAD_MAX_BYTES = 40 * 1024 * 1024  # an OSV file or zip (PyPA's database is ~3 MB)
    # Documents
    DOCUMENT_RENDER_TIMEOUT_S = 20
    DOCUMENT_RENDER_MEMORY_MB = 512
    PDF_TIMEOUT_S = 60
    # OTSS validation: periodic review interval after release or review
    VALIDATION_REVIEW_MONTHS_HIGH_RISK = 12  # when any function of the system is high process risk
    VALIDATION_REVIEW_MONTHS_OTHER = 24
    VALIDATION_REVIEW_DUE_SOON_DAYS = 30  # the home page and reminders list reviews due within this many days
