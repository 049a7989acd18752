"""Demo data of the inventory: Provenance's own SOUP list (dogfood), imported from its lock files."""

from __future__ import annotations

import tomllib
from importlib import metadata
from typing import Any

from sqlalchemy import bindparam, select, update

from app.auth.models import User
from app.config import ROOT
from app.extensions import db
from app.inventory import services
from app.inventory.licences import services as licence_services
from app.inventory.licences.expressions import normalise_licence
from app.inventory.models import Component, ImportChannel, Release, SafetyClass

PRODUCT = "Provenance"
LOCK_FILES = ("requirements.lock", "package-lock.json")


def provenance_version() -> str:
    """The app's own version, from pyproject.toml."""
    return str(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"])


def seed_inventory(users: dict[str, User], **_options: Any) -> None:
    """Import Provenance's requirements.lock (pip freeze format) and package-lock.json as one release."""
    product = services.find_product(PRODUCT)
    if product is not None and services.find_release(product, provenance_version()) is not None:
        return
    if product is None:
        product = services.create_product(
            PRODUCT, safety_class=SafetyClass.A, by=users.get("engineer"),
            description="This application: its own SOUP/OTSS list, from its lock files (dogfood).")
    release = services.create_release(product, provenance_version(), by=users.get("engineer"))
    files = []
    for name in LOCK_FILES:
        # requirements.lock is pip freeze output: the requirements.txt format under another name.
        files.append(services.UploadedFile("requirements.txt" if name.endswith(".lock") else name,
                                           (ROOT / name).read_bytes()))
    services.import_files(release, files, by=users.get("engineer"), channel=ImportChannel.SEED)
    add_installed_licences(release)


# Trove classifiers of packages that predate License-Expression metadata.
_CLASSIFIERS = {
    "MIT License": "MIT", "BSD License": "BSD-3-Clause", "Apache Software License": "Apache-2.0",
    "ISC License (ISCL)": "ISC", "Python Software Foundation License": "PSF-2.0",
    "Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "GNU Lesser General Public License v3 or later (LGPLv3+)": "LGPL-3.0-or-later",
}


def _header(meta: metadata.PackageMetadata, key: str) -> str:
    """A header of the distribution's metadata, "" when it is missing (the 3.11 protocol has no `get`)."""
    return str(meta[key] or "") if key in meta else ""


def installed_licence(name: str) -> str:
    """The licence a locally installed distribution declares (License-Expression, License, or classifier)."""
    try:
        meta = metadata.metadata(name)
    except metadata.PackageNotFoundError:
        return ""
    if _header(meta, "License-Expression"):
        return _header(meta, "License-Expression")
    declared = _header(meta, "License").strip()
    if declared and len(declared) <= 60 and "\n" not in declared:
        return declared
    found = [_CLASSIFIERS[c.rsplit(" :: ", 1)[-1]] for c in meta.get_all("Classifier") or []
             if c.startswith("License ::") and c.rsplit(" :: ", 1)[-1] in _CLASSIFIERS]
    return " OR ".join(dict.fromkeys(found))


def add_installed_licences(release: Release) -> None:
    """Fill PyPI components' licences from the installed packages' metadata (a pip freeze has none)."""
    rows = db.session.execute(select(Component.id, Component.name).where(
        Component.release_id == release.id, Component.ecosystem == "pypi", Component.licence_expression == ""))
    updates = []
    for component_id, name in rows:
        expression, unknown = normalise_licence(installed_licence(name))
        if expression:
            updates.append({"_id": component_id, "_expression": expression, "_unknown": list(unknown)})
    if updates:
        table = Component.__table__
        db.session.execute(update(table).where(table.c.id == bindparam("_id")).values(
            licence_expression=bindparam("_expression"), unknown_licences=bindparam("_unknown")), updates)
        licence_services.apply_licence_policy(release)
