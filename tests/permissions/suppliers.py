from app.auth.permissions import Role
from tests.permissions import ALL_ROLES, roles

EDITORS = roles(Role.QA, Role.PURCHASING)

EXPECTED = {
    "suppliers.list": ALL_ROLES,
    "suppliers.export": ALL_ROLES,
    "suppliers.create": EDITORS,
    "suppliers.detail": ALL_ROLES,
    "suppliers.edit": EDITORS,
    "suppliers.contacts_add": EDITORS,
    "suppliers.contacts_remove": EDITORS,
    "suppliers.certificates_add": EDITORS,
    "suppliers.certificate_evidence": ALL_ROLES,
    "suppliers.certificate_edit": EDITORS,
    "suppliers.certificate_void": EDITORS,
    "suppliers.events_add": EDITORS,
    "suppliers.status_change": roles(Role.QA),
    "suppliers.approved_list": ALL_ROLES,
    "suppliers.approved_export": ALL_ROLES,
    "suppliers.purchases_list": ALL_ROLES,
    "suppliers.purchases_create": roles(Role.PURCHASING),
    "suppliers.purchases_edit": roles(Role.PURCHASING),
    "suppliers.purchases_detail": ALL_ROLES,
    "suppliers.purchases_approve": roles(Role.QA),
    "suppliers.purchases_send": roles(Role.PURCHASING),
    "suppliers.purchases_verify": roles(Role.QA, Role.PURCHASING),
}
