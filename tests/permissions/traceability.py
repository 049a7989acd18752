from app.access import Role
from tests.permissions import ALL_ROLES, ENGINEER_OR_QA, roles

EXPECTED = {
    "inventory.release_requirements": ALL_ROLES,
    "inventory.release_requirements_create": ENGINEER_OR_QA,
    "inventory.requirements_edit": ENGINEER_OR_QA,
    "inventory.requirements_confirm": ENGINEER_OR_QA,
    "inventory.requirements_rationale": roles(Role.QA),
    "inventory.product_requirements": ALL_ROLES,
    "inventory.test_results_list": ALL_ROLES,
    "inventory.test_results_import": ENGINEER_OR_QA,
    "inventory.test_results_link": ENGINEER_OR_QA,
}
