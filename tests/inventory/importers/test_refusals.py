"""A file an importer must refuse is refused with an ImporterError that says where: the field, or the line.

One table for every format (by its FORMAT name); refusals that need more than a field or a line number
checked stay in the format's own test file."""

from __future__ import annotations

import pytest

from app.inventory.importers import FORMATS
from tests.inventory.importers.checks import refused

# format -> (content, the field the error names)
FIELD_NAMED: dict[str, list[tuple[bytes, str]]] = {
    "bower.json": [(b'{"dependencies": "jquery"}', "dependencies")],
    "cyclonedx-json": [(b'{"bomFormat": "CycloneDX", "specVersion": "1.4", "components": {"type": "library"}}',
                        "components")],
    "cyclonedx-xml": [(b'<bom xmlns="http://cyclonedx.org/schema/bom/1.5"><components>'
                       b'<component type="library"><version>1</version></component></components></bom>', "component[0].name")],
    "csproj": [(b'<Project><ItemGroup><PackageReference Version="1.0"/></ItemGroup></Project>', "PackageReference[0].Include")],
    "packages.config": [(b'<packages><package id="A" version="1.0"/><package id="B"/></packages>', "packages.package[1].version")],
    "package.json": [(b'{"dependencies": {"x": 1}}', "dependencies['x']"), (b'{"devDependencies": ["x"]}', "devDependencies")],
    "Pipfile.lock": [(b'{"default": {"flask": {"version": 3}}}', "default.flask.version")],
    "pnpm-lock.yaml": [(b"packages: {}\n", "lockfileVersion")],  # an unreadable entry is skipped (test_pnpm_lock)
    "poetry.lock": [(b'[[package]]\nname = "a"\nversion = "1"\n\n[[package]]\nname = "b"\n', "package[1].version")],
    "pyproject.toml": [(b'[project]\ndependencies = ["ok", "not a valid ==="]\n', "project.dependencies[1]")],
    "spdx-json": [(b'{"spdxVersion": "SPDX-3.0"}', "spdxVersion")],
    "uv.lock": [(b'[[package]]\nname = "app"\nsource = { editable = "." }\ndependencies = [{ version = "1" }]\n',
                 "package[0].dependencies[0].name")],
    "yarn.lock": [(b'__metadata:\n  version: 8\n\n"a@npm:^1":\n  resolution: "a@npm:1.0.0"\n', "a@npm:^1.version")],
}

# format -> (content, the line the error names)
LINE_NAMED: dict[str, list[tuple[bytes, int]]] = {
    "bower.json": [(b'{\n "dependencies": {\n  "a": "1",\n }\n}', 4)],
    "package.json": [(b'{\n  "dependencies": {\n    "x": "1"\n    "y": "2"\n  }\n}', 4)],
    "Pipfile.lock": [(b'{\n  "default": {\n    "a": {"version": "==1"},\n  }\n}', 4)],
    "requirements.txt": [(b"flask==3.0.3\n\xff\xfe==1\n", 2)],
    "yarn.lock": [(b'__metadata:\n  version: 8\n\n"a@npm:^1":\n  version: 1.0.0\n resolution: "a@npm:1.0.0"\n', 6)],
}


@pytest.mark.parametrize(("fmt", "content", "field"),
                         [(fmt, content, field) for fmt, rows in FIELD_NAMED.items() for content, field in rows])
def test_the_refusal_names_the_field(fmt: str, content: bytes, field: str) -> None:
    assert refused(FORMATS[fmt], content).field == field


@pytest.mark.parametrize(("fmt", "content", "line"),
                         [(fmt, content, line) for fmt, rows in LINE_NAMED.items() for content, line in rows])
def test_the_refusal_names_the_line(fmt: str, content: bytes, line: int) -> None:
    assert refused(FORMATS[fmt], content).line == line
