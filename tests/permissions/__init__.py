"""Declared access of every route, one module per blueprint (tests/permissions/<blueprint>.py).

Each module defines EXPECTED: {endpoint: access}, where access is one of
PUBLIC (anyone, signed in or not), SIGNED_IN (any signed-in user), BEARER (API token only)
or a frozenset of the roles allowed. test_permission_matrix walks app.url_map and fails
when a route has no declared access or when a role gets the wrong answer.
"""

from __future__ import annotations

from app.access import Role

PUBLIC = "public"
SIGNED_IN = "signed_in"
BEARER = "bearer"

ALL_ROLES = frozenset(Role)
STAFF = ALL_ROLES


def roles(*names: Role) -> frozenset[Role]:
    return frozenset(names)


# Role sets that several blueprints grant, named by the roles they hold.
ENGINEER_OR_QA = roles(Role.ENGINEER, Role.QA)
QA_OR_PURCHASING = roles(Role.QA, Role.PURCHASING)
