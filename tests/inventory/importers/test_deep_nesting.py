"""Every importer refuses a deeply nested file with an ImporterError (never RecursionError or a crash)."""

from __future__ import annotations

import base64

import pytest

from app.inventory.importers import FORMATS, ImporterError
from app.nesting import MAX_DEPTH

DEEP = 100_000
DEEP_BY_FORMAT = {
    "cyclonedx-json": b'{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": ' + b"[" * DEEP,
    "spdx-json": b'{"spdxVersion": "SPDX-2.3", "packages": ' + b"[" * DEEP,
    "package-lock.json": b'{"lockfileVersion": 3, "packages": ' + b"[" * DEEP,
    "package.json": b'{"name": "x", "dependencies": ' + b"[" * DEEP,
    "bower.json": b'{"name": "x", "dependencies": ' + b"[" * DEEP,
    "Pipfile.lock": b'{"_meta": {}, "default": ' + b"[" * DEEP,
    "pnpm-lock.yaml": b"lockfileVersion: '9.0'\npackages: " + b"[" * DEEP,
    "yarn.lock": b"# yarn lockfile v1\n" + b"[" * DEEP,
    "poetry.lock": b"[[package]]\nname = \"x\"\nextras = " + b"[" * DEEP,
    "uv.lock": b"version = 1\n[[package]]\nname = \"x\"\nwheels = " + b"[" * DEEP,
    "pyproject.toml": b"[project]\nname = \"x\"\ndependencies = " + b"[" * DEEP,
    # the nesting is in the base64 payload of the DSSE envelope: decoded, it goes through app.nesting too
    "in-toto-attestation": b'{"payloadType": "application/vnd.in-toto+json", "signatures": [], "payload": "'
    + base64.b64encode(b'{"_type": "https://in-toto.io/Statement/v1", "predicateType": "https://cyclonedx.org/bom", '
                       b'"predicate": ' + b"[" * DEEP) + b'"}',
}
XML = {"cyclonedx-xml", "csproj", "packages.config"}
JSON_OR_YAML = {"cyclonedx-json", "spdx-json", "package-lock.json", "package.json", "bower.json", "Pipfile.lock", "pnpm-lock.yaml",
                "in-toto-attestation"}


def test_every_json_or_yaml_format_has_a_deep_sample():
    assert JSON_OR_YAML.issubset(FORMATS) and JSON_OR_YAML.issubset(DEEP_BY_FORMAT)


# Line formats (requirements.txt, SPDX tag-value) have no nesting.
@pytest.mark.parametrize("fmt", sorted(set(FORMATS) - {"requirements.txt", "spdx-tag-value"}))
def test_a_deeply_nested_file_is_an_importer_error(fmt):
    content = DEEP_BY_FORMAT.get(fmt, b"<a>" * DEEP if fmt in XML else b"[" * DEEP)
    with pytest.raises(ImporterError) as refused:
        FORMATS[fmt].parse(content)
    message = str(refused.value)
    assert message
    if fmt in JSON_OR_YAML:
        assert f"nested more than {MAX_DEPTH} levels deep" in message
