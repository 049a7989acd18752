from app.access import Role
from tests.permissions import ALL_ROLES, QA_OR_PURCHASING, roles

EXPECTED = {
    "suppliers.list": ALL_ROLES,
    "suppliers.export": ALL_ROLES,
    "suppliers.create": QA_OR_PURCHASING,
    "suppliers.detail": ALL_ROLES,
    "suppliers.edit": QA_OR_PURCHASING,
    "suppliers.contacts_add": QA_OR_PURCHASING,
    "suppliers.contacts_remove": QA_OR_PURCHASING,
    "suppliers.certificates_add": QA_OR_PURCHASING,
    "suppliers.certificate_evidence": ALL_ROLES,
    "suppliers.certificate_edit": QA_OR_PURCHASING,
    "suppliers.certificate_void": QA_OR_PURCHASING,
    "suppliers.events_add": QA_OR_PURCHASING,
    "suppliers.status_change": roles(Role.QA),
    "suppliers.approved_list": ALL_ROLES,
    "suppliers.approved_export": ALL_ROLES,
    "suppliers.purchases_list": ALL_ROLES,
    "suppliers.purchases_create": roles(Role.PURCHASING),
    "suppliers.purchases_edit": roles(Role.PURCHASING),
    "suppliers.purchases_detail": ALL_ROLES,
    "suppliers.purchases_approve": roles(Role.QA),
    "suppliers.purchases_send": roles(Role.PURCHASING),
    "suppliers.purchases_verify": QA_OR_PURCHASING,
}
