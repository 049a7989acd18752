"""Importers: one module per file format, each a pure parse of bytes into component records.

Every module exposes `FORMAT` (its name), `sniff(filename, head) -> bool` and
`parse(content) -> ParsedFile`. `parse_file` picks the format from the name and the content.
"""

from __future__ import annotations

from types import ModuleType

from app.inventory.importers import (
    bower_json,
    cyclonedx_json,
    cyclonedx_xml,
    nuget_csproj,
    nuget_packages_config,
    package_json,
    package_lock,
    pipfile_lock,
    pnpm_lock,
    poetry_lock,
    pyproject_toml,
    requirements_txt,
    spdx_json,
    spdx_tagvalue,
    uv_lock,
    yarn_lock,
)
from app.inventory.importers._common import guarded
from app.inventory.importers.base import ComponentRecord, ImporterError, ParsedFile

# Order matters for detection: specific formats before generic ones (a CycloneDX or SPDX
# JSON document before package.json; lock files before manifests).
MODULES: tuple[ModuleType, ...] = (
    cyclonedx_json,
    cyclonedx_xml,
    spdx_json,
    spdx_tagvalue,
    package_lock,
    yarn_lock,
    pnpm_lock,
    poetry_lock,
    uv_lock,
    pipfile_lock,
    pyproject_toml,
    bower_json,
    package_json,
    nuget_packages_config,
    nuget_csproj,
    requirements_txt,
)
FORMATS: dict[str, ModuleType] = {module.FORMAT: module for module in MODULES}
SNIFF_BYTES = 4096

__all__ = ["FORMATS", "ComponentRecord", "ImporterError", "ParsedFile", "detect_format", "parse_file"]


def detect_format(filename: str, content: bytes) -> str:
    """Name the format of a file from its name and first bytes; unknown files raise ImporterError."""
    head = content[:SNIFF_BYTES]
    for module in MODULES:
        if module.sniff(filename, head):
            return str(module.FORMAT)
    known = ", ".join(sorted(FORMATS))
    raise ImporterError(f"Unrecognised file {filename!r}: expected one of {known}")


def parse_file(filename: str, content: bytes, format: str | None = None) -> ParsedFile:
    """Parse one file with the given format, or the detected one; only ImporterError escapes."""
    if format is None:
        format = detect_format(filename, content)
    module = FORMATS.get(format)
    if module is None:
        raise ImporterError(f"Unknown format {format!r}: expected one of {', '.join(sorted(FORMATS))}")
    return guarded(format)(module.parse)(content)
