"""Password hashing (argon2) and the password policy: long enough, not common, hard to guess (zxcvbn)."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from zxcvbn import zxcvbn

COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")
# A valid hash of a random password: verifying against it makes an unknown user cost as much as a known one.
_DUMMY_PASSWORD = "unknown-user-timing-equaliser"  # noqa: S105 - never a real account
# zxcvbn estimates at most this many characters (it refuses longer input); a longer password is at
# least as hard to guess as its beginning.
ZXCVBN_MAX_LENGTH = 72
# Words every password of this application is checked against, besides the user's own details.
APP_WORDS = ("provenance",)
# zxcvbn keeps the user inputs of the running call in a module-level dictionary: one estimate at a time.
_ZXCVBN_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower-cased."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line and not line.startswith("#"))


def user_words(*, username: str = "", full_name: str = "", email: str = "") -> list[str]:
    """The words an attacker tries first for this user: username, name parts, e-mail local part, the app's name."""
    words = [username, full_name, *full_name.split(), email.partition("@")[0], *APP_WORDS]
    return [word.strip().lower() for word in dict.fromkeys(words) if word and word.strip()]


def strength_problems(password: str, *, min_score: int, user_inputs: Iterable[str] = ()) -> list[str]:
    """Why zxcvbn finds the password too easy to guess (its warning and suggestions), or nothing."""
    with _ZXCVBN_LOCK:
        result = zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=list(user_inputs))
    if result["score"] >= min_score:
        return []
    feedback = result["feedback"]
    reasons = [text for text in (feedback.get("warning"), *feedback.get("suggestions", ())) if text]
    return [
        f"This password is too easy to guess (strength {result['score']} of 4, at least {min_score} needed)."
        + (" " + " ".join(reasons) if reasons else "")
    ]


def policy_problems(
    password: str, *, min_length: int, username: str = "", min_score: int = 0, user_inputs: Iterable[str] = ()
) -> list[str]:
    """Why a new password is refused: too short, common, the username, or too easy to guess; no composition rules."""
    problems = []
    if len(password) < min_length:
        problems.append(f"Use at least {min_length} characters.")
    lowered = password.strip().lower()
    if lowered in common_passwords():
        problems.append("This password is on a list of commonly used passwords; choose another.")
    if username and lowered == username.lower():
        problems.append("The password must not be the username.")
    if min_score > 0 and not problems:
        problems += strength_problems(password, min_score=min_score, user_inputs=[*user_inputs, username])
    return problems


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config["ARGON2_TIME_COST"],
        memory_cost=config["ARGON2_MEMORY_COST"],
        parallelism=config["ARGON2_PARALLELISM"],
    )


def hash_password(password: str) -> str:
    """An argon2id hash of the password with the configured cost."""
    return _hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when the password matches; an unknown user (no hash) costs the same time and is False."""
    hasher = _hasher()
    if stored_hash is None:
        try:
            hasher.verify(_dummy_hash(hasher.time_cost, hasher.memory_cost), password)
        except (VerificationError, InvalidHashError):
            pass
        return False
    try:
        return hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with weaker parameters than configured now."""
    return _hasher().check_needs_rehash(stored_hash)


@lru_cache(maxsize=4)
def _dummy_hash(time_cost: int, memory_cost: int) -> str:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost).hash(_DUMMY_PASSWORD)
