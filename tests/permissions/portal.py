from tests.permissions import PUBLIC

# The supplier portal has no accounts: the token in the URL is the key (see tests/portal/).
EXPECTED = {
    "portal.index": PUBLIC,
    "portal.save_answer": PUBLIC,
    "portal.upload_evidence": PUBLIC,
    "portal.remove_evidence": PUBLIC,
    "portal.download_evidence": PUBLIC,
    "portal.review": PUBLIC,
    "portal.submit": PUBLIC,
    "portal.receipt": PUBLIC,
}
