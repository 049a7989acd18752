"""Keep a product's hazards, risk controls and SOUP links; import and export the hazard list (flushes; the caller
commits). Engineers and QA keep them (inventory edit); every change is audited."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from app.access import Permission
from app.audit import services as audit
from app.auth.models import User
from app.errors import PermissionDenied, ValidationFailed
from app.extensions import db
from app.inventory.diff import package_key as package_identity
from app.inventory.models import Component, Product, Release
from app.inventory.risks import table
from app.inventory.risks.models import Hazard, RiskControl, SoupHazardLink
from app.spreadsheets import TableRefused, read_table

MAX_IMPORT_ROWS = 5_000


def package_key(ecosystem: str, name: str) -> str:
    """A package's identity across releases, spelled as waivers and the readiness check spell it (gates)."""
    return "\t".join(package_identity(ecosystem, name))


@dataclass(frozen=True)
class HazardInput:
    """What a person types for one hazard (the same fields as a row of the hazard list)."""

    code: str
    hazard: str
    harm: str = ""
    severity: str = ""
    probability_before: str = ""
    probability_after: str = ""
    controls: str = ""  # "RC-3: measure" per line
    soup: str = ""  # names separated by ";" or lines


@dataclass
class ImportSummary:
    """What an import of the hazard list did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    controls_created: int = 0
    links_added: int = 0
    unknown_soup: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "controls_created": self.controls_created, "links_added": self.links_added,
                "unknown_soup": self.unknown_soup, "problems": self.problems}


def _require_editor(by: User | None) -> None:
    if by is not None and not by.has(Permission.INVENTORY_EDIT):
        raise PermissionDenied("Only engineers and QA keep the hazard list.")


def hazards_query(product: Product, q: str = "") -> Any:
    """The product's hazards in id order, narrowed by a search over id, hazard and harm."""
    query = select(Hazard).where(Hazard.product_id == product.id)
    if q:
        pattern = f"%{q}%"
        query = query.where(Hazard.code.ilike(pattern) | Hazard.hazard.ilike(pattern) | Hazard.harm.ilike(pattern))
    return query.order_by(Hazard.code, Hazard.id)


def links_of(hazards: Sequence[Hazard]) -> dict[int, list[SoupHazardLink]]:
    """The SOUP links of these hazards (a page of them), by hazard id, in one query."""
    found: dict[int, list[SoupHazardLink]] = {hazard.id: [] for hazard in hazards}
    if found:
        for link in db.session.scalars(select(SoupHazardLink).where(SoupHazardLink.hazard_id.in_(found))
                                       .order_by(SoupHazardLink.display_name)):
            found[link.hazard_id].append(link)
    return found


def _product_packages(product: Product) -> dict[str, tuple[str, str]]:
    """Every package of the product's releases, by lower-case name and by "ecosystem:name": (package key, name)."""
    names: dict[str, tuple[str, str]] = {}
    rows = db.session.execute(select(Component.ecosystem, Component.name).join(Release)
                              .where(Release.product_id == product.id).distinct())
    for ecosystem, name in rows:
        entry = (package_key(ecosystem, name), str(name))
        names.setdefault(str(name).lower(), entry)
        names[f"{ecosystem}:{name}".lower()] = entry
    return names


@dataclass
class _Known:
    """What the product already holds, read once for a whole import (three queries, not three per row)."""

    packages: dict[str, tuple[str, str]]
    controls: dict[str, RiskControl]  # by upper-case code
    links: dict[int, dict[str, SoupHazardLink]]  # hazard id -> package key -> link


def _known(product: Product) -> _Known:
    links: dict[int, dict[str, SoupHazardLink]] = {}
    for link in db.session.scalars(select(SoupHazardLink).where(SoupHazardLink.product_id == product.id)):
        links.setdefault(link.hazard_id, {})[link.package_key] = link
    return _Known(_product_packages(product), {control.code.upper(): control for control in db.session.scalars(
        select(RiskControl).where(RiskControl.product_id == product.id))}, links)


def _controls(product: Product, wanted: Iterable[tuple[str, str]], known: _Known,
              summary: ImportSummary | None) -> list[RiskControl]:
    chosen: list[RiskControl] = []
    for code, measure in wanted:
        control = known.controls.get(code.upper())
        if control is None:
            if not measure:
                raise ValidationFailed(f"The risk control {code} is new: give its measure ('{code}: what it does').")
            control = RiskControl(product_id=product.id, code=code, measure=measure)
            db.session.add(control)
            known.controls[code.upper()] = control
            if summary is not None:
                summary.controls_created += 1
        elif measure and measure != control.measure:
            control.measure = measure
        chosen.append(control)
    return chosen


def _apply(product: Product, hazard: Hazard, row: table.HazardRow, known: _Known,
           summary: ImportSummary | None = None) -> bool:
    """Give the hazard the row's fields, controls and SOUP links; True when anything changed."""
    before = (hazard.hazard, hazard.harm, hazard.severity, hazard.probability_before, hazard.probability_after,
              [c.code for c in hazard.controls])
    hazard.hazard, hazard.harm, hazard.severity = row.hazard, row.harm, row.severity
    hazard.probability_before, hazard.probability_after = row.probability_before, row.probability_after
    hazard.controls = _controls(product, row.controls, known, summary)
    current = known.links.setdefault(hazard.id, {})
    wanted: dict[str, str] = {}
    unknown: list[str] = []
    for name in row.soup:
        found = known.packages.get(name.lower())
        if found is None:
            unknown.append(name)
        else:
            wanted[found[0]] = found[1]
    if unknown and summary is None:
        raise ValidationFailed(f"No release of {product.name} has these packages: {', '.join(unknown)}. "
                               "Import the release first, or write the name as the SBOM or lock file does.")
    if summary is not None:
        summary.unknown_soup.extend(f"{hazard.code}: {name}" for name in unknown)
    changed = False
    for key, display in wanted.items():
        if key not in current:
            current[key] = SoupHazardLink(product_id=product.id, hazard_id=hazard.id, package_key=key,
                                          display_name=display)
            db.session.add(current[key])
            changed = True
            if summary is not None:
                summary.links_added += 1
    for key in [key for key in current if key not in wanted]:
        db.session.delete(current.pop(key))
        changed = True
    after = (hazard.hazard, hazard.harm, hazard.severity, hazard.probability_before, hazard.probability_after,
             [c.code for c in hazard.controls])
    if before[-1] != after[-1]:
        audit.record("hazard.controls_changed", hazard, old=before[-1], new=after[-1])
    return changed or before != after


def _row(values: HazardInput) -> table.HazardRow:
    parsed = table.parse([list(table.COLUMNS), [values.code.strip(), values.hazard.strip(), values.harm.strip(),
                                                values.severity.strip(), values.probability_before.strip(),
                                                values.probability_after.strip(), values.controls, values.soup]])
    if parsed.problems:
        raise ValidationFailed(parsed.problems[0].removeprefix("Row 2: "))
    return parsed.rows[0]


def create_hazard(product: Product, values: HazardInput, *, by: User | None) -> Hazard:
    """Add a hazard to the product's list; its id is unique in the product."""
    _require_editor(by)
    row = _row(values)
    if db.session.scalar(select(Hazard.id).where(Hazard.product_id == product.id, Hazard.code == row.code)):
        raise ValidationFailed(f"{product.name} already has a hazard {row.code}.")
    hazard = Hazard(product_id=product.id, code=row.code, hazard=row.hazard)
    db.session.add(hazard)
    db.session.flush()
    _apply(product, hazard, row, _known(product))
    db.session.flush()
    return hazard


def update_hazard(hazard: Hazard, values: HazardInput, *, by: User | None) -> Hazard:
    """Change a hazard's fields, controls and SOUP links (its id stays)."""
    _require_editor(by)
    row = _row(HazardInput(**{**values.__dict__, "code": hazard.code}))
    product = db.session.get(Product, hazard.product_id)
    assert product is not None
    _apply(product, hazard, row, _known(product))
    db.session.flush()
    return hazard


def delete_hazard(hazard: Hazard, *, by: User | None) -> None:
    """Take a hazard off the list (its SOUP links go with it; the audit trail keeps it)."""
    _require_editor(by)
    for link in db.session.scalars(select(SoupHazardLink).where(SoupHazardLink.hazard_id == hazard.id)):
        db.session.delete(link)
    hazard.controls = []
    db.session.delete(hazard)
    db.session.flush()


def import_table(product: Product, filename: str, data: bytes, *, by: User | None) -> ImportSummary:
    """Create or update the product's hazards from a CSV/XLSX hazard list (by Hazard ID); rows with a problem and
    SOUP names no release has are reported, the rest is stored. Hazards missing from the file are kept."""
    _require_editor(by)
    try:
        rows = read_table(filename, data, max_rows=MAX_IMPORT_ROWS)
    except TableRefused as exc:
        raise ValidationFailed(str(exc)) from exc
    parsed = table.parse(rows)
    if not parsed.rows and parsed.problems:
        raise ValidationFailed("Nothing was imported: " + " ".join(parsed.problems[:5]))
    summary = ImportSummary(problems=list(parsed.problems))
    known = _known(product)
    existing = {hazard.code.upper(): hazard for hazard in db.session.scalars(
        select(Hazard).where(Hazard.product_id == product.id))}
    for row in parsed.rows:
        hazard = existing.get(row.code.upper())
        if hazard is None:
            hazard = Hazard(product_id=product.id, code=row.code, hazard=row.hazard)
            db.session.add(hazard)
            db.session.flush()
            _apply(product, hazard, row, known, summary)
            summary.created += 1
        elif _apply(product, hazard, row, known, summary):
            summary.updated += 1
        else:
            summary.unchanged += 1
    db.session.flush()
    audit.record("hazards.imported", product, filename=filename[:200], created=summary.created,
                 updated=summary.updated, unchanged=summary.unchanged, controls_created=summary.controls_created,
                 links_added=summary.links_added, rows_refused=len(summary.problems))
    return summary


def export_rows(product: Product) -> list[list[str]]:
    """The product's hazard list as a table (header first) that import_table reads back."""
    hazards = list(db.session.scalars(hazards_query(product)))
    links = links_of(hazards)
    return table.rows([table.HazardRow(
        code=h.code, hazard=h.hazard, harm=h.harm, severity=h.severity, probability_before=h.probability_before,
        probability_after=h.probability_after, controls=tuple((c.code, c.measure) for c in h.controls),
        soup=tuple(link.display_name for link in links[h.id])) for h in hazards])


def hazards_of(component: Component) -> list[Hazard]:
    """The hazards the component's package is linked to in its product."""
    key = package_key(component.ecosystem, component.name)
    return list(db.session.scalars(select(Hazard).join(SoupHazardLink, SoupHazardLink.hazard_id == Hazard.id).where(
        SoupHazardLink.product_id == component.release.product_id, SoupHazardLink.package_key == key)
        .order_by(Hazard.code)))
