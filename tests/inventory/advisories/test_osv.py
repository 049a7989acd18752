"""OSV parsing: one record, a list, YAML as the PyPA database stores it, and zips of them."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from app.inventory.advisories import osv
from app.inventory.advisories.osv import AdvisoryFormatError, parse_advisories

DATA = Path(__file__).resolve().parents[2] / "data" / "inventory" / "osv"
PYPA_ZIP = Path(__file__).resolve().parents[4] / "shared" / "realworld" / "osv" / "pypa-advisory-database-2024-10.zip"


def sample(name: str) -> bytes:
    return (DATA / name).read_bytes()


def make_zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def record(advisory_id: str, **extra: object) -> bytes:
    body = {"id": advisory_id, "modified": "2024-01-01T00:00:00Z", **extra}
    return json.dumps(body).encode()


@pytest.fixture(scope="module")
def pypa() -> osv.ParsedAdvisories:
    return parse_advisories(PYPA_ZIP.name, PYPA_ZIP.read_bytes())


# --- the real PyPA database ---------------------------------------------------------------


def test_the_pypa_advisory_database_zip_parses_completely(pypa: osv.ParsedAdvisories) -> None:
    assert len(pypa.advisories) == 2661
    assert pypa.warnings == []
    assert len({advisory.id for advisory in pypa.advisories}) == 2661


def test_a_pypa_yaml_record_keeps_every_field_we_use(pypa: osv.ParsedAdvisories) -> None:
    advisory = next(item for item in pypa.advisories if item.id == "PYSEC-2014-8")
    assert advisory.aliases == ("CVE-2014-1402", "GHSA-8r7q-cvjq-x353")
    assert advisory.details.startswith("The default configuration for bccache.FileSystemBytecodeCache")
    assert advisory.published == "2014-05-19T14:55:00Z"
    assert advisory.modified == "2021-07-05T00:01:22.043149Z"
    assert advisory.withdrawn == ""
    assert "https://github.com/advisories/GHSA-8r7q-cvjq-x353" in advisory.references
    (affected,) = advisory.affected
    assert (affected.ecosystem, affected.name, affected.purl) == ("PyPI", "jinja2", "pkg:pypi/jinja2")
    assert affected.ranges == (osv.Range("ECOSYSTEM", (("introduced", "0"), ("fixed", "2.7.2"))),)
    assert affected.versions[:3] == ("2.0", "2.0rc1", "2.1")


def test_pypa_cvss_vectors_are_kept_as_text_and_scored_by_the_cvss_library(pypa: osv.ParsedAdvisories) -> None:
    advisory = next(item for item in pypa.advisories if item.id == "PYSEC-2020-342")
    assert advisory.severity == "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
    assert (advisory.severity_score, advisory.severity_level) == (9.8, "critical")
    scored = [item for item in pypa.advisories if item.severity_score is not None]
    assert scored and all(item.severity_level for item in scored)


@pytest.mark.parametrize(("severity", "score", "level"), [
    ([{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N"}], 3.1, "low"),
    ([{"type": "CVSS_V3", "score": "CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"}], 6.5, "medium"),
    ([{"type": "CVSS_V2", "score": "AV:N/AC:L/Au:N/C:P/I:P/A:P"}], 7.5, "high"),
    ([{"type": "CVSS_V4", "score": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}], 9.3, "critical"),
    # the newest version wins: v4 over v3
    ([{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
      {"type": "CVSS_V4", "score": "CVSS:4.0/AV:L/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N"}], 1.0, "low"),
])
def test_base_scores_and_levels_are_computed_from_cvss_v2_v3_and_v4_vectors(severity, score, level) -> None:
    advisory = parse_advisories("x.json", record("TEST-1", severity=severity)).advisories[0]
    assert (advisory.severity_score, advisory.severity_level) == (score, level)


def test_a_vector_the_specification_does_not_allow_falls_back_to_the_database_level() -> None:
    content = record("TEST-1", severity=[{"type": "CVSS_V3", "score": "CVSS:3.1/AV:X/AC:L"}],
                     database_specific={"severity": "MODERATE"})
    advisory = parse_advisories("x.json", content).advisories[0]
    assert (advisory.severity_score, advisory.severity_level) == (None, "medium")


def test_pypa_withdrawn_records_parse_and_are_flagged(pypa: osv.ParsedAdvisories) -> None:
    withdrawn = [item for item in pypa.advisories if item.is_withdrawn]
    assert len(withdrawn) == 10
    assert all(item.withdrawn.endswith("Z") for item in withdrawn)


def test_git_ranges_are_kept_with_their_commit_events(pypa: osv.ParsedAdvisories) -> None:
    advisory = next(item for item in pypa.advisories if item.id == "PYSEC-2020-149")
    types = [rng.type for rng in advisory.affected[0].ranges]
    assert types == ["GIT", "ECOSYSTEM"]


# --- single files --------------------------------------------------------------------------


def test_one_json_record_with_semver_ranges_and_database_severity() -> None:
    result = parse_advisories("npm-semver.json", sample("npm-semver.json"))
    (advisory,) = result.advisories
    assert advisory.id == "TEST-2024-0001"
    assert advisory.summary == "Prototype pollution in example-merge"
    assert advisory.severity_level == "critical"
    assert advisory.severity.startswith("CVSS:3.1/")
    (affected,) = advisory.affected
    assert affected.name == "@example/merge"
    assert affected.ranges[0].type == "SEMVER"
    assert affected.ranges[0].events == (
        ("introduced", "2.0.0"),
        ("fixed", "2.4.1"),
        ("introduced", "0"),
        ("fixed", "1.9.3"),
    )


def test_a_json_list_of_records_gives_each_record() -> None:
    result = parse_advisories("maven-list.json", sample("maven-list.json"))
    assert [item.id for item in result.advisories] == ["TEST-2024-0002", "TEST-2024-0003"]


def test_moderate_is_read_as_medium_and_a_numeric_score_gives_the_cvss_rating() -> None:
    moderate, numeric = parse_advisories("maven-list.json", sample("maven-list.json")).advisories
    assert moderate.severity_level == "medium"
    assert numeric.severity == "7.5"
    assert numeric.severity_level == "high"


@pytest.mark.parametrize(
    ("score", "level"),
    [
        ("0.0", ""),
        ("3.9", "low"),
        ("4.0", "medium"),
        ("6.9", "medium"),
        ("7.0", "high"),
        ("9.0", "critical"),
        ("10.0", "critical"),
        ("11", ""),
    ],
)
def test_numeric_scores_map_to_the_cvss_v3_qualitative_scale(score: str, level: str) -> None:
    content = record("TEST-1", severity=[{"type": "CVSS_V3", "score": score}])
    assert parse_advisories("x.json", content).advisories[0].severity_level == level


def test_ubuntu_priority_words_and_affected_level_severities_are_read() -> None:
    ubuntu = record("TEST-1", severity=[{"type": "Ubuntu", "score": "negligible"}])
    assert parse_advisories("x.json", ubuntu).advisories[0].severity_level == "low"
    per_package = record(
        "TEST-2",
        affected=[
            {"package": {"ecosystem": "Debian:12", "name": "a"}, "ecosystem_specific": {"severity": "low"}},
            {"package": {"ecosystem": "Debian:12", "name": "b"}, "database_specific": {"severity": "HIGH"}},
        ],
    )
    assert parse_advisories("x.json", per_package).advisories[0].severity_level == "high"


def test_a_withdrawn_yaml_record_parses_and_is_flagged() -> None:
    (advisory,) = parse_advisories("withdrawn.yaml", sample("withdrawn.yaml")).advisories
    assert advisory.is_withdrawn
    assert advisory.withdrawn == "2023-09-01T12:00:00Z"


def test_unquoted_yaml_numbers_stay_the_version_text_they_were() -> None:
    (advisory,) = parse_advisories("withdrawn.yaml", sample("withdrawn.yaml")).advisories
    affected = advisory.affected[0]
    assert affected.versions == ("2.0", "2.9")
    assert affected.ranges[0].events == (("introduced", "0"), ("fixed", "2.10"))  # not 2.1


def test_an_osv_api_response_with_a_vulns_list_is_accepted() -> None:
    content = json.dumps({"vulns": [json.loads(record("TEST-1")), json.loads(record("TEST-2"))]}).encode()
    assert [item.id for item in parse_advisories("query.json", content).advisories] == ["TEST-1", "TEST-2"]


def test_a_file_without_a_known_suffix_is_sniffed_as_json_or_yaml() -> None:
    assert parse_advisories("upload", record("TEST-1")).advisories[0].id == "TEST-1"
    assert parse_advisories("upload", b"id: TEST-2\nmodified: x\n").advisories[0].id == "TEST-2"


def test_a_record_without_an_id_is_an_error_naming_the_field() -> None:
    with pytest.raises(AdvisoryFormatError) as caught:
        parse_advisories("bad.json", b'{"modified": "2024-01-01T00:00:00Z"}')
    assert caught.value.field == "id"
    assert caught.value.filename == "bad.json"
    assert "bad.json" in str(caught.value)


def test_an_event_with_two_kinds_names_its_path() -> None:
    content = record(
        "TEST-1",
        affected=[
            {
                "package": {"ecosystem": "npm", "name": "a"},
                "ranges": [{"type": "SEMVER", "events": [{"introduced": "0", "fixed": "1.0.0"}]}],
            }
        ],
    )
    with pytest.raises(AdvisoryFormatError) as caught:
        parse_advisories("bad.json", content)
    assert caught.value.field == "affected[0].ranges[0].events[0]"


def test_an_unknown_event_kind_is_an_error() -> None:
    content = record(
        "TEST-1",
        affected=[
            {
                "package": {"ecosystem": "npm", "name": "a"},
                "ranges": [{"type": "SEMVER", "events": [{"broken": "1.0.0"}]}],
            }
        ],
    )
    with pytest.raises(AdvisoryFormatError, match="unknown event kind"):
        parse_advisories("bad.json", content)


def test_a_list_where_a_list_belongs_is_required() -> None:
    with pytest.raises(AdvisoryFormatError) as caught:
        parse_advisories("bad.json", record("TEST-1", aliases="CVE-1"))
    assert caught.value.field == "aliases"


def test_invalid_json_reports_the_line() -> None:
    with pytest.raises(AdvisoryFormatError, match="line 2"):
        parse_advisories("bad.json", b'{"id": "A",\n "modified": }')


def test_yaml_tags_that_build_python_objects_are_refused() -> None:
    content = b"id: !!python/object/apply:os.system ['echo pwned']\n"
    with pytest.raises(AdvisoryFormatError, match="invalid YAML"):
        parse_advisories("evil.yaml", content)


def test_a_scalar_document_is_not_an_advisory() -> None:
    with pytest.raises(AdvisoryFormatError, match="expected an OSV record"):
        parse_advisories("x.json", b'"just a string"')


def test_non_utf8_content_is_an_error() -> None:
    with pytest.raises(AdvisoryFormatError, match="UTF-8"):
        parse_advisories("x.json", b"\xff\xfe\x00garbage")


def test_duplicate_ids_keep_the_most_recently_modified_copy_with_a_warning() -> None:
    older = json.loads(record("TEST-1", summary="old"))
    newer = {**older, "modified": "2024-02-01T00:00:00Z", "summary": "new"}
    result = parse_advisories("list.json", json.dumps([newer, older]).encode())
    assert [item.summary for item in result.advisories] == ["new"]
    assert "duplicate advisory TEST-1" in result.warnings[0]


# --- zips ----------------------------------------------------------------------------------


def test_one_bad_record_in_a_zip_is_a_warning_and_the_rest_import() -> None:
    content = make_zip(
        {
            "vulns/a/TEST-1.json": record("TEST-1"),
            "vulns/b/TEST-2.yaml": b"id: TEST-2\nmodified: '2024-01-01'\naffected: not-a-list\n",
            "vulns/c/TEST-3.json": record("TEST-3"),
        }
    )
    result = parse_advisories("db.zip", content)
    assert [item.id for item in result.advisories] == ["TEST-1", "TEST-3"]
    (warning,) = result.warnings
    assert "db.zip:vulns/b/TEST-2.yaml" in warning
    assert "'affected'" in warning


def test_a_zip_where_nothing_parses_is_an_error_naming_the_member() -> None:
    content = make_zip({"vulns/TEST-1.json": b"{not json"})
    with pytest.raises(AdvisoryFormatError) as caught:
        parse_advisories("db.zip", content)
    assert caught.value.filename == "db.zip:vulns/TEST-1.json"


def test_a_zip_without_advisory_files_is_an_error() -> None:
    with pytest.raises(AdvisoryFormatError, match=r"no \.json, \.yaml or \.yml"):
        parse_advisories("db.zip", make_zip({"README.md": b"hello", "tool.py": b"print()"}))


def test_zip_members_with_traversal_or_absolute_names_and_other_suffixes_are_ignored() -> None:
    content = make_zip(
        {
            "../evil/TEST-9.json": record("TEST-9"),
            "/abs/TEST-8.json": record("TEST-8"),
            "C:/win/TEST-7.json": record("TEST-7"),
            "vulns/notes.txt": b"not an advisory",
            "vulns/ok/TEST-1.yml": b"id: TEST-1\nmodified: '2024-01-01'\n",
        }
    )
    result = parse_advisories("db.zip", content)
    assert [item.id for item in result.advisories] == ["TEST-1"]


def test_a_zip_is_recognised_by_its_magic_bytes_whatever_its_name() -> None:
    content = make_zip({"TEST-1.json": record("TEST-1")})
    assert parse_advisories("upload.bin", content).advisories[0].id == "TEST-1"


def test_a_file_named_zip_that_is_not_one_is_an_error() -> None:
    with pytest.raises(AdvisoryFormatError, match="not a readable zip"):
        parse_advisories("db.zip", b"plain text")


def test_a_zip_with_too_many_members_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(osv, "MAX_ZIP_MEMBERS", 2)
    content = make_zip({f"TEST-{n}.json": record(f"TEST-{n}") for n in range(3)})
    with pytest.raises(AdvisoryFormatError, match="3 members"):
        parse_advisories("db.zip", content)


def test_a_zip_expanding_beyond_the_total_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(osv, "MAX_ZIP_TOTAL_BYTES", 100)
    content = make_zip({"TEST-1.json": record("TEST-1", details="x" * 200)}, zipfile.ZIP_STORED)
    with pytest.raises(AdvisoryFormatError, match="expands to"):
        parse_advisories("db.zip", content)


def test_a_zip_bomb_is_refused_by_its_compression_ratio() -> None:
    content = make_zip({"TEST-1.json": b'{"id": "TEST-1", "details": "' + b" " * 20_000_000 + b'"}'})
    with pytest.raises(AdvisoryFormatError, match="compression ratio"):
        parse_advisories("bomb.zip", content)


def test_a_damaged_zip_member_is_a_warning_and_the_rest_import() -> None:
    good, bad = record("TEST-1"), record("TEST-2", details="a checksum will not match this text")
    content = make_zip({"a/TEST-1.json": good, "b/TEST-2.json": bad}, zipfile.ZIP_STORED)
    damaged = content.replace(b"will not match", b"WILL NOT MATCH")  # same size, CRC now wrong
    result = parse_advisories("db.zip", damaged)
    assert [item.id for item in result.advisories] == ["TEST-1"]
    assert "db.zip:b/TEST-2.json" in result.warnings[0]
    assert "cannot read" in result.warnings[0]
