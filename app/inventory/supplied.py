"""Hands the supplier register the packages each supplier provides (components linked to it, every release)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from app.extensions import db
from app.inventory.models import Component
from app.suppliers.services.supplied import SuppliedPackage, provide_supplied_packages


def packages_of_supplier(supplier_id: int) -> list[SuppliedPackage]:
    """Distinct package versions of the components linked to the supplier, newest component first."""
    rows = db.session.execute(
        select(Component.ecosystem, Component.name, Component.version, Component.repository_url,
               Component.licence_expression, Component.licence_verdict)
        .where(Component.supplier_id == supplier_id).order_by(Component.id.desc()))
    seen: dict[tuple[str, str, str], SuppliedPackage] = {}
    for ecosystem, name, version, repository, licence, verdict in rows:
        seen.setdefault((ecosystem, name, version), SuppliedPackage(ecosystem, name, version, repository or "",
                                                                   licence or "", verdict or ""))
    return list(seen.values())


def init_app(app: Flask) -> None:
    provide_supplied_packages(app, packages_of_supplier)
