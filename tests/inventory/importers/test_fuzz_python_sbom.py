"""Fuzz: random bytes and mutated real files into every Python/.NET/SBOM parser: only ImporterError escapes."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.inventory.importers import FORMATS, detect_format
from tests.helpers import DATA as TEST_DATA
from tests.helpers import REALWORLD
from tests.inventory.importers.checks import fuzz, mutated, only_importer_error

REAL = REALWORLD
DATA = TEST_DATA / "inventory"

# One small seed per parser, by format (mutating the 740 KB juice-shop BOM would make each example slow).
SEEDS = {
    "requirements.txt": REAL / "lockfiles" / "flask-celery-example-requirements.txt",
    "pyproject.toml": REAL / "lockfiles" / "flask-pyproject.toml",
    "poetry.lock": REAL / "lockfiles" / "poetry-poetry.lock",
    "uv.lock": DATA / "python" / "uv.lock",
    "Pipfile.lock": DATA / "python" / "Pipfile.lock",
    "cyclonedx-json": DATA / "sbom" / "device-1.5.cdx.json",
    "cyclonedx-xml": DATA / "sbom" / "device-1.6.cdx.xml",
    "spdx-json": REAL / "spdx" / "rust-hello-server.spdx.json",
    "spdx-tag-value": DATA / "sbom" / "device-2.3.spdx",
    "in-toto-attestation": TEST_DATA / "realworld" / "attestations" / "trivy-centos-7-cyclonedx.intoto.jsonl",
    "packages.config": DATA / "nuget" / "packages.config",
    "csproj": DATA / "nuget" / "Device.Service.csproj",
}
MODULES = [FORMATS[fmt] for fmt in SEEDS]
FUZZ = fuzz(40)


@pytest.mark.parametrize("module", MODULES, ids=lambda module: module.FORMAT)
@FUZZ
@given(content=st.binary(max_size=512))
def test_random_bytes_raise_only_importer_errors(module, content):
    only_importer_error(module, content)


@pytest.mark.parametrize("module", MODULES, ids=lambda module: module.FORMAT)
@FUZZ
@given(data=st.data())
def test_mutated_real_files_raise_only_importer_errors(module, data):
    content = data.draw(mutated([SEEDS[module.FORMAT].read_bytes()]))
    only_importer_error(module, content)


@pytest.mark.parametrize("module", MODULES, ids=lambda module: module.FORMAT)
def test_the_unmutated_seed_parses(module):
    assert module.parse(SEEDS[module.FORMAT].read_bytes()).format == module.FORMAT


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (REAL / "cyclonedx" / "juice-shop-11.1.2.cdx.json", "cyclonedx-json"),
        (REAL / "cyclonedx" / "dropwizard-1.3.15.cdx.json", "cyclonedx-json"),
        (REAL / "cyclonedx" / "laravel-7.12.0.cdx-1.4.json", "cyclonedx-json"),
        (REAL / "cyclonedx" / "laravel-7.12.0.cdx-1.4.xml", "cyclonedx-xml"),
        (REAL / "spdx" / "example1.spdx", "spdx-tag-value"),
        (REAL / "spdx" / "examplemaven-0.0.1.spdx.json", "spdx-json"),
        (REAL / "spdx" / "rust-hello-server.spdx.json", "spdx-json"),
        (REAL / "spdx" / "sbom-with-dependency.spdx.json", "spdx-json"),
        (REAL / "lockfiles" / "flask-celery-example-requirements.txt", "requirements.txt"),
        (REAL / "lockfiles" / "flask-pyproject.toml", "pyproject.toml"),
        (REAL / "lockfiles" / "poetry-poetry.lock", "poetry.lock"),
        (REAL / "lockfiles" / "poetry-pyproject.toml", "pyproject.toml"),
        (DATA / "python" / "uv.lock", "uv.lock"),
        (DATA / "python" / "Pipfile.lock", "Pipfile.lock"),
        (DATA / "python" / "requirements-hashes.txt", "requirements.txt"),
        (DATA / "sbom" / "device-1.5.cdx.json", "cyclonedx-json"),
        (DATA / "sbom" / "device-1.6.cdx.json", "cyclonedx-json"),
        (DATA / "sbom" / "device-1.5.cdx.xml", "cyclonedx-xml"),
        (DATA / "sbom" / "device-1.6.cdx.xml", "cyclonedx-xml"),
        (DATA / "sbom" / "device-2.3.spdx", "spdx-tag-value"),
        (DATA / "nuget" / "packages.config", "packages.config"),
        (DATA / "nuget" / "Device.Service.csproj", "csproj"),
    ],
    ids=lambda value: value.name if isinstance(value, Path) else value,
)
def test_detect_format_names_each_real_and_sample_file(path, expected):
    assert detect_format(path.name, path.read_bytes()) == expected


def test_sboms_renamed_to_generic_names_are_still_detected_by_content():
    bom = (REAL / "cyclonedx" / "laravel-7.12.0.cdx-1.4.json").read_bytes()
    spdx = (REAL / "spdx" / "rust-hello-server.spdx.json").read_bytes()
    assert detect_format("upload.json", bom) == "cyclonedx-json"
    assert detect_format("upload.json", spdx) == "spdx-json"
