"""Shared shapes of every importer: what a parse returns and the one error it may raise.

Importers are pure: bytes in, `ParsedFile` out. No Flask, no ORM.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class ImporterError(Exception):
    """The only exception an importer lets escape: a clear message, with line or field when known."""

    def __init__(self, message: str, *, line: int | None = None, field: str | None = None) -> None:
        self.message = message
        self.line = line
        self.field = field
        where = []
        if line is not None:
            where.append(f"line {line}")
        if field:
            where.append(f"field {field!r}")
        super().__init__(f"{message} ({', '.join(where)})" if where else message)


@dataclass(frozen=True)
class ComponentRecord:
    """One third-party component as a file declares it (exact version when the file pins one)."""

    name: str
    version: str
    ecosystem: str  # purl type: pypi, npm, maven, composer, cargo, nuget, generic, ...
    purl: str
    licence_expression: str = ""  # normalised SPDX expression, "" when the file gives none
    unknown_licences: tuple[str, ...] = ()  # identifiers not on the SPDX list, kept as written
    direct: bool | None = None  # None when the file does not tell
    parents: tuple[str, ...] = ()  # purls (or names) of the components that pull this one in
    scope: str = "runtime"  # runtime | dev | optional
    supplier: str = ""  # manufacturer / author / publisher when the file names one
    repository_url: str = ""
    description: str = ""
    hashes: tuple[str, ...] = ()  # "sha256:..." strings
    refs: tuple[str, ...] = ()  # the SBOM's own ids of its entries for this package (bom-ref, SPDXID)
    declared: str = ""  # the range a manifest declares ("^7.27.4", ">=2.0"), "" when the file pins a version
    groups: tuple[str, ...] = ()  # generator groupings the entry sits under (a lockfile node of an SBOM)
    # What the document says of each LicenseRef- id the licence uses: (id, name, text excerpt, see-also URLs)
    licence_refs: tuple[tuple[str, str, str, tuple[str, ...]], ...] = ()
    component_type: str = "library"  # CycloneDX type: library, framework, application, operating-system, service...
    cpe: str = ""


@dataclass
class ParsedFile:
    """The result of parsing one file: its format and its components, in file order."""

    format: str
    components: list[ComponentRecord] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    manifest: bool = False  # a manifest declares direct dependencies and ranges; a lockfile or SBOM lists packages


Parser = Callable[[bytes], ParsedFile]


class Content(bytes):
    """An uploaded file's bytes with its name, remembering what detection parsed so the importer parses it once.

    A parse that fails is not remembered: the importer parses again and reports the error in its own words.
    """

    filename: str
    _parsed: dict[str, Any]

    def __new__(cls, data: bytes, filename: str = "") -> Content:
        self = super().__new__(cls, data)
        self.filename = filename
        self._parsed = {}
        return self

    def once(self, kind: str, load: Callable[[], Any]) -> Any:
        """The result of `load` for these bytes, computed at most once per kind ("json", "toml", "xml", ...)."""
        if kind not in self._parsed:
            self._parsed[kind] = load()
        return self._parsed[kind]


def parsed_once(content: bytes, kind: str, load: Callable[[], Any]) -> Any:
    """`load()` of plain bytes, or the result a Content already holds for this kind."""
    if isinstance(content, Content):
        return content.once(kind, load)
    return load()
