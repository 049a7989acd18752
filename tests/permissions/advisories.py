from app.auth.permissions import Role
from tests.permissions import ALL_ROLES, roles

EDITORS = roles(Role.QA, Role.ENGINEER)

EXPECTED = {
    "inventory.advisories_list": ALL_ROLES,
    "inventory.advisories_detail": ALL_ROLES,
    "inventory.advisories_import": EDITORS,
    "inventory.advisory_matches_triage": EDITORS,
    "inventory.anomaly_reviews_create": EDITORS,
    "inventory.anomaly_reviews_due": ALL_ROLES,
    "inventory.licence_policy": ALL_ROLES,
    "inventory.licence_policy_save": roles(Role.QA, Role.ADMIN),
    "inventory.licence_policy_remove": roles(Role.QA, Role.ADMIN),
}
