"""Suppliers from the inventory: components grouped by repository (or purl namespace) into suggested open-source-project
suppliers, created or linked in one step; and a supplier's criticality derived from what it supplies.

Derived criticality (domain.md's rule): the highest safety class of the SOUP the supplier provides (class C
critical, class B major) and the process risk of its OTSS (high: critical). The inventory proves facts; it never
clears one a person entered; a criticality set by hand stays, with its rationale. Services flush; the view commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from packageurl import PackageURL
from sqlalchemy import select

from app.access import Permission
from app.auth.models import User
from app.errors import NotFound, PermissionDenied, ValidationFailed
from app.extensions import db
from app.inventory.models import Classification, Component, Release, RiskLevel, SafetyClass
from app.inventory.workflow import ReleaseStatus
from app.sources import packages as registry
from app.sources.registries import normalise_name
from app.suppliers import rules as supplier_rules
from app.suppliers import services as supplier_services
from app.suppliers.models import Supplier, SupplierKind, SupplierStatus

_CLASS_RANK = {SafetyClass.A.value: 1, SafetyClass.B.value: 2, SafetyClass.C.value: 3}


@dataclass
class Group:
    """Components that probably come from one open-source project."""

    key: str  # "repo:github.com/pallets/flask", "ns:npm/@babel", "pkg:pypi/six"
    label: str
    name: str  # the supplier name it suggests
    repository_url: str
    component_ids: list[int] = field(default_factory=list)
    packages: set[str] = field(default_factory=set)
    highest_soup_class: str = ""
    high_risk_otss: bool = False
    suggested: Supplier | None = None

    @property
    def components(self) -> int:
        return len(self.component_ids)


def _repository_key(url: str) -> str:
    text = url.strip().removeprefix("git+").removesuffix(".git").rstrip("/")
    if not text:
        return ""
    text = text.split("://", 1)[-1].split("@", 1)[-1] if "://" in text or text.startswith("git@") else text
    text = text.replace(":", "/", 1) if text.count(":") == 1 and "/" in text.split(":", 1)[1] else text
    parts = [part for part in text.lower().split("/") if part]
    return "/".join(parts[:3]) if len(parts) >= 3 else ""


def group_of(ecosystem: str, name: str, purl: str, repository_url: str) -> tuple[str, str, str, str]:
    """(key, label, suggested supplier name, repository URL) of one component."""
    repository = _repository_key(repository_url)
    if repository:
        return f"repo:{repository}", repository, repository.rsplit("/", 1)[-1], f"https://{repository}"
    namespace = ""
    if purl:
        try:
            namespace = PackageURL.from_string(purl).namespace or ""
        except ValueError:
            namespace = ""
    if namespace:
        return f"ns:{ecosystem}/{namespace.lower()}", f"{ecosystem}/{namespace}", namespace, ""
    return f"pkg:{ecosystem}/{name.lower()}", f"{ecosystem}/{name}", name, ""


def _unlinked_rows() -> list[Any]:
    """Components of draft releases not linked to a supplier yet (plain rows)."""
    return list(db.session.execute(
        select(Component.id, Component.name, Component.version, Component.ecosystem, Component.purl,
               Component.repository_url, Component.classification, Component.safety_class, Component.risk_level)
        .join(Release, Release.id == Component.release_id)
        .where(Release.status == ReleaseStatus.DRAFT.value, Component.supplier_id.is_(None))
        .order_by(Component.id)))


def groups() -> list[Group]:
    """The suggested groups, most components first, each with the existing supplier that matches it (if any)."""
    rows = _unlinked_rows()
    metadata = registry.stored((row.ecosystem, row.name) for row in rows if registry.supported(row.ecosystem))
    found: dict[str, Group] = {}
    for row in rows:
        repository = row.repository_url
        if not repository and registry.supported(row.ecosystem):
            meta = metadata.get((row.ecosystem, normalise_name(row.ecosystem, row.name)))
            repository = meta.repository_url if meta else ""
        key, label, name, url = group_of(row.ecosystem, row.name, row.purl, repository)
        group = found.setdefault(key, Group(key, label, name, url))
        group.component_ids.append(row.id)
        group.packages.add(f"{row.ecosystem}/{row.name}")
        if row.classification == Classification.SOUP and _CLASS_RANK.get(row.safety_class, 0) > _CLASS_RANK.get(
                group.highest_soup_class, 0):
            group.highest_soup_class = row.safety_class
        if row.classification == Classification.OTSS and row.risk_level == RiskLevel.HIGH:
            group.high_risk_otss = True
    suppliers = list(db.session.scalars(select(Supplier).where(Supplier.kind == SupplierKind.OPEN_SOURCE_PROJECT)))
    for group in found.values():
        group.suggested = _matching(group, suppliers)
    return sorted(found.values(), key=lambda g: (-g.components, g.label))


def _matching(group: Group, suppliers: list[Supplier]) -> Supplier | None:
    key = _repository_key(group.repository_url)
    for supplier in suppliers:
        if key and _repository_key(supplier.repository_url) == key:
            return supplier
    wanted = supplier_rules.name_key(group.name)
    return next((s for s in suppliers if supplier_rules.name_key(s.name) == wanted), None)


def _group(key: str) -> Group:
    found = next((group for group in groups() if group.key == key), None)
    if found is None:
        raise NotFound("These components are no longer waiting for a supplier (linked meanwhile, or gone).")
    return found


def _link(component_ids: list[int], supplier: Supplier) -> int:
    components = list(db.session.scalars(select(Component).where(Component.id.in_(component_ids))))
    for component in components:
        component.supplier_id = supplier.id
        if not component.manufacturer:
            component.manufacturer = supplier.name
    db.session.flush()
    refresh_criticality(supplier)
    return len(components)


def _require_editor(by: User) -> None:
    if not by.has(Permission.INVENTORY_EDIT) or not by.has(Permission.SUPPLIERS_EDIT):
        raise PermissionDenied("Creating and linking suppliers needs the inventory and supplier edit rights.")


def open_source_code(name: str) -> str:
    """A free supplier code for an open-source project: OSS-<letters and digits of the name>, then -2, -3..."""
    base = "OSS-" + "".join(ch for ch in name.upper() if ch.isalnum())[:30]
    code, number = base, 1
    while db.session.scalar(select(Supplier.id).where(Supplier.code == code)) is not None:
        number += 1
        code = f"{base}-{number}"
    return code


def create_for_group(key: str, *, by: User) -> tuple[Supplier, int]:
    """Create the open-source-project supplier a group suggests and link its components; returns it and the count."""
    _require_editor(by)
    group = _group(key)
    if group.suggested is not None:
        raise ValidationFailed(f"Supplier {group.suggested.code} {group.suggested.name} already matches: link it instead.")
    code = open_source_code(group.name)
    packages = sorted(group.packages)
    supplier = Supplier(
        code=code, name=group.name, kind=SupplierKind.OPEN_SOURCE_PROJECT, status=SupplierStatus.CANDIDATE,
        repository_url=group.repository_url,
        scope=("Packages " + ", ".join(packages[:20]) + (" ..." if len(packages) > 20 else ""))[:2000],
    )
    db.session.add(supplier)
    db.session.flush()
    supplier_services.flag_near_duplicates(supplier)
    return supplier, _link(group.component_ids, supplier)


def link_group(key: str, supplier_id: int, *, by: User) -> tuple[Supplier, int]:
    """Link a group's components to an existing supplier."""
    _require_editor(by)
    supplier = db.session.get(Supplier, supplier_id)
    if supplier is None:
        raise NotFound("There is no such supplier.")
    return supplier, _link(_group(key).component_ids, supplier)


def derived_facts(supplier: Supplier) -> tuple[supplier_rules.CriticalityFacts, list[str]]:
    """What the inventory proves the supplier supplies: SOUP by highest class, OTSS by process risk; with examples."""
    rows = db.session.execute(
        select(Component.name, Component.version, Component.classification, Component.safety_class,
               Component.risk_level).where(Component.supplier_id == supplier.id))
    class_c, class_b, high_otss = [], [], []
    for name, version, classification, safety_class, risk in rows:
        if classification == Classification.SOUP and safety_class == SafetyClass.C:
            class_c.append(f"{name} {version}")
        elif classification == Classification.SOUP and safety_class == SafetyClass.B:
            class_b.append(f"{name} {version}")
        if classification == Classification.OTSS and risk == RiskLevel.HIGH:
            high_otss.append(f"{name} {version}")
    facts = supplier_rules.CriticalityFacts(supplies_soup_class_c=bool(class_c), supplies_soup_class_b=bool(class_b),
                                            supplies_high_risk_otss=bool(high_otss))
    evidence = [f"{label}: {', '.join(sorted(set(items))[:3])}" for label, items in (
        ("class C SOUP", class_c), ("class B SOUP", class_b), ("high-risk OTSS", high_otss)) if items]
    return facts, evidence


def refresh_criticality(supplier: Supplier) -> None:
    """Add what the inventory proves to the supplier's facts and re-apply the default rule (unless set by hand)."""
    facts, evidence = derived_facts(supplier)
    supplier.supplies_soup_class_c = supplier.supplies_soup_class_c or facts.supplies_soup_class_c
    supplier.supplies_soup_class_b = supplier.supplies_soup_class_b or facts.supplies_soup_class_b
    supplier.supplies_high_risk_otss = supplier.supplies_high_risk_otss or facts.supplies_high_risk_otss
    if supplier.criticality_is_manual:
        db.session.flush()
        return
    result = supplier_services.default_criticality(
        supplies_soup_class_c=supplier.supplies_soup_class_c, supplies_high_risk_otss=supplier.supplies_high_risk_otss,
        hosts_device=supplier.hosts_device, supplies_soup_class_b=supplier.supplies_soup_class_b,
        otss_holds_part11_records=supplier.otss_holds_part11_records,
    )
    supplier.criticality = result.criticality
    rationale = result.rationale + (f" From the inventory: {'; '.join(evidence)}." if evidence else "")
    supplier.criticality_rationale = rationale[:2000]
    db.session.flush()


def refresh_for_components(components: list[Component]) -> None:
    """After components changed class, classification or risk: re-derive their suppliers' criticality."""
    ids = {c.supplier_id for c in components if c.supplier_id}
    for supplier in db.session.scalars(select(Supplier).where(Supplier.id.in_(ids))) if ids else ():
        refresh_criticality(supplier)
