"""What a supplier supplies, as the inventory knows it: the packages of the components linked to the supplier.

The inventory sits above the supplier register, so it hands its lookup in when the app is built
(`provide_supplied_packages`, from app/inventory/supplied.py); the questionnaires read it here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app


@dataclass(frozen=True)
class SuppliedPackage:
    """One package version the supplier provides, with its licence as the inventory holds it."""

    ecosystem: str
    name: str
    version: str
    repository_url: str = ""
    licence_expression: str = ""
    licence_verdict: str = ""


SuppliedPackages = Callable[[int], list[SuppliedPackage]]
_KEY = "suppliers.supplied_packages"


def provide_supplied_packages(app: Flask, lookup: SuppliedPackages) -> None:
    """The inventory plugs in how to list a supplier's packages."""
    app.extensions[_KEY] = lookup


def supplied_packages(supplier_id: int) -> list[SuppliedPackage]:
    """The packages the supplier provides (none when no inventory is plugged in)."""
    lookup: SuppliedPackages | None = current_app.extensions.get(_KEY)
    return lookup(supplier_id) if lookup else []
