"""Plain factories for inventory tests: small dependency files and releases built from them."""

from __future__ import annotations

import json
from typing import Any

from app.auth.models import User
from app.extensions import db
from app.inventory import services
from app.inventory.models import Release


def requirements(*pins: str) -> bytes:
    """A requirements.txt pinning each 'name==version'."""
    return ("\n".join(pins) + "\n").encode()


def cyclonedx(*components: tuple[str, str, str]) -> bytes:
    """A CycloneDX 1.5 JSON BOM of npm components given as (name, version, licence id)."""
    return json.dumps({
        "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
        "components": [
            {"type": "library", "name": name, "version": version, "purl": f"pkg:npm/{name}@{version}",
             **({"licenses": [{"license": {"id": licence}}]} if licence else {})}
            for name, version, licence in components
        ],
    }).encode()


def release_with(product: str, version: str, files: dict[str, bytes], *, by: User | None = None,
                 **options: Any) -> tuple[Release, dict[str, Any]]:
    """Import files into product/version (created when missing), commit, and return the release and summary."""
    uploads = [services.UploadedFile(name, content) for name, content in files.items()]
    summary = services.import_into(product, version, uploads, by=by, **options)
    db.session.commit()
    product_row = services.find_product(product)
    assert product_row is not None
    release = services.find_release(product_row, version)
    assert release is not None
    return release, summary
