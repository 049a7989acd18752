"""Electronic signatures: password every time, bound to content, separation of duties."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.access import Role
from app.audit.models import AuditEvent
from app.extensions import db
from app.signatures.models import Meaning, Signature
from app.signatures.services import (
    SeparationOfDuties,
    SignatureRefused,
    SignTarget,
    content_hash,
    manifestations,
    separation_rules,
    sign,
)
from tests.helpers import PASSWORD


def target(content: dict, author_ids: frozenset[int] = frozenset(), version: int = 1) -> SignTarget:
    return SignTarget("protocol", "7", version, content, author_ids)


def test_a_signature_stores_signer_printed_name_meaning_version_and_content_hash(make_user):
    qa = make_user("quinn", Role.QA, full_name="Quinn Quality")
    signature = sign(target({"scope": "all"}), qa, password=PASSWORD, meaning=Meaning.APPROVED, comment="ok")
    db.session.commit()
    assert signature.printed_name == "Quinn Quality"
    assert signature.meaning == "approved" and signature.entity_version == 1
    assert signature.content_hash == content_hash({"scope": "all"})
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sign")) is not None


def test_the_content_hash_ignores_key_order():
    assert content_hash({"a": 1, "b": [1, 2]}) == content_hash({"b": [1, 2], "a": 1})


def test_a_wrong_password_is_refused_audited_and_counts_toward_lockout(make_user):
    qa = make_user("quinn", Role.QA)
    with pytest.raises(SignatureRefused):
        sign(target({"x": 1}), qa, password="wrong password!", meaning=Meaning.APPROVED)
    db.session.commit()
    assert db.session.scalar(select(db.func.count(Signature.id))) == 0
    assert qa.failed_logins == 1
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.name == "signature.refused")) is not None
    for _ in range(4):
        with pytest.raises(SignatureRefused):
            sign(target({"x": 1}), qa, password="wrong password!", meaning=Meaning.APPROVED)
    assert qa.locked_until is not None
    with pytest.raises(SignatureRefused):
        sign(target({"x": 1}), qa, password=PASSWORD, meaning=Meaning.APPROVED)


def test_changed_content_is_flagged_on_the_manifestation(make_user):
    qa = make_user("quinn", Role.QA)
    sign(target({"scope": "all"}), qa, password=PASSWORD, meaning=Meaning.APPROVED)
    db.session.commit()
    assert [m.content_changed for m in manifestations(target({"scope": "all"}))] == [False]
    assert [m.content_changed for m in manifestations(target({"scope": "changed"}))] == [True]


def test_a_later_unsigned_version_that_differs_flags_the_signature(make_user):
    qa = make_user("quinn", Role.QA)
    sign(target({"scope": "v1"}), qa, password=PASSWORD, meaning=Meaning.APPROVED)
    db.session.commit()
    assert [m.content_changed for m in manifestations(target({"scope": "v1"}, version=2))] == [False]
    assert [m.content_changed for m in manifestations(target({"scope": "v2"}, version=2))] == [True]


def test_a_decision_signature_binds_only_its_own_version(make_user):
    qa = make_user("quinn", Role.QA)
    sign(target({"scope": "v1"}), qa, password=PASSWORD, meaning=Meaning.APPROVED)
    db.session.commit()
    moved_on = SignTarget("protocol", "7", 2, {"scope": "v2"}, lasting=False)
    assert [m.content_changed for m in manifestations(moved_on)] == [False]


def test_the_author_cannot_approve_or_review_their_own_record(make_user):
    engineer = make_user("erin", Role.ENGINEER, Role.QA)
    own = target({"scope": "all"}, author_ids=frozenset({engineer.id}))
    for meaning in (Meaning.APPROVED, Meaning.REVIEWED):
        with pytest.raises(SeparationOfDuties):
            sign(own, engineer, password=PASSWORD, meaning=meaning)
    assert sign(own, engineer, password=PASSWORD, meaning=Meaning.AUTHORED).meaning == "authored"


def test_signatures_cannot_be_changed(make_user):
    qa = make_user("quinn", Role.QA)
    signature = sign(target({"a": 1}), qa, password=PASSWORD, meaning=Meaning.APPROVED)
    db.session.commit()
    signature.meaning = "rejected"
    with pytest.raises(SignatureRefused):
        db.session.flush()
    db.session.rollback()


def test_the_default_separation_rules_keep_a_protocols_three_signers_and_a_reports_two_apart(app):
    rules = separation_rules(app.config["SEPARATION_OF_DUTIES"])
    assert rules == {"protocol": {"authored", "reviewed", "approved"}, "report": {"authored", "approved"}}


@pytest.mark.parametrize(("configured", "message"), [
    (["protocol"], "must map a record type"),
    ({"Protocol!": ["authored", "approved"]}, "is not a record type"),
    ({"protocol": "authored,approved"}, "must be a list of signature meanings"),
    ({"protocol": [["authored"], ["approved"]]}, "must be a list of signature meanings"),
    ({"protocol": ["authored", "aproved"]}, "unknown meaning aproved"),
    ({"protocol": ["approved"]}, "fewer than two meanings"),
])
def test_a_separation_rule_with_a_typo_is_refused_rather_than_switched_off(configured, message):
    with pytest.raises(ValueError, match=message):
        separation_rules(configured)


def test_an_app_with_a_bad_separation_rule_does_not_start(tmp_path):
    from app import create_app
    from tests.conftest import test_config

    with pytest.raises(ValueError, match="unknown meaning"):
        create_app(test_config(tmp_path) | {"SEPARATION_OF_DUTIES": {"report": ["authored", "signed"]}})
