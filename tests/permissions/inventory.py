from app.auth.permissions import Role
from tests.permissions import ALL_ROLES, roles

EDITORS = roles(Role.ENGINEER, Role.QA)

EXPECTED = {
    "inventory.products_list": ALL_ROLES,
    "inventory.products_create": EDITORS,
    "inventory.products_detail": ALL_ROLES,
    "inventory.products_edit": EDITORS,
    "inventory.software_items_create": EDITORS,
    "inventory.releases_create": EDITORS,
    "inventory.releases_detail": ALL_ROLES,
    "inventory.releases_import": EDITORS,
    "inventory.releases_bulk": EDITORS,
    "inventory.releases_freeze": roles(Role.QA),
    "inventory.releases_diff": ALL_ROLES,
    "inventory.releases_diff_json": ALL_ROLES,
    "inventory.releases_export": ALL_ROLES,
    "inventory.components_detail": ALL_ROLES,
    "inventory.components_edit": EDITORS,
    "inventory.components_assess": EDITORS,
    "inventory.components_supplier": EDITORS,
}
