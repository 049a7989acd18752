"""Component counts of the real-world files, computed from the raw files without our importers."""

from __future__ import annotations

import json
import re
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

from tests.helpers import REALWORLD

FILES: list[Path] = sorted(
    [*(REALWORLD / "cyclonedx").iterdir(), *(REALWORLD / "spdx").iterdir(), *(REALWORLD / "lockfiles").iterdir()]
)


def pep503(name: str) -> str:
    """A Python package name as PEP 503 compares it."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(requirement: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    assert match is not None
    return pep503(match.group(1))


def _cyclonedx_json(path: Path) -> int:
    def walk(items: list[dict]) -> list[dict]:
        return [c for item in items for c in (item, *walk(item.get("components", [])))]

    return len({(c.get("group", ""), c["name"], c.get("version", "")) for c in walk(json.loads(path.read_text())
                                                                             .get("components", []))})


def _cyclonedx_xml(path: Path) -> int:
    root = ET.fromstring(path.read_bytes())  # noqa: S314
    namespace = root.tag.split("}")[0] + "}"
    components = root.find(f"{namespace}components")
    assert components is not None
    found = components.iter(f"{namespace}component")
    return len({(c.findtext(f"{namespace}group", ""), c.findtext(f"{namespace}name"),
                 c.findtext(f"{namespace}version", "")) for c in found})


def _spdx_json(path: Path) -> int:
    data = json.loads(path.read_text())
    roots = set(data.get("documentDescribes", []))
    roots |= {r["relatedSpdxElement"] for r in data.get("relationships", [])
              if r["relationshipType"] == "DESCRIBES" and r["spdxElementId"] == data["SPDXID"]}
    return sum(1 for package in data.get("packages", []) if package["SPDXID"] not in roots)


def _spdx_tagvalue(path: Path) -> int:
    text = path.read_text()
    ids = re.findall(r"^SPDXID:\s*(\S+)", text, re.MULTILINE)[1:]
    names = re.findall(r"^PackageName:", text, re.MULTILINE)
    described = set(re.findall(r"^Relationship:\s*SPDXRef-DOCUMENT\s+DESCRIBES\s+(\S+)", text, re.MULTILINE))
    return sum(1 for ident in ids[: len(names)] if ident not in described)


def _requirements(path: Path) -> int:
    return len(re.findall(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[^\]]*\])?==", path.read_text(), re.MULTILINE))


def pyproject_names(path: Path) -> set[str]:
    """Distinct package names declared anywhere in a pyproject.toml (PEP 621, dependency groups, Poetry)."""
    data = tomllib.loads(path.read_text())
    names: set[str] = set()
    project = data.get("project", {})
    names.update(_requirement_name(item) for item in project.get("dependencies", []))
    for items in project.get("optional-dependencies", {}).values():
        names.update(_requirement_name(item) for item in items)
    for items in data.get("dependency-groups", {}).values():
        names.update(_requirement_name(item) for item in items if isinstance(item, str))
    poetry = data.get("tool", {}).get("poetry", {})
    for table in [poetry.get("dependencies", {})] + [g.get("dependencies", {}) for g in poetry.get("group", {}).values()]:
        names.update(pep503(key) for key in table if key != "python")
    return names


def _pyproject(path: Path) -> int:
    return len(pyproject_names(path))


def _poetry_lock(path: Path) -> int:
    return len(tomllib.loads(path.read_text())["package"])


def _package_lock(path: Path) -> int:
    raw = json.loads(path.read_text())
    return len({(p.rsplit("node_modules/", 1)[1], info["version"])
                for p, info in raw["packages"].items() if p and not info.get("link")})


def _package_json(path: Path) -> int:
    raw = json.loads(path.read_text())
    return len(set(raw.get("dependencies", {})) | set(raw.get("devDependencies", {})))


# The ending of a file's name -> its independent count; the first match wins (package-lock.json before package.json).
COUNTERS: list[tuple[tuple[str, ...], Callable[[Path], int]]] = [
    ((".cdx.json", ".cdx-1.4.json"), _cyclonedx_json),
    ((".xml",), _cyclonedx_xml),
    ((".spdx.json",), _spdx_json),
    ((".spdx",), _spdx_tagvalue),
    (("requirements.txt",), _requirements),
    (("pyproject.toml",), _pyproject),
    (("poetry.lock",), _poetry_lock),
    (("package-lock.json",), _package_lock),
    (("package.json",), _package_json),
]


def expected_components(path: Path) -> int:
    """How many components the file declares, by the importers' de-duplication rules."""
    for endings, count in COUNTERS:
        if path.name.endswith(endings):
            return count(path)
    raise AssertionError(f"no independent count for {path.name}")
