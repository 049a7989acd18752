"""Refuse a .docx upload before anything unpacks it: zip bombs, path tricks, non-Word files."""

from __future__ import annotations

import io
import zipfile

ZIP_MAGIC = b"PK\x03\x04"
MAX_MEMBERS = 500
MAX_TOTAL_UNCOMPRESSED = 50 * 1024 * 1024
MAX_RATIO = 100
# Members smaller than this cannot hurt whatever their ratio (a tiny, repetitive XML part
# of a genuine Word file can compress very well); the total limit still applies to them.
RATIO_FLOOR = 64 * 1024


class TemplateRefused(ValueError):
    """The uploaded file is not a Word template we are willing to open."""


def _unsafe_name(name: str) -> bool:
    normalised = name.replace("\\", "/")
    parts = normalised.split("/")
    return normalised.startswith("/") or ".." in parts or (len(name) > 1 and name[1] == ":")


def check_docx_zip(data: bytes) -> None:
    """Refuse anything but a plausible, bounded .docx zip; reads only the central directory."""
    if not data.startswith(ZIP_MAGIC):
        raise TemplateRefused("This file is not a Word .docx file (it is not a zip archive).")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError) as exc:
        raise TemplateRefused(f"This .docx file is damaged and cannot be opened ({exc}).") from exc
    if len(members) > MAX_MEMBERS:
        raise TemplateRefused(f"The .docx file has {len(members)} parts; at most {MAX_MEMBERS} are accepted.")
    total = 0
    names = set()
    for member in members:
        if _unsafe_name(member.filename):
            raise TemplateRefused(f"The .docx file contains an unsafe part name: {member.filename!r}.")
        names.add(member.filename)
        # file_size is the declared size; zipfile never inflates a member beyond it
        # (reading stops there and the CRC check fails), so trusting it is safe.
        total += member.file_size
        if member.file_size > RATIO_FLOOR and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise TemplateRefused(
                f"The part {member.filename!r} expands more than {MAX_RATIO} times when unpacked "
                "(a zip bomb?); the file is refused."
            )
    if total > MAX_TOTAL_UNCOMPRESSED:
        raise TemplateRefused(
            f"The .docx file unpacks to {total / 1024 / 1024:.0f} MB; "
            f"at most {MAX_TOTAL_UNCOMPRESSED // 1024 // 1024} MB are accepted."
        )
    if "word/document.xml" not in names:
        raise TemplateRefused("This zip file is not a Word document (word/document.xml is missing).")
