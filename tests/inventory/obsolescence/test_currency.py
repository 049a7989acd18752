"""How current a version is, read from the registries' own answers (recorded PyPI JSON in tests/data/sources): the
expected figures are computed here from the raw JSON, independently of the registry parser and of the core."""

from __future__ import annotations

import json
from datetime import datetime

from packaging.version import Version

from app.inventory.obsolescence.currency import assess
from app.sources import registries
from tests.sources.mirror import DATA


def _facts(ecosystem: str, name: str) -> registries.PackageFacts:
    return registries.parse(ecosystem, (DATA / ecosystem / f"{name}.json").read_bytes())


def _raw_uploads(name: str) -> dict[str, datetime]:
    """Each version's first upload time, straight from PyPI's JSON (`releases` -> files -> upload_time_iso_8601)."""
    raw = json.loads((DATA / "pypi" / f"{name}.json").read_bytes())
    return {version: min(datetime.fromisoformat(f["upload_time_iso_8601"].replace("Z", "+00:00")) for f in files)
            for version, files in raw["releases"].items() if files}


def _stable_after(name: str, version: str) -> int:
    raw = json.loads((DATA / "pypi" / f"{name}.json").read_bytes())
    mine = Version(version)
    return sum(1 for other, files in raw["releases"].items()
               if files and not all(f.get("yanked") for f in files)
               and not Version(other).is_prerelease and Version(other) > mine)


def _assess(facts: registries.PackageFacts, ecosystem: str, version: str):
    return assess(ecosystem, version, latest_version=facts.latest_version, releases=facts.releases,
                  yanked=facts.yanked, package_deprecation=facts.deprecated)


def test_an_older_flask_is_behind_by_the_stable_releases_after_it_and_the_days_to_the_latest_upload():
    facts = _facts("pypi", "flask")
    uploads = _raw_uploads("flask")
    currency = _assess(facts, "pypi", "3.0.0")
    assert currency.latest_version == facts.latest_version == "3.1.3"
    assert currency.releases_behind == _stable_after("flask", "3.0.0") > 0
    assert currency.days_behind == (uploads["3.1.3"] - uploads["3.0.0"]).days
    assert currency.outdated and not currency.yanked and not currency.deprecated


def test_the_latest_version_is_zero_behind():
    currency = _assess(_facts("pypi", "six"), "pypi", "1.17.0")
    assert (currency.releases_behind, currency.days_behind, currency.outdated) == (0, 0, False)


def test_a_version_pypi_yanked_is_yanked_and_yanked_releases_are_not_counted_as_newer():
    facts = _facts("pypi", "requests")
    assert "2.32.0" in facts.yanked  # requests 2.32.0 and 2.32.1 were yanked on PyPI in May 2024
    currency = _assess(facts, "pypi", "2.32.0")
    assert currency.yanked and not currency.deprecated
    assert currency.releases_behind == _stable_after("requests", "2.32.0")
    older = _assess(facts, "pypi", "2.31.0")
    assert older.releases_behind == _stable_after("requests", "2.31.0")  # 2.32.0 and 2.32.1 (yanked) left out


def test_a_later_fix_of_an_older_line_and_a_pre_release_do_not_make_a_version_behind():
    releases = [("3.2.0", "2021-04-06T00:00:00"), ("4.0.0", "2021-12-07T00:00:00"),
                ("3.2.25", "2024-03-04T00:00:00"), ("5.0b1", "2024-05-01T00:00:00")]
    currency = assess("pypi", "4.0.0", latest_version="4.0.0", releases=releases)
    assert (currency.releases_behind, currency.days_behind) == (0, 0)


def test_npm_has_no_yank_its_deprecated_versions_and_packages_are_deprecated():
    releases = [("1.0.0", "2020-01-01T00:00:00.000Z"), ("1.1.0", "2021-01-01T00:00:00.000Z")]
    version = assess("npm", "1.0.0", latest_version="1.1.0", releases=releases, yanked=("1.0.0",))
    assert (version.yanked, version.deprecated, version.releases_behind, version.days_behind) == (False, True, 1, 366)
    package = assess("npm", "1.1.0", latest_version="1.1.0", releases=releases,
                     package_deprecation="use String.prototype.padStart()")
    assert package.deprecated and package.deprecation == "use String.prototype.padStart()"


def test_what_cannot_be_ordered_or_dated_stays_unknown():
    assert assess("pypi", "not a version", latest_version="1.0", releases=[("1.0", "2020-01-01T00:00:00")]).releases_behind is None
    assert assess("maven", "1.0", latest_version="2.0", releases=[("1.0", "x"), ("2.0", "y")]).releases_behind is None
    assert assess("pypi", "1.0", latest_version="2.0", releases=()).days_behind is None
