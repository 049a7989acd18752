"""OSV advisories: read OSV JSON/YAML records (one, a list, or a zip of files) into plain dataclasses.

Pure: bytes in, `ParsedAdvisories` out. No Flask, no ORM. The schema is https://ossf.github.io/osv-schema/.
"""

from __future__ import annotations

import io
import json
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import yaml
from cvss import CVSS2, CVSS3, CVSS4, CVSSError

from app import nesting

# The C loader is ~10x faster on the PyPA database; it is still a *safe* loader.
_SafeLoader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _OsvLoader(_SafeLoader):  # type: ignore[misc, valid-type]
    """Safe loader that keeps numbers and timestamps as written: an unquoted 2.10 is version "2.10", not 2.1."""


_AS_TEXT = {"tag:yaml.org,2002:float", "tag:yaml.org,2002:int", "tag:yaml.org,2002:timestamp"}
_OsvLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag not in _AS_TEXT]
    for first, resolvers in _SafeLoader.yaml_implicit_resolvers.items()
}

# Limits of an uploaded zip. OSV's per-ecosystem all.zip files stay well below them;
# anything above is an archive we refuse to expand (zip bomb, wrong file).
MAX_ZIP_MEMBERS = 100_000
MAX_ZIP_TOTAL_BYTES = 500 * 1024 * 1024
MAX_ZIP_RATIO = 100  # uncompressed / compressed, over the whole archive and per large member
_RATIO_CHECK_FROM_BYTES = 1024 * 1024  # tiny members compress wildly; only large ones can hurt
RECORD_SUFFIXES = (".json", ".yaml", ".yml")

SEVERITY_LEVELS = ("low", "medium", "high", "critical")
# Words advisory databases use for a qualitative severity (GHSA says MODERATE, Ubuntu NEGLIGIBLE).
_LEVEL_WORDS = {
    "negligible": "low",
    "low": "low",
    "moderate": "medium",
    "medium": "medium",
    "important": "high",
    "high": "high",
    "critical": "critical",
}


class AdvisoryFormatError(Exception):
    """The only exception the parser lets escape: names the file (inside a zip) and the field."""

    def __init__(self, message: str, *, filename: str = "", field: str = "") -> None:
        self.message = message
        self.filename = filename
        self.field = field
        where = ", ".join(part for part in (filename, f"field {field!r}" if field else "") if part)
        super().__init__(f"{where}: {message}" if where else message)


@dataclass(frozen=True)
class Range:
    """One OSV range: its type (ECOSYSTEM, SEMVER, GIT) and its events as (kind, value) pairs in file order."""

    type: str
    events: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class AffectedPackage:
    """One `affected[]` entry: the package, its ranges and the explicit list of affected versions."""

    ecosystem: str
    name: str
    ranges: tuple[Range, ...] = ()
    versions: tuple[str, ...] = ()
    purl: str = ""


@dataclass(frozen=True)
class AdvisoryRecord:
    """One OSV advisory as the inventory keeps it."""

    id: str
    aliases: tuple[str, ...] = ()
    summary: str = ""
    details: str = ""
    severity: str = ""  # the CVSS vectors / scores as written, "; "-joined
    severity_level: str = ""  # low | medium | high | critical, "" when no level is given or derivable
    severity_score: float | None = None  # the CVSS base score computed from the record's newest vector
    published: str = ""  # RFC 3339 text as written
    modified: str = ""
    withdrawn: str = ""  # RFC 3339 text; non-empty means the advisory was retracted
    references: tuple[str, ...] = ()
    affected: tuple[AffectedPackage, ...] = ()

    @property
    def is_withdrawn(self) -> bool:
        """A withdrawn advisory is kept for the record but no longer asserts a vulnerability."""
        return bool(self.withdrawn)


@dataclass
class ParsedAdvisories:
    """What one upload yields: the advisories that parsed and one warning per record that did not."""

    advisories: list[AdvisoryRecord] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: int = 0  # files the caller's `skip` passed over unparsed (known unchanged)


@dataclass(frozen=True)
class Stamp:
    """A record's id and `modified` time as written, read without parsing the record."""

    id: str
    modified: str


_YAML_TOP_KEY = {key: re.compile(rb"^" + key + rb":[ \t]*(\S[^\r\n]*?)[ \t]*\r?$", re.M) for key in (b"id", b"modified")}


def record_stamp(name: str, data: bytes) -> Stamp | None:
    """The id and `modified` of a one-record file, read cheaply (a JSON object's top level, or a block-style YAML
    file's top-level keys); None when the file does not show them that way (then it must be parsed whole)."""
    if name.lower().endswith(".json"):
        try:
            document = json.loads(data)
        except (ValueError, RecursionError):
            return None
        if isinstance(document, dict):
            found = document.get("id"), document.get("modified")
            if all(isinstance(value, str) and value for value in found):
                return Stamp(*found)  # type: ignore[arg-type]
        return None
    values = []
    for pattern in _YAML_TOP_KEY.values():
        hits = pattern.findall(data)
        if len(hits) != 1:
            return None
        values.append(hits[0].decode("utf-8", "replace").strip("'\""))
    return Stamp(*values) if all(values) else None


def parse_advisories(filename: str, content: bytes, *, skip: Callable[[str, bytes], bool] | None = None) -> ParsedAdvisories:
    """Parse an OSV record, list or zip; bad records become warnings, but a file where nothing parses fails.

    `skip(member name, bytes)` may pass over a file unparsed (counted in `skipped`): an incremental sync skips the
    records it already holds in the same `modified` version."""
    members: Iterable[tuple[str, Callable[[], bytes]]]
    if content[:4] == b"PK\x03\x04" or filename.lower().endswith(".zip"):
        members = _zip_members(filename, content)
    else:
        members = [(filename, lambda: content)]
    result = ParsedAdvisories()
    by_id: dict[str, int] = {}
    first_error: AdvisoryFormatError | None = None
    seen_files = 0
    for member_name, read in members:
        seen_files += 1
        try:
            data = read()
            if skip is not None and skip(member_name, data):
                result.skipped += 1
                continue
            documents = _records_of(member_name, data)
        except AdvisoryFormatError as error:
            first_error = first_error or error
            result.warnings.append(str(error))
            continue
        for index, raw in enumerate(documents):
            where = member_name if len(documents) == 1 else f"{member_name}[{index}]"
            try:
                advisory = _advisory(raw, where)
            except AdvisoryFormatError as error:
                first_error = first_error or error
                result.warnings.append(str(error))
                continue
            _keep_newest(result, by_id, advisory, where)
    if not result.advisories and not result.skipped:
        if first_error is not None:
            raise first_error
        if seen_files == 0:
            raise AdvisoryFormatError("the zip holds no .json, .yaml or .yml advisory files", filename=filename)
        raise AdvisoryFormatError("no OSV advisory found", filename=filename)
    return result


def _keep_newest(result: ParsedAdvisories, by_id: dict[str, int], advisory: AdvisoryRecord, where: str) -> None:
    # One id twice (two files, or a list with repeats): keep the most recently modified copy.
    position = by_id.get(advisory.id)
    if position is None:
        by_id[advisory.id] = len(result.advisories)
        result.advisories.append(advisory)
        return
    result.warnings.append(f"{where}: duplicate advisory {advisory.id}; the most recently modified copy is kept")
    if advisory.modified > result.advisories[position].modified:
        result.advisories[position] = advisory


def _zip_members(filename: str, content: bytes) -> Iterator[tuple[str, Callable[[], bytes]]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, OSError) as error:
        raise AdvisoryFormatError(f"not a readable zip file ({error})", filename=filename) from error
    infos = archive.infolist()
    _check_zip_limits(filename, infos)
    return _read_members(filename, archive, infos)


def _check_zip_limits(filename: str, infos: Sequence[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_ZIP_MEMBERS:
        raise AdvisoryFormatError(f"the zip holds {len(infos)} members, more than {MAX_ZIP_MEMBERS}", filename=filename)
    total = sum(info.file_size for info in infos)
    if total > MAX_ZIP_TOTAL_BYTES:
        raise AdvisoryFormatError(
            f"the zip expands to {total} bytes, more than {MAX_ZIP_TOTAL_BYTES}", filename=filename
        )
    compressed = sum(info.compress_size for info in infos)
    if total > _RATIO_CHECK_FROM_BYTES and total > MAX_ZIP_RATIO * max(compressed, 1):
        raise AdvisoryFormatError("the zip's compression ratio is not plausible for advisories", filename=filename)
    for info in infos:
        if info.file_size > _RATIO_CHECK_FROM_BYTES and info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1):
            raise AdvisoryFormatError(f"member {info.filename} has an implausible compression ratio", filename=filename)


def _read_members(
    filename: str, archive: zipfile.ZipFile, infos: Sequence[zipfile.ZipInfo]
) -> Iterator[tuple[str, Callable[[], bytes]]]:
    with archive:
        for info in infos:
            name = info.filename
            if info.is_dir() or not name.lower().endswith(RECORD_SUFFIXES) or not _safe_member_name(name):
                continue
            yield f"{filename}:{name}", partial(_read_member, archive, info, f"{filename}:{name}")


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: str) -> bytes:
    try:
        # zipfile stops at the declared size and checks the CRC, so the limits checked above hold.
        return archive.read(info)
    except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError, EOFError) as error:
        # zipfile raises NotImplementedError for a compression method it does not support (e.g. deflate64).
        # A damaged or unreadable member is one bad record: the caller warns and goes on with the rest.
        raise AdvisoryFormatError(f"cannot read this member ({error})", filename=where) from error


def _safe_member_name(name: str) -> bool:
    # Names are never used as paths here, but a traversal name marks a hostile or broken archive.
    normalised = name.replace("\\", "/")
    return not (
        normalised.startswith("/")
        or ".." in normalised.split("/")
        or posixpath.isabs(normalised)
        or (len(normalised) > 1 and normalised[1] == ":")
    )


def _records_of(name: str, data: bytes) -> list[Any]:
    """Decode one file into its list of raw records (a single record becomes a one-item list)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise AdvisoryFormatError("the file is not UTF-8 text", filename=name) from error
    lowered = name.lower()
    as_json = lowered.endswith(".json") or (not lowered.endswith((".yaml", ".yml")) and text.lstrip()[:1] in ("{", "["))
    try:
        document: Any = nesting.load_json(text) if as_json else nesting.load_yaml(text, _OsvLoader)
    except nesting.UnreadableData as error:
        raise AdvisoryFormatError(str(error), filename=name) from error
    except json.JSONDecodeError as error:
        raise AdvisoryFormatError(f"invalid JSON at line {error.lineno}: {error.msg}", filename=name) from error
    except yaml.YAMLError as error:
        raise AdvisoryFormatError(f"invalid YAML ({error})", filename=name) from error
    if isinstance(document, Mapping) and "id" not in document and isinstance(document.get("vulns"), list):
        document = document["vulns"]  # an OSV API query response
    if isinstance(document, list):
        return document
    if isinstance(document, Mapping):
        return [document]
    raise AdvisoryFormatError("expected an OSV record (a mapping) or a list of records", filename=name)


def _advisory(raw: Any, where: str) -> AdvisoryRecord:
    if not isinstance(raw, Mapping):
        raise AdvisoryFormatError("an OSV record must be a mapping", filename=where)
    advisory_id = _text(raw, "id", where, required=True)
    affected_raw = _list(raw, "affected", where)
    affected = tuple(_affected(item, f"affected[{index}]", where) for index, item in enumerate(affected_raw))
    severity_raw = _list(raw, "severity", where)
    base = cvss_base(severity_raw)
    return AdvisoryRecord(
        id=advisory_id,
        aliases=_strings(raw, "aliases", where),
        summary=_text(raw, "summary", where),
        details=_text(raw, "details", where),
        severity=_severity_text(severity_raw, where),
        severity_level=base[1] if base and base[1] else _stated_level(raw, severity_raw, affected_raw),
        severity_score=base[0] if base else None,
        published=_text(raw, "published", where),
        modified=_text(raw, "modified", where),
        withdrawn=_text(raw, "withdrawn", where),
        references=_references(raw, where),
        affected=affected,
    )


def _affected(raw: Any, path: str, where: str) -> AffectedPackage:
    if not isinstance(raw, Mapping):
        raise AdvisoryFormatError("must be a mapping", filename=where, field=path)
    package = raw.get("package") or {}
    if not isinstance(package, Mapping):
        raise AdvisoryFormatError("must be a mapping", filename=where, field=f"{path}.package")
    ranges = tuple(
        _range(item, f"{path}.ranges[{index}]", where) for index, item in enumerate(_list(raw, "ranges", where, path))
    )
    return AffectedPackage(
        ecosystem=_text(package, "ecosystem", where, prefix=f"{path}.package"),
        name=_text(package, "name", where, prefix=f"{path}.package"),
        ranges=ranges,
        versions=_strings(raw, "versions", where, path),
        purl=_text(package, "purl", where, prefix=f"{path}.package"),
    )


def _range(raw: Any, path: str, where: str) -> Range:
    if not isinstance(raw, Mapping):
        raise AdvisoryFormatError("must be a mapping", filename=where, field=path)
    range_type = _text(raw, "type", where, prefix=path, required=True).upper()
    events: list[tuple[str, str]] = []
    for index, event in enumerate(_list(raw, "events", where, path)):
        event_path = f"{path}.events[{index}]"
        if not isinstance(event, Mapping) or len(event) != 1:
            raise AdvisoryFormatError(
                "an event must be a mapping with exactly one key", filename=where, field=event_path
            )
        ((kind, value),) = event.items()
        if kind not in ("introduced", "fixed", "last_affected", "limit"):
            raise AdvisoryFormatError(f"unknown event kind {kind!r}", filename=where, field=event_path)
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise AdvisoryFormatError(
                "an event value must be a version string", filename=where, field=f"{event_path}.{kind}"
            )
        events.append((str(kind), str(value)))
    return Range(type=range_type, events=tuple(events))


def _severity_text(entries: Sequence[Any], where: str) -> str:
    scores = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            raise AdvisoryFormatError("must be a mapping", filename=where, field=f"severity[{index}]")
        score = entry.get("score")
        if score not in (None, ""):
            scores.append(str(score))
    return "; ".join(scores)


# OSV severity types, newest CVSS version first, with the cvss library's class for each.
_CVSS_CLASSES: tuple[tuple[str, Any], ...] = (("CVSS_V4", CVSS4), ("CVSS_V3", CVSS3), ("CVSS_V2", CVSS2))


def cvss_base(severity: Sequence[Any]) -> tuple[float, str] | None:
    """(base score, level) of the newest CVSS version the record gives a vector for (v4, then v3, then v2), computed
    by the cvss library from the vector; None when the record has no vector that parses."""
    vectors = {entry.get("type"): entry.get("score") for entry in severity if isinstance(entry, Mapping)}
    for kind, cvss_class in _CVSS_CLASSES:
        vector = vectors.get(kind)
        if not isinstance(vector, str) or not vector.strip():
            continue
        try:
            parsed = cvss_class(vector.strip())
        except (CVSSError, ValueError, KeyError, IndexError, TypeError):
            continue  # a vector the specification does not allow: the next version, or the database's word
        score = float(parsed.base_score)
        word = parsed.severity if kind == "CVSS_V4" else parsed.severities()[0]
        return score, _LEVEL_WORDS.get(str(word).lower(), "")
    return None


def _stated_level(raw: Mapping[str, Any], severity: Sequence[Any], affected: Sequence[Any]) -> str:
    """For a record without a CVSS vector: the level the advisory database states (its word, a numeric base score),
    on the record or on its packages."""
    database = raw.get("database_specific")
    if isinstance(database, Mapping):
        level = _level_word(database.get("severity"))
        if level:
            return level
    for entry in severity:
        if not isinstance(entry, Mapping):
            continue
        score = entry.get("score")
        level = _level_from_score(score) or (_level_word(score) if entry.get("type") == "Ubuntu" else "")
        if level:
            return level
    # Some databases (Debian, Ubuntu, GHSA per package) put it on the affected package: take the worst.
    levels = []
    for item in affected:
        if isinstance(item, Mapping):
            for key in ("database_specific", "ecosystem_specific"):
                specific = item.get(key)
                if isinstance(specific, Mapping):
                    levels.append(_level_word(specific.get("severity")))
    ranked = [level for level in levels if level]
    return max(ranked, key=SEVERITY_LEVELS.index) if ranked else ""


def _level_word(value: Any) -> str:
    if isinstance(value, str):
        return _LEVEL_WORDS.get(value.strip().lower(), "")
    return ""


def _level_from_score(score: Any) -> str:
    # CVSS v3 qualitative rating scale (FIRST, CVSS v3.1 specification, section 5).
    if isinstance(score, bool):
        return ""
    try:
        value = float(score)
    except (TypeError, ValueError):
        return ""
    if not 0.0 < value <= 10.0:
        return ""
    if value < 4.0:
        return "low"
    if value < 7.0:
        return "medium"
    if value < 9.0:
        return "high"
    return "critical"


def _references(raw: Mapping[str, Any], where: str) -> tuple[str, ...]:
    urls = []
    for index, item in enumerate(_list(raw, "references", where)):
        if not isinstance(item, Mapping):
            raise AdvisoryFormatError("must be a mapping", filename=where, field=f"references[{index}]")
        url = item.get("url")
        if isinstance(url, str) and url:
            urls.append(url)
    return tuple(urls)


def _text(raw: Mapping[str, Any], key: str, where: str, *, prefix: str = "", required: bool = False) -> str:
    value = raw.get(key)
    path = f"{prefix}.{key}" if prefix else key
    if value is None or value == "":
        if required:
            raise AdvisoryFormatError("is required", filename=where, field=path)
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise AdvisoryFormatError("must be text", filename=where, field=path)
    return str(value)


def _list(raw: Mapping[str, Any], key: str, where: str, prefix: str = "") -> list[Any]:
    value = raw.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise AdvisoryFormatError("must be a list", filename=where, field=f"{prefix}.{key}" if prefix else key)
    return value


def _strings(raw: Mapping[str, Any], key: str, where: str, prefix: str = "") -> tuple[str, ...]:
    path = f"{prefix}.{key}" if prefix else key
    values = []
    for index, item in enumerate(_list(raw, key, where, prefix)):
        # YAML turns an unquoted 2.0 into a float; the PyPA files quote them, others may not.
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            raise AdvisoryFormatError("must be text", filename=where, field=f"{path}[{index}]")
        values.append(str(item))
    return tuple(values)
