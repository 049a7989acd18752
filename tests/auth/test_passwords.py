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


# --- Strength estimate (zxcvbn): a long password can still be trivially guessable ---------------


@pytest.mark.parametrize("password", ["aaaaaaaaaaaa", "123456789012", "qwertyuiopas", "provenance-demo"])
def test_guessable_passwords_are_refused_with_the_estimators_reason(app, password):
    from app.auth import services

    with pytest.raises(ValidationFailed) as refused:
        services.create_user(username="nina", full_name="Nina Nowak", email="nina@example.com",
                             roles={Role.QA}, password=password)
    assert "too easy to guess" in refused.value.message
    assert "at least 3 needed" in refused.value.message


def test_the_repeated_username_and_the_users_own_details_are_guessable(app):
    from app.auth import services

    for password in ("ninaninanina", "Joanna.Smithson2024"):
        with pytest.raises(ValidationFailed, match="too easy to guess"):
            services.create_user(username="nina" if password.startswith("nina") else "jsmith",
                                 full_name="Joanna Smithson", email="joanna.smithson@example.com",
                                 roles={Role.QA}, password=password)
    # The same password is fine for someone whose details it does not contain.
    assert services.create_user(username="erin", full_name="Erin Engineer", email="erin@example.com",
                                roles={Role.QA}, password="Joanna.Smithson2024") is not None


def test_the_application_name_counts_as_a_guessable_word():
    assert policy_problems("provenance2024!", min_length=12, min_score=3, user_inputs=["provenance"])
    assert policy_problems("provenance2024!", min_length=12, min_score=3) == []  # on its own it would score 3


def test_the_minimum_score_is_a_setting(app, monkeypatch):
    from app.auth import services

    monkeypatch.setitem(app.config, "PASSWORD_MIN_SCORE", 4)
    with pytest.raises(ValidationFailed, match="at least 4 needed"):
        services.create_user(username="nina", full_name="Nina", email="nina@example.com",
                             roles={Role.QA}, password="provenance2024!x")
    monkeypatch.setitem(app.config, "PASSWORD_MIN_SCORE", 0)
    assert services.create_user(username="nina", full_name="Nina", email="nina@example.com",
                                roles={Role.QA}, password="qwertyuiopas") is not None


def test_the_test_suites_password_is_strong_enough(app):
    from tests.helpers import PASSWORD

    assert policy_problems(PASSWORD, min_length=12, min_score=app.config["PASSWORD_MIN_SCORE"],
                           user_inputs=["provenance"]) == []


def test_a_very_long_password_is_estimated_on_its_beginning():
    assert policy_problems("correct horse battery staple " * 10, min_length=12, min_score=3) == []


def test_changing_and_resetting_to_a_guessable_password_is_refused(app, make_user):
    from app.auth import services

    user = make_user("nina", Role.QA)
    with pytest.raises(ValidationFailed, match="too easy to guess"):
        services.reset_password(user, "ninaninanina")
    from tests.helpers import PASSWORD

    with pytest.raises(ValidationFailed, match="too easy to guess"):
        services.change_password(user, PASSWORD, "qwertyuiopas")


def test_the_admin_page_says_why_a_password_is_too_weak(login_as):
    admin = login_as(Role.ADMIN)
    page = admin.post("/users/new", data={"username": "newbie", "full_name": "New Bie", "email": "n@example.com",
                                          "roles": ["qa"], "password": "aaaaaaaaaaaa"})
    text = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "too easy to guess" in text and "Repeats like" in text
