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
