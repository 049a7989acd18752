from app.access import Role
from tests.permissions import roles

EXPECTED = {
    "notifications.outbox": roles(Role.ADMIN),
}
