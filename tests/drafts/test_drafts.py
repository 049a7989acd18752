"""Drafts of long forms: kept per user and form as the user types, offered back on the same page to that user only,
dropped when the form is submitted; bad or oversized drafts are refused with a message."""

from __future__ import annotations

import pytest

from app.access import Role
from app.drafts import services
from app.drafts.models import FormDraft
from app.errors import ValidationFailed
from app.extensions import db

KEY = "/suppliers/new|/suppliers/new"
FIELDS = [["name", "Acme Tools", None], ["scope", "Calibration software", None], ["hosts_device", "y", True]]


def test_a_draft_is_kept_per_user_and_form_and_the_latest_wins(make_user):
    erin, pat = make_user("erin"), make_user("pat", Role.PURCHASING)
    services.save_draft(erin, KEY, FIELDS)
    services.save_draft(erin, KEY, [["name", "Acme Tools Ltd", None]])
    services.save_draft(pat, KEY, FIELDS)
    db.session.commit()

    [mine] = services.drafts_on(erin, "/suppliers/new")
    assert mine.fields == [["name", "Acme Tools Ltd", None]]
    assert [d.user_id for d in services.drafts_on(pat, "/suppliers/new")] == [pat.id]  # never another user's
    assert services.discard_draft(erin, KEY) == 1 and services.drafts_on(erin, "/suppliers/new") == []


@pytest.mark.parametrize("fields", [
    "not a list", [["name"]], [[1, "x", None]], [["name", {"x": 1}, None]], [["n", "v", "yes"]],
    [["n", "v", None]] * (services.MAX_FIELDS + 1), [["notes", "x" * (services.MAX_BYTES + 1), None]],
])
def test_a_malformed_or_oversized_draft_is_refused(make_user, fields):
    with pytest.raises(ValidationFailed):
        services.save_draft(make_user("erin"), KEY, fields)


def test_a_draft_belongs_to_a_page_of_this_site(make_user):
    with pytest.raises(ValidationFailed, match="page of this site"):
        services.save_draft(make_user("erin"), "https://evil.example/x|/y", FIELDS)


def test_a_user_keeps_only_their_newest_drafts(make_user, monkeypatch):
    monkeypatch.setattr(services, "KEPT_PER_USER", 3)
    erin = make_user("erin")
    for n in range(5):
        services.save_draft(erin, f"/page/{n}|/page/{n}", FIELDS)
    db.session.commit()
    assert sorted(d.page for d in db.session.scalars(db.select(FormDraft))) == ["/page/2", "/page/3", "/page/4"]


def test_the_draft_routes_answer_the_page_script(login_as):
    client = login_as(Role.PURCHASING)
    saved = client.post("/drafts", json={"key": KEY, "fields": FIELDS})
    assert saved.status_code == 200 and ":" in saved.get_json()["saved_at"]
    listed = client.get("/drafts?page=/suppliers/new").get_json()["drafts"]
    assert [d["key"] for d in listed] == [KEY] and listed[0]["fields"] == FIELDS
    assert client.post("/drafts", json={"key": KEY, "fields": "x"}).status_code == 422
    assert client.post("/drafts", data="not json").status_code == 400
    assert client.post("/drafts/discard", json={"key": KEY}).status_code == 204
    assert client.get("/drafts?page=/suppliers/new").get_json()["drafts"] == []


def test_a_form_saved_with_its_draft_key_drops_the_draft_and_a_refused_one_keeps_it(login_as):
    from tests.suppliers.test_register_views import NEW

    client = login_as(Role.PURCHASING)
    client.post("/drafts", json={"key": KEY, "fields": FIELDS})
    refused = client.post("/suppliers/new", data={**NEW, "name": "", "_draft": KEY})
    assert refused.status_code == 422 and db.session.scalar(db.select(db.func.count(FormDraft.id))) == 1
    saved = client.post("/suppliers/new", data={**NEW, "_draft": KEY})
    assert saved.status_code in (302, 303) and db.session.scalar(db.select(db.func.count(FormDraft.id))) == 0


def test_credentials_typed_into_a_url_are_never_stored_in_a_draft(make_user):
    draft = services.save_draft(make_user("erin"), KEY, [["repository_url", "https://bot:ghp_secret@github.com/a/b", None]])
    assert draft.fields == [["repository_url", "https://github.com/a/b", None]]
