"""Inventory pages: release filters and bulk classification, diff page and JSON, exports, component edits, freeze."""

from __future__ import annotations

import csv
import io
import json

from openpyxl import load_workbook
from sqlalchemy import event, select

from app.access import Role
from app.extensions import db
from app.inventory import services
from app.inventory.ecosystems import ecosystem_name
from app.inventory.models import Component, Release
from tests.helpers import signing
from tests.inventory.factories import cyclonedx, release_with, requirements


def ids_by_name(release: Release) -> dict[str, int]:
    return {name: id_ for id_, name in db.session.execute(
        select(Component.id, Component.name).where(Component.release_id == release.id))}


def two_releases() -> tuple[Release, Release]:
    first, _ = release_with("Web", "1.0", {"bom.json": cyclonedx(("a", "1.0.0", "MIT"), ("b", "1.0.0", "MIT"))})
    second, _ = release_with("Web", "2.0", {"bom.json": cyclonedx(("a", "1.1.0", "MIT"), ("c", "1.0.0", "GPL-3.0-only"))})
    return first, second


def test_release_page_filters_and_searches_components(app, login_as) -> None:
    _first, second = two_releases()
    client = login_as(Role.AUDITOR)
    page = client.get(f"/releases/{second.id}").get_data(as_text=True)
    assert ">a</a>" in page and ">c</a>" in page
    only_added = client.get(f"/releases/{second.id}?change=added").get_data(as_text=True)
    assert ">c</a>" in only_added and ">a</a>" not in only_added
    denied = client.get(f"/releases/{second.id}?verdict=review").get_data(as_text=True)
    assert ">c</a>" in denied and ">a</a>" not in denied  # strong copyleft: review by default
    searched = client.get(f"/releases/{second.id}?q=pkg:npm/a").get_data(as_text=True)
    assert ">a</a>" in searched and ">c</a>" not in searched
    assert "Import dependency files" not in page  # the auditor changes nothing


def test_release_page_runs_a_fixed_number_of_queries_whatever_the_page_size(app, login_as) -> None:
    release, _ = release_with("Big", "1.0", {"requirements.txt": requirements(*[f"p{n}==1.{n}" for n in range(120)])})
    client = login_as(Role.ENGINEER)
    counts = []
    for per_page in (10, 100):
        statements: list[str] = []

        def listener(*args: object, statements: list[str] = statements) -> None:
            statements.append(str(args[2]))

        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get(f"/releases/{release.id}?per_page={per_page}").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        counts.append(len(statements))
    assert counts[0] == counts[1]


def test_bulk_classification_of_selected_components(app, login_as) -> None:
    _first, second = two_releases()
    ids = ids_by_name(second)
    client = login_as(Role.ENGINEER)
    response = client.post(f"/releases/{second.id}/bulk", data={
        "action": "classify", "classification": "soup", "safety_class": "B", "note": "runs in the device",
        "component_ids": [ids["a"], ids["c"]]})
    assert response.status_code == 302
    classified = {c.name: (c.classification, c.safety_class, c.classification_rationale)
                  for c in db.session.scalars(select(Component).where(Component.release_id == second.id))}
    assert classified == {"a": ("soup", "B", "runs in the device"), "c": ("soup", "B", "runs in the device")}


def test_bulk_action_without_selection_explains_itself(app, login_as) -> None:
    _first, second = two_releases()
    client = login_as(Role.ENGINEER)
    response = client.post(f"/releases/{second.id}/bulk", data={"action": "classify", "classification": "soup"},
                           follow_redirects=True)
    assert "Select at least one component." in response.get_data(as_text=True)


def test_diff_page_and_json_between_any_two_releases(app, login_as) -> None:
    first, second = two_releases()
    client = login_as(Role.AUDITOR)
    page = client.get(f"/releases/{second.id}/diff").get_data(as_text=True)
    assert "Changes from 1.0 to 2.0" in page
    data = client.get(f"/releases/{second.id}/diff.json").json
    assert (data["added"], data["removed"], data["upgraded"]) == (1, 1, 1)
    assert {(c["kind"], c["name"]) for c in data["changes"]} == {("added", "c"), ("removed", "b"), ("upgraded", "a")}
    backwards = client.get(f"/releases/{first.id}/diff.json?against={second.id}").json
    assert (backwards["from"], backwards["to"], backwards["downgraded"]) == ("2.0", "1.0", 1)


def test_exports_csv_xlsx_and_cyclonedx(app, login_as) -> None:
    _first, second = two_releases()
    client = login_as(Role.AUDITOR)
    rows = list(csv.reader(io.StringIO(client.get(f"/releases/{second.id}/export.csv").get_data(as_text=True)
                                       .lstrip("\ufeff"))))
    assert rows[0][:3] == ["Title", "Manufacturer", "Version"] and {r[0] for r in rows[1:]} == {"a", "c"}
    assert client.get(f"/releases/{second.id}/export.csv").headers["Content-Type"] == "text/csv; charset=utf-8"
    sheet = load_workbook(io.BytesIO(client.get(f"/releases/{second.id}/export.xlsx").data)).active
    assert [cell.value for cell in sheet[1]][:3] == ["Title", "Manufacturer", "Version"] and sheet.max_row == 3
    response = client.get(f"/releases/{second.id}/export.cdx.json")
    bom = json.loads(response.data)
    assert bom["specVersion"] == "1.6" and {c["name"] for c in bom["components"]} == {"a", "c"}
    assert response.headers["Content-Disposition"] == 'attachment; filename="Web-2.0-soup.cdx.json"'
    assert client.get(f"/releases/{second.id}/export.exe").status_code == 404


def test_an_imported_component_has_no_risk_level_until_someone_assesses_it(app, login_as) -> None:
    """Every import used to read "Risk level: low", as if someone had assessed it."""
    _first, second = two_releases()
    component = db.session.get(Component, ids_by_name(second)["c"])
    client = login_as(Role.ENGINEER)
    assert component.risk_level == ""
    assert "<dt>Risk level</dt><dd>Not assessed</dd>" in client.get(f"/components/{component.id}").get_data(as_text=True)
    form = {"row_version": component.row_version, "name": "c", "version": "1.0.0", "ecosystem": "npm",
            "purl": component.purl, "scope": "runtime", "classification": "soup", "safety_class": "A",
            "risk_level": "high", "status": "proposed"}

    assert client.post(f"/components/{component.id}/edit", data=form).status_code == 302

    page = client.get(f"/components/{component.id}").get_data(as_text=True)
    assert "<dt>Risk level</dt><dd>High</dd>" in page
    assert '<option value="">Not assessed</option>' in page  # the edit form offers it back


def test_engineer_edits_a_component_and_the_edit_is_audited(app, login_as) -> None:
    _first, second = two_releases()
    component = db.session.get(Component, ids_by_name(second)["c"])
    client = login_as(Role.ENGINEER)
    form = {"row_version": component.row_version, "name": "c", "version": "1.0.0", "ecosystem": "npm",
            "purl": component.purl, "scope": "runtime", "classification": "soup", "safety_class": "A",
            "risk_level": "medium", "status": "proposed", "requirements": "Parses dates",
            "licence_expression": "mit"}
    assert client.post(f"/components/{component.id}/edit", data=form).status_code == 302
    db.session.refresh(component)
    assert (component.requirements, component.licence_expression, component.licence_verdict) == (
        "Parses dates", "MIT", "allow")
    page = client.get(f"/components/{component.id}").get_data(as_text=True)
    assert "Parses dates" in page and "licence_expression" in page  # the history panel shows the change
    stale = client.post(f"/components/{component.id}/edit", data=form)
    assert stale.status_code == 409


def test_freeze_through_the_page_with_a_signature(app, login_as, make_user) -> None:
    release, _ = release_with("Pump", "1.0", {"requirements.txt": requirements("flask==3.0.0")})
    engineer = login_as(Role.ENGINEER)
    component_id = ids_by_name(release)["flask"]
    engineer.post(f"/releases/{release.id}/bulk", data={"action": "classify", "classification": "otss",
                                                        "component_ids": [component_id]})
    db.session.expire_all()
    services.update_component(db.session.get(Component, component_id), {"licence_expression": "BSD-3-Clause"}, by=None)
    db.session.commit()
    engineer.post(f"/releases/{release.id}/bulk", data={"action": "assess", "note": "CI only",
                                                        "component_ids": [component_id]})
    qa = login_as(Role.QA)
    not_yet = qa.post(f"/releases/{release.id}/freeze", data={"meaning": "approved", **signing(qa)},
                      follow_redirects=True)
    assert "needs an &#39;authored&#39; signature first" in not_yet.get_data(as_text=True)
    authored = engineer.post(f"/releases/{release.id}/author",
                             data={"author-meaning": "authored", **signing(engineer, prefix="author")},
                             follow_redirects=True)
    assert "signed as prepared" in authored.get_data(as_text=True)
    wrong = qa.post(f"/releases/{release.id}/freeze", data={"meaning": "approved", **signing(qa, password="nope")},
                    follow_redirects=True)
    assert "password is not correct" in wrong.get_data(as_text=True)
    response = qa.post(f"/releases/{release.id}/freeze", data={"meaning": "approved", **signing(qa)},
                       follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "is frozen and its SOUP list signed" in page and "Qa User" in page
    db.session.refresh(release)
    assert release.is_frozen


def test_a_new_product_has_its_own_form_page_opened_from_the_lists_head(app, login_as) -> None:
    client = login_as(Role.ENGINEER)
    listing = client.get("/products").get_data(as_text=True)
    assert 'role="button" href="/products/new">New product</a>' in listing
    form = client.get("/products/new")
    assert form.status_code == 200 and "Create product" in form.get_data(as_text=True)
    assert 'href="/products">Inventory</a>' in form.get_data(as_text=True)  # breadcrumbs back to the list
    refused = client.post("/products/new", data={"name": "", "safety_class": "B", "description": "kept text"})
    assert refused.status_code == 422 and "kept text" in refused.get_data(as_text=True)
    created = client.post("/products/new", data={"name": "Pump", "safety_class": "B", "description": ""})
    assert created.status_code == 302 and "/products/" in created.headers["Location"]
    assert services.find_product("Pump") is not None
    assert "New product" not in login_as(Role.AUDITOR).get("/products").get_data(as_text=True)


def test_a_refused_new_release_comes_back_open_with_its_notes(app, login_as) -> None:
    """A release without a version is refused (422) on the product page, its form open, the notes as typed."""
    release, _ = release_with("Pump", "1.0", {"requirements.txt": requirements("flask==3.0.0")})
    client = login_as(Role.ENGINEER)
    response = client.post(f"/products/{release.product_id}/releases", data={
        "version": "", "previous_release_id": str(release.id), "notes": "Adds the dose alarm screen"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Give the release a version." in page and "Adds the dose alarm screen" in page
    assert '<details class="subrecord-form" open>' in page
    assert db.session.scalars(select(Release)).all() == [release]


def test_the_import_form_names_each_format_in_words_not_by_its_code(app, login_as) -> None:
    _first, second = two_releases()
    client = login_as(Role.ENGINEER)

    page = client.get(f"/releases/{second.id}").get_data(as_text=True)

    assert '<option value="cyclonedx-json">CycloneDX JSON</option>' in page
    assert '<option value="spdx-tag-value">SPDX tag-value</option>' in page
    assert '<option value="poetry.lock">poetry.lock</option>' in page  # a file's own name reads as itself


def test_pages_name_a_components_ecosystem_as_people_know_it_not_by_its_purl_type(app, login_as) -> None:
    release, _ = release_with("Py", "1.0", {"requirements.txt": requirements("flask==3.0.3")})
    component = db.session.get(Component, ids_by_name(release)["flask"])
    client = login_as(Role.AUDITOR)
    assert component.ecosystem == "pypi"  # stored as the Package URL type
    page = client.get(f"/components/{component.id}").get_data(as_text=True)
    assert "<dt>Ecosystem</dt><dd>PyPI</dd>" in page
    assert "<dt>Scope</dt><dd>Runtime</dd>" in page and ", runtime" not in page  # the scope by its label too
    assert '<small class="muted">PyPI</small>' in client.get(f"/releases/{release.id}").get_data(as_text=True)


def test_an_ecosystem_reads_by_its_usual_name_and_an_unknown_one_as_stored() -> None:
    assert [ecosystem_name(code) for code in ("pypi", "golang", "cargo", "gem", "npm", "deb")] == [
        "PyPI", "Go", "Cargo", "RubyGems", "npm", "Debian"]
    assert ecosystem_name("somethingnew") == "somethingnew" and ecosystem_name("") == ""
