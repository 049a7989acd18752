"""The scheduled advisory sync reads OSV's per-ecosystem export and imports only what changed by `modified`.

The real PyPA export and a modified copy (1 % of the records changed, one withdrawn, one added) are served by a
local HTTP server in the layout of OSV's bucket; the expected counts are computed from the two zips with PyYAML.
"""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlalchemy import func, select

from app.access import Role
from app.audit.models import AuditEvent
from app.extensions import db
from app.inventory.advisories import sync
from app.inventory.advisories.models import Advisory, AdvisorySyncRun, SyncStatus
from app.jobs.models import Job
from tests.inventory.advisories.osv_exports import PYPA_ZIP, expected_counts, export_of, modify, serving, stamps
from tests.inventory.advisory_records import make_release

TEMPLATE = "{base}/{{ecosystem}}/all.zip"


@pytest.fixture
def pypi_inventory(app):
    release = make_release(("pypi", "Jinja2", "2.10"), ("npm", "left-pad", "1.0.0"), ("generic", "thing", "1"))
    db.session.commit()
    return release


def run_counts(run: AdvisorySyncRun) -> dict[str, int]:
    return {"new": run.new, "changed": run.changed, "unchanged": run.unchanged, "withdrawn": run.withdrawn}


def test_the_inventory_ecosystems_are_those_osv_exports(pypi_inventory):
    assert sync.inventory_ecosystems() == ["PyPI", "npm"]


def test_the_source_template_names_a_url_a_mirror_or_a_local_directory(app):
    assert sync.source_for("crates.io", "https://osv-vulnerabilities.storage.googleapis.com/{ecosystem}/all.zip") \
        == "https://osv-vulnerabilities.storage.googleapis.com/crates.io/all.zip"
    assert sync.source_for("GitHub Actions", "https://mirror/{ecosystem}.zip") == "https://mirror/GitHub%20Actions.zip"
    assert sync.source_for("PyPI", "/srv/osv") == "/srv/osv/PyPI/all.zip"
    assert sync.source_for("PyPI", "/srv/osv/{ecosystem}-all.zip") == "/srv/osv/PyPI-all.zip"


def test_a_sync_imports_only_the_records_whose_modified_changed(app, pypi_inventory, monkeypatch):
    original = PYPA_ZIP.read_bytes()
    modified = modify(original)
    before, after = stamps(original), stamps(modified.content)
    files = {"/PyPI/all.zip": original}
    with serving(files) as base:
        monkeypatch.setitem(app.config, "ADVISORY_SYNC_SOURCE", TEMPLATE.format(base=base))
        first = sync.sync_ecosystem("PyPI")
        db.session.commit()
        files["/PyPI/all.zip"] = modified.content
        second = sync.sync_ecosystem("PyPI")
        db.session.commit()
        third = sync.sync_ecosystem("PyPI")
        db.session.commit()

    assert first.status == second.status == third.status == SyncStatus.SUCCEEDED
    assert run_counts(first) == expected_counts({}, before)
    assert first.new == len(before) and first.withdrawn == sum(1 for _modified, gone in before.values() if gone)
    expected = expected_counts(before, after)
    assert expected == {"new": 1, "changed": len(modified.changed), "unchanged": len(before) - len(modified.changed),
                        "withdrawn": 1}
    assert run_counts(second) == expected
    assert run_counts(third) == {"new": 0, "changed": 0, "unchanged": len(after), "withdrawn": 0}
    assert second.source == f"{base}/PyPI/all.zip" and second.size == len(modified.content)
    assert second.duration_s > 0 and second.error == ""

    # the withdrawn advisory is kept and marked; the changed ones carry their new content
    withdrawn = db.session.scalar(select(Advisory).where(Advisory.osv_id == modified.withdrawn))
    assert withdrawn is not None and withdrawn.withdrawn is not None
    assert db.session.scalar(select(func.count(Advisory.id))) == len(after)
    summaries = set(db.session.scalars(select(Advisory.summary).where(Advisory.osv_id.in_(modified.changed))))
    assert summaries == {"changed upstream in this test"}
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.name == "advisories.synced")
                                .order_by(AuditEvent.id)).all()
    assert [event.details["changed"] for event in events] == [0, len(modified.changed), 0]


def test_a_download_that_fails_is_recorded_and_imports_nothing(app, pypi_inventory, monkeypatch):
    with serving({}) as base:
        monkeypatch.setitem(app.config, "ADVISORY_SYNC_SOURCE", TEMPLATE.format(base=base))
        run = sync.sync_ecosystem("PyPI")
        db.session.commit()
    assert run.status == SyncStatus.FAILED and "HTTP 404" in run.error
    assert db.session.scalar(select(func.count(Advisory.id))) == 0


def test_an_export_over_the_size_limit_is_refused_while_it_downloads(app, pypi_inventory, monkeypatch):
    with serving({"/PyPI/all.zip": PYPA_ZIP.read_bytes()}) as base:
        monkeypatch.setitem(app.config, "ADVISORY_SYNC_SOURCE", TEMPLATE.format(base=base))
        monkeypatch.setitem(app.config, "ADVISORY_SYNC_MAX_BYTES", 1024 * 1024)
        run = sync.sync_ecosystem("PyPI")
        db.session.commit()
    assert run.status == SyncStatus.FAILED and "larger than 1 MB" in run.error
    assert db.session.scalar(select(func.count(Advisory.id))) == 0


def test_a_zip_bomb_is_refused_before_it_is_expanded(app, pypi_inventory, monkeypatch, tmp_path):
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("vulns/x/PYSEC-1.json", b'{"id": "PYSEC-1", "details": "' + b" " * 20_000_000 + b'"}')
    (tmp_path / "PyPI").mkdir()
    (tmp_path / "PyPI" / "all.zip").write_bytes(bomb.getvalue())
    monkeypatch.setitem(app.config, "ADVISORY_SYNC_SOURCE", str(tmp_path))
    run = sync.sync_ecosystem("PyPI")
    db.session.commit()
    assert run.status == SyncStatus.FAILED and "compression ratio" in run.error
    assert db.session.scalar(select(func.count(Advisory.id))) == 0


def test_the_command_syncs_every_ecosystem_from_a_local_directory(app, pypi_inventory, monkeypatch, tmp_path):
    (tmp_path / "PyPI").mkdir()
    (tmp_path / "PyPI" / "all.zip").write_bytes(export_of(
        {"id": "PYSEC-0001", "modified": "2024-01-01T00:00:00Z", "details": "x",
         "affected": [{"package": {"ecosystem": "PyPI", "name": "jinja2"}, "versions": ["2.10"]}]}))
    monkeypatch.setitem(app.config, "ADVISORY_SYNC_SOURCE", str(tmp_path))
    result = app.test_cli_runner().invoke(args=["advisories", "sync"])
    lines = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert [(line["ecosystem"], line["status"], line["new"]) for line in lines] == [
        ("PyPI", "succeeded", 1), ("npm", "failed", 0)]  # no npm export in the directory
    assert "cannot read" in lines[1]["error"]
    assert result.exit_code == 1
    assert db.session.scalar(select(func.count(AdvisorySyncRun.id))) == 2


def test_the_status_page_lists_the_runs_and_qa_queues_a_sync(app, pypi_inventory, login_as, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "ADVISORY_SYNC_SOURCE", str(tmp_path))
    sync.sync_ecosystem("PyPI")
    db.session.commit()
    engineer = login_as(Role.ENGINEER)
    response = engineer.get("/advisories/sync")
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page[-3000:]
    assert "Last run per ecosystem" in page and "cannot read" in page and "Sync now" not in page

    qa = login_as(Role.QA)
    assert "Sync now" in qa.get("/advisories/sync").get_data(as_text=True)
    response = qa.post("/advisories/sync")
    assert response.status_code == 302
    again = qa.post("/advisories/sync", follow_redirects=True).get_data(as_text=True)
    assert "already queued or running" in again
    jobs = db.session.scalars(select(Job).where(Job.kind == sync.JOB_KIND)).all()
    assert len(jobs) == 1 and jobs[0].status == "queued"


def test_the_worker_runs_the_sync_on_its_schedule_and_as_a_job(app, pypi_inventory, make_user, monkeypatch, tmp_path):
    from app.access import Role
    from app.jobs import queue
    from app.jobs import services as jobs

    assert "advisories.sync" in queue.periodic_tasks(app)
    assert queue.periodic_tasks(app)["advisories.sync"].schedule == app.config["ADVISORY_SYNC_CRONTAB"]
    monkeypatch.setitem(app.config, "ADVISORY_SYNC_SOURCE", str(tmp_path))
    qa = make_user("quentin", Role.QA)
    job, _created = sync.start_sync(qa)
    db.session.commit()
    assert jobs.run_job(job.id) == "done"
    db.session.refresh(job)
    assert job.result["failed"] == 2 and len(job.result["runs"]) == 2
    runs = db.session.scalars(select(AdvisorySyncRun)).all()
    assert {run.started_by_id for run in runs} == {qa.id} and {run.channel for run in runs} == {"web"}
