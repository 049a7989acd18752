from app.access import Role
from tests.permissions import ALL_ROLES, roles

EXPECTED = {
    "sources.response_detail": ALL_ROLES,
    "sources.response_body": ALL_ROLES,
}
EXPECTED.update({
    "sources.scorecards_list": ALL_ROLES,
    "sources.scorecards_import": roles(Role.PURCHASING, Role.QA),
    "sources.scorecards_detail": ALL_ROLES,
})
