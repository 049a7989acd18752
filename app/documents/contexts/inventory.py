"""Contexts of the SOUP list of a release (source id: release id) and of a release diff
(source id: the newer release id, compared with its previous release, or 'old_id:new_id')."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.documents.contexts.base import Source, checked_rows, record_signatures, signature_rows, source_record, text
from app.extensions import db
from app.inventory import gates
from app.inventory import services as inventory
from app.inventory.advisories.models import Advisory, AdvisoryMatch
from app.inventory.anomalies.models import AnomalyReview
from app.inventory.anomalies.services import version_key
from app.inventory.diff import Change, DiffItem
from app.inventory.ecosystems import ecosystem_name
from app.inventory.models import Component, Release, ReleaseStatus, TransitiveRule
from app.labels import label
from app.signatures.models import Meaning


def _release(release_id: str) -> Release:
    return source_record(Release, release_id, "release")


def _latest_reviews(components: list[Component]) -> dict[tuple[str, str, str], AnomalyReview]:
    """The newest anomaly review of each exact component version, in one query."""
    keys = {version_key(component) for component in components}
    packages = {key[1] for key in keys}
    latest: dict[tuple[str, str, str], AnomalyReview] = {}
    if not packages:
        return latest
    query = select(AnomalyReview).where(AnomalyReview.package.in_(packages)).order_by(AnomalyReview.reviewed_at)
    for review in db.session.scalars(query):
        key = (review.ecosystem, review.package, review.version)
        if key in keys:
            latest[key] = review
    return latest


def dependency_label(direct: bool | None) -> str:
    """Direct, Transitive, or nothing when the import could not tell."""
    return "" if direct is None else ("Direct" if direct else "Transitive")


def direct_label(direct: bool | None) -> str:
    """The SOUP list's "direct" column: yes, no, or unknown when the file does not say (tested as a value, never by
    its truth: a transitive component is False, an unknown one None)."""
    if direct is None:
        return "unknown"
    return "yes" if direct is True else "no"


def _vex(release: Release) -> dict[int, list[str]]:
    """Each component's advisories with their VEX state (and justification or note), in one query."""
    found: dict[int, list[str]] = {}
    for component_id, osv_id, state, justification, note in db.session.execute(
        select(AdvisoryMatch.component_id, Advisory.osv_id, AdvisoryMatch.state, AdvisoryMatch.justification,
               AdvisoryMatch.note)
        .join(Advisory, Advisory.id == AdvisoryMatch.advisory_id)
        .where(AdvisoryMatch.release_id == release.id).order_by(AdvisoryMatch.component_id, Advisory.osv_id)
    ):
        why = label(justification) if justification else note
        found.setdefault(component_id, []).append(f"{osv_id}: {label(state)}{f' ({why})' if why else ''}")
    return found


def _record(release: Release) -> str:
    return f"SOUP list of {release.product.name} {release.version}"


@dataclass(frozen=True)
class SoupListSignatures:
    """The signatures of a release's SOUP list as a document prints them: the rows of its signatures table, each
    checked against the SOUP list now, and, for a heading, who signed it as authored and as approved."""

    rows: list[dict[str, str]]
    by_meaning: dict[str, dict[str, str]]

    def heading(self, meaning: str) -> tuple[str, str, str]:
        """(name, time, note) of the latest signature of that meaning, the note as the signatures table prints it
        beside that signature ("Content changed since signing: ..."); empty when nobody signed so."""
        row = self.by_meaning.get(meaning)
        return (row["printed_name"], row["when"], row["content_note"]) if row else ("", "", "")


def soup_list_signatures(release: Release) -> SoupListSignatures:
    """The release's signatures, checked once against its SOUP list (the sign target reads every component): the
    table's rows and the latest authored and approved signature with the same note as their row."""
    signed = record_signatures("release", release.id)
    rows = checked_rows(inventory.sign_target(release) if signed else None, signed, _record(release))
    note = {signature.id: row["content_note"] for signature, row in zip(signed, rows, strict=True)}
    by_meaning = {
        meaning: {"printed_name": signature.printed_name, "when": text(signature.signed_at),
                  "content_note": note.get(signature.id, "")}
        for meaning, signature in inventory.release_signatures(release).items() if signature is not None
    }
    return SoupListSignatures(rows, by_meaning)


# A heading's note repeats what the hashed signatures say (their content notes): left out of the content hash, it
# makes no new revision of its own, nor does its arrival in a document generated before headings had notes.
HEADING_NOTES = frozenset({"prepared_note", "approved_note"})


def _release_source(release: Release, variables: dict[str, Any], *, title: str, number_prefix: str,
                    signed: SoupListSignatures | None = None) -> Source:
    """A document of one release: numbered PREFIX-<product>-<release>, approved once the release is frozen, with the
    signatures of its SOUP list (`signed` when they were checked already)."""
    return Source(
        variables=variables, source_type="release", source_id=str(release.id), version=release.row_version,
        approved=release.status == ReleaseStatus.FROZEN, title=title, number_prefix=number_prefix,
        number_key=f"{release.product.name}-{release.version}",
        signatures=signed.rows if signed is not None else signature_rows(
            "release", release.id, record=_record(release), target=lambda: inventory.sign_target(release)),
        volatile=HEADING_NOTES,
    )


def soup_list(source_id: str) -> Source:
    """Every component of the release with the IEC 62304 identification and the assessment fields."""
    release = _release(source_id)
    components = list(
        db.session.scalars(
            select(Component).where(Component.release_id == release.id)
            .options(selectinload(Component.supplier), selectinload(Component.software_item))
            .order_by(Component.ecosystem, Component.name, Component.version)
        )
    )
    reviews = _latest_reviews(components)
    vex = _vex(release)
    waivers = gates.applying_waivers(release, [component.id for component in components])
    covering = release.product.transitive_rule != TransitiveRule.ALL
    rows: list[dict[str, Any]] = []
    for component in components:
        review = reviews.get(version_key(component))
        manufacturer = component.manufacturer or (component.supplier.name if component.supplier else "")
        held = waivers.get(component.id, [])
        rows.append(
            {
                "name": component.name,
                "manufacturer": manufacturer,
                "version": component.version,
                "purl": component.purl,
                "ecosystem": ecosystem_name(component.ecosystem),
                "classification": label(component.classification),
                "safety_class": component.safety_class,
                "licence": component.licence_expression,
                "licence_verdict": label(component.licence_verdict),
                "requirements": component.requirements,
                "hardware_software": component.hw_sw_needed,
                "hazards": component.hazard_refs,
                "anomaly_review_date": text(review.reviewed_at.date()) if review else "",
                "anomaly_review_conclusion": label(review.conclusion) if review else "",
                "status": label(component.status),
                "direct": direct_label(component.direct),
                "type": label(component.component_type),
                "cpe": component.cpe,
                "software_item": component.software_item.name if component.software_item else "",
                "class_rationale": component.class_rationale,
                "covered_by": gates.parent_label(component.parents[0])
                if covering and component.direct is False and component.parents else "",
                "advisories": "; ".join(vex.get(component.id, [])),
                "waivers": "; ".join(
                    f"{label(w.kind)}{f' ({label(w.decision)})' if w.decision else ''}: {w.reason} "
                    f"({'signed by ' if w.signature_id else ''}{w.recorded_by_name}, {text(w.recorded_at.date())})"
                    for w in held),
            }
        )
    signed = soup_list_signatures(release)
    prepared_by, prepared_at, prepared_note = signed.heading(Meaning.AUTHORED)
    approved_by, approved_at, approved_note = signed.heading(Meaning.APPROVED)
    variables = {
        "product_name": release.product.name,
        "product_safety_class": release.product.safety_class,
        "release_version": release.version,
        "release_status": label(release.status),
        "transitive_rule": "Direct dependencies are documented; transitive ones are covered by their direct parent"
        if covering else "Every component is documented",
        "prepared_by": prepared_by, "prepared_at": prepared_at, "prepared_note": prepared_note,
        "approved_by": approved_by, "approved_at": approved_at, "approved_note": approved_note,
        "components": rows,
    }
    return _release_source(release, variables, title="SOUP list", number_prefix="SOUP", signed=signed)


def third_party_notices(source_id: str) -> Source:
    """The release's shipped components grouped by licence, with the licence texts (app.inventory.notices)."""
    from app.inventory.notices import release_notices

    release = _release(source_id)
    notices = release_notices(release)
    signed = soup_list_signatures(release)
    approved_by, approved_at, approved_note = signed.heading(Meaning.APPROVED)
    variables = {
        "product_name": release.product.name,
        "release_version": release.version,
        "release_status": label(release.status),
        "component_count": notices.components,
        "left_out_dev": notices.left_out_dev,
        "approved_by": approved_by, "approved_at": approved_at, "approved_note": approved_note,
        "licences": [{"licence": group.licence, "count": len(group.items),
                      "names": ", ".join(f"{item.name} {item.version}".strip() for item in group.items)}
                     for group in notices.groups],
        "components": [{"name": item.name, "version": item.version, "licence": group.licence, "author": item.author,
                        "where": item.purl or item.homepage} for group in notices.groups for item in group.items],
        "licence_texts": [{"licence_id": entry.licence_id, "name": entry.name,
                           "text": entry.text or f"The text of {entry.licence_id} is at {entry.url}"}
                          for entry in notices.texts],
    }
    return _release_source(release, variables, title="Third-party software notices", number_prefix="NOTICE",
                           signed=signed)


def traceability_matrix(source_id: str) -> Source:
    """The release's traceability matrix: requirements and risk controls, their tests in the latest run, verdicts."""
    from app.inventory.traceability.matrix import KIND_LABELS, VERDICT_LABELS
    from app.inventory.traceability.tracing import release_matrix

    release = _release(source_id)
    found = release_matrix(release)
    counts = found.counts()
    rows = []
    for row in found.rows:
        cells = row.cells()
        rows.append({"kind": KIND_LABELS[row.item.kind], "identifier": row.item.identifier, "text": row.item.text,
                     "hazards": cells[3], "components": "\n".join(row.item.components),
                     "safety_class": row.item.safety_class, "tests": cells[6], "results": cells[7],
                     "verdict": VERDICT_LABELS[row.verdict]})
    variables = {
        "product_name": release.product.name, "release_version": release.version,
        "release_status": label(release.status), "run": found.run_label or "No test results imported",
        "summary": (f"{counts['items']} items: {counts['verified']} verified, {counts['other_means']} verified by "
                    f"other means, {counts['failing']} failing, {counts['untested']} without a test; "
                    f"{counts['unlinked_tests']} test(s) name nothing"),
        "rows": rows,
        "unlinked_tests": [{"name": test.label, "outcome": test.outcome} for test in found.unlinked],
    }
    return _release_source(release, variables, title="Traceability matrix", number_prefix="TRACE")


def release_diff(source_id: str) -> Source:
    """Added, removed, upgraded, downgraded and licence-changed components between two releases (source id: the
    newer release, compared with its previous release as on the release's page, or 'old_id:new_id')."""
    old_id, _, new_id = source_id.partition(":")
    old: Release | None
    if new_id:
        old, new = _release(old_id), _release(new_id)
    else:
        # The baseline the release page compares with: its previous release (none for a product's first release,
        # whose every component is added), never another release that happens to exist, maybe a later one.
        new = _release(old_id)
        old = new.previous_release
    result = inventory.release_diff(old, new)
    # The components on each side, by (ecosystem, name, version): purl, dependency, manufacturer, assessment.
    sides: dict[int, dict[tuple[str, str, str], Component]] = {}
    for release in (r for r in (old, new) if r is not None):
        sides[release.id] = {
            (c.ecosystem, c.name, c.version): c
            for c in db.session.scalars(
                select(Component).where(Component.release_id == release.id)
                .options(selectinload(Component.supplier))
            )
        }
    assessors = {
        user.id: user.full_name
        for user in db.session.scalars(select(User).where(User.id.in_(
            {c.assessed_by_id for c in sides.get(new.id, {}).values() if c.assessed_by_id}
        )))
    }

    def component(release: Release | None, change: Change, item: DiffItem | None) -> Component | None:
        if release is None or item is None:
            return None
        return sides[release.id].get((change.ecosystem, change.name, item.version))

    def assessment(change: Change) -> dict[str, str]:
        found = component(new, change, change.new)
        if found is None or not found.assessed:
            return {"assessment": "", "assessed_by": ""}
        when = f", {text(found.assessed_at.date())}" if found.assessed_at else ""
        return {"assessment": found.assessment_note,
                "assessed_by": assessors.get(found.assessed_by_id or 0, "") + when}

    def entry(change: Change, item: DiffItem | None, release: Release | None) -> dict[str, Any]:
        if item is None:
            raise ValueError(f"The {change.kind} change of {change.name} has no component.")
        found = component(release, change, item)
        manufacturer = ""
        if found is not None:
            manufacturer = found.manufacturer or (found.supplier.name if found.supplier else "")
        return {
            "name": change.name, "version": item.version, "manufacturer": manufacturer,
            "licence": item.licence_expression, "purl": found.purl if found else "",
            "direct": dependency_label(found.direct) if found else "", **assessment(change),
        }

    def moved(change: Change) -> dict[str, Any]:
        before, after = change.both()
        return {"name": change.name, "from_version": before.version, "to_version": after.version,
                "licence": after.licence_expression, **assessment(change)}

    def relicensed(change: Change) -> dict[str, Any]:
        before, after = change.both()
        return {"name": change.name, "version": after.version, "from_licence": before.licence_expression,
                "to_licence": after.licence_expression, **assessment(change)}

    variables = {
        "product_name": new.product.name,
        "from_version": old.version if old else "(none)",
        "to_version": new.version,
        "added": [entry(c, c.new, new) for c in result.of("added")],
        "removed": [entry(c, c.old, old) for c in result.of("removed")],
        "upgraded": [moved(c) for c in result.of("upgraded")],
        "downgraded": [moved(c) for c in result.of("downgraded")],
        "licence_changed": [relicensed(c) for c in result.of("licence_changed")],
    }
    return Source(
        variables=variables, source_type="release_diff",
        source_id=f"{old.id}:{new.id}" if old else str(new.id), version=new.row_version,
        approved=new.status == ReleaseStatus.FROZEN, title="SOUP changes between releases", number_prefix="DIFF",
        number_key=f"{new.product.name}-{old.version if old else 'none'}-{new.version}",
        signatures=signature_rows("release", new.id, record=f"SOUP list of {new.product.name} {new.version}",
                                  target=lambda: inventory.sign_target(new)),
    )
