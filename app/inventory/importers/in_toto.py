"""in-toto attestations that carry an SBOM, as cosign and GitHub write them.

Three shapes: a DSSE envelope `{"payloadType": "application/vnd.in-toto+json", "payload": "<base64>", "signatures":
[...]}` (`cosign attest`, `cosign download attestation`, one per line when there are several), the same envelope inside
a Sigstore bundle (`dsseEnvelope`: GitHub's attest-sbom action, `gh attestation download`), or the bare in-toto
Statement `{"_type": "https://in-toto.io/Statement/v1", "predicateType": ..., "predicate": {...}}`.

The SBOM is the Statement's predicate (cosign before 2.0 wrapped it as {"Data": ..., "Timestamp": ...}). A CycloneDX
or SPDX predicate is imported as that format is, with a warning: the import reads what the SBOM lists and does not
check who signed it (that is `cosign verify-attestation`'s or `gh attestation verify`'s work). A predicate of any other
kind (SLSA provenance, a vulnerability scan) lists no components: the file is refused, naming its predicateType.

The payload is decoded with the standard library's base64 and read through app.nesting, as any JSON upload is. Base64
spends 4 bytes on 3, so the decoded payload is smaller than the upload itself, which the import service holds to
INVENTORY_UPLOAD_MAX_BYTES before any importer sees it: the same size limit bounds the payload.
"""

from __future__ import annotations

import base64
import binascii
import json
from types import ModuleType
from typing import Any

from app import nesting
from app.inventory.importers import cyclonedx_json, spdx_json, spdx_tagvalue
from app.inventory.importers._common import decode_text, filename_of, guarded, json_object, load_json
from app.inventory.importers.base import Content, ImporterError, ParsedFile

FORMAT = "in-toto-attestation"

_IN_TOTO_PAYLOAD = "application/vnd.in-toto+json"
_STATEMENT = "https://in-toto.io/Statement/"
_SBOM_MODULES: tuple[ModuleType, ...] = (cyclonedx_json, spdx_json, spdx_tagvalue)
_LABELS = {cyclonedx_json.FORMAT: "CycloneDX", spdx_json.FORMAT: "SPDX", spdx_tagvalue.FORMAT: "SPDX tag-value"}


def _envelope(document: dict[str, Any]) -> dict[str, Any] | None:
    """The DSSE envelope the document is or holds (a Sigstore bundle's `dsseEnvelope`), else None."""
    inner = document.get("dsseEnvelope")
    envelope = inner if isinstance(inner, dict) else document
    if isinstance(envelope.get("payloadType"), str) and isinstance(envelope.get("payload"), str):
        return envelope
    return None


def _is_statement(document: dict[str, Any]) -> bool:
    kind = document.get("_type")
    return isinstance(kind, str) and kind.startswith(_STATEMENT) and "predicateType" in document


def _is_attestation(document: dict[str, Any]) -> bool:
    envelope = _envelope(document)
    return _is_statement(document) or (envelope is not None and "in-toto" in str(envelope["payloadType"]))


def _first_line(content: bytes) -> dict[str, Any] | None:
    """The first line of a JSON Lines file as an object, or None (`cosign download attestation` writes one envelope a
    line)."""
    first = bytes(content).lstrip(b"\xef\xbb\xbf \t\r\n").split(b"\n", 1)[0]
    if not first.startswith(b"{"):
        return None
    try:
        value = nesting.load_json(first)
    except (ValueError, UnicodeDecodeError):  # JSONDecodeError and nesting's UnreadableData are ValueErrors
        return None
    return value if isinstance(value, dict) else None


def claims(content: bytes) -> bool:
    """A JSON object, or JSON Lines of them, that is a DSSE envelope of an in-toto Statement, a Sigstore bundle
    holding one, or a bare in-toto Statement."""
    document = json_object(content)
    if document is None and b"\n" in bytes(content).strip():
        document = _first_line(content)
    return document is not None and _is_attestation(document)


def named(filename: str) -> bool:
    """The endings in-toto and Sigstore tools give these files: .intoto.jsonl, .intoto.json, .dsse.json, .sigstore.json."""
    return filename_of(filename).endswith((".intoto.jsonl", ".intoto.json", ".dsse.json", ".sigstore.json"))


def _documents(content: bytes) -> list[tuple[int, dict[str, Any]]]:
    """The file's JSON objects with the line each starts on: the whole file, or one a line (JSON Lines)."""
    try:
        return [(1, _object(load_json(content, FORMAT), 1))]
    except ImporterError:
        lines = [(number, line) for number, line in enumerate(decode_text(content, FORMAT).split("\n"), start=1)
                 if line.strip()]
        if len(lines) < 2:
            raise
    return [(number, _object(_line_json(line, number), number)) for number, line in lines]


def _line_json(line: str, number: int) -> Any:
    """One line of JSON Lines, read through app.nesting; errors name the line."""
    try:
        return nesting.load_json(line)
    except json.JSONDecodeError as error:
        raise ImporterError(f"{FORMAT}: invalid JSON: {error.msg}", line=number) from error
    except nesting.UnreadableData as error:
        raise ImporterError(f"{FORMAT}: {error}", line=number) from error


def _object(value: Any, line: int) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ImporterError(f"{FORMAT}: expected a JSON object (an attestation)", line=line)
    return value


def _decoded(payload: str, line: int) -> bytes:
    """A DSSE payload: base64, standard or URL-safe (the DSSE specification allows both), padding optional."""
    text = payload.strip()
    padded = text + "=" * (-len(text) % 4)
    try:
        return base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        pass
    try:
        return base64.b64decode(padded, altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as error:
        raise ImporterError(f"{FORMAT}: the envelope's payload is not base64", line=line, field="payload") from error


def _statement(document: dict[str, Any], line: int) -> dict[str, Any]:
    """The in-toto Statement a document is, or that its DSSE envelope signs."""
    if _is_statement(document):
        return document
    envelope = _envelope(document)
    if envelope is None:
        raise ImporterError(f"{FORMAT}: neither an in-toto Statement nor a DSSE envelope of one", line=line)
    if envelope["payloadType"] != _IN_TOTO_PAYLOAD:
        raise ImporterError(f"{FORMAT}: a DSSE envelope of {envelope['payloadType']!r}, not of an in-toto Statement "
                            f"({_IN_TOTO_PAYLOAD})", line=line, field="payloadType")
    try:
        statement = nesting.load_json(_decoded(envelope["payload"], line))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ImporterError(f"{FORMAT}: the envelope's payload is not JSON", line=line, field="payload") from error
    except nesting.UnreadableData as error:
        raise ImporterError(f"{FORMAT}: the envelope's payload: {error}", line=line, field="payload") from error
    if not isinstance(statement, dict) or not _is_statement(statement):
        raise ImporterError(f"{FORMAT}: the envelope's payload is not an in-toto Statement", line=line,
                            field="payload")
    return statement


def _sbom(statement: dict[str, Any], filename: str) -> tuple[ModuleType, Content] | None:
    """The importer and the bytes of the CycloneDX or SPDX document a Statement's predicate is, else None."""
    predicate = statement.get("predicate")
    if isinstance(predicate, dict) and "Data" in predicate and set(predicate) <= {"Data", "Timestamp"}:
        predicate = predicate["Data"]  # cosign before 2.0: {"Data": <the SBOM, parsed or as text>, "Timestamp": ...}
    if isinstance(predicate, dict):
        sbom = Content(json.dumps(predicate).encode("utf-8"), filename)
        sbom.once("json", lambda: predicate)  # already read through app.nesting with the whole payload
    elif isinstance(predicate, str):
        sbom = Content(predicate.encode("utf-8"), filename)
    else:
        return None
    module = next((module for module in _SBOM_MODULES if module.claims(sbom)), None)
    return (module, sbom) if module is not None else None


@guarded(FORMAT)
def parse(content: bytes) -> ParsedFile:
    """The SBOM an in-toto attestation carries, read as its own format would be; an attestation of anything else is
    refused, naming its predicateType."""
    filename = getattr(content, "filename", "")
    found: list[tuple[int, str, ModuleType, Content]] = []
    others: list[str] = []
    for line, document in _documents(content):
        statement = _statement(document, line)
        predicate_type = str(statement.get("predicateType"))
        carried = _sbom(statement, filename)
        if carried is None:
            others.append(predicate_type)
        else:
            found.append((line, predicate_type, *carried))
    if not found:
        kinds = ", ".join(dict.fromkeys(others))
        raise ImporterError(f"{FORMAT}: this in-toto attestation is of {kinds} (its predicateType), not a CycloneDX or "
                            "SPDX SBOM: it lists no components. Import the SBOM, or an attestation of it (predicateType "
                            "https://cyclonedx.org/bom or https://spdx.dev/Document)",
                            field="predicateType")
    if len(found) > 1:
        lines = ", ".join(str(line) for line, _, _, _ in found)
        raise ImporterError(f"{FORMAT}: the file holds {len(found)} SBOM attestations (lines {lines}); import them one "
                            "at a time")
    _, predicate_type, module, sbom = found[0]
    try:
        result = module.parse(sbom)
    except ImporterError as error:
        raise ImporterError(f"{FORMAT}: the SBOM in the attestation: {error.message}", field=error.field) from error
    result.format = FORMAT
    result.warnings.insert(0, f"the {_LABELS[module.FORMAT]} SBOM was read from an in-toto attestation (predicateType "
                              f"{predicate_type}); its signature was not verified")
    if others:
        result.warnings.append(f"{len(others)} other attestation(s) in the file skipped, of no SBOM: "
                               f"{', '.join(dict.fromkeys(others))}")
    return result
