"""Fuzzing the JavaScript importers: whatever the bytes, only ImporterError (with a message) escapes."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.inventory.importers import bower_json, package_json, package_lock, pnpm_lock, yarn_lock
from tests.helpers import REALWORLD as SHARED_REALWORLD
from tests.inventory.importers.checks import fuzz, mutated, only_importer_error, refused

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "inventory" / "javascript"
REALWORLD = SHARED_REALWORLD / "lockfiles"

SEEDS: dict[str, tuple[ModuleType, list[bytes]]] = {
    "package.json": (package_json, [(REALWORLD / "nodegoat-package.json").read_bytes()]),
    "package-lock.json": (package_lock, [
        (SAMPLES / "package-lock-v1.json").read_bytes(),
        (SAMPLES / "package-lock-v3.json").read_bytes(),
        # a real lockfile's head keeps each example fast; the whole file is covered by its own tests
        (REALWORLD / "nodegoat-package-lock.json").read_bytes()[:60_000],
    ]),
    "yarn.lock": (yarn_lock, [(SAMPLES / "yarn-v1.lock").read_bytes(), (SAMPLES / "yarn-berry.lock").read_bytes()]),
    "pnpm-lock.yaml": (pnpm_lock, [(SAMPLES / "pnpm-lock-v6.yaml").read_bytes(),
                                   (SAMPLES / "pnpm-lock-v9.yaml").read_bytes()]),
    "bower.json": (bower_json, [(SAMPLES / "bower.json").read_bytes()]),
}
FUZZ = fuzz(60)


@pytest.mark.parametrize("format_name", sorted(SEEDS))
@FUZZ
@given(content=st.binary(max_size=2048))
def test_random_bytes_raise_only_importer_error(format_name: str, content: bytes) -> None:
    only_importer_error(SEEDS[format_name][0], content)


@pytest.mark.parametrize("format_name", sorted(SEEDS))
@FUZZ
@given(data=st.data())
def test_mutated_real_files_raise_only_importer_error(format_name: str, data: st.DataObject) -> None:
    module, seeds = SEEDS[format_name]
    only_importer_error(module, data.draw(mutated(seeds)))


@pytest.mark.parametrize("format_name", sorted(SEEDS))
def test_the_unmutated_seeds_parse(format_name: str) -> None:
    module, seeds = SEEDS[format_name]
    for seed in seeds[:2]:
        assert module.parse(seed).components


@pytest.mark.parametrize(
    ("module", "content"),
    [
        (package_lock, b'{"lockfileVersion": 3, "packages": {"node_modules/a": {"version": ["1"]}}}'),
        (package_lock, b'{"lockfileVersion": 1, "dependencies": {"a": {"version": "1", "requires": [1]}}}'),
        (package_lock, b"[" * 100_000 + b"]" * 100_000),
        (package_json, b'{"dependencies": {"": "1"}}'),
        (yarn_lock, b"__metadata:\n  version: 8\n\n? [a]\n: {version: 1}\n"),
        (yarn_lock, b"__metadata:\n  version: 8\n\n'a@npm:1': [1, 2]\n"),
        (pnpm_lock, b"lockfileVersion: '9.0'\nimporters:\n  .: 3\n"),
        (pnpm_lock, b"lockfileVersion: [9]\n"),
        (pnpm_lock, b"lockfileVersion: '9.0'\nsnapshots:\n  a@1.0.0:\n    dependencies: {b: [1]}\n"),
        (bower_json, b'{"dependencies": {"a": null}}'),
    ],
)
def test_odd_shapes_are_refused_with_importer_error(module: ModuleType, content: bytes) -> None:
    error = refused(module, content)
    assert str(error).strip()
