"""Evidence files of executions (screenshots, exports): checked, hashed, stored as blobs.

A minimal store of this package until the shared app/storage.py lands: size limit, extension AND
content check, sha256, a server-made name, download by id with a server-set filename."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath

from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.audit.models import Audited
from app.db import utcnow
from app.errors import ValidationFailed
from app.extensions import db

ALLOWED_EXTENSIONS: dict[str, str] = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "pdf": "application/pdf",
    "csv": "text/csv",
    "txt": "text/plain",
    "json": "application/json",
}


class ValidationEvidenceFile(Audited, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "validation_evidence_files"
    __audit_exclude__ = frozenset({"data"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    filename: Mapped[str] = mapped_column(String(200), nullable=False)  # cleaned, for display and download
    extension: Mapped[str] = mapped_column(String(10), nullable=False)
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    def audit_label(self) -> str:
        return f"{self.filename} ({self.sha256[:12]})"


class RejectedUpload(ValidationFailed):
    """The file is too large, of a type we do not take, or its content does not match its name."""


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    extension: str
    content_type: str
    data: bytes
    sha256: str


def clean_filename(name: str) -> str:
    """A display name without directories or odd characters (never used as a path)."""
    base = PurePosixPath(name.replace("\\", "/")).name
    base = re.sub(r"[^A-Za-z0-9._ -]+", "_", base).strip(" .") or "evidence"
    return base[-120:]


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def content_matches(extension: str, data: bytes) -> bool:
    """True when the bytes are what the extension claims (magic numbers, or parseable text)."""
    if extension == "png":
        return data.startswith(b"\x89PNG\r\n\x1a\n")
    if extension in ("jpg", "jpeg"):
        return data.startswith(b"\xff\xd8\xff")
    if extension == "pdf":
        return data.startswith(b"%PDF-")
    if not _is_text(data):
        return False
    text = data.decode("utf-8")
    if extension == "json":
        try:
            json.loads(text)
        except ValueError:
            return False
        return True
    if extension == "csv":
        try:
            rows = list(csv.reader(io.StringIO(text)))
        except csv.Error:
            return False
        return bool(rows)
    return extension == "txt"


def check_upload(filename: str, data: bytes, max_bytes: int) -> CheckedFile:
    """Refuse empty, too large, unknown or disguised files; return the cleaned facts with the sha256."""
    name = clean_filename(filename)
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ALLOWED_EXTENSIONS:
        raise RejectedUpload(
            f"{name}: only {', '.join(sorted(set(ALLOWED_EXTENSIONS) - {'jpeg'}))} files are accepted as evidence."
        )
    if not data:
        raise RejectedUpload(f"{name} is empty.")
    if len(data) > max_bytes:
        raise RejectedUpload(f"{name} is larger than {max_bytes // (1024 * 1024)} MB.")
    if not content_matches(extension, data):
        raise RejectedUpload(f"The content of {name} is not a valid .{extension} file.")
    return CheckedFile(name, extension, ALLOWED_EXTENSIONS[extension], data, hashlib.sha256(data).hexdigest())


def store(checked: CheckedFile, uploaded_by_id: int) -> ValidationEvidenceFile:
    """Keep a checked file as a blob (flushes; the caller commits)."""
    evidence = ValidationEvidenceFile(
        filename=checked.filename, extension=checked.extension, content_type=checked.content_type,
        size=len(checked.data), sha256=checked.sha256, data=checked.data, uploaded_by_id=uploaded_by_id,
    )
    db.session.add(evidence)
    db.session.flush()
    return evidence
