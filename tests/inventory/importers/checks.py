"""Shared by the importer tests: refusals with their message, records by name, fuzzing of real files."""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from app.inventory.importers.base import ComponentRecord, ImporterError, ParsedFile

# Bytes that break the structure of JSON, YAML, TOML, XML and lockfile formats more often than random ones.
STRUCTURAL = [b"{", b"}", b"[", b'"', b":", b"\n", b"  ", b"\t", b"\xff", b"null", b"@", b"#", b"(", b",", b"- ",
              b"&a ", b"*a", b"<", b"/>", b"="]


def refused(module: ModuleType, content: bytes, **options: object) -> ImporterError:
    """The ImporterError a parser raises for content it must refuse (the test then checks where and why);
    with options, its `read_document` is asked instead of `parse`."""
    with pytest.raises(ImporterError) as caught:
        module.read_document(content, **options) if options else module.parse(content)
    assert str(caught.value).strip()
    return caught.value


def by_name(parsed: ParsedFile) -> dict[str, ComponentRecord]:
    """The parsed records by package name."""
    return {component.name: component for component in parsed.components}


def direct_components(module: ModuleType, sample: Path, declaration: str) -> list[ComponentRecord]:
    """The records of a manifest that lists direct dependencies only: one direct record per `declaration`
    (a pattern counted in the raw text)."""
    parsed = module.parse(sample.read_bytes())
    assert len(parsed.components) == len(re.findall(declaration, sample.read_text()))
    assert all(component.direct is True for component in parsed.components)
    return parsed.components


def by_key(components: list[ComponentRecord]) -> dict[tuple[str, str], ComponentRecord]:
    """The records by (name, version): a lockfile may hold one package at several versions."""
    return {(c.name, c.version): c for c in components}


def fuzz(max_examples: int) -> settings:
    """Hypothesis settings of the importer fuzz tests: no deadline (parsers of real files are not instant)."""
    return settings(max_examples=max_examples, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def only_importer_error(module: ModuleType, content: bytes) -> None:
    """A parser either returns a ParsedFile of its own format or raises ImporterError with a message."""
    try:
        result = module.parse(content)
    except ImporterError as error:
        assert str(error).strip()
        assert error.message.strip()
    else:
        assert isinstance(result, ParsedFile)
        assert result.format == module.FORMAT


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    """One of the seeds with one to six flips, insertions, deletions or a truncation."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        if not data:
            break
        operation = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        at = draw(st.integers(min_value=0, max_value=len(data) - 1))
        if operation == "flip":
            data[at] ^= 1 << draw(st.integers(min_value=0, max_value=7))
        elif operation == "insert":
            data[at:at] = draw(st.one_of(st.sampled_from(STRUCTURAL), st.binary(min_size=1, max_size=8)))
        elif operation == "delete":
            del data[at : at + draw(st.integers(min_value=1, max_value=40))]
        else:
            del data[at:]
    return bytes(data)
