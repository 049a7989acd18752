from app.access import Role
from tests.permissions import ALL_ROLES, roles

EXPECTED = {
    "documents.register": ALL_ROLES,
    "documents.generate": ALL_ROLES,
    "documents.download": ALL_ROLES,
    "documents.download_pdf": ALL_ROLES,
    "documents.download_signed": ALL_ROLES,
    "documents.detail": ALL_ROLES,
    "documents.approve": roles(Role.QA),
    "documents.templates_list": roles(Role.ADMIN),
    "documents.procedures_save": roles(Role.ADMIN),
    "documents.templates_create": roles(Role.ADMIN),
    "documents.templates_detail": roles(Role.ADMIN),
    "documents.templates_activate": roles(Role.ADMIN),
    "documents.templates_retire": roles(Role.ADMIN),
    "documents.templates_preview": roles(Role.ADMIN),
    "documents.templates_download": roles(Role.ADMIN),
}
