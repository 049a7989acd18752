"""The audit log page and its CSV export stay flat on a big trail: record types from the audited models (never
scanned from the table), keyset pages newer/older (nothing counted), the actor picked by user id (an index, not
a text search), and the export read in chunks."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from app.access import Role
from app.audit import queries
from app.audit import services as audit
from app.audit.models import AuditEvent, record_types
from app.extensions import db
from tests.helpers import captured_sql


def add_events(count: int, *, actor: audit.Actor = audit.Actor(None, "system"), name: str = "test.event",
               entity_type: str = "") -> list[int]:
    """`count` domain events by `actor`, committed; their ids in order."""
    with audit.acting_as(actor):
        for number in range(count):
            audit.record(name, entity_type=entity_type, entity_id=str(number), number=number)
    db.session.commit()
    return list(db.session.scalars(
        select(AuditEvent.id).where(AuditEvent.name == name).order_by(AuditEvent.id)))


def shown_ids(html: str) -> list[int]:
    return [int(value) for value in re.findall(r"<tr>\s*<td>(\d+)</td>", html)]


def link(html: str, rel: str) -> str | None:
    match = re.search(rf'<a href="([^"]+)" rel="{rel}">', html)
    return match.group(1).replace("&amp;", "&") if match else None


def test_record_types_are_the_audited_models_and_the_named_types(app):
    types = record_types()
    assert {"supplier", "certificate", "user", "evaluation", "advisory", "suppliers", "approved_suppliers"} <= set(types)
    assert types == sorted(set(types)) and "" not in types


def test_every_record_type_the_demo_data_writes_is_offered(app):
    assert app.test_cli_runner().invoke(args=["demo", "seed"]).exit_code == 0
    written = set(db.session.scalars(select(AuditEvent.entity_type).distinct())) - {""}
    assert written and written <= set(record_types())


def test_the_page_never_scans_or_counts_the_trail(login_as):
    client = login_as(Role.AUDITOR)
    add_events(5)
    for url in ("/audit/", "/audit/?entity_type=user", "/audit/?actor=none&per_page=2", "/audit/?before=3"):
        with captured_sql() as statements:
            page = client.get(url)
        assert page.status_code == 200, url
        trail = [s for s in statements if "audit_events" in s]
        assert trail, url
        assert not [s for s in trail if "distinct" in s or "count(" in s], (url, trail)
        assert all(" limit " in s for s in trail if s.startswith("select")), (url, trail)
    html = client.get("/audit/").get_data(as_text=True)
    assert '<option value="purchase_record">Purchase record</option>' in html  # a type with no event yet


def test_older_and_newer_walk_every_event_once_in_both_directions(login_as):
    client = login_as(Role.AUDITOR)
    expected = list(reversed(add_events(7)))
    seen: list[int] = []
    url: str | None = "/audit/?action=test.event&per_page=3"
    pages = []
    while url:
        html = client.get(url).get_data(as_text=True)
        pages.append(shown_ids(html))
        seen += pages[-1]
        url = link(html, "next")
    assert seen == expected
    assert [len(ids) for ids in pages] == [3, 3, 1]
    assert "Newer" not in client.get("/audit/?action=test.event&per_page=3").get_data(as_text=True)
    back: list[int] = []
    html = client.get(f"/audit/?action=test.event&per_page=3&before={expected[-1]}").get_data(as_text=True)
    assert shown_ids(html) == [] and "Newest" in html
    url = f"/audit/?action=test.event&per_page=3&after={expected[-1] - 1}"
    while url:
        html = client.get(url).get_data(as_text=True)
        back = shown_ids(html) + back
        url = link(html, "prev")
    assert back == expected


def test_the_actor_filter_picks_a_user_by_id_whatever_name_the_event_copied(login_as, make_user):
    client = login_as(Role.AUDITOR)
    erin, quinn = make_user("erin", Role.ENGINEER, full_name="Erin Engineer"), make_user("quinn", Role.QA)
    mine = add_events(3, actor=audit.Actor(erin.id, "Erin Before Her Marriage (erin)"), name="test.erin")
    add_events(2, actor=audit.Actor(quinn.id, "Erin Lookalike (quinn)"), name="test.quinn")
    system = add_events(2, name="test.system")
    html = client.get("/audit/").get_data(as_text=True)
    assert f'<option value="{erin.id}">Erin Engineer (erin)</option>' in html
    with captured_sql() as statements:
        html = client.get(f"/audit/?actor={erin.id}").get_data(as_text=True)
    assert set(shown_ids(html)) >= set(mine)
    shown = set(db.session.scalars(select(AuditEvent.actor_id).where(AuditEvent.id.in_(shown_ids(html)))))
    assert shown == {erin.id}
    trail = " ".join(s for s in statements if "from audit_events" in s)
    assert "actor_id" in trail and " like " not in trail
    html = client.get("/audit/?actor=none").get_data(as_text=True)
    assert set(system) <= set(shown_ids(html))
    assert set(db.session.scalars(select(AuditEvent.actor_id).where(AuditEvent.id.in_(shown_ids(html))))) == {None}


@pytest.mark.parametrize("value", ["erin", "1 OR 1=1", "-3", "9" * 20])
def test_an_actor_that_is_no_user_id_sets_no_filter(value):
    assert queries.AuditFilters.from_args({"actor": value}).actor == ""


def test_an_action_filters_actions_and_a_dotted_name_filters_domain_events(login_as):
    client = login_as(Role.AUDITOR)
    events = add_events(2, name="evaluation.decided")
    html = client.get("/audit/?action=evaluation.decided").get_data(as_text=True)
    assert shown_ids(html) == list(reversed(events))
    html = client.get("/audit/?action=login").get_data(as_text=True)
    logins = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.id.in_(shown_ids(html)))))
    assert logins == {"login"}


def test_the_csv_export_reads_the_filtered_trail_in_chunks(login_as, monkeypatch, make_user):
    client = login_as(Role.AUDITOR)
    erin = make_user("erin", Role.ENGINEER)
    mine = add_events(7, actor=audit.Actor(erin.id, "Erin (erin)"), name="test.erin")
    add_events(3, name="test.other")
    monkeypatch.setattr(queries, "CSV_CHUNK", 2)
    with captured_sql() as statements:
        response = client.get(f"/audit/export.csv?actor={erin.id}&action=test.erin")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [int(row["id"]) for row in rows] == mine
    chunks = [s for s in statements if s.startswith("select") and "from audit_events" in s and "prev_hash" in s]
    assert len(chunks) == 4 and all("limit" in s and "actor_id" in s for s in chunks)


def test_the_export_cli_reads_in_chunks_and_writes_every_event(app, tmp_path, monkeypatch):
    add_events(5)
    monkeypatch.setattr(queries, "CSV_CHUNK", 2)
    target = tmp_path / "trail.csv"
    result = app.test_cli_runner().invoke(args=["audit", "export", "--csv", str(target)])
    assert result.exit_code == 0, result.output
    ids = [int(row["id"]) for row in csv.DictReader(target.open(encoding="utf-8"))]
    assert ids == sorted(db.session.scalars(select(AuditEvent.id)))


def test_the_last_day_a_filter_can_name_is_read_not_a_500(login_as):
    """`date_to=9999-12-31` asked for the day after it (OverflowError) in the audit log, its export and the register."""
    client = login_as(Role.AUDITOR)
    for path in ("/audit/?date_to=9999-12-31", "/audit/export.csv?date_to=9999-12-31",
                 "/documents/?date_to=9999-12-31", "/audit/?date_from=0001-01-01&date_to=9999-12-31"):
        assert client.get(path).status_code == 200, path
