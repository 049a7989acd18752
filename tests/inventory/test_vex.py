"""The VEX of a frozen release: each advisory against each affected component as triaged, as a schema-valid CycloneDX
1.6 document and as an OpenVEX 0.2.0 document; a draft release has none yet."""

from __future__ import annotations

import datetime as dt
import json

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from app.access import Role
from app.extensions import db
from app.inventory import vex
from tests.inventory.gated import gated_release, sign_and_freeze

DECIDED = dt.datetime(2026, 11, 2, 9, 30)
STATEMENTS = [
    vex.VexStatement("PYSEC-1", ("CVE-2026-1",), "A flaw", "flask", "3.0.0", "pkg:pypi/flask@3.0.0", "not_affected",
                     justification="code_not_reachable", note="We never call the debugger", decided_at=DECIDED,
                     severity_level="critical", severity_score=9.8,
                     vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
    vex.VexStatement("PYSEC-2", (), "Another flaw", "jinja2", "3.1.4", "pkg:pypi/jinja2@3.1.4", "affected",
                     note="Input escaped before rendering", decided_at=DECIDED),
    vex.VexStatement("GHSA-3", (), "", "click", "8.1.7", "pkg:pypi/click@8.1.7", "under_investigation"),
    vex.VexStatement("PYSEC-4", (), "", "flask", "3.0.0", "pkg:pypi/flask@3.0.0", "not_affected",
                     justification="vulnerable_code_not_present", note="Optional extra not installed"),
]


def test_the_cyclonedx_vex_is_schema_valid_and_carries_each_analysis():
    text = vex.cyclonedx_vex_json("Pump", "1.0", STATEMENTS)
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    document = json.loads(text)
    analyses = {v["id"]: v["analysis"] for v in document["vulnerabilities"]}
    assert analyses["PYSEC-1"]["state"] == "not_affected" and analyses["PYSEC-1"]["justification"] == "code_not_reachable"
    assert analyses["PYSEC-2"] == {**analyses["PYSEC-2"], "state": "exploitable", "detail": "Input escaped before rendering"}
    assert analyses["GHSA-3"]["state"] == "in_triage"
    assert analyses["PYSEC-4"]["justification"] == "code_not_present"  # the OpenVEX word in CycloneDX terms
    rating = next(v for v in document["vulnerabilities"] if v["id"] == "PYSEC-1")["ratings"][0]
    assert (rating["score"], rating["severity"], rating["method"]) == (9.8, "critical", "CVSSv31")
    assert len(document["components"]) == 3  # flask once, however many advisories hit it


def test_the_openvex_document_states_each_status_with_its_justification_or_action():
    document = json.loads(vex.openvex_json("Pump", "1.0", STATEMENTS, author="Example Medical Devices Ltd"))
    assert document["@context"] == "https://openvex.dev/ns/v0.2.0" and document["@id"].startswith("urn:uuid:")
    statements = {s["vulnerability"]["name"]: s for s in document["statements"]}
    assert statements["PYSEC-1"]["status"] == "not_affected"
    assert statements["PYSEC-1"]["justification"] == "vulnerable_code_not_in_execute_path"
    assert statements["PYSEC-1"]["vulnerability"]["aliases"] == ["CVE-2026-1"]
    assert statements["PYSEC-1"]["products"] == [{"@id": "provenance:Pump@1.0",
                                                  "subcomponents": [{"@id": "pkg:pypi/flask@3.0.0"}]}]
    assert statements["PYSEC-2"]["status"] == "affected"
    assert statements["PYSEC-2"]["action_statement"] == "Input escaped before rendering"
    assert statements["GHSA-3"]["status"] == "under_investigation"


def test_a_frozen_release_downloads_its_vex_and_a_draft_is_refused(login_as, make_user):
    client = login_as(Role.AUDITOR)
    erin = make_user("erin", Role.ENGINEER)
    quinn = make_user("quinn", Role.QA)
    release = gated_release(erin)
    draft = client.get(f"/releases/{release.id}/vex.cdx.json")
    assert draft.status_code == 409 and "frozen release" in draft.get_data(as_text=True)
    sign_and_freeze(release, erin, quinn)
    db.session.commit()

    cdx = client.get(f"/releases/{release.id}/vex.cdx.json")
    assert cdx.status_code == 200 and cdx.headers["Content-Disposition"].endswith('-vex.cdx.json"')
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(cdx.get_data(as_text=True)) is None
    assert [v["analysis"]["state"] for v in cdx.get_json()["vulnerabilities"]] == ["not_affected"]
    openvex = client.get(f"/releases/{release.id}/vex.openvex.json").get_json()
    assert [s["status"] for s in openvex["statements"]] == ["not_affected"]
    assert openvex["author"] == "Example Medical Devices Ltd"
    assert client.get(f"/releases/{release.id}/vex.xml").status_code == 404


def test_a_vex_read_back_gives_the_same_decisions_in_either_format():
    for text in (vex.cyclonedx_vex_json("Pump", "1.0", STATEMENTS),
                 vex.openvex_json("Pump", "1.0", STATEMENTS, author="Example")):
        decisions = {(d.advisory_id, d.component_ref): d for d in vex.read_vex(text.encode())}
        assert decisions[("PYSEC-1", "pkg:pypi/flask@3.0.0")].state == "not_affected"
        assert decisions[("PYSEC-2", "pkg:pypi/jinja2@3.1.4")].state == "affected"
        assert decisions[("PYSEC-2", "pkg:pypi/jinja2@3.1.4")].note == "Input escaped before rendering"
        assert decisions[("GHSA-3", "pkg:pypi/click@8.1.7")].state == "under_investigation"


def test_a_file_that_is_no_vex_is_refused_with_the_reason():
    import pytest

    for content, reason in ((b"[1, 2]", "JSON object"), (b"{not json", "not JSON"), (b'{"a": 1}', "neither")):
        with pytest.raises(vex.VexError, match=reason):
            vex.read_vex(content)


def test_an_openvex_file_uploaded_to_a_release_sets_its_triage_through_the_rules(login_as, make_user):
    import io

    from sqlalchemy import select

    from app.inventory.advisories.models import AdvisoryMatch

    client = login_as(Role.ENGINEER)
    release = gated_release(make_user("erin", Role.ENGINEER))
    match = db.session.scalars(select(AdvisoryMatch).where(AdvisoryMatch.release_id == release.id)).one()
    document = json.dumps({"@context": "https://openvex.dev/ns/v0.2.0", "@id": "urn:uuid:1", "author": "Supplier",
                           "timestamp": "2026-11-30T00:00:00Z", "version": 1, "statements": [
        {"vulnerability": {"name": "PYSEC-GATE-1"}, "products": [{"@id": "x", "subcomponents": [{"@id": "flask@3.0.0"}]}],
         "status": "affected", "action_statement": "Upgrade planned for 1.1"},
        {"vulnerability": {"name": "PYSEC-OTHER"}, "products": [{"@id": "flask@3.0.0"}], "status": "fixed"},
    ]}).encode()
    response = client.post(f"/releases/{release.id}/vex", data={"file": (io.BytesIO(document), "supplier.openvex.json")},
                           content_type="multipart/form-data", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "1 decision(s) taken into the triage" in page and "1 about advisories or components" in page
    db.session.refresh(match)
    assert (match.state, match.note) == ("affected", "Upgrade planned for 1.1")


def test_a_file_that_is_not_vex_is_refused_with_a_4xx_and_the_reason_on_the_advisories_page(login_as, make_user):
    import io

    release = gated_release(make_user("erin", Role.ENGINEER))
    client = login_as(Role.ENGINEER, username="eddie")
    for name, content in (("empty.json", b""), ("notes.json", b"not json"), ("list.json", b"[1, 2]")):
        response = client.post(f"/releases/{release.id}/vex", data={"file": (io.BytesIO(content), name)},
                               content_type="multipart/form-data")
        assert response.status_code == 422, name
        assert f"{name} cannot be read as VEX" in response.get_data(as_text=True)
    response = client.post(f"/releases/{release.id}/vex", data={}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Choose a CycloneDX or OpenVEX file" in response.get_data(as_text=True)
