from tests.permissions import SIGNED_IN

EXPECTED = {
    "jobs.list": SIGNED_IN,
    "jobs.detail": SIGNED_IN,
    "jobs.progress": SIGNED_IN,
}
