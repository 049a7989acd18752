"""One component per package identity per release, remembering every file and SBOM ref it came from; manifests
imported with a lockfile only mark direct dependencies and their declared ranges.

Counts come from the raw files (json/tomllib here), not from the importers."""

from __future__ import annotations

import json
import tomllib
from collections import defaultdict

from sqlalchemy import func, select

from app.extensions import db
from app.inventory import services
from app.inventory.models import Component, Release
from tests.helpers import DATA, REALWORLD
from tests.inventory.factories import release_with
from tests.inventory.realworld import pep503, pyproject_names

REAL = DATA / "realworld"
REDIS_COMMANDER = REAL / "cyclonedx" / "redis-commander.cdx.json"
GHIDRA = REAL / "cyclonedx" / "ghidra-10.2.2.cdx.json"
POETRY_LOCK = REALWORLD / "lockfiles" / "poetry-poetry.lock"
POETRY_PYPROJECT = REALWORLD / "lockfiles" / "poetry-pyproject.toml"
NODEGOAT_LOCK = REALWORLD / "lockfiles" / "nodegoat-package-lock.json"
NODEGOAT_MANIFEST = REALWORLD / "lockfiles" / "nodegoat-package.json"


def rows(release: Release) -> list[Component]:
    return list(db.session.scalars(select(Component).where(Component.release_id == release.id).order_by(Component.id)))


def walk(items: list[dict]) -> list[dict]:
    return [c for item in items for c in (item, *walk(item.get("components", [])))]


def test_an_sbom_listing_a_package_at_several_paths_gives_one_component_with_every_ref(app) -> None:
    raw = walk(json.loads(REDIS_COMMANDER.read_text())["components"])
    refs_by_purl: dict[tuple[str, str], set[str]] = defaultdict(set)  # by (name with group, version)
    for entry in raw:
        name = f"{entry['group']}/{entry['name']}" if entry.get("group") else entry["name"]
        refs_by_purl[(name, entry["version"])].add(entry["bom-ref"])
    assert len(raw) > len(refs_by_purl)  # the file lists some packages more than once

    release, summary = release_with("Redis Commander", "1.0", {"bom.json": REDIS_COMMANDER.read_bytes()})

    stored = rows(release)
    assert summary["components"] == len(stored) == len(refs_by_purl)
    assert sum(summary["licences"].values()) >= len(stored)
    for row in stored:
        (source,) = row.sources
        assert source["file"] == "bom.json"
        assert set(source["refs"]) == refs_by_purl[(row.name, row.version)]
    assert any("entries name" in warning for warning in summary["warnings"])


def test_entries_without_bom_refs_are_one_component_per_package(app) -> None:
    raw = json.loads(GHIDRA.read_text())["components"]
    distinct = {(c.get("group", ""), c["name"], c.get("version", "")) for c in raw}
    assert len(raw) > len(distinct)
    release, summary = release_with("Ghidra", "10.2.2", {"ghidra.cdx.json": GHIDRA.read_bytes()})
    assert summary["components"] == len(rows(release)) == len(distinct)


def test_a_lockfile_with_its_manifest_gives_the_lockfiles_rows_marked_direct_with_declared_ranges(app) -> None:
    locked = {pep503(package["name"]): package["version"]
              for package in tomllib.loads(POETRY_LOCK.read_text())["package"]}
    declared = pyproject_names(POETRY_PYPROJECT)
    release, summary = release_with("Poetry", "1.0", {"poetry.lock": POETRY_LOCK.read_bytes(),
                                                      "pyproject.toml": POETRY_PYPROJECT.read_bytes()})
    stored = rows(release)
    assert len(stored) == len(locked) == summary["components"]
    assert all(row.version for row in stored)  # no version-less manifest rows
    assert summary["downgraded"] == 0
    direct = {pep503(row.name) for row in stored if row.direct}
    assert direct == declared & set(locked)
    assert all(row.declared_range for row in stored if row.direct)
    assert {row.direct for row in stored if pep503(row.name) not in declared} == {False}
    marked = next(row for row in stored if row.direct)
    assert {source["file"] for source in marked.sources} == {"poetry.lock", "pyproject.toml"}
    missing = declared - set(locked)
    assert sum("is declared, but no imported lockfile" in warning for warning in summary["warnings"]) == len(missing)


def test_a_manifest_imported_first_gives_way_to_the_lockfile_imported_later(app, make_user) -> None:
    locked = {pep503(package["name"]) for package in tomllib.loads(POETRY_LOCK.read_text())["package"]}
    declared = pyproject_names(POETRY_PYPROJECT)
    release, _ = release_with("Poetry", "1.0", {"pyproject.toml": POETRY_PYPROJECT.read_bytes()})
    alone = rows(release)
    assert len(alone) == len(declared)
    assert all(row.declared_range for row in alone)
    assert any("only a declared range" in problem for problem in services.freeze_problems(release))
    first = next(row for row in alone if pep503(row.name) in locked)
    first_name = pep503(first.name)
    services.classify_components(release, [first.id], "soup", "needed at run time", by=None)
    db.session.commit()

    release, _ = release_with("Poetry", "1.0", {"poetry.lock": POETRY_LOCK.read_bytes()})
    stored = rows(release)
    assert len(stored) == len(locked)
    assert {pep503(row.name) for row in stored if row.direct} == declared & locked
    assert not any("only a declared range" in problem for problem in services.freeze_problems(release))
    moved = [row for row in stored if pep503(row.name) == first_name]
    assert moved and all(row.classification == "soup" for row in moved)


def test_an_npm_manifest_alone_records_ranges_never_versions(app) -> None:
    manifest = json.loads(NODEGOAT_MANIFEST.read_text())
    specs = {**manifest.get("devDependencies", {}), **manifest.get("dependencies", {})}
    release, _ = release_with("NodeGoat", "1.0", {"package.json": NODEGOAT_MANIFEST.read_bytes()})
    stored = {row.name: row for row in rows(release)}
    assert set(stored) == set(specs)
    for name, spec in specs.items():
        assert stored[name].declared_range == spec
        assert stored[name].version in ("", spec)  # only an exact pin is a version
        assert not stored[name].version.startswith(("^", "~", ">", "<", "http", "git"))


def test_an_npm_lockfile_with_its_manifest_adds_no_rows(app) -> None:
    raw = json.loads(NODEGOAT_LOCK.read_text())
    expected = {(p.rsplit("node_modules/", 1)[1], info["version"]) for p, info in raw["packages"].items()
                if p and not info.get("link")}
    release, summary = release_with("NodeGoat", "1.0", {"package-lock.json": NODEGOAT_LOCK.read_bytes(),
                                                        "package.json": NODEGOAT_MANIFEST.read_bytes()})
    stored = rows(release)
    assert len(stored) == len(expected) == summary["components"]
    root = raw["packages"][""]
    declared = {**root.get("devDependencies", {}), **root.get("dependencies", {})}
    marked = {row.name: row.declared_range for row in stored if row.declared_range}
    assert set(marked) == set(declared) and all(marked[name] == declared[name] for name in marked)


def test_the_same_package_in_two_files_is_one_row_with_both_sources_and_survives_either_reimport(app) -> None:
    content = NODEGOAT_LOCK.read_bytes()
    release, _ = release_with("NodeGoat", "1.0", {"package-lock.json": content})
    count = db.session.scalar(select(func.count(Component.id)).where(Component.release_id == release.id))
    release, _ = release_with("NodeGoat", "1.0", {"npm-shrinkwrap.json": content})
    stored = rows(release)
    assert len(stored) == count
    assert all({s["file"] for s in row.sources} == {"package-lock.json", "npm-shrinkwrap.json"} for row in stored)
    release, _ = release_with("NodeGoat", "1.0", {"package-lock.json": content})
    stored = rows(release)
    assert len(stored) == count
    assert all(sorted(s["file"] for s in row.sources) == ["npm-shrinkwrap.json", "package-lock.json"]
               for row in stored)


def test_a_licence_ref_keeps_the_name_and_text_the_document_gives_it(app) -> None:
    path = REAL / "spdx" / "julia.spdx.json"
    raw = json.loads(path.read_text())
    (info,) = raw["hasExtractedLicensingInfos"]
    users = {p["name"] for p in raw["packages"] if info["licenseId"] in str(p.get("licenseConcluded"))}
    release, summary = release_with("Julia", "1.0", {"julia.spdx.json": path.read_bytes()})
    assert f"{info['licenseId']} ({info['name']})" in summary["unknown_licences"]
    for row in rows(release):
        refs = {ident: ref for source in row.sources for ident, ref in source.get("licence_refs", {}).items()}
        if row.name in users:
            assert refs[info["licenseId"]]["name"] == info["name"]
            assert info["extractedText"].startswith(refs[info["licenseId"]]["text"])
        else:
            assert not refs


def test_every_imported_component_carries_the_review_key_of_its_version(app) -> None:
    """The key the review schedule is stored under (anomalies.rules.review_key) is written with each row as it is
    inserted, for a manifest, a lockfile and both together: no later pass has to mend it."""
    from app.inventory.anomalies.rules import review_key

    release, _ = release_with("Poetry", "1.0", {"pyproject.toml": POETRY_PYPROJECT.read_bytes()})
    release, _ = release_with("Poetry", "1.0", {"poetry.lock": POETRY_LOCK.read_bytes()})
    stored = rows(release)
    assert stored
    assert [row.review_key for row in stored] == [review_key(row.ecosystem, row.name, row.version) for row in stored]
