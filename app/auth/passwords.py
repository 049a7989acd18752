"""Password hashing (argon2) and the password policy: long enough, not a common password."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")
# A valid hash of a random password: verifying against it makes an unknown user cost as much as a known one.
_DUMMY_PASSWORD = "unknown-user-timing-equaliser"  # noqa: S105 - never a real account


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower-cased."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line and not line.startswith("#"))


def policy_problems(password: str, *, min_length: int, username: str = "") -> list[str]:
    """Why a new password is refused: too short, common, or the username; no composition rules."""
    problems = []
    if len(password) < min_length:
        problems.append(f"Use at least {min_length} characters.")
    lowered = password.strip().lower()
    if lowered in common_passwords():
        problems.append("This password is on a list of commonly used passwords; choose another.")
    if username and lowered == username.lower():
        problems.append("The password must not be the username.")
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
