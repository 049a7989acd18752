"""Helpers shared by every importer: decoding, error wrapping, field checks, purls, licences, scopes.

Every decoder here turns the library's own error into one ImporterError that names the line
(or the field) so that a user can find the fault in the file they uploaded.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable, Iterable
from functools import lru_cache, wraps
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as DefusedET
from defusedxml import DefusedXmlException
from packageurl import PackageURL

from app import nesting
from app.inventory.importers.base import ImporterError, ParsedFile, parsed_once
from app.inventory.licences.expressions import normalise_licence

_TOML_POSITION = re.compile(r"\(at line (\d+), column \d+\)")
# Scopes ranked so that the widest use wins when one component is reached or declared several ways:
# a package the product needs at run time stays "runtime" even if a dev tool also pulls it in.
SCOPE_RANK: dict[str, int] = {"runtime": 0, "optional": 1, "dev": 2}
RANK_SCOPE: tuple[str, ...] = ("runtime", "optional", "dev")


def guarded(fmt: str) -> Callable[[Callable[[bytes], ParsedFile]], Callable[[bytes], ParsedFile]]:
    """Wrap a parse function so that only ImporterError (with a non-empty message) can escape it."""

    def decorate(function: Callable[[bytes], ParsedFile]) -> Callable[[bytes], ParsedFile]:
        @wraps(function)
        def parse(content: bytes) -> ParsedFile:
            try:
                return function(content)
            except ImporterError:
                raise
            except (RecursionError, MemoryError) as error:
                raise ImporterError(f"{fmt}: the file is too deeply nested or too large") from error
            except Exception as error:  # a library surprise or a defect must still reach the user clearly
                detail = str(error).strip()
                cause = f"{type(error).__name__}: {detail[:300]}" if detail else type(error).__name__
                raise ImporterError(f"{fmt}: the file could not be read ({cause})") from error

        return parse

    return decorate


def decode_text(content: bytes, fmt: str) -> str:
    """Decode UTF-8 (a BOM is dropped); a bad byte is reported with its line number."""
    if not isinstance(content, (bytes, bytearray)):
        raise ImporterError(f"{fmt}: expected the file's bytes")
    try:
        return str(parsed_once(content, "text", lambda: bytes(content).decode("utf-8-sig")))
    except UnicodeDecodeError as error:
        line = content.count(b"\n", 0, error.start) + 1
        raise ImporterError(f"{fmt}: the file is not UTF-8 text", line=line) from error


def load_toml(content: bytes, fmt: str) -> dict[str, Any]:
    """Parse TOML with tomllib; a syntax error names its line."""
    text = decode_text(content, fmt)
    try:
        return parsed_once(content, "toml", lambda: tomllib.loads(text))  # type: ignore[no-any-return]
    except tomllib.TOMLDecodeError as error:
        match = _TOML_POSITION.search(str(error))
        message = _TOML_POSITION.sub("", str(error)).strip()
        raise ImporterError(
            f"{fmt}: invalid TOML: {message}", line=int(match.group(1)) if match else None
        ) from error


def load_json(content: bytes, fmt: str) -> Any:
    """Parse JSON with the standard library; a syntax error names its line."""
    text = decode_text(content, fmt)
    try:
        return parsed_once(content, "json", lambda: nesting.load_json(text))
    except json.JSONDecodeError as error:
        raise ImporterError(f"{fmt}: invalid JSON: {error.msg}", line=error.lineno) from error
    except nesting.UnreadableData as error:
        raise ImporterError(f"{fmt}: {error}") from error


def parse_xml(content: bytes, fmt: str) -> Element:
    """Parse XML through defusedxml (no entity expansion, no external fetches); errors name the line."""
    try:
        return parsed_once(content, "xml", lambda: DefusedET.fromstring(content))  # type: ignore[no-any-return]
    except ParseError as error:
        line = error.position[0] if getattr(error, "position", None) else None
        raise ImporterError(f"{fmt}: invalid XML: {error}", line=line) from error
    except DefusedXmlException as error:
        raise ImporterError(f"{fmt}: the XML uses a forbidden construct ({type(error).__name__})") from error
    except LookupError as error:  # <?xml encoding="..."?> names a codec Python does not have
        raise ImporterError(f"{fmt}: the XML declares an unknown encoding ({error})", line=1) from error


def local_name(tag: object) -> str:
    """Return an XML tag without its namespace, so that namespaced and plain files read the same."""
    text = tag if isinstance(tag, str) else ""
    return text.rsplit("}", 1)[-1]


def require_mapping(value: object, fmt: str, where: str) -> dict[str, Any]:
    """Return value when it is a table/object, else an ImporterError naming the field."""
    if not isinstance(value, dict):
        raise ImporterError(f"{fmt}: expected a table/object", field=where)
    return value


def require_list(value: object, fmt: str, where: str) -> list[Any]:
    """Return value when it is an array, else an ImporterError naming the field."""
    if not isinstance(value, list):
        raise ImporterError(f"{fmt}: expected an array", field=where)
    return value


def require_text(value: object, fmt: str, where: str, *, allow_empty: bool = False) -> str:
    """Return value when it is a (non-empty) string, else an ImporterError naming the field."""
    if not isinstance(value, str) or (not allow_empty and not value.strip()):
        raise ImporterError(f"{fmt}: expected a non-empty string", field=where)
    return value.strip()


def optional_text(value: object) -> str:
    """Return a stripped string, or "" for anything that is not a string."""
    return value.strip() if isinstance(value, str) else ""


def make_purl(
    fmt: str, purl_type: str, name: str, version: str = "", namespace: str | None = None,
    qualifiers: dict[str, str] | None = None,
) -> str:
    """Build a purl string with packageurl-python; a name it refuses becomes an ImporterError."""
    try:
        return str(
            PackageURL(
                type=purl_type, namespace=namespace or None, name=name, version=version or None,
                qualifiers=qualifiers or None,
            ).to_string()
        )
    except ValueError as error:
        raise ImporterError(f"{fmt}: cannot build a package URL for {name!r}: {error}") from error


def mended_purl(text: str) -> str:
    """The purl normalised; syft 0.33 encoded a scoped npm name's slash (`pkg:npm/@scope%2Fname@1.0`), which is read
    as `pkg:npm/%40scope/name@1.0`. ValueError for text that is no purl even so."""
    try:
        return str(PackageURL.from_string(text).to_string())
    except ValueError:
        if "%2f" not in text.lower():
            raise
    return str(PackageURL.from_string(re.sub("%2[fF]", "/", text)).to_string())


@lru_cache(maxsize=65536)
def readable_purl(text: str) -> str | None:
    """The purl as written when packageurl reads it, else mended (mended_purl), else None (no purl even so)."""
    try:
        PackageURL.from_string(text)
        return text
    except ValueError:
        pass
    try:
        return mended_purl(text)
    except ValueError:
        return None


def licence(raw: str) -> tuple[str, tuple[str, ...]]:
    """Normalise one declared licence text (SPDX id, expression or free name)."""
    return normalise_licence(raw.strip()) if raw and raw.strip() else ("", ())


def licence_name(raw: str) -> tuple[str, tuple[str, ...]]:
    """A licence given by its name (CycloneDX `license.name`), not as an expression: a single word may be an SPDX id
    ("MIT"), and SPDX's upper-case operators make an expression ("MIT OR Apache-2.0"); any other name is kept whole
    and flagged, never split on the "and" or "or" inside it ("Common Development and Distribution License")."""
    text = (raw or "").strip()
    if _NO_LICENCE_NAME.fullmatch(text):
        return "", ()  # cyclonedx-dotnet's "Unknown - See URL" for a NuGet licence URL: no licence is named
    if not text or len(text.split()) == 1 or _SPDX_OPERATOR.search(text):
        return licence(text)
    return text, (text,)


# Names that generators write where no licence is known: they name none.
_NO_LICENCE_NAME = re.compile(r"unknown\s*-\s*see\s+url", re.IGNORECASE)


_SPDX_OPERATOR = re.compile(r"\s(?:AND|OR|WITH)\s")


def combine_licences(parts: Iterable[str]) -> tuple[str, tuple[str, ...]]:
    """Normalise several declared licences and join them with AND (each one applies)."""
    return combine_normalised(licence(part) for part in parts)


def combine_normalised(parts: Iterable[tuple[str, tuple[str, ...]]]) -> tuple[str, tuple[str, ...]]:
    """Join normalised licences (expression, unknown ids) with AND (each one applies)."""
    expressions: list[str] = []
    unknown: list[str] = []
    for expression, flagged in parts:
        if expression and expression not in expressions:
            expressions.append(expression)
        unknown.extend(flag for flag in flagged if flag not in unknown)
    if len(expressions) <= 1:
        return (expressions[0] if expressions else ""), tuple(unknown)
    # Parenthesise compound parts so that AND does not rebind an OR inside them.
    joined = " AND ".join(f"({item})" if " " in item else item for item in expressions)
    return joined, tuple(unknown)


def wider_scope(first: str, second: str) -> str:
    """Return the scope that matters more for a component declared twice (runtime > optional > dev)."""
    return first if SCOPE_RANK.get(first, 0) <= SCOPE_RANK.get(second, 0) else second


def filename_of(filename: str) -> str:
    """Return the lower-cased last path segment of an uploaded file name (either slash style)."""
    return re.split(r"[\\/]", filename or "")[-1].lower()


# --- What detection sees of a file: the whole content parsed once, None when it is not of that kind ---------


def text_or_none(content: bytes) -> str | None:
    """The file as UTF-8 text, or None when it is not (detection never raises)."""
    try:
        return decode_text(content, "detection")
    except ImporterError:
        return None


def json_object(content: bytes) -> dict[str, Any] | None:
    """The file's top-level JSON object, or None when the file is not a JSON object."""
    stripped = content.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped.startswith(b"{"):
        return None
    try:
        data = load_json(content, "detection")
    except ImporterError:
        return None
    return data if isinstance(data, dict) else None


def toml_document(content: bytes) -> dict[str, Any] | None:
    """The file's TOML tables, or None when the file is not TOML (JSON and XML never are)."""
    if content.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"<"):
        return None
    try:
        return load_toml(content, "detection")
    except ImporterError:
        return None


def xml_root(content: bytes) -> Element | None:
    """The file's XML root element, or None when the file is not XML."""
    if not content.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return None
    try:
        return parse_xml(content, "detection")
    except ImporterError:
        return None


# --- URLs: credentials never stored; versions read from archive names and VCS tags ----------------------------

# user[:password]@ right after "scheme://" (also percent-encoded inside a purl qualifier: %3A%2F%2Fuser%40).
_CREDENTIALS = re.compile(r"(://|%3A%2F%2F)(?!git@)[^/@\s?#]+(?:@|%40)", re.IGNORECASE)
_VERSION_TAG = re.compile(r"^(?:.*/)?v?(\d+(?:\.\d+)+(?:[-.+]?[A-Za-z0-9.]+)?)$")


def has_credentials(text: str) -> bool:
    """Whether some URL in the text carries a user, password or token (what without_credentials takes out)."""
    return _CREDENTIALS.search(text) is not None


def without_credentials(text: str) -> str:
    """The text with the user and password (or token) of every URL in it taken out."""
    if "//" not in text and "%2F%2F" not in text.upper():
        return text
    return _CREDENTIALS.sub(lambda match: match.group(1), text)


def version_of_url(url: str) -> str:
    """The version a download or VCS URL names, else "": a wheel's or sdist's file name, a GitHub archive of a tag
    (.../archive/refs/tags/2.2.0.zip), or a VCS reference that is a version tag (git+https://...@v3.7.1)."""
    from packaging.utils import InvalidSdistFilename, InvalidWheelFilename, parse_sdist_filename, parse_wheel_filename

    base = url.split("#", 1)[0].split("?", 1)[0]
    last = base.rstrip("/").rsplit("/", 1)[-1]
    if base.startswith(("git+", "hg+", "svn+", "bzr+")):
        ref = base.rsplit("@", 1)[1] if "@" in base.split("://", 1)[-1].split("/", 1)[-1] else ""
        match = _VERSION_TAG.match(ref)
        return match.group(1) if match else ""
    try:
        if last.endswith(".whl"):
            return str(parse_wheel_filename(last)[1])
        return str(parse_sdist_filename(last)[1])
    except (InvalidWheelFilename, InvalidSdistFilename, ValueError):
        pass
    stem = re.sub(r"\.(?:tar\.gz|tar\.bz2|tar\.xz|tgz|zip)$", "", last)
    match = _VERSION_TAG.match(stem) if stem != last else None
    return match.group(1) if match else ""


def name_of_url(url: str) -> str:
    """The distribution name a wheel's or sdist's file name carries, else ""."""
    from packaging.utils import InvalidSdistFilename, InvalidWheelFilename, parse_sdist_filename, parse_wheel_filename

    last = url.split("#", 1)[0].split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    try:
        if last.endswith(".whl"):
            return str(parse_wheel_filename(last)[0])
        return str(parse_sdist_filename(last)[0])
    except (InvalidWheelFilename, InvalidSdistFilename, ValueError):
        return ""
