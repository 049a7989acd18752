from app.access import Role
from tests.permissions import BEARER, roles

EXPECTED = {
    "api.imports_create": BEARER,
    "api.test_results_create": BEARER,
    "api.readiness_show": BEARER,
    "api.tokens_list": roles(Role.ADMIN),
    "api.tokens_create": roles(Role.ADMIN),
    "api.tokens_revoke": roles(Role.ADMIN),
}
