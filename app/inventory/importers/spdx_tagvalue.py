"""SPDX 2.2/2.3 tag-value through spdx-tools' tag-value parser; extraction shared with SPDX JSON."""

from __future__ import annotations

import re

from license_expression import Licensing
from spdx_tools.spdx.parser.error import SPDXParsingError
from spdx_tools.spdx.parser.tagvalue import parser as tagvalue_parser
from spdx_tools.spdx.parser.tagvalue.parser import Parser

from app.inventory.importers._common import decode_text, filename_of, guarded
from app.inventory.importers.base import ImporterError, ParsedFile
from app.inventory.importers.spdx_json import records_from_document, spdx_error
from app.inventory.licences.expressions import licensing

FORMAT = "spdx-tag-value"
_VERSION_TAG = re.compile(rb"^\s*SPDXVersion\s*:", re.MULTILINE)
_FRACTION_TAG = re.compile(r"^(\s*(?:Created|ReleaseDate|BuiltDate|ValidUntilDate|AnnotationDate)\s*:\s*)"
                           r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.\d+Z\s*$", re.MULTILINE)
# The tags that start a package, or a section after it (file, snippet, extracted licence, relationship...).
_PACKAGE_TAG = re.compile(r"^\s*PackageName\s*:")
_SECTION_TAG = re.compile(r"^\s*(?:PackageName|FileName|SnippetSPDXID|LicenseID|Relationship|Annotator)\s*:")
_FILE_TAG = re.compile(r"^\s*(?:FileName|SnippetSPDXID)\s*:")
_FILE_TAG_ANYWHERE = re.compile(r"^\s*(?:FileName|SnippetSPDXID)\s*:", re.MULTILINE)
_DOWNLOAD_TAG = re.compile(r"^\s*PackageDownloadLocation\s*:")
_DOCUMENT_NAME_TAG = re.compile(r"^\s*DocumentName\s*:", re.MULTILINE)
_CREATED_TAG = re.compile(r"^\s*Created\s*:", re.MULTILINE)
_UNTYPED_ACTOR = re.compile(r"^(\s*Package(?:Supplier|Originator)\s*:\s*)(?!(?:Person|Organization|Tool)\s*:|NOASSERTION\b)"
                            r"(\S.*)$", re.MULTILINE)
_FILES_ANALYZED_CASE = re.compile(r"^(\s*FilesAnalyzed\s*:\s*)(True|False|TRUE|FALSE)\s*$", re.MULTILINE)
_LOWER_RELATIONSHIP = re.compile(r"^(\s*Relationship\s*:\s*\S+\s+)([a-z][a-z_]*)(?=\s)", re.MULTILINE)


def _shared_licensing(*_args: object, **_kwargs: object) -> Licensing:
    return licensing()


# spdx-tools 0.8.5's tag-value parser rebuilds the whole SPDX licence index for every licence field
# (about 50 ms each: a 500-package document took minutes); its JSON parser already shares one
# instance (spdx_tools.common.spdx_licensing). Give the tag-value parser that same shared instance.
tagvalue_parser.get_spdx_licensing = _shared_licensing  # type: ignore[assignment]


def claims(content: bytes) -> bool:
    """Text with a line that starts with the tag "SPDXVersion:" (JSON cannot hold one: its strings have no newline)."""
    return not content.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"{", b"<")) and bool(_VERSION_TAG.search(content))


def named(filename: str) -> bool:
    """SPDX's own file name ending for tag-value."""
    return filename_of(filename).endswith(".spdx")


@guarded(FORMAT)
def parse(content: bytes) -> ParsedFile:
    """Read an SPDX 2.x tag-value document; errors name the line the library reports."""
    # spdx-tools' grammar reads LF lines only: a document written on Windows (CRLF) failed on its first multi-line tag.
    text = decode_text(content, FORMAT).replace("\r\n", "\n").replace("\r", "\n")
    if not _VERSION_TAG.search(content):
        raise ImporterError(f"{FORMAT}: no SPDXVersion tag; not an SPDX tag-value document", field="SPDXVersion")
    # The parser object keeps state, so one per document. debug=False: ply writes no parser.out;
    # its LALR tables are cached by ply after the first build.
    text = _without_files(text)
    try:
        document = Parser(debug=False).parse(text)
        warnings: list[str] = []
    except SPDXParsingError as error:
        # Strict first; then once more leniently, as for JSON: sub-second timestamps cut (syft writes nanoseconds),
        # a package without PackageDownloadLocation (trivy leaves it out) read as NOASSERTION.
        mended, fixes = _lenient(text)
        if not fixes:
            raise spdx_error(FORMAT, error) from error
        try:
            document = Parser(debug=False).parse(mended)
        except SPDXParsingError:
            raise spdx_error(FORMAT, error) from error
        first = "; ".join(str(message) for message in error.get_messages()[:2])[:300]
        warnings = [f"the document does not follow SPDX strictly ({first}); read leniently: {', '.join(fixes)}"]
    result = records_from_document(document, FORMAT)
    result.warnings[:0] = warnings
    return result


def _without_files(text: str) -> str:
    """The document without its file and snippet sections (files are not components): spdx-tools checks each file
    against every relationship read so far, minutes for a source scan of a few thousand files. A section runs to the
    next section tag outside a multi-line <text> value; relationships stay, as in SPDX JSON (spdx_json)."""
    if _FILE_TAG_ANYWHERE.search(text) is None:
        return text
    kept: list[str] = []
    skipping = in_text = False
    for line in text.splitlines(keepends=True):
        if not in_text:
            if _FILE_TAG.match(line):
                skipping = True
            elif _SECTION_TAG.match(line):
                skipping = False
        opened = line.rfind("<text>")
        in_text = (opened >= 0 and "</text>" not in line[opened:]) if not in_text else "</text>" not in line
        if not skipping:
            kept.append(line)
    return "".join(kept)


def _lenient(text: str) -> tuple[str, list[str]]:
    """The document with what some generators get wrong mended, and what was mended (nothing: an empty list)."""
    fixes: list[str] = []
    text, count = _FRACTION_TAG.subn(r"\1\2Z", text)
    if count:
        fixes.append(f"{count} timestamps cut to whole seconds (UTC)")
    text, count = _LOWER_RELATIONSHIP.subn(lambda found: found.group(1) + found.group(2).upper(), text)
    if count:  # reuse 0.13 wrote "describes"
        fixes.append(f"{count} relationship types in lower case read in upper case")
    text, count = _UNTYPED_ACTOR.subn(r"\1Person: \2", text)
    if count:  # syft 0.33 wrote "PackageOriginator: Georg Brandl <georg@python.org>"
        fixes.append(f"{count} suppliers or originators without 'Person:' or 'Organization:' read as persons")
    text, count = _FILES_ANALYZED_CASE.subn(lambda found: found.group(1) + found.group(2).lower(), text)
    if count:  # Tern wrote "FilesAnalyzed: False"
        fixes.append(f"{count} FilesAnalyzed values read in lower case")
    if not _CREATED_TAG.search(text):  # Microsoft's sbom-tool merging others' documents wrote none
        text = re.sub(r"^(\s*SPDXVersion\s*:.*\n)", r"\1Created: 1970-01-01T00:00:00Z\n", text, count=1, flags=re.MULTILINE)
        fixes.append("no Created date: the document's creation time is unknown (read as 1970-01-01)")
    if not _DOCUMENT_NAME_TAG.search(text):  # syft 0.6x wrote none
        text = "DocumentName: unnamed\n" + text  # the grammar takes no NOASSERTION here
        fixes.append("no DocumentName: read as 'unnamed'")
    lines = text.splitlines(keepends=True)
    starts = [index for index, line in enumerate(lines) if _PACKAGE_TAG.match(line)]
    missing: list[int] = []
    for start in starts:
        end = next((index for index in range(start + 1, len(lines)) if _SECTION_TAG.match(lines[index])), len(lines))
        if not any(_DOWNLOAD_TAG.match(line) for line in lines[start:end]):
            missing.append(start)
    for start in reversed(missing):
        lines.insert(start + 1, "PackageDownloadLocation: NOASSERTION\n")
    if missing:
        fixes.append(f"{len(missing)} packages without PackageDownloadLocation read as NOASSERTION")
    return "".join(lines), fixes
