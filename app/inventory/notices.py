"""The third-party notices of a release, gathered from its components (the pure core is app.inventory.attribution).

Only what ships is listed: runtime components that are not removed; development-only dependencies are counted and
left out. The author is the component's manufacturer (from the SBOM or typed), else its linked supplier; the
homepage comes from the stored registry metadata. A licence text is the text of its SPDX template (the packaged list
ships templates only): no template markup reaches the notice (app.inventory.licences.texts).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from app.extensions import db
from app.inventory.attribution import LicenceGroup, LicenceText, NoticeItem, group_by_licence, licence_texts
from app.inventory.licences.expressions import licence_ids
from app.inventory.models import Component, Release, Scope
from app.inventory.workflow import ComponentStatus
from app.sources import packages as registry
from app.sources.registries import normalise_name
from app.suppliers.models import Supplier


@dataclass(frozen=True)
class Notices:
    """A release's notices: the groups by licence, the licence texts, and how many dev-only components were left out."""

    groups: list[LicenceGroup]
    texts: list[LicenceText]
    left_out_dev: int

    @property
    def components(self) -> int:
        return sum(len(group.items) for group in self.groups)


def release_notices(release: Release) -> Notices:
    """Every shipped component of the release grouped by licence, with the licence texts as texts, not templates
    (three queries)."""
    rows = list(db.session.execute(
        select(Component.name, Component.version, Component.ecosystem, Component.licence_expression,
               Component.manufacturer, Component.purl, Supplier.name.label("supplier"))
        .outerjoin(Supplier, Supplier.id == Component.supplier_id)
        .where(Component.release_id == release.id, Component.status != ComponentStatus.REMOVED,
               Component.scope == Scope.RUNTIME)
        .order_by(Component.name, Component.version)))
    left_out = db.session.scalar(select(func.count(Component.id)).where(
        Component.release_id == release.id, Component.status != ComponentStatus.REMOVED,
        Component.scope != Scope.RUNTIME)) or 0
    metadata = registry.stored((row.ecosystem, row.name) for row in rows if registry.supported(row.ecosystem))
    items = []
    for row in rows:
        meta = metadata.get((row.ecosystem, normalise_name(row.ecosystem, row.name)))
        items.append(NoticeItem(name=row.name, version=row.version, licence=row.licence_expression,
                                author=row.manufacturer or row.supplier or "", purl=row.purl,
                                homepage=meta.homepage if meta is not None else ""))
    groups = group_by_licence(items)
    texts = licence_texts(groups, licence_ids)
    return Notices(groups, texts, int(left_out))
