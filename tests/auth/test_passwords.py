"""Password policy and hashing."""

from __future__ import annotations

import pytest

from app.access import Role
from app.auth.passwords import common_passwords, hash_password, policy_problems, verify_password
from app.errors import ValidationFailed


def test_passwords_shorter_than_twelve_characters_are_refused():
    assert policy_problems("elevenchars", min_length=12) == ["Use at least 12 characters."]


def test_common_passwords_are_refused_whatever_their_case():
    assert "qwerty123456" in common_passwords()
    assert any("commonly used" in p for p in policy_problems("QWERTY123456", min_length=12))


def test_no_composition_rules_a_long_lowercase_passphrase_is_fine():
    assert policy_problems("correct horse battery staple", min_length=12) == []


def test_hashes_are_argon2id_and_verify(app):
    digest = hash_password("correct horse battery staple")
    assert digest.startswith("$argon2id$")
    assert verify_password(digest, "correct horse battery staple")
    assert not verify_password(digest, "wrong")
    assert not verify_password(None, "anything")


def test_create_user_refuses_a_weak_password_and_a_reused_username(make_user):
    from app.auth import services
    from app.errors import Conflict

    with pytest.raises(ValidationFailed):
        services.create_user(username="x", full_name="X", email="x@example.com", roles={Role.QA}, password="short")
    make_user("erin", Role.ENGINEER)
    with pytest.raises(Conflict):
        services.create_user(
            username="ERIN", full_name="X", email="x@example.com", roles={Role.QA}, password="long enough passphrase"
        )
