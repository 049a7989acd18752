"""The release readiness check: each rule on a release that breaks only that rule, through the service, the release
page, `flask inventory check-release` and the API; a blocked freeze signs nothing; two people sign a SOUP list."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from app.access import Role
from app.api.services import create_token
from app.errors import ValidationFailed
from app.extensions import db
from app.inventory import services
from app.inventory.models import Release
from app.signatures.models import Signature
from app.signatures.services import SeparationOfDuties
from tests.helpers import PASSWORD, signing
from tests.inventory.gated import RULES, components_of, gated_release


@pytest.fixture
def people(make_user):
    return {"engineer": make_user("erin", Role.ENGINEER), "qa": make_user("quinn", Role.QA),
            "admin": make_user("ada", Role.ADMIN)}


def signatures() -> int:
    return db.session.scalar(select(func.count(Signature.id))) or 0


def check_release(app, product: str, version: str):
    result = app.test_cli_runner().invoke(args=["inventory", "check-release", "--product", product,
                                                "--release", version])
    return result, json.loads(result.output) if result.output.strip().startswith("{") else None


def api_readiness(client, token: str, product: str, version: str):
    return client.get(f"/api/v1/products/{product}/releases/{version}/readiness",
                      headers={"Authorization": f"Bearer {token}"})


def test_a_release_that_meets_every_gate_is_ready_everywhere(app, client, people) -> None:
    release = gated_release(people["engineer"])
    readiness = services.release_readiness(release)
    assert readiness.ready, readiness.problems
    assert readiness.counts["components"] == 2

    result, body = check_release(app, "Pump", "1.0")
    assert result.exit_code == 0, result.output
    assert body["ready"] is True and body["problems"] == [] and body["counts"]["components"] == 2

    _token, plain = create_token("CI", by=people["admin"], products=[release.product_id])
    db.session.commit()
    response = api_readiness(client, plain, "Pump", "1.0")
    assert response.status_code == 200 and response.json["ready"] is True


@pytest.mark.parametrize("rule", RULES)
def test_each_rule_alone_blocks_the_release_in_the_check_the_page_the_cli_the_api_and_the_freeze(
        app, client, login_as, people, rule) -> None:
    release = gated_release(people["engineer"], breaking=rule)
    release_id = release.id
    readiness = services.release_readiness(release)
    assert not readiness.ready
    assert {problem.rule for problem in readiness.problems} == {rule}, readiness.problems

    page = login_as(Role.QA).get(f"/releases/{release_id}/readiness").get_data(as_text=True)
    assert f'class="failed" data-rule="{rule}"' in page
    assert page.count('class="failed"') == 1
    assert readiness.problems[0].message.split(":")[0] in page

    result, body = check_release(app, "Pump", "1.0")
    assert result.exit_code == 1, result.output
    assert body["ready"] is False and {p["rule"] for p in body["problems"]} == {rule}
    assert all(set(p) == {"rule", "component", "message"} for p in body["problems"])

    _token, plain = create_token("CI", by=people["admin"], products=[release.product_id])
    db.session.commit()
    response = api_readiness(client, plain, "Pump", "1.0")
    assert response.status_code == 200 and response.json["ready"] is False
    assert {p["rule"] for p in response.json["problems"]} == {rule}

    before = signatures()
    release = db.session.get(Release, release_id)
    with pytest.raises(ValidationFailed, match="readiness check"):
        services.author_release(release, people["engineer"], password=PASSWORD)
    db.session.rollback()
    release = db.session.get(Release, release_id)
    with pytest.raises(ValidationFailed, match="readiness check") as refused:
        services.freeze_release(release, people["qa"], password=PASSWORD)
    db.session.rollback()
    assert readiness.problems[0].message in str(refused.value)
    qa = login_as(Role.QA, username="quincy")
    response = qa.post(f"/releases/{release_id}/freeze", data={"meaning": "approved", **signing(qa)},
                       follow_redirects=True)
    assert "cannot be frozen" in response.get_data(as_text=True)
    assert signatures() == before
    assert not db.session.get(Release, release_id).is_frozen


def test_check_release_names_a_range_and_passes_once_versions_are_exact(app, people) -> None:
    release = gated_release(people["engineer"], breaking="exact_version")
    result, body = check_release(app, "Pump", "1.0")
    assert result.exit_code == 1
    assert body["problems"] == [{"rule": "exact_version", "component": "click ^8.1.0",
                                 "message": body["problems"][0]["message"]}]
    assert "^8.1.0" in body["problems"][0]["message"]
    services.update_component(components_of(release)["click"], {"version": "8.1.7"}, by=people["engineer"])
    db.session.commit()
    result, body = check_release(app, "Pump", "1.0")
    assert result.exit_code == 0 and body["ready"] is True


def test_check_release_of_an_unknown_release_exits_2(app) -> None:
    result = app.test_cli_runner().invoke(args=["inventory", "check-release", "--product", "Nope", "--release", "1"])
    assert result.exit_code == 2 and "no product 'Nope'" in result.output


def test_the_api_refuses_a_token_of_another_product_and_a_missing_release(app, client, people) -> None:
    gated_release(people["engineer"])
    other = services.create_product("Other", by=people["engineer"])
    db.session.commit()
    _token, plain = create_token("CI", by=people["admin"], products=[other.id])
    db.session.commit()
    assert api_readiness(client, plain, "Pump", "1.0").status_code == 403
    assert api_readiness(client, plain, "Other", "9.9").status_code == 404
    assert api_readiness(client, "wrong", "Pump", "1.0").status_code == 401


def test_the_soup_list_is_authored_by_one_person_and_approved_by_another(app, people) -> None:
    release = gated_release(people["engineer"])
    with pytest.raises(ValidationFailed, match="'authored' signature first"):
        services.freeze_release(release, people["qa"], password=PASSWORD)
    db.session.rollback()
    authored = services.author_release(release, people["engineer"], password=PASSWORD)
    db.session.commit()
    approved = services.freeze_release(release, people["qa"], password=PASSWORD)
    db.session.commit()
    assert release.is_frozen
    signed = services.release_signatures(release)
    assert signed["authored"].id == authored.id and signed["approved"].id == approved.id
    assert authored.content_hash == approved.content_hash
    assert authored.signer_id != approved.signer_id


def test_the_same_qa_user_cannot_sign_both(app, people) -> None:
    release = gated_release(people["engineer"])
    services.author_release(release, people["qa"], password=PASSWORD)
    db.session.commit()
    before = signatures()
    with pytest.raises(SeparationOfDuties):
        services.freeze_release(release, people["qa"], password=PASSWORD)
    db.session.rollback()
    assert signatures() == before and not db.session.get(Release, release.id).is_frozen


def test_a_change_after_authoring_needs_a_new_author_signature(app, people) -> None:
    release = gated_release(people["engineer"])
    services.author_release(release, people["engineer"], password=PASSWORD)
    db.session.commit()
    services.update_component(components_of(release)["click"], {"classification": "infrastructure"},
                              by=people["engineer"])
    db.session.commit()
    assert services.current_author_signature(release) is None
    with pytest.raises(ValidationFailed, match="'authored' signature first"):
        services.freeze_release(release, people["qa"], password=PASSWORD)


def test_an_auditor_cannot_author(app, make_user, people) -> None:
    from app.errors import PermissionDenied

    release = gated_release(people["engineer"])
    auditor = make_user("audrey", Role.AUDITOR)
    with pytest.raises(PermissionDenied):
        services.author_release(release, auditor, password=PASSWORD)


def test_the_rules_are_configurable_per_safety_class(app, people) -> None:
    release = gated_release(people["engineer"], breaking="supplier")
    app.config["RELEASE_READINESS_RULES"] = {"supplier": "C"}
    try:
        assert services.release_readiness(release).ready
    finally:
        app.config["RELEASE_READINESS_RULES"] = {}
    assert not services.release_readiness(release).ready


def test_the_page_shows_who_prepared_and_who_approved(app, login_as, people) -> None:
    release = gated_release(people["engineer"])
    services.author_release(release, people["engineer"], password=PASSWORD)
    services.freeze_release(release, people["qa"], password=PASSWORD)
    db.session.commit()
    page = login_as(Role.AUDITOR).get(f"/releases/{release.id}").get_data(as_text=True)
    prepared = page.split("Prepared (authored)")[1].split("Approved (QA)")[0]
    approved = page.split("Approved (QA)")[1].split("</dd>")[0]
    assert people["engineer"].full_name in prepared and people["qa"].full_name in approved


def test_the_release_page_loads_the_check_after_itself(app, login_as, people) -> None:
    release = gated_release(people["engineer"], breaking="supplier")
    client = login_as(Role.ENGINEER, username="eddie")
    page = client.get(f"/releases/{release.id}").get_data(as_text=True)
    assert f'hx-get="/releases/{release.id}/readiness"' in page and "data-rule" not in page
    fragment = client.get(f"/releases/{release.id}/readiness", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and 'class="failed" data-rule="supplier"' in fragment
    assert "Sign as author" not in fragment  # not ready: nothing to sign
