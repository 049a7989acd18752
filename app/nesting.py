"""JSON and YAML from users, with a nesting limit: one helper for every upload and import.

The parsers recurse once per level: 100,000 nested `[` make the standard library's `json` raise
RecursionError (a 500 page), PyYAML's pure loader the same, and PyYAML's C loader (libyaml) crash the
process with a segmentation fault. Real documents (lockfiles, SBOMs, OSV records, questionnaire
templates) stay far below MAX_DEPTH levels, so a deeper document is refused with `NestingTooDeep`, which
names the limit: YAML's depth is measured before the parser builds anything; JSON's C decoder guards its own
recursion, so its depth is measured after it parsed.

Pure: no Flask, no ORM.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

__all__ = ["MAX_DEPTH", "NestingTooDeep", "UnreadableData", "UnstorableData", "check_json_depth", "check_yaml_depth",
           "load_json", "load_yaml", "load_yaml_documents"]

MAX_DEPTH = 100
# Brackets inside strings nest nothing: only brackets and quotes are kept (C-speed bytes operations; a regex
# over every string was the slowest step of importing a 1 MB lockfile), then innermost pairs taken off level by level.
_NOT_BRACKETS_OR_QUOTES = bytes(sorted(set(range(256)) - set(b'[]{}"')))
_INNERMOST = re.compile(rb"\[\]|\{\}")
_YAML_OPEN = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_YAML_CLOSE = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


class UnreadableData(ValueError):
    """Well-formed JSON or YAML whose data the product cannot take; the message is for the user."""


class NestingTooDeep(UnreadableData):
    """The document nests lists/objects deeper than the limit; the message is for the user."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the data is nested more than {limit} levels deep (at most {limit} levels are allowed)")
        self.limit = limit


class UnstorableData(UnreadableData):
    """A value no database column can hold: a NUL character or half of a UTF-16 surrogate pair in a text (JSON's
    "\\u0000", "\\ud800"), or an integer of more digits than Python converts (4,300)."""


# JSON and YAML escapes that can give a NUL or a lone surrogate: only a document that holds one is walked.
_SUSPECT_ESCAPE = re.compile(rb"\\(?:u0000|x00|0|U00000000|u[dD][89a-fA-F])")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _json_bytes(content: str | bytes | bytearray) -> bytes:
    if isinstance(content, str):
        return content.encode("utf-8", "surrogatepass")
    data = bytes(content)
    encoding = json.detect_encoding(data)
    if encoding.startswith("utf-8"):
        return data
    return data.decode(encoding, "surrogatepass").encode("utf-8", "surrogatepass")


def check_json_depth(content: str | bytes | bytearray, max_depth: int = MAX_DEPTH) -> None:
    """Raise NestingTooDeep when the JSON text opens more than max_depth arrays/objects inside each other."""
    data = _json_bytes(content)
    # Escaped backslashes, then escaped quotes, go first; what is left between quotes is inside a string.
    if b"\\" in data:
        data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    kept = data.translate(None, _NOT_BRACKETS_OR_QUOTES)
    # Two quotes in a row enclose no bracket, inside a string or between two: taking them off keeps every later
    # quote's parity and leaves few pieces to split (most of a lockfile is strings without brackets).
    brackets = b"".join(kept.replace(b'""', b"").split(b'"')[::2])
    if brackets.count(b"[") + brackets.count(b"{") <= max_depth:
        return  # the common case: not even that many containers in the whole document
    for _ in range(max_depth):  # each pass takes away the innermost level
        brackets = _INNERMOST.sub(b"", brackets)
        if not brackets:
            return
    raise NestingTooDeep(max_depth)


def load_json(content: str | bytes | bytearray, max_depth: int = MAX_DEPTH) -> Any:
    """`json.loads` with the nesting limit: JSONDecodeError for bad syntax, NestingTooDeep for depth.

    The standard library's C decoder guards its own recursion (RecursionError, never a crash), so the text is
    parsed first and its depth measured after, on the brackets outside strings.
    """
    try:
        value = json.loads(content)
    except RecursionError:
        raise NestingTooDeep(max_depth) from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise
    except ValueError as error:  # "Exceeds the limit (4300 digits) for integer string conversion"
        raise UnstorableData(f"a number is too long to read ({error})") from None
    check_json_depth(content, max_depth)
    _check_texts(value, content)
    return value


def _check_texts(value: Any, raw: str | bytes | bytearray) -> None:
    """Raise UnstorableData when a text of the loaded data holds a NUL or a lone surrogate (looked for only when the
    raw document holds an escape that can make one)."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else bytes(raw)
    if _SUSPECT_ESCAPE.search(data) is None and b"\x00" not in data:
        return
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise UnstorableData("a text holds a NUL character, which cannot be stored: remove it")
            if _SURROGATE.search(item):
                raise UnstorableData("a text holds half of a UTF-16 surrogate pair (such as \\ud800), which is not "
                                     "valid Unicode: correct it")
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)


def check_yaml_depth(text: str, loader: type[Any] = yaml.SafeLoader, max_depth: int = MAX_DEPTH) -> None:
    """Raise NestingTooDeep when the YAML nests more than max_depth sequences/mappings (flow or block).

    Walks the parser's events, which needs no recursion and stops at the first level too deep.
    """
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, _YAML_OPEN):
            depth += 1
            if depth > max_depth:
                raise NestingTooDeep(max_depth)
        elif isinstance(event, _YAML_CLOSE):
            depth -= 1


def load_yaml(text: str, loader: type[Any] = yaml.SafeLoader, max_depth: int = MAX_DEPTH) -> Any:
    """Safe YAML loading (a SafeLoader or a subclass) after the nesting check; YAMLError for bad syntax."""
    if not issubclass(loader, (yaml.SafeLoader, getattr(yaml, "CSafeLoader", yaml.SafeLoader))):
        raise TypeError(f"{loader.__name__} is not a safe loader")
    check_yaml_depth(text, loader, max_depth)
    try:
        value = yaml.load(text, Loader=loader)  # noqa: S506 - a SafeLoader (or subclass), checked above
    except ValueError as error:  # an integer of more than 4,300 digits
        raise UnstorableData(f"a number is too long to read ({error})") from None
    _check_texts(value, text)
    return value


def load_yaml_documents(text: str, loader: type[Any] = yaml.SafeLoader, max_depth: int = MAX_DEPTH) -> list[Any]:
    """Every document of a YAML stream (`---` separated), loaded safely after the nesting check of the whole text."""
    if not issubclass(loader, (yaml.SafeLoader, getattr(yaml, "CSafeLoader", yaml.SafeLoader))):
        raise TypeError(f"{loader.__name__} is not a safe loader")
    check_yaml_depth(text, loader, max_depth)
    try:
        documents = list(yaml.load_all(text, Loader=loader))  # a SafeLoader (or subclass), checked above
    except ValueError as error:  # an integer of more than 4,300 digits
        raise UnstorableData(f"a number is too long to read ({error})") from None
    _check_texts(documents, text)
    return documents
