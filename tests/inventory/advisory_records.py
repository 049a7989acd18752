"""Plain factories for the advisory, anomaly review and licence policy tests: products, releases, components."""

from __future__ import annotations

from itertools import count

from app.extensions import db
from app.inventory.anomalies import services as anomaly_services
from app.inventory.models import Component, Product, Release, ReleaseStatus

_numbers = count(1)


def make_release(
    *components: tuple[str, str, str] | tuple[str, str, str, str],
    product: str | None = None,
    version: str = "1.0",
    safety_class: str = "C",
    frozen: bool = False,
) -> Release:
    """A release holding (ecosystem, name, version[, licence expression]) components, each of the product's class."""
    owner = Product(name=product or f"Product {next(_numbers)}", safety_class=safety_class)
    db.session.add(owner)
    release = Release(product=owner, version=version, status=ReleaseStatus.DRAFT)
    db.session.add(release)
    db.session.flush()
    for item in components:
        ecosystem, name, component_version = item[:3]
        licence = item[3] if len(item) > 3 else "MIT"
        db.session.add(
            Component(
                release_id=release.id,
                ecosystem=ecosystem,
                name=name,
                version=component_version,
                licence_expression=licence,
                safety_class=safety_class,
                direct=True,
            )
        )
    db.session.flush()
    if frozen:  # components first: a frozen release takes no new ones
        release.status = ReleaseStatus.FROZEN
        db.session.flush()
    # What an import does after writing its components: the anomaly review schedule of their versions.
    anomaly_services.refresh_schedule(db.session.scalars(
        db.select(Component.review_key).where(Component.release_id == release.id)))
    return release


def component_named(release: Release, name: str) -> Component:
    """The release's component of that name."""
    return db.session.scalars(
        db.select(Component).where(Component.release_id == release.id, Component.name == name)
    ).one()
