"""SPDX 2.2 JSON from widely used generators that spdx-tools refuses strictly: Microsoft's SBOM tool (spdxVersion as
the last key, an actor without its type) and syft (timestamps to the nanosecond). Strict first, then lenient with a
warning; counts from the raw JSON in the test."""

from __future__ import annotations

import json
import re

from app.inventory.importers import detect_format, parse_file, spdx_json
from tests.helpers import DATA, REALWORLD
from tests.inventory.realworld import expected_components

REAL = DATA / "realworld" / "spdx"
MICROSOFT = REAL / "missionlz-manifest.spdx.json"
SYFT = REAL / "jx-3.10.16-darwin-arm64.spdx.json"


def test_a_document_whose_spdx_version_comes_last_is_detected_from_its_whole_content() -> None:
    content = MICROSOFT.read_bytes()
    assert list(json.loads(content))[-7] == "spdxVersion"  # after files, packages, relationships
    assert content.index(b'"spdxVersion"') > 100_000
    assert detect_format("bom.json", content) == "spdx-json"


def test_microsofts_sbom_tool_document_is_read_leniently_with_a_warning() -> None:
    parsed = parse_file("manifest.spdx.json", MICROSOFT.read_bytes())
    assert len(parsed.components) == expected_components(MICROSOFT)
    (warning,) = [w for w in parsed.warnings if "read leniently" in w]
    assert "does not follow SPDX-2.2 strictly" in warning and "actors without a type" in warning
    assert parsed.components[0].supplier == "Microsoft/GitHub"


def test_syfts_nanosecond_timestamp_is_cut_to_whole_seconds_with_a_warning() -> None:
    raw = json.loads(SYFT.read_text())
    assert "." in raw["creationInfo"]["created"]
    parsed = spdx_json.parse(SYFT.read_bytes())
    assert len(parsed.components) == expected_components(SYFT)
    assert any("timestamps cut to whole seconds" in warning for warning in parsed.warnings)


def test_a_strict_document_is_read_without_a_leniency_warning() -> None:
    parsed = spdx_json.parse((REALWORLD / "spdx" / "rust-hello-server.spdx.json").read_bytes())
    assert not any("leniently" in warning for warning in parsed.warnings)


def test_packages_without_download_location_are_read_leniently() -> None:
    """The real Microsoft document with every package's downloadLocation taken out in the test (real generators
    omit it; none of the stored real files does)."""
    raw = json.loads(MICROSOFT.read_text())
    for package in raw["packages"]:
        package.pop("downloadLocation", None)
    parsed = spdx_json.parse(json.dumps(raw).encode())
    assert len(parsed.components) == expected_components(MICROSOFT)
    assert any("packages without downloadLocation read as NOASSERTION" in warning for warning in parsed.warnings)


def test_a_tag_value_document_with_a_nanosecond_timestamp_is_read_leniently() -> None:
    from app.inventory.importers import spdx_tagvalue

    path = REAL / "image-reflector-controller-0.16.0.spdx"
    assert re.search(r"^Created: \S+T\d\d:\d\d:\d\d\.\d+Z$", path.read_text(), re.MULTILINE)
    parsed = spdx_tagvalue.parse(path.read_bytes())
    assert len(parsed.components) == expected_components(path)
    assert any("timestamps cut to whole seconds" in warning for warning in parsed.warnings)
