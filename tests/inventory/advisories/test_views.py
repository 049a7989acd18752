"""The advisory, anomaly review and licence policy pages: thin views over the services, clear errors, nothing lost."""

from __future__ import annotations

import io
import json

from sqlalchemy import func, select

from app.access import Role
from app.extensions import db
from app.inventory.advisories import services as advisory_services
from app.inventory.advisories.models import Advisory, AdvisoryMatch
from app.inventory.anomalies.models import AnomalyReview
from app.inventory.licences.models import LicencePolicyEntry
from tests.helpers import DATA
from tests.inventory.advisory_records import component_named, make_release

OSV = DATA / "inventory" / "osv"


def record(advisory_id: str, name: str, version: str = "1.0", **extra) -> dict:
    return {"id": advisory_id, "affected": [{"package": {"ecosystem": "PyPI", "name": name}, "versions": [version]}], **extra}


def seed(*records: dict) -> None:
    advisory_services.import_advisories("seed.json", json.dumps(list(records)).encode())
    db.session.commit()


def test_the_list_shows_an_empty_state_then_filters_advisories(app, login_as):
    client = login_as(Role.AUDITOR)
    page = client.get("/advisories").get_data(as_text=True)
    assert "Import an OSV advisory file" in page
    make_release(("pypi", "demo", "1.0"), product="Pump")
    seed(record("PYSEC-1", "demo", summary="Bad thing in demo"), record("PYSEC-2", "other", summary="Elsewhere"))

    page = client.get("/advisories?affecting=yes").get_data(as_text=True)
    assert "PYSEC-1" in page and "PYSEC-2" not in page
    page = client.get("/advisories?q=elsewhere").get_data(as_text=True)
    assert "PYSEC-2" in page and "PYSEC-1" not in page
    assert "Import advisories" not in page  # an auditor changes nothing


def test_the_detail_page_lists_our_affected_components_and_triage_works(app, login_as):
    release = make_release(("pypi", "demo", "1.0"), product="Pump", version="2.0")
    seed(record("PYSEC-3", "demo", summary="Overflow"))
    advisory = db.session.scalars(select(Advisory)).one()
    client = login_as(Role.ENGINEER)

    page = client.get(f"/advisories/{advisory.id}").get_data(as_text=True)
    assert "Pump" in page and "demo" in page and "Overflow" in page
    match = db.session.scalars(select(AdvisoryMatch)).one()

    response = client.post(f"/advisory-matches/{match.id}/triage", data={"state": "affected", "note": ""})
    assert response.status_code == 422  # refused: a note is needed; the form comes back as sent, with why
    assert db.session.get(AdvisoryMatch, match.id).state == "open"
    page = response.get_data(as_text=True)
    assert '<option value="affected" selected>' in page and "mitigation" in page
    response = client.post(f"/advisory-matches/{match.id}/triage",
                           data={"state": "not_affected", "note": "Never called on the device", "justification": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'value="Never called on the device"' in page
    assert '<option value="not_affected" selected>' in page
    response = client.post(
        f"/advisory-matches/{match.id}/triage",
        data={"state": "affected", "note": "Input is validated upstream.", "next": f"/releases/{release.id}"},
    )
    assert response.headers["Location"].endswith(f"/releases/{release.id}")
    db.session.expire_all()
    assert db.session.get(AdvisoryMatch, match.id).state == "affected"


def test_triage_redirects_only_to_local_paths(app, login_as):
    make_release(("pypi", "demo", "1.0"))
    seed(record("PYSEC-4", "demo"))
    match = db.session.scalars(select(AdvisoryMatch)).one()
    response = login_as(Role.QA).post(
        f"/advisory-matches/{match.id}/triage", data={"state": "open", "note": "", "next": "https://evil.example/"}
    )
    assert "evil" not in response.headers["Location"]


def test_uploading_an_osv_file_imports_it(app, login_as):
    client = login_as(Role.ENGINEER)
    response = client.post(
        "/advisories/import",
        data={"file": (io.BytesIO((OSV / "maven-list.json").read_bytes()), "maven-list.json")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(Advisory.id))) == 2
    page = client.get("/advisories/import").get_data(as_text=True)
    assert "2 new, 0 updated, 0 unchanged" in page
    assert "maven-list.json" in page and "Maven List" not in page


def test_a_broken_or_foreign_upload_is_refused_with_its_reason(app, login_as):
    client = login_as(Role.ENGINEER)
    response = client.post(
        "/advisories/import", data={"file": (io.BytesIO(b"{oops"), "broken.json")}, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert "invalid JSON at line 1" in response.get_data(as_text=True)
    response = client.post(
        "/advisories/import", data={"file": (io.BytesIO(b"MZ..."), "tool.exe")}, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert "An OSV .json" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Advisory.id))) == 0


def test_recording_an_anomaly_review_from_its_page(app, login_as):
    release = make_release(("pypi", "demo", "1.0"), safety_class="C")
    seed(record("PYSEC-5", "demo", summary="Crash on empty input"))
    component = component_named(release, "demo")
    db.session.commit()
    client = login_as(Role.ENGINEER, username="erin")

    page = client.get(f"/components/{component.id}/anomaly-reviews/new").get_data(as_text=True)
    assert "PYSEC-5" in page and 'checked' in page  # affecting advisories are offered, ticked

    bad = client.post(
        f"/components/{component.id}/anomaly-reviews/new",
        data={"anomalies": "Crash on empty input; we never pass empty input.", "links": "not a link", "conclusion": "acceptable"},
    )
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "Not a web link" in text and "we never pass empty input" in text  # nothing typed is lost

    good = client.post(
        f"/components/{component.id}/anomaly-reviews/new",
        data={
            "anomalies": "Crash on empty input; we never pass empty input.",
            "links": "https://github.com/example/demo/issues?q=is%3Aopen",
            "advisories": ["PYSEC-5"],
            "conclusion": "needs_risk_control",
            "rationale": "RC-12 rejects empty payloads.",
        },
    )
    assert good.status_code == 302
    saved = db.session.scalars(select(AnomalyReview)).one()
    assert saved.reviewer_name == "Erin"  # the reviewer is whoever is signed in
    assert saved.advisories_considered == ["PYSEC-5"] and saved.conclusion == "needs_risk_control"

    page = client.get(good.headers["Location"]).get_data(as_text=True)
    assert "RC-12 rejects empty payloads." in page


def test_reviews_due_page_lists_never_reviewed_class_c_versions(app, login_as):
    make_release(("pypi", "demo", "1.0"), safety_class="C", product="Pump")
    db.session.commit()
    page = login_as(Role.AUDITOR).get("/anomaly-reviews").get_data(as_text=True)
    assert "demo" in page and "Never reviewed" in page


def test_the_licence_policy_page_and_its_edits(app, login_as):
    release = make_release(("pypi", "gpl-thing", "1.0", "GPL-3.0-only"))
    db.session.commit()
    auditor_page = login_as(Role.AUDITOR).get("/licence-policy").get_data(as_text=True)
    assert "Strong copyleft" in auditor_page and "Save entry" not in auditor_page
    assert "strong_copyleft" not in auditor_page  # categories by their labels, not their codes

    qa = login_as(Role.QA)
    invalid = qa.post("/licence-policy", data={"key": "Nonsense-1.0", "verdict": "deny", "note": "x"})
    assert invalid.status_code == 422
    assert "not an SPDX licence id" in invalid.get_data(as_text=True)

    assert qa.post("/licence-policy", data={"key": "GPL-3.0-only", "verdict": "deny", "note": "No GPL in devices."}).status_code == 302
    db.session.expire_all()
    assert component_named(release, "gpl-thing").licence_verdict == "deny"
    entry = db.session.scalars(select(LicencePolicyEntry)).one()

    assert qa.post(f"/licence-policy/{entry.id}/remove", data={"reason": ""}).status_code == 302
    assert db.session.scalar(select(func.count(LicencePolicyEntry.id))) == 1  # a reason is required
    qa.post(f"/licence-policy/{entry.id}/remove", data={"reason": "Legal cleared it."})
    assert db.session.scalar(select(func.count(LicencePolicyEntry.id))) == 0
    db.session.expire_all()
    assert component_named(release, "gpl-thing").licence_verdict == "review"


def test_the_dashboard_panel_shows_reviews_due_and_open_advisories(app, login_as):
    make_release(("pypi", "demo", "1.0"), safety_class="B", product="Pump", version="3.1")
    seed(record("PYSEC-6", "demo"))
    page = login_as(Role.ENGINEER).get("/").get_data(as_text=True)
    assert "SOUP monitoring" in page
    assert "Pump 3.1" in page and "1 open on 1 component" in page
    assert "demo 1.0" in page


def test_the_advisories_list_costs_the_same_queries_for_3_or_30_advisories(app, login_as):
    from sqlalchemy import event

    client = login_as(Role.AUDITOR)
    make_release(*[("pypi", f"pkg-{n}", "1.0") for n in range(30)])

    def statements_for(count: int) -> int:
        seed(*[record(f"X-{count}-{n}", f"pkg-{n}") for n in range(count)])
        seen = []
        listener = lambda *args: seen.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get("/advisories").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    assert statements_for(3) == statements_for(27)


def test_the_dashboard_panel_stays_away_when_nothing_waits(app, login_as):
    make_release(("pypi", "demo", "1.0"), safety_class="A")
    assert "SOUP monitoring" not in login_as(Role.PURCHASING).get("/").get_data(as_text=True)


def test_a_deeply_nested_upload_is_refused_naming_the_limit(app, login_as):
    client = login_as(Role.ENGINEER)
    for name in ("deep.json", "deep.yaml"):  # json: RecursionError (500); libyaml: a segmentation fault
        response = client.post(
            "/advisories/import", data={"file": (io.BytesIO(b"[" * 100_000), name)},
            content_type="multipart/form-data",
        )
        assert response.status_code == 422, name
        assert "nested more than 100 levels deep" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Advisory.id))) == 0


def test_the_advisory_pages_show_the_level_and_the_base_score_computed_from_the_vector(app, login_as):
    client = login_as(Role.ENGINEER)
    record = {"id": "PYSEC-SCORE-1", "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
              "affected": [{"package": {"ecosystem": "PyPI", "name": "flask"}, "versions": ["3.0.0"]}]}
    advisory_services.import_advisories("score.json", json.dumps(record).encode(), channel="cli")
    db.session.commit()
    listed = client.get("/advisories?severity=critical").get_data(as_text=True)
    assert "PYSEC-SCORE-1" in listed and 'class="cvss-score"' in listed and ">9.8<" in listed
    advisory = db.session.scalars(select(Advisory).where(Advisory.osv_id == "PYSEC-SCORE-1")).one()
    detail = client.get(f"/advisories/{advisory.id}").get_data(as_text=True)
    assert ">9.8<" in detail and "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" in detail
