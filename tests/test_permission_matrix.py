"""Every route x every role: the access each route declares is the access it grants."""

from __future__ import annotations

import pkgutil
from importlib import import_module
from pathlib import Path

import pytest
from werkzeug.routing import IntegerConverter, Rule

import tests.permissions as permissions
from app.access import Role
from tests.helpers import login
from tests.permissions import BEARER, PUBLIC, SIGNED_IN


def declared() -> dict[str, object]:
    expected: dict[str, object] = {}
    for info in pkgutil.iter_modules([str(Path(permissions.__file__).parent)]):
        module = import_module(f"tests.permissions.{info.name}")
        for endpoint, access in module.EXPECTED.items():
            assert endpoint not in expected, f"{endpoint} declared twice"
            expected[endpoint] = access
    return expected


def sample_url(rule: Rule) -> str:
    """The rule's URL with harmless placeholder values (ids that do not exist)."""
    values = {}
    for argument in rule.arguments:
        numeric = isinstance(rule._converters[argument], IntegerConverter)  # app.inputs.RowId is one
        values[argument] = 999999 if numeric else "no-such-thing"
    return rule.build(values, append_unknown=False)[1]


def method_of(rule: Rule) -> str:
    return "GET" if "GET" in (rule.methods or set()) else sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})[0]


def test_every_route_declares_its_access_and_nothing_stale_is_declared(app):
    expected = declared()
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(endpoints - set(expected))
    stale = sorted(set(expected) - endpoints)
    assert not missing, f"routes without a declared access in tests/permissions/: {missing}"
    assert not stale, f"declared routes that do not exist: {stale}"


def allowed(access: object, role: Role | None) -> bool:
    if access == PUBLIC:
        return True
    if role is None or access == BEARER:
        return False
    if access == SIGNED_IN:
        return True
    return role in access  # type: ignore[operator]


@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: str(r or "anonymous"))
def test_each_role_gets_exactly_its_declared_access(app, make_user, role):
    expected = declared()
    client = app.test_client()
    if role is not None:
        make_user(f"matrix_{role}", role)
        assert login(client, f"matrix_{role}").status_code == 302
    failures = []
    for rule in app.url_map.iter_rules():
        access = expected.get(rule.endpoint)
        if access is None or rule.endpoint == "auth.logout":
            continue
        url, method = sample_url(rule), method_of(rule)
        response = client.open(url, method=method, headers={"Accept": "text/html"})
        status, location = response.status_code, response.headers.get("Location", "")
        denied = status in (401, 403) or (status == 302 and "/login" in location)
        if allowed(access, role) and denied and rule.endpoint != "auth.login":
            failures.append(f"{method} {url} ({rule.endpoint}): expected access, got {status} {location}")
        if not allowed(access, role) and not denied:
            failures.append(f"{method} {url} ({rule.endpoint}): expected refusal, got {status}")
    assert not failures, "\n".join(failures)
