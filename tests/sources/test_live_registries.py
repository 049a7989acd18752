"""The real PyPI JSON API and npm registry, for a handful of well-known packages (marker `registry`: deselect
with -m 'not registry' on a machine without network; they run by default, these registries are reachable)."""

from __future__ import annotations

import hashlib

import pytest

from app.sources import packages
from app.sources.models import LookupState

pytestmark = pytest.mark.registry


def test_pypi_and_npm_answer_with_licences_repositories_and_release_history(app):
    assert app.config["PYPI_URL"] == "https://pypi.org/pypi"
    found = packages.look_up([("pypi", "Flask"), ("pypi", "six"), ("pypi", "requests"), ("npm", "left-pad"),
                              ("npm", "lodash.merge")])
    facts = {key: (meta.state, meta.licence, meta.repository_url) for key, meta in found.items()}
    assert facts == {
        ("pypi", "flask"): (LookupState.FOUND, "BSD-3-Clause", "https://github.com/pallets/flask"),
        ("pypi", "six"): (LookupState.FOUND, "MIT", "https://github.com/benjaminp/six"),
        ("pypi", "requests"): (LookupState.FOUND, "Apache-2.0", "https://github.com/psf/requests"),
        ("npm", "left-pad"): (LookupState.FOUND, "WTFPL", "https://github.com/stevemao/left-pad"),
        ("npm", "lodash.merge"): (LookupState.FOUND, "MIT", "https://github.com/lodash/lodash"),
    }
    flask = found[("pypi", "flask")]
    assert flask.releases[0][0] == "0.1" and flask.first_release_at.year == 2010
    assert flask.response.url == "https://pypi.org/pypi/flask/json"
    assert flask.response.sha256 == hashlib.sha256(flask.response.body).hexdigest()


def test_a_package_the_registry_does_not_know_is_not_found(app):
    name = "provenance-no-such-package-" + hashlib.sha256(b"provenance").hexdigest()[:12]
    found = packages.look_up([("pypi", name)])
    meta = found[("pypi", name)]
    assert (meta.state, meta.error) == (LookupState.NOT_FOUND, "no such package (HTTP 404)")
