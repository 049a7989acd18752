from app.access import Role
from tests.permissions import ALL_ROLES, ENGINEER_OR_QA, roles

EXPECTED = {
    "inventory.advisories_list": ALL_ROLES,
    "inventory.advisories_detail": ALL_ROLES,
    "inventory.advisories_import": ENGINEER_OR_QA,
    "inventory.advisory_matches_triage": ENGINEER_OR_QA,
    "inventory.release_advisories": ALL_ROLES,
    "inventory.anomaly_reviews_create": ENGINEER_OR_QA,
    "inventory.anomaly_reviews_due": ALL_ROLES,
    "inventory.licence_policy": ALL_ROLES,
    "inventory.licence_policy_save": roles(Role.QA, Role.ADMIN),
    "inventory.licence_policy_remove": roles(Role.QA, Role.ADMIN),
}
EXPECTED.update({
    "inventory.advisories_sync_status": ALL_ROLES,
    "inventory.advisories_sync_start": roles(Role.QA, Role.ADMIN),
    "inventory.products_subscribe": ALL_ROLES,
    "inventory.products_unsubscribe": ALL_ROLES,
})
