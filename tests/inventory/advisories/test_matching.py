"""Matching advisories to component versions with each ecosystem's own version rules."""

from __future__ import annotations

import dataclasses
import zipfile
from pathlib import Path

import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from packaging.utils import canonicalize_name
from packaging.version import Version

from app.inventory.advisories.matching import (
    affects,
    match_components,
    normalise_name,
    osv_ecosystem,
)
from app.inventory.advisories.osv import AdvisoryRecord, AffectedPackage, Range, parse_advisories

DATA = Path(__file__).resolve().parents[2] / "data" / "inventory" / "osv"
PYPA_ZIP = Path(__file__).resolve().parents[4] / "shared" / "realworld" / "osv" / "pypa-advisory-database-2024-10.zip"


def package(ecosystem: str, name: str, *ranges: Range, versions: tuple[str, ...] = ()) -> AffectedPackage:
    return AffectedPackage(ecosystem=ecosystem, name=name, ranges=ranges, versions=versions)


def eco(*events: tuple[str, str]) -> Range:
    return Range("ECOSYSTEM", events)


def semver(*events: tuple[str, str]) -> Range:
    return Range("SEMVER", events)


# --- the release in the done-when ----------------------------------------------------

RELEASE = {"jinja2": "2.10", "urllib3": "1.24.1"}
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # PyYAML's safe loader, in C when built with it


@pytest.fixture(scope="module")
def pypa_advisories() -> list[AdvisoryRecord]:
    return parse_advisories(PYPA_ZIP.name, PYPA_ZIP.read_bytes()).advisories


def advisories_listing(release: dict[str, str]) -> dict[str, set[str]]:
    """Computed without our parser or matcher: plain YAML, explicit `versions` lists only.

    Maps each package of `release` (PEP 503 name -> version) to the ids of the non-withdrawn advisories
    whose `versions` list holds that version. Shared with the database-level test of the import service.
    """
    expected: dict[str, set[str]] = {name: set() for name in release}
    with zipfile.ZipFile(PYPA_ZIP) as archive:
        for member in archive.namelist():
            if not member.endswith(".yaml"):
                continue
            document = yaml.load(archive.read(member), Loader=SAFE_LOADER)  # noqa: S506 (safe)
            if document.get("withdrawn"):
                continue
            for affected in document["affected"]:
                name = canonicalize_name(affected["package"]["name"])
                if name in release:
                    # Every PyPA record of these packages lists its versions, so the list is the truth.
                    assert affected.get("versions"), document["id"]
                    if release[name] in affected["versions"]:
                        expected[name].add(document["id"])
    return expected


@pytest.fixture(scope="module")
def expected_from_the_yaml_files() -> dict[str, set[str]]:
    return advisories_listing(RELEASE)


def test_the_release_gets_exactly_the_advisories_listing_its_versions(
    pypa_advisories: list[AdvisoryRecord], expected_from_the_yaml_files: dict[str, set[str]]
) -> None:
    components = [(name, "pypi", name, version) for name, version in RELEASE.items()]
    found = match_components(pypa_advisories, components)
    assert {name: set(ids) for name, ids in found.items()} == expected_from_the_yaml_files
    assert expected_from_the_yaml_files["jinja2"]  # the check means something: both have advisories
    assert expected_from_the_yaml_files["urllib3"]


def test_ranges_alone_find_the_same_advisories_as_the_versions_lists(
    pypa_advisories: list[AdvisoryRecord], expected_from_the_yaml_files: dict[str, set[str]]
) -> None:
    ranges_only = [
        dataclasses.replace(
            advisory,
            affected=tuple(dataclasses.replace(item, versions=()) for item in advisory.affected),
        )
        for advisory in pypa_advisories
    ]
    components = [(name, "pypi", name.upper(), version) for name, version in RELEASE.items()]
    found = match_components(ranges_only, components)
    assert {name: set(ids) for name, ids in found.items()} == expected_from_the_yaml_files


def test_a_fixed_release_of_jinja2_has_none_of_these_advisories(pypa_advisories: list[AdvisoryRecord]) -> None:
    found = match_components(pypa_advisories, [("j", "pypi", "Jinja2", "3.1.6")])
    assert "PYSEC-2019-217" not in found.get("j", [])


# --- events ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "expected"),
    [("0.0.1", True), ("1.4.9", True), ("1.5", False), ("1.5.0", False), ("2.0", False), ("1.5.0rc1", True)],
)
def test_introduced_zero_to_fixed_covers_everything_before_the_fix(version: str, expected: bool) -> None:
    affected = package("PyPI", "demo", eco(("introduced", "0"), ("fixed", "1.5.0")))
    assert affects(affected, "pypi", "demo", version) is expected


@pytest.mark.parametrize(("version", "expected"), [("1.9", False), ("2.0", True), ("99.0", True)])
def test_introduced_without_a_fix_stays_open(version: str, expected: bool) -> None:
    assert affects(package("PyPI", "demo", eco(("introduced", "2.0"))), "pypi", "demo", version) is expected


@pytest.mark.parametrize(("version", "expected"), [("1.0", True), ("1.3", True), ("1.3.0", True), ("1.3.1", False)])
def test_last_affected_includes_that_version_and_nothing_after(version: str, expected: bool) -> None:
    affected = package("PyPI", "demo", eco(("introduced", "1.0"), ("last_affected", "1.3")))
    assert affects(affected, "pypi", "demo", version) is expected


@pytest.mark.parametrize(("version", "expected"), [("0.9", False), ("1.0", True), ("2.9.9", True), ("3.0", False)])
def test_limit_bounds_an_open_range_from_above(version: str, expected: bool) -> None:
    affected = package("PyPI", "demo", eco(("introduced", "1.0"), ("limit", "3.0")))
    assert affects(affected, "pypi", "demo", version) is expected


def test_a_star_limit_means_no_upper_bound() -> None:
    affected = package("PyPI", "demo", eco(("introduced", "1.0"), ("limit", "*")))
    assert affects(affected, "pypi", "demo", "1000.0")


@pytest.mark.parametrize(
    ("version", "expected"),
    [("0.5", True), ("1.0", False), ("1.5", False), ("2.0", True), ("2.4", True), ("2.5", False), ("3.0", False)],
)
def test_several_introduced_fixed_pairs_in_one_range_given_out_of_order(version: str, expected: bool) -> None:
    # Written as in the npm sample: the later pair first. The OSV algorithm sorts events by version.
    affected = package(
        "PyPI", "demo", eco(("introduced", "2.0"), ("fixed", "2.5"), ("introduced", "0"), ("fixed", "1.0"))
    )
    assert affects(affected, "pypi", "demo", version) is expected


def test_any_matching_range_of_several_affects() -> None:
    affected = package("PyPI", "demo", eco(("introduced", "0"), ("fixed", "1.0")), eco(("introduced", "3.0")))
    assert affects(affected, "pypi", "demo", "0.5")
    assert not affects(affected, "pypi", "demo", "2.0")
    assert affects(affected, "pypi", "demo", "3.1")


def test_git_ranges_are_ignored() -> None:
    affected = package("PyPI", "demo", Range("GIT", (("introduced", "0"), ("fixed", "a74c9cfbaed9f811e75"))))
    assert not affects(affected, "pypi", "demo", "1.0")


def test_a_range_with_an_unreadable_event_version_is_no_evidence() -> None:
    affected = package("PyPI", "demo", eco(("introduced", "0"), ("fixed", "not a version!")))
    assert not affects(affected, "pypi", "demo", "1.0")


# --- explicit versions and unparsable versions -------------------------------------------------


def test_the_explicit_versions_list_matches_exactly() -> None:
    affected = package("PyPI", "demo", versions=("1.0", "1.2"))
    assert affects(affected, "pypi", "demo", "1.2")
    assert not affects(affected, "pypi", "demo", "1.1")


def test_pypi_versions_match_the_list_by_pep440_equality() -> None:
    assert affects(package("PyPI", "demo", versions=("2.10",)), "pypi", "demo", "2.10.0")


def test_an_unparsable_version_never_raises_and_matches_no_range() -> None:
    affected = package("PyPI", "demo", eco(("introduced", "0")))
    assert not affects(affected, "pypi", "demo", "not-a-version!!")
    assert not affects(affected, "pypi", "demo", "")


def test_an_unparsable_version_still_matches_the_explicit_list_by_string() -> None:
    affected = package("PyPI", "demo", eco(("introduced", "0")), versions=("0.1-bulbasaur",))
    assert affects(affected, "pypi", "demo", "0.1-bulbasaur")


def test_an_ecosystem_without_version_rules_only_matches_its_explicit_list() -> None:
    affected = package("Hackage", "demo", eco(("introduced", "0")), versions=("1.0",))
    assert affects(affected, "Hackage", "demo", "1.0")
    assert not affects(affected, "Hackage", "demo", "2.0")


# --- ecosystems ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("1.9.2", True),
        ("1.9.3", False),
        ("2.0.0-beta.1", False),
        ("2.0.0", True),
        ("2.4.0", True),
        ("2.4.1", False),
        ("2.4.1-rc.1", True),
        ("v2.1.0", True),
    ],
)
def test_npm_semver_ranges_follow_semver_precedence(version: str, expected: bool) -> None:
    (advisory,) = parse_advisories("npm-semver.json", (DATA / "npm-semver.json").read_bytes()).advisories
    assert affects(advisory.affected[0], "npm", "@example/merge", version) is expected


def test_scoped_npm_names_keep_their_scope() -> None:
    (advisory,) = parse_advisories("npm-semver.json", (DATA / "npm-semver.json").read_bytes()).advisories
    assert not affects(advisory.affected[0], "npm", "merge", "2.1.0")


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("2.8.11", False),
        ("2.9.0", True),
        ("2.9.10", True),
        ("2.9.10.6", True),
        ("2.9.10.7", False),
        ("2.10.0", False),
        ("2.9.0-rc1", False),
    ],
)
def test_maven_versions_compare_by_maven_rules(version: str, expected: bool) -> None:
    advisory = parse_advisories("maven-list.json", (DATA / "maven-list.json").read_bytes()).advisories[0]
    assert affects(advisory.affected[0], "maven", "org.example:example-databind", version) is expected


def test_maven_names_may_be_given_with_a_slash() -> None:
    affected = package("Maven", "org.example:lib", eco(("introduced", "0")))
    assert affects(affected, "maven", "org.example/lib", "1.0")


@pytest.mark.parametrize(
    ("version", "expected"), [("0.9.0", False), ("1.0.0", True), ("2.5.0-beta", True), ("3.0.0", False)]
)
def test_nuget_ranges_honour_the_limit(version: str, expected: bool) -> None:
    advisory = parse_advisories("maven-list.json", (DATA / "maven-list.json").read_bytes()).advisories[1]
    assert affects(advisory.affected[0], "nuget", "example.http", version) is expected


@pytest.mark.parametrize(
    ("ecosystem", "osv", "name", "introduced", "fixed", "inside", "outside"),
    [
        ("golang", "Go", "github.com/example/mod", "1.2.0", "1.10.0", "v1.9.0", "v1.10.1"),
        ("cargo", "crates.io", "example-crate", "0.3.0", "0.10.0", "0.9.9", "0.10.0"),
        ("gem", "RubyGems", "example", "5.0", "5.2.1", "5.2.0.rc1", "5.2.1"),
        ("composer", "Packagist", "example/pkg", "7.0.0", "7.10.0", "7.9.0", "7.10.0"),
        ("npm", "npm", "left-pad", "1.0.0", "1.10.0", "1.9.0", "1.10.0"),
    ],
)
def test_other_ecosystems_use_their_own_ordering(
    ecosystem: str, osv: str, name: str, introduced: str, fixed: str, inside: str, outside: str
) -> None:
    affected = package(osv, name, eco(("introduced", introduced), ("fixed", fixed)))
    assert affects(affected, ecosystem, name, inside)
    assert not affects(affected, ecosystem, name, outside)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("pypi", "PyPI"),
        ("npm", "npm"),
        ("maven", "Maven"),
        ("nuget", "NuGet"),
        ("golang", "Go"),
        ("cargo", "crates.io"),
        ("gem", "RubyGems"),
        ("composer", "Packagist"),
        ("PyPI", "PyPI"),
        ("crates.io", "crates.io"),
        ("Debian:12", "Debian"),
        ("Hackage", "Hackage"),
    ],
)
def test_purl_types_and_osv_names_map_to_osv_ecosystems(given: str, expected: str) -> None:
    assert osv_ecosystem(given) == expected


def test_pypi_names_are_compared_after_pep503_normalisation() -> None:
    affected = package("PyPI", "zope.interface", eco(("introduced", "0")))
    assert affects(affected, "pypi", "Zope_Interface", "1.0")
    assert normalise_name("pypi", "Jinja2") == "jinja2"


def test_a_different_ecosystem_or_name_never_matches() -> None:
    affected = package("PyPI", "requests", eco(("introduced", "0")))
    assert not affects(affected, "npm", "requests", "1.0.0")
    assert not affects(affected, "pypi", "requests-toolbelt", "1.0.0")


# --- match_components --------------------------------------------------------------------------


def advisory(advisory_id: str, affected: AffectedPackage, withdrawn: str = "") -> AdvisoryRecord:
    return AdvisoryRecord(id=advisory_id, affected=(affected,), withdrawn=withdrawn)


def test_withdrawn_advisories_are_not_matched_unless_asked_for() -> None:
    (withdrawn,) = parse_advisories("withdrawn.yaml", (DATA / "withdrawn.yaml").read_bytes()).advisories
    components = [("c1", "pypi", "example-yaml", "2.9")]
    assert match_components([withdrawn], components) == {}
    assert match_components([withdrawn], components, include_withdrawn=True) == {"c1": ["TEST-2023-0004"]}


def test_components_without_a_match_are_left_out_and_ids_are_not_repeated() -> None:
    affected = package("PyPI", "demo", eco(("introduced", "0")), versions=("1.0",))
    two_packages = AdvisoryRecord(id="A-1", affected=(affected, affected))
    found = match_components([two_packages], [("hit", "pypi", "demo", "1.0"), ("miss", "pypi", "other", "1.0")])
    assert found == {"hit": ["A-1"]}


def test_a_thousand_components_against_three_thousand_advisories() -> None:
    advisories = [
        advisory(f"A-{n}", package("PyPI", f"pkg-{n % 1000}", eco(("introduced", "0"), ("fixed", f"{n % 7 + 1}.0"))))
        for n in range(3000)
    ]
    components = [(n, "pypi", f"PKG_{n}", "3.5") for n in range(1000)]
    found = match_components(advisories, components)
    for key, ids in found.items():
        expected = [f"A-{n}" for n in (key, key + 1000, key + 2000) if n % 7 + 1 > 3.5]
        assert ids == expected
    assert len(found) == sum(1 for key in range(1000) if any((n % 7 + 1) > 3.5 for n in (key, key + 1000, key + 2000)))


@settings(max_examples=150, deadline=None)
@given(
    st.tuples(st.integers(0, 20), st.integers(0, 20), st.integers(0, 20)),
    st.tuples(st.integers(0, 20), st.integers(0, 20)),
    st.tuples(st.integers(0, 20), st.integers(0, 20)),
)
def test_a_pypi_range_is_exactly_introduced_up_to_fixed(
    version: tuple[int, ...], low: tuple[int, ...], high: tuple[int, ...]
) -> None:
    as_text = [".".join(map(str, parts)) for parts in (version, low, high)]
    current, start, end = (Version(text) for text in as_text)
    assume(start < end)  # a fix before its introduction is not a range anyone writes
    affected = package("PyPI", "demo", eco(("introduced", as_text[1]), ("fixed", as_text[2])))
    expected = start <= current < end
    assert affects(affected, "pypi", "demo", as_text[0]) is expected
