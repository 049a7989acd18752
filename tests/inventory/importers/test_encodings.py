"""Text files in UTF-16 or UTF-32 with their byte order mark (what Windows PowerShell's `>` writes) read as UTF-8."""

from __future__ import annotations

import codecs
import json

import pytest

from app.inventory.importers import detect_format, parse_file
from app.inventory.importers.base import ImporterError
from tests.helpers import DATA

REAL = DATA / "realworld"
WARNING = "the file is UTF-16 text (as Windows PowerShell writes with `>`), not UTF-8: read as such"


def test_spdx_tools_utf16_json_example_reads_like_its_utf8_twin() -> None:
    path = REAL / "spdx" / "tools-python-SPDXJSONExample-UTF-16.spdx.json"
    content = path.read_bytes()
    assert content.startswith(codecs.BOM_UTF16_LE)
    document = json.loads(content.decode("utf-16"))
    parsed = parse_file("document.json", content)  # detected from the content, not the name
    assert parsed.format == "spdx-json"
    described = set(document["documentDescribes"])
    assert sorted(c.name for c in parsed.components) == sorted(
        p["name"] for p in document["packages"] if p["SPDXID"] not in described)
    assert parsed.warnings[0] == WARNING


def test_trivys_utf16_requirements_file_is_read() -> None:
    parsed = parse_file("requirements.txt", (REAL / "lockfiles" / "trivy-requirements-utf16le.txt").read_bytes())
    assert [(c.name, c.version) for c in parsed.components] == [("attrs", "20.3.0")]
    assert parsed.warnings == [WARNING]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_every_byte_order_mark_is_understood(encoding: str) -> None:
    bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE,
           "utf-32-le": codecs.BOM_UTF32_LE, "utf-32-be": codecs.BOM_UTF32_BE}[encoding]
    content = bom + '{"name": "app", "dependencies": {"left-pad": "^1.3.0"}}'.encode(encoding)
    assert detect_format("package.json", content) == "package.json"
    assert [c.name for c in parse_file("package.json", content).components] == ["left-pad"]


def test_utf16_without_its_mark_is_still_refused_clearly() -> None:
    with pytest.raises(ImporterError, match="NUL byte"):
        parse_file("requirements.txt", "flask==3.0.0\n".encode("utf-16-le"))


def test_utf16_xml_is_left_to_the_xml_parser() -> None:
    content = ('<?xml version="1.0" encoding="UTF-16"?><packages><package id="NLog" version="5.3.4" />'
               "</packages>").encode("utf-16")
    parsed = parse_file("packages.config", content)
    assert [(c.name, c.version) for c in parsed.components] == [("NLog", "5.3.4")]
    assert parsed.warnings == []
