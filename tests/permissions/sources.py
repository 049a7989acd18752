from tests.permissions import ALL_ROLES

EXPECTED = {
    "sources.response_detail": ALL_ROLES,
    "sources.response_body": ALL_ROLES,
}
