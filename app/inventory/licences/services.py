"""The licence policy as stored (per-id and per-category overrides of the defaults) and its verdicts on releases.

Edits are audited field by field (LicencePolicyEntry is Audited) and re-apply the policy to every draft
release; frozen releases keep the verdicts they were frozen with. Services flush; the view commits.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func, select, update

from app.audit import services as audit
from app.auth.models import User
from app.errors import Conflict, NotFound, PermissionDenied, StaleEdit, ValidationFailed, one_of
from app.extensions import db
from app.inventory import summary
from app.inventory.licences import policy as licence_policy
from app.inventory.licences.models import LicencePolicyEntry
from app.inventory.licences.policies import can_edit_licence_policy
from app.inventory.licences.policy import DEFAULT_POLICY, Category, LicenceVerdict, Verdict
from app.inventory.models import Component, LicenceState, Release, ReleaseStatus

CATEGORY_LABELS: Mapping[Category, str] = {
    Category.PERMISSIVE: "Permissive (MIT, BSD, Apache-2.0, ...)",
    Category.WEAK_COPYLEFT: "Weak copyleft (LGPL, MPL, EPL, ...)",
    Category.STRONG_COPYLEFT: "Strong copyleft (GPL, AGPL, EUPL, ...)",
    Category.OTHER: "Other SPDX licences",
    Category.UNKNOWN: "Unknown (not an SPDX id)",
    Category.NO_LICENCE: "No licence declared",
    Category.NOT_LOOKED_UP: "Not looked up yet (no licence in the imported file)",
}


@dataclass(frozen=True)
class Policy:
    """The effective policy: category verdicts (defaults overridden) and per-id entries."""

    categories: dict[Category, Verdict]
    ids: dict[str, Verdict]

    def verdict(self, expression: str, unknown_ids: list[str] | tuple[str, ...] = (), *, looked_up: bool = True,
                ) -> LicenceVerdict:
        """The verdict on one licence expression under this policy."""
        return licence_policy.verdict(expression, unknown_ids, policy=self.ids, category_defaults=self.categories,
                                      looked_up=looked_up)


def entries() -> list[LicencePolicyEntry]:
    """Every stored override, categories first then ids alphabetically."""
    category_names = {item.value for item in Category}
    stored = list(db.session.scalars(select(LicencePolicyEntry)))
    return sorted(stored, key=lambda entry: (entry.key not in category_names, entry.key.lower()))


def current_policy() -> Policy:
    """The defaults with the stored overrides applied (one query)."""
    categories = dict(DEFAULT_POLICY)
    ids: dict[str, Verdict] = {}
    for entry in db.session.scalars(select(LicencePolicyEntry)):
        try:
            categories[Category(entry.key)] = Verdict(entry.verdict)
        except ValueError:
            ids[entry.key] = Verdict(entry.verdict)
    return Policy(categories, ids)


def normalise_key(key: str) -> str:
    """A category name, an SPDX id in the list's spelling (deprecated aliases resolved), or a LicenseRef-...; else an error."""
    text = " ".join(key.split())
    if not text:
        raise ValidationFailed("Give an SPDX licence id (e.g. GPL-3.0-only) or a category.")
    if text.lower() in {item.value for item in Category}:
        return text.lower()
    if text.lower().startswith("licenseref-"):
        if len(text) > 200 or not all(ch.isalnum() or ch in "-." for ch in text):
            raise ValidationFailed(f"{text!r} is not a valid LicenseRef- identifier.")
        return text
    canonical = licence_policy.canonical_id(text)
    parts = [part.strip() for part in canonical.split(" WITH ")]
    if not licence_policy.is_spdx_id(parts[0]) or len(parts) > 2:
        raise ValidationFailed(
            f"{text!r} is not an SPDX licence id. Use the id from spdx.org/licenses, a LicenseRef-..., or a category."
        )
    return canonical


def save_entry(key: str, verdict: str, note: str, *, by: User, version: int | None = None) -> LicencePolicyEntry:
    """Add or change the verdict for one id or category; a note saying why is required. Re-applies to draft releases."""
    if not can_edit_licence_policy(by):
        raise PermissionDenied("Only QA and admins may change the licence policy.")
    normalised = normalise_key(key)
    outcome = one_of(Verdict, verdict, f"Unknown verdict {verdict!r}: choose allow, review or deny.")
    note = note.strip()
    if not note:
        raise ValidationFailed("Say why in the note: the policy is a controlled record.")
    entry = db.session.scalar(select(LicencePolicyEntry).where(func.lower(LicencePolicyEntry.key) == normalised.lower()))
    if entry is None:
        entry = LicencePolicyEntry(key=normalised, verdict=outcome.value, note=note)
        db.session.add(entry)
    else:
        if version is not None and entry.version != version:
            raise StaleEdit()
        entry.verdict = outcome.value
        entry.note = note
    db.session.flush()
    audit.record("licence_policy.changed", entry, key=entry.key, verdict=entry.verdict)
    reapply_to_drafts()
    return entry


def remove_entry(entry_id: int, *, by: User, reason: str) -> str:
    """Remove an override (the default applies again); the reason goes into the audit trail. Returns the key."""
    if not can_edit_licence_policy(by):
        raise PermissionDenied("Only QA and admins may change the licence policy.")
    entry = db.session.get(LicencePolicyEntry, entry_id)
    if entry is None:
        raise NotFound("This policy entry does not exist (any more).")
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("Say why the entry is removed.")
    key = entry.key
    audit.record("licence_policy.removed", entry, reason=reason, key=key, verdict=entry.verdict)
    db.session.delete(entry)
    db.session.flush()
    reapply_to_drafts()
    return key


def apply_licence_policy(release: Release, policy: Policy | None = None) -> dict[str, int]:
    """Store every component's verdict in Component.licence_verdict in one bulk UPDATE; frozen releases refuse.

    Returns the counts per verdict. Two statements whatever the number of components.
    """
    if release.status == ReleaseStatus.FROZEN:
        raise Conflict(f"Release {release.version} is frozen: its licence verdicts are part of the signed record.")
    policy = policy or current_policy()
    table = Component.__table__
    rows = db.session.execute(
        select(table.c.id, table.c.licence_expression, table.c.unknown_licences, table.c.licence_verdict,
               table.c.licence_state).where(table.c.release_id == release.id)
    ).all()
    counts: Counter[str] = Counter()
    changes = []
    for row in rows:
        outcome = policy.verdict(row.licence_expression or "", tuple(row.unknown_licences or ()),
                                 looked_up=row.licence_state != LicenceState.NOT_LOOKED_UP).verdict.value
        counts[outcome] += 1
        if outcome != row.licence_verdict:
            changes.append({"_id": row.id, "_verdict": outcome})
    if changes:
        statement = update(table).where(table.c.id == bindparam("_id")).values(licence_verdict=bindparam("_verdict"))
        db.session.execute(statement, changes)
        # The session may hold these components: make it read the new verdicts.
        for component in list(db.session.identity_map.values()):
            if isinstance(component, Component) and component.release_id == release.id:
                db.session.expire(component, ["licence_verdict"])
        summary.refresh([release.id], advisories=False)
    return {verdict.value: counts.get(verdict.value, 0) for verdict in Verdict}


def reapply_to_drafts() -> int:
    """Apply the current policy to every draft release; returns how many releases were updated."""
    policy = current_policy()
    releases = list(db.session.scalars(select(Release).where(Release.status == ReleaseStatus.DRAFT.value)))
    for release in releases:
        apply_licence_policy(release, policy)
    return len(releases)


def component_verdict(component: Component, policy: Policy | None = None) -> LicenceVerdict:
    """The verdict with its reasons for one component (for the component page)."""
    return (policy or current_policy()).verdict(component.licence_expression or "", tuple(component.unknown_licences or ()),
                                                looked_up=component.licence_state != LicenceState.NOT_LOOKED_UP)


def licence_summary(release: Release) -> dict[str, Any]:
    """Counts per verdict (and not yet evaluated), and the licences behind review and deny (the most used; in all
    `flagged_total`), for the release page: from the release's stored summary."""
    return summary.summary_of(release.id).licences()
