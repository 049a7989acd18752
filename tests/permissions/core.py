from app.access import Role
from tests.permissions import ALL_ROLES, PUBLIC, SIGNED_IN, roles

EXPECTED = {
    "static": PUBLIC,
    "auth.login": PUBLIC,
    "auth.logout": SIGNED_IN,
    "auth.change_password": SIGNED_IN,
    "auth.task_mail": SIGNED_IN,
    "auth.keepalive": SIGNED_IN,
    "auth.users_list": roles(Role.ADMIN),
    "auth.users_create": roles(Role.ADMIN),
    "auth.users_detail": roles(Role.ADMIN),
    "auth.users_deactivate": roles(Role.ADMIN),
    "auth.users_reactivate": roles(Role.ADMIN),
    "auth.users_reset_password": roles(Role.ADMIN),
    "audit.log": roles(Role.ADMIN, Role.QA, Role.AUDITOR),
    "audit.export_csv": roles(Role.ADMIN, Role.QA, Role.AUDITOR),
    "audit.record_options": roles(Role.ADMIN, Role.QA, Role.AUDITOR),
    "dashboard.index": ALL_ROLES,
    "inbox.index": ALL_ROLES,
    "drafts.save": SIGNED_IN,
    "drafts.on_page": SIGNED_IN,
    "drafts.discard": SIGNED_IN,
    "inbox.count": ALL_ROLES,
}
