"""Release gates: the facts the readiness check reads, and the signed waivers and exemptions it accepts.

`release_readiness` gathers a release's facts in a few set queries (whatever its size) and hands them to the pure
check in `readiness.py`. Waivers, exemptions and licence decisions are kept per product and package, with the
version they were made for, and hold in later releases (a licence waiver or decision while the licence is the same).
Services flush; the view, CLI command or API call commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote

from flask import current_app
from sqlalchemy import select

from app.audit import services as audit
from app.auth.models import User
from app.db import today, utcnow
from app.errors import PermissionDenied, ValidationFailed
from app.extensions import db
from app.inventory import diff as diffing
from app.inventory import policies
from app.inventory import readiness as rules
from app.inventory.advisories.models import Advisory, AdvisoryMatch
from app.inventory.advisories.services import chunks
from app.inventory.anomalies.models import AnomalyReview, Conclusion, ReviewSchedule
from app.inventory.anomalies.rules import scheduled_status
from app.inventory.models import (
    Component,
    ComponentWaiver,
    Release,
    SafetyClass,
    SoftwareItem,
    TransitiveRule,
    WaiverKind,
)
from app.inventory.obsolescence import services as obsolescence
from app.inventory.obsolescence.models import VersionCurrency
from app.inventory.risks.models import SoupHazardLink
from app.inventory.traceability import services as traceability
from app.inventory.workflow import ReleaseFrozen
from app.signatures.models import Meaning
from app.signatures.services import SignTarget, sign
from app.suppliers.models import Supplier


def package_key(ecosystem: str, name: str) -> str:
    """The package's identity across releases, as waivers store it."""
    return "\t".join(diffing.package_key(ecosystem, name))


def parent_label(parent: str) -> str:
    """A parent as a file names it (a purl, a ref or a name), shown as "name version"."""
    text = parent.strip()
    if text.startswith("pkg:"):
        path = text[4:].split("?", 1)[0].split("#", 1)[0]
        last = path.rsplit("/", 1)[-1]
        name, _, version = last.partition("@")
        return f"{unquote(name)} {unquote(version)}".strip()
    return text


def configured_rules() -> dict[str, Any]:
    """The readiness rules' safety classes as configured (RELEASE_READINESS_RULES overrides the defaults)."""
    return dict(current_app.config.get("RELEASE_READINESS_RULES") or {})


# --- facts ---------------------------------------------------------------------------------------


def _waivers(product_id: int) -> dict[tuple[str, str], list[ComponentWaiver]]:
    found: dict[tuple[str, str], list[ComponentWaiver]] = defaultdict(list)
    for waiver in db.session.scalars(select(ComponentWaiver).where(ComponentWaiver.product_id == product_id)
                                     .order_by(ComponentWaiver.id)):
        found[(waiver.kind, waiver.package_key)].append(waiver)
    return found


def _latest(waivers: list[ComponentWaiver], licence: str | None = None) -> ComponentWaiver | None:
    """The latest waiver of the list (for licences, the latest made for this very licence)."""
    for waiver in reversed(waivers):
        if licence is None or waiver.licence_expression == licence:
            return waiver
    return None


def _current_reviews(keys: set[str]) -> set[str]:
    """The version keys whose anomaly review is current today (schedule) and whose last conclusion is not reject."""
    current: set[str] = set()
    day = today()
    remind = int(current_app.config["ANOMALY_REVIEW_REMIND_DAYS"])
    for part in chunks(sorted(keys)):
        for row in db.session.execute(select(ReviewSchedule.review_key, ReviewSchedule.last_reviewed_at,
                                             ReviewSchedule.next_due, ReviewSchedule.new_advisories)
                                      .where(ReviewSchedule.review_key.in_(part))):
            status = scheduled_status(day, last_reviewed_at=row.last_reviewed_at, next_due=row.next_due,
                                      new_advisories=row.new_advisories, remind_days=remind)
            if status.is_current:
                current.add(row.review_key)
    if not current:
        return current
    rejected: dict[str, tuple[int, str]] = {}
    packages = sorted({key.split("\t")[1] for key in current if key.count("\t") == 2})
    for part in chunks(packages):
        for review in db.session.execute(select(AnomalyReview.id, AnomalyReview.ecosystem, AnomalyReview.package,
                                                AnomalyReview.version, AnomalyReview.conclusion)
                                         .where(AnomalyReview.package.in_(part))):
            key = "\t".join((review.ecosystem, review.package, review.version))
            if key in current and (key not in rejected or review.id > rejected[key][0]):
                rejected[key] = (review.id, review.conclusion)
    return {key for key in current if rejected.get(key, (0, ""))[1] != Conclusion.REJECT}


def _withdrawn(currency: VersionCurrency | None) -> str:
    if currency is None:
        return ""
    return "yanked" if currency.yanked else ("deprecated" if currency.deprecated else "")


def release_facts(release: Release) -> rules.ReleaseFacts:
    """The release's facts for the readiness check: one query per kind of fact, whatever the number of components."""
    product = release.product
    items = {item.id: item for item in db.session.scalars(
        select(SoftwareItem).where(SoftwareItem.product_id == product.id))}
    rows = list(db.session.execute(
        select(Component.id, Component.name, Component.version, Component.ecosystem, Component.classification,
               Component.safety_class, Component.software_item_id, Component.class_rationale, Component.direct,
               Component.status, Component.change_kind, Component.assessed,
               Component.declared_range, Component.licence_expression, Component.licence_verdict,
               Component.requirements, Component.hazard_refs, Component.review_key,
               Supplier.name.label("supplier"), Supplier.status.label("supplier_status"))
        .outerjoin(Supplier, Supplier.id == Component.supplier_id)
        .where(Component.release_id == release.id)
        .order_by(Component.name, Component.version, Component.id)))
    matches: dict[int, list[rules.MatchFacts]] = defaultdict(list)
    for component_id, osv_id, state, justification, note in db.session.execute(
        select(AdvisoryMatch.component_id, Advisory.osv_id, AdvisoryMatch.state, AdvisoryMatch.justification,
               AdvisoryMatch.note)
        .join(Advisory, Advisory.id == AdvisoryMatch.advisory_id)
        .where(AdvisoryMatch.release_id == release.id, Advisory.withdrawn.is_(None))
        .order_by(AdvisoryMatch.component_id, Advisory.osv_id)
    ):
        matches[component_id].append(rules.MatchFacts(osv_id, state, justification or "", note or ""))
    # The direct parent is named only where an advisory on a transitive component counts against it.
    parents: dict[int, list[str]] = {}
    for part in chunks(sorted(matches)):
        for component_id, listed in db.session.execute(select(Component.id, Component.parents).where(
                Component.id.in_(part), Component.direct.is_(False))):
            parents[component_id] = list(listed or [])
    waivers = _waivers(product.id)
    wanted_reviews = {row.review_key for row in rows if row.classification == "soup"
                      and row.safety_class in (SafetyClass.B, SafetyClass.C)}
    current = _current_reviews(wanted_reviews) if wanted_reviews else set()
    withdrawn = obsolescence.withdrawn_keys(release)
    linked = set(db.session.scalars(select(SoupHazardLink.package_key)
                                    .where(SoupHazardLink.product_id == product.id).distinct()))
    requirement_states = traceability.release_requirement_states(release)
    components = []
    for row in rows:
        item = items.get(row.software_item_id) if row.software_item_id else None
        key = package_key(row.ecosystem, row.name)
        licence = _latest(waivers.get((WaiverKind.LICENCE_WAIVER, key), []), row.licence_expression)
        decision = _latest(waivers.get((WaiverKind.LICENCE_DECISION, key), []), row.licence_expression)
        exemption = _latest(waivers.get((WaiverKind.SUPPLIER_EXEMPTION, key), []))
        named = parents.get(row.id, [])
        components.append(rules.ComponentFacts(
            name=row.name, version=row.version, classification=row.classification, safety_class=row.safety_class,
            reference_class=item.safety_class if item else product.safety_class,
            software_item=item.name if item else "",
            has_class_rationale=bool(row.class_rationale.strip() or (item and item.lower_class_rationale.strip())),
            direct=row.direct, parent=parent_label(named[0]) if named else "",
            status=row.status, changed=row.change_kind != "unchanged", assessed=row.assessed,
            declared_range=row.declared_range, licence=row.licence_expression, licence_verdict=row.licence_verdict,
            licence_waived=licence is not None and licence.signature_id is not None,
            licence_decision=decision.decision if decision else "",
            has_requirements=bool(row.requirements.strip()) or any(
                state.current for state in requirement_states.get(row.id, ())),
            has_hazards=bool(row.hazard_refs.strip()) or key in linked,
            supplier=row.supplier or "", supplier_status=row.supplier_status or "",
            supplier_exempt=exemption is not None and exemption.signature_id is not None,
            review_current=row.review_key in current, matches=tuple(matches.get(row.id, ())),
            withdrawn=_withdrawn(withdrawn.get((row.ecosystem, row.name, row.version))),
            requirements=tuple(rules.RequirementFacts(
                identifier=state.identifier, current=state.current, recorded_for=", ".join(state.recorded_versions),
                outcomes=state.outcomes, rationale=state.rationale)
                for state in requirement_states.get(row.id, ()) if state.status != "retired"),
        ))
    return rules.ReleaseFacts(product=product.name, version=release.version,
                              transitive_rule=product.transitive_rule or TransitiveRule.DIRECT, components=components)


def release_readiness(release: Release) -> rules.Readiness:
    """Every problem that stops the release from being frozen (the configured rules over its facts)."""
    return rules.check(release_facts(release), configured_rules(),
                       dict(current_app.config.get("RELEASE_READINESS_WARNINGS") or {}))


# --- waivers, exemptions, decisions ----------------------------------------------------------------


def _require_draft(component: Component) -> None:
    if component.release.is_frozen:
        raise ReleaseFrozen(component.release.audit_label())


def _record(component: Component, kind: str, reason: str, by: User, *, decision: str = "") -> ComponentWaiver:
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("Give the reason.")
    waiver = ComponentWaiver(
        product_id=component.release.product_id, kind=kind, package_key=package_key(component.ecosystem, component.name),
        display_name=component.name, version=component.version, licence_expression=component.licence_expression
        if kind != WaiverKind.SUPPLIER_EXEMPTION else "", decision=decision, reason=reason,
        component_id=component.id, recorded_by_id=by.id, recorded_by_name=by.full_name, recorded_at=utcnow())
    db.session.add(waiver)
    db.session.flush()
    return waiver


def _sign_waiver(waiver: ComponentWaiver, signer: User, password: str) -> ComponentWaiver:
    target = SignTarget(entity_type="component_waiver", entity_id=str(waiver.id), version=1, content={
        "kind": waiver.kind, "product_id": waiver.product_id, "package": waiver.package_key,
        "version": waiver.version, "licence": waiver.licence_expression, "reason": waiver.reason})
    signature = sign(target, signer, password=password, meaning=Meaning.APPROVED, comment=waiver.reason)
    waiver.signature_id = signature.id
    db.session.flush()
    return waiver


def waive_licence(component: Component, reason: str, *, signer: User, password: str) -> ComponentWaiver:
    """QA waives a denied licence with a reason and a signature; it holds while the package keeps that licence."""
    _require_draft(component)
    if not policies.can_sign_waivers(signer):
        raise PermissionDenied("Only QA may waive a denied licence.")
    if component.licence_verdict != "deny":
        raise ValidationFailed(f"{component.name} {component.version}: its licence is not denied; nothing to waive.")
    waiver = _sign_waiver(_record(component, WaiverKind.LICENCE_WAIVER, reason, signer), signer, password)
    audit.record("component.licence_waived", component, waiver_id=waiver.id, licence=component.licence_expression,
                 reason=waiver.reason)
    return waiver


def exempt_supplier(component: Component, reason: str, *, signer: User, password: str) -> ComponentWaiver:
    """QA exempts a SOUP item from the approved-supplier rule (e.g. a library with no maintainer left), signed."""
    _require_draft(component)
    if not policies.can_sign_waivers(signer):
        raise PermissionDenied("Only QA may exempt a component from the supplier rule.")
    waiver = _sign_waiver(_record(component, WaiverKind.SUPPLIER_EXEMPTION, reason, signer), signer, password)
    audit.record("component.supplier_exempted", component, waiver_id=waiver.id, reason=waiver.reason)
    return waiver


def decide_licence(component: Component, decision: str, reason: str, *, by: User) -> ComponentWaiver:
    """Record the decision on a licence under review (accept or reject, with the reason)."""
    _require_draft(component)
    if not policies.can_edit_component(by, component):
        raise PermissionDenied("You may not decide on this component's licence.")
    if decision not in ("accept", "reject"):
        raise ValidationFailed("Decide accept or reject.")
    if component.licence_verdict != "review":
        raise ValidationFailed(f"{component.name} {component.version}: its licence is not under review.")
    waiver = _record(component, WaiverKind.LICENCE_DECISION, reason, by, decision=decision)
    audit.record("component.licence_decided", component, waiver_id=waiver.id, decision=decision,
                 licence=component.licence_expression, reason=waiver.reason)
    return waiver


def waivers_of(component: Component) -> list[ComponentWaiver]:
    """The waivers, exemptions and decisions recorded for the component's package in its product, newest first."""
    return list(db.session.scalars(select(ComponentWaiver).where(
        ComponentWaiver.product_id == component.release.product_id,
        ComponentWaiver.package_key == package_key(component.ecosystem, component.name))
        .order_by(ComponentWaiver.id.desc()).limit(50)))


def applying_waivers(release: Release, component_ids: Iterable[int]) -> dict[int, list[ComponentWaiver]]:
    """The waivers, exemptions and decisions that hold for these components (for the page and the document)."""
    ids = list(component_ids)
    if not ids:
        return {}
    waivers = _waivers(release.product_id)
    found: dict[int, list[ComponentWaiver]] = {}
    for part in chunks(ids):
        for row in db.session.execute(select(Component.id, Component.ecosystem, Component.name,
                                             Component.licence_expression).where(Component.id.in_(part))):
            key = package_key(row.ecosystem, row.name)
            held = [_latest(waivers.get((WaiverKind.LICENCE_WAIVER, key), []), row.licence_expression),
                    _latest(waivers.get((WaiverKind.LICENCE_DECISION, key), []), row.licence_expression),
                    _latest(waivers.get((WaiverKind.SUPPLIER_EXEMPTION, key), []))]
            present = [waiver for waiver in held if waiver is not None]
            if present:
                found[row.id] = present
    return found

