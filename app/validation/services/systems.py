"""Systems and their functions: the register entry of a software system, its functions with their intended use and
process risk, and when its periodic review falls due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from app.access import Permission
from app.auth.models import User
from app.db import utcnow
from app.errors import Conflict, ValidationFailed
from app.extensions import db
from app.suppliers.models import Supplier
from app.validation.models import Function, SoftwareSystem
from app.validation.rules import Deployment, FunctionUse, GampCategory, ProcessRisk, SystemStatus, next_review_date
from app.validation.services.common import check_version, clean_text, one_of, require


@dataclass
class SystemData:
    supplier_id: int
    product: str
    version_in_use: str
    deployment: str
    intended_use: str
    qms_processes: str
    in_scope: bool
    scope_rationale: str
    holds_part11_records: bool
    gamp_category: str
    inventory_component_ref: str | None = None


def _apply_system(system: SoftwareSystem, data: SystemData) -> None:
    """Copy the entered values onto the system; its supplier must be in the register."""
    if db.session.get(Supplier, data.supplier_id) is None:
        raise ValidationFailed("Choose a supplier from the register.")
    system.supplier_id = data.supplier_id
    system.product = clean_text(data.product, "Product")
    system.version_in_use = clean_text(data.version_in_use, "Version in use")
    system.deployment = one_of(data.deployment, Deployment, "Deployment")
    system.intended_use = clean_text(data.intended_use, "Intended use")
    system.qms_processes = clean_text(data.qms_processes, "QMS processes", required=False)
    system.in_scope = bool(data.in_scope)
    system.scope_rationale = clean_text(data.scope_rationale, "The rationale of the regulatory-use assessment")
    system.holds_part11_records = bool(data.holds_part11_records)
    system.gamp_category = one_of(data.gamp_category, GampCategory, "GAMP category")
    system.inventory_component_ref = (data.inventory_component_ref or "").strip() or None


def create_system(data: SystemData, by: User) -> SoftwareSystem:
    """Register a software system used in the QMS or production; it starts as planned."""
    require(by.has(Permission.VALIDATION_EDIT), "You may not register systems.")
    system = SoftwareSystem(status=SystemStatus.PLANNED)
    _apply_system(system, data)
    db.session.add(system)
    db.session.flush()
    return system


def update_system(system: SoftwareSystem, data: SystemData, by: User, expected_version: int | None = None) -> None:
    """Edit a system's register entry (not its status, validated version or review date: workflows set those)."""
    require(by.has(Permission.VALIDATION_EDIT), "You may not edit systems.")
    if system.status == SystemStatus.RETIRED:
        raise Conflict("A retired system is kept as it was; it cannot be edited.")
    check_version(system, expected_version)
    _apply_system(system, data)
    db.session.flush()


def add_function(
    system: SoftwareSystem, by: User, *, description: str, use: str, process_risk: str, rationale: str
) -> Function:
    """Add a function of the system with its intended use and process risk determination."""
    require(by.has(Permission.VALIDATION_EDIT), "You may not edit functions.")
    if system.status == SystemStatus.RETIRED:
        raise Conflict("A retired system cannot get new functions.")
    function = Function(system=system)
    _apply_function(function, description, use, process_risk, rationale)
    db.session.add(function)
    db.session.flush()
    return function


def update_function(
    function: Function, by: User, *, description: str, use: str, process_risk: str, rationale: str,
    expected_version: int | None = None,
) -> None:
    """Edit a function; protocols that left draft keep the copy they were signed with."""
    require(by.has(Permission.VALIDATION_EDIT), "You may not edit functions.")
    check_version(function, expected_version)
    _apply_function(function, description, use, process_risk, rationale)
    db.session.flush()


def retire_function(function: Function, by: User) -> None:
    """Retire a function: it stays on record, and drafts written from now on no longer cover it."""
    require(by.has(Permission.VALIDATION_EDIT), "You may not edit functions.")
    if function.retired_at is not None:
        raise Conflict("This function is already retired.")
    function.retired_at = utcnow()
    db.session.flush()


def _apply_function(function: Function, description: str, use: str, process_risk: str, rationale: str) -> None:
    """Copy a function's description, use, process risk and rationale (each required)."""
    function.description = clean_text(description, "Description")
    function.use = one_of(use, FunctionUse, "Use")
    function.process_risk = one_of(process_risk, ProcessRisk, "Process risk")
    function.rationale = clean_text(rationale, "The rationale of the risk determination")


def review_due_from(system: SoftwareSystem, day: date) -> date:
    """12 months after day when any function is high risk, else 24 (both settings)."""
    config = current_app.config
    return next_review_date(
        day, [f.process_risk for f in system.functions],
        high_risk_months=int(config["VALIDATION_REVIEW_MONTHS_HIGH_RISK"]),
        other_months=int(config["VALIDATION_REVIEW_MONTHS_OTHER"]),
    )


def systems_query(*, status: str = "", deployment: str = "", supplier_id: int | None = None,
                  q: str = "") -> Select[tuple[SoftwareSystem]]:
    """The systems list with its filters, supplier loaded in the same query."""
    query = select(SoftwareSystem).options(selectinload(SoftwareSystem.supplier)).order_by(SoftwareSystem.product)
    if status:
        query = query.where(SoftwareSystem.status == status)
    if deployment:
        query = query.where(SoftwareSystem.deployment == deployment)
    if supplier_id:
        query = query.where(SoftwareSystem.supplier_id == supplier_id)
    if q:
        query = query.where(SoftwareSystem.product.ilike(f"%{q.strip()}%"))
    return query
