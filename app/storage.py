"""Uploaded files stored as blobs with their sha256, behind one small interface.

Every upload passes `store_upload`: the extension must be allowed AND the bytes must look like
that kind of file; the name on disk never exists (the blob lives in the database) and downloads
go by id with a filename the server sets (`send_stored`).
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from flask import Response, send_file
from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String, select
from sqlalchemy.orm import Mapped, deferred, mapped_column

from app import nesting, unit_of_work
from app.audit import services as audit
from app.audit.models import AuditAction, Audited
from app.db import utcnow
from app.errors import ValidationFailed
from app.extensions import db

CONTENT_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "txt": "text/plain",
    "csv": "text/csv",
    "json": "application/json",
}
EVIDENCE_EXTENSIONS: frozenset[str] = frozenset({"pdf", "png", "jpg", "jpeg", "docx", "xlsx"})


class UploadRefused(ValidationFailed):
    """The upload is missing, too large, of a kind not allowed, or its content does not match its name."""


class UploadTooLarge(UploadRefused):
    """The upload is larger than the limit (HTTP 413 where a view answers with the error's status)."""

    status_code = 413


class StoredFile(Audited, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "stored_files"
    __audit_exclude__ = frozenset({"data"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    content_type: Mapped[str] = mapped_column(String(120), nullable=False)
    original_name: Mapped[str] = mapped_column(String(255), nullable=False)
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    def audit_label(self) -> str:
        return f"{self.original_name} ({self.sha256[:12]})"

    @property
    def extension(self) -> str:
        return extension_of(self.original_name)


def extension_of(filename: str) -> str:
    """The lower-case extension without the dot ('' when there is none)."""
    name = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def safe_name(filename: str) -> str:
    """A display name without path parts or control characters (never used as a path)."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[^\w.\- ()]+", "_", name).strip(" .") or "file"
    return name[:200]


def _zip_has(data: bytes, member: str, prefix: str) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return False
    return member in names and any(name.startswith(prefix) for name in names)


def content_matches(extension: str, data: bytes) -> bool:
    """True when the bytes look like a file of this extension (magic bytes, zip + OOXML parts, UTF-8 text, JSON)."""
    if extension == "pdf":
        return data[:5] == b"%PDF-"
    if extension == "png":
        return data[:8] == b"\x89PNG\r\n\x1a\n"
    if extension in ("jpg", "jpeg"):
        return data[:3] == b"\xff\xd8\xff"
    if extension == "docx":
        return data[:4] == b"PK\x03\x04" and _zip_has(data, "[Content_Types].xml", "word/")
    if extension == "xlsx":
        return data[:4] == b"PK\x03\x04" and _zip_has(data, "[Content_Types].xml", "xl/")
    if extension in ("txt", "csv", "json"):
        if b"\x00" in data:
            return False
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return extension != "json" or _parses_as_json(text)
    return False


def _parses_as_json(text: str) -> bool:
    """True when the text is JSON; nesting deeper than the limit or unstorable data raises UnreadableData (refused by
    name)."""
    try:
        nesting.load_json(text)
    except nesting.UnreadableData:
        raise
    except ValueError:
        return False
    return True


def store_bytes(data: bytes, filename: str, *, allowed: Iterable[str], max_bytes: int, created_by: Any = None) -> StoredFile:
    """Store checked bytes as a new blob; refuses an empty, oversized, disallowed or mislabelled file."""
    allowed_set = {ext.lower().lstrip(".") for ext in allowed}
    extension = extension_of(filename)
    if not filename or not data:
        raise UploadRefused("Choose a file to upload (the file is empty or missing).")
    if extension not in allowed_set:
        kinds = ", ".join(sorted(allowed_set))
        raise UploadRefused(f"Files of type .{extension or '?'} are not accepted here. Allowed: {kinds}.")
    if len(data) > max_bytes:
        raise UploadTooLarge(f"The file is larger than the limit of {max_bytes // (1024 * 1024) or 1} MB.")
    try:
        matches = content_matches(extension, data)
    except nesting.UnreadableData as error:
        raise UploadRefused(f"The file is refused: {error}.") from error
    if not matches:
        raise UploadRefused(f"The file's content is not a valid .{extension} file.")
    stored = StoredFile(
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        content_type=CONTENT_TYPES.get(extension, "application/octet-stream"),
        original_name=safe_name(filename),
        data=data,
        created_by_id=getattr(created_by, "id", None),
    )
    db.session.add(stored)
    db.session.flush()
    return stored


def store_upload(file_storage: Any, allowed: Iterable[str], max_bytes: int, *, created_by: Any = None) -> StoredFile:
    """Store a Werkzeug FileStorage after the extension AND content checks; reads at most max_bytes + 1."""
    if file_storage is None or not getattr(file_storage, "filename", ""):
        raise UploadRefused("Choose a file to upload (the file is empty or missing).")
    data = file_storage.stream.read(max_bytes + 1)
    return store_bytes(data, file_storage.filename, allowed=allowed, max_bytes=max_bytes, created_by=created_by)


def release_stored_file(stored: StoredFile) -> bool:
    """Delete a stored file's row and bytes unless some row still refers to it; True when it was deleted.

    Every foreign key to stored_files in the schema is checked, so a blob shared by another record stays.
    The delete is audited (Audited: name, sha256, size; never the bytes).
    """
    db.session.flush()
    table = StoredFile.__table__
    for other in db.metadata.tables.values():
        for fk in other.foreign_keys:
            if fk.column.table is table:
                used = db.session.execute(
                    select(fk.parent).where(fk.parent == stored.id).limit(1)
                ).first()
                if used is not None:
                    return False
    db.session.delete(stored)
    db.session.flush()
    return True


def send_stored(stored: StoredFile, *, download_name: str | None = None) -> Response:
    """Send a stored file as an attachment with a server-set name and content type; the download is recorded
    in the audit trail (evidence is a controlled record: who read it is part of its history)."""
    name = safe_name(download_name or stored.original_name)
    unit_of_work.run(lambda: audit.record("file.downloaded", stored, action=AuditAction.EXPORT, download_name=name,
                                          sha256=stored.sha256), once=False)
    response = send_file(
        io.BytesIO(stored.data), mimetype=stored.content_type, as_attachment=True, download_name=name,
        etag=stored.sha256, max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
