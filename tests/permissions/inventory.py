from app.access import Role
from tests.permissions import ALL_ROLES, ENGINEER_OR_QA, roles

EXPECTED = {
    "inventory.products_list": ALL_ROLES,
    "inventory.products_create": ENGINEER_OR_QA,
    "inventory.products_detail": ALL_ROLES,
    "inventory.products_edit": ENGINEER_OR_QA,
    "inventory.software_items_create": ENGINEER_OR_QA,
    "inventory.software_items_edit": ENGINEER_OR_QA,
    "inventory.releases_author": ENGINEER_OR_QA,
    "inventory.releases_add_component": ENGINEER_OR_QA,
    "inventory.releases_readiness_json": ALL_ROLES,
    "inventory.releases_readiness": ALL_ROLES,
    "inventory.components_waive_licence": roles(Role.QA),
    "inventory.components_exempt_supplier": roles(Role.QA),
    "inventory.components_licence_decision": ENGINEER_OR_QA,
    "inventory.components_retire": ENGINEER_OR_QA,
    "inventory.releases_create": ENGINEER_OR_QA,
    "inventory.releases_detail": ALL_ROLES,
    "inventory.releases_import": ENGINEER_OR_QA,
    "inventory.releases_bulk": ENGINEER_OR_QA,
    "inventory.releases_freeze": roles(Role.QA),
    "inventory.releases_diff": ALL_ROLES,
    "inventory.releases_diff_json": ALL_ROLES,
    "inventory.releases_export": ALL_ROLES,
    "inventory.releases_vex": ALL_ROLES,
    "inventory.releases_notices": ALL_ROLES,
    "inventory.releases_vex_import": ENGINEER_OR_QA,
    "inventory.components_detail": ALL_ROLES,
    "inventory.components_edit": ENGINEER_OR_QA,
    "inventory.components_assess": ENGINEER_OR_QA,
    "inventory.components_supplier": ENGINEER_OR_QA,
}
EXPECTED["inventory.releases_licence_lookup"] = ENGINEER_OR_QA
EXPECTED["inventory.supplier_suggestions"] = ALL_ROLES
EXPECTED["inventory.supplier_suggestions_create"] = roles(Role.QA)
EXPECTED["inventory.supplier_suggestions_link"] = roles(Role.QA)
EXPECTED["inventory.releases_lookup_packages"] = ALL_ROLES
EXPECTED["inventory.hazards_list"] = ALL_ROLES
EXPECTED["inventory.hazards_create"] = ENGINEER_OR_QA
EXPECTED["inventory.hazards_detail"] = ALL_ROLES
EXPECTED["inventory.hazards_delete"] = ENGINEER_OR_QA
EXPECTED["inventory.hazards_import"] = ENGINEER_OR_QA
EXPECTED["inventory.hazards_export"] = ALL_ROLES
EXPECTED["inventory.traceability_matrix"] = ALL_ROLES
EXPECTED["inventory.traceability_matrix_xlsx"] = ALL_ROLES
