""""Look up licences": the worker asks the package registries about a release's PyPI and npm packages and fills the
licences the imported file did not give, marked with their source and date; then the licence policy runs again.
The same answers give each version's currency (releases and days behind, yanked, deprecated: app.inventory.obsolescence).

A licence declared in the imported file or typed by a person is kept. A package the registry does not know, or a
look-up that failed, leaves the component "not looked up" (review), with the reason; a package that declares no
licence becomes "no licence declared" (the no-licence rule). The job works in batches, each committed with the
progress counter, so a job resumed after a crash asks only for what is left, and adds no evidence twice.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask import Flask, current_app, url_for
from sqlalchemy import func, select

from app.auth.models import User
from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.extensions import db
from app.formatting import format_date
from app.inventory import policies
from app.inventory.licences import services as licence_services
from app.inventory.licences.expressions import normalise_licence
from app.inventory.models import Component, LicenceState, Release
from app.inventory.obsolescence import services as obsolescence
from app.jobs import services as jobs
from app.jobs.models import Job
from app.sources import packages as registry
from app.sources.models import LookupState, PackageMetadata
from app.sources.registries import normalise_name

KIND = "inventory.licence_lookup"
# States the registry may fill or correct; a licence from the file or typed by hand is kept.
FILLABLE = (LicenceState.NOT_LOOKED_UP, LicenceState.REGISTRY, LicenceState.NOT_DECLARED)


def subject(release: Release) -> str:
    return f"release:{release.id}"


def packages_of(release: Release) -> list[tuple[str, str]]:
    """The release's distinct (ecosystem, canonical name) packages that a registry can answer, sorted."""
    rows = db.session.execute(
        select(Component.ecosystem, Component.name).where(
            Component.release_id == release.id, Component.ecosystem.in_(tuple(registry.BASE_URL_SETTINGS)))
        .distinct())
    return sorted({(str(eco), normalise_name(str(eco), str(name))) for eco, name in rows})


def start_lookup(release: Release, *, by: User) -> Job:
    """Queue the look-up of a draft release's licences; the one already running is returned instead of a second."""
    if release.is_frozen:
        raise Conflict(f"Release {release.version} is frozen: its licences are part of the signed record.")
    if not policies.can_edit_release(by, release):
        raise PermissionDenied("You may not change this release.")
    if not packages_of(release):
        raise ValidationFailed("This release has no PyPI or npm components to look up.")
    job, _created = jobs.start(
        KIND, subject(release), title=f"Look up licences of {release.audit_label()}", by=by,
        params={"release_id": release.id},
        subject_url=url_for("inventory.releases_detail", release_id=release.id),
    )
    return job


def latest_job(release: Release) -> Job | None:
    return jobs.latest(KIND, subject(release))


def run_lookup(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    """The job: look up every package in batches, fill the components, apply the licence policy."""
    release = db.session.get(Release, int(job.params["release_id"]))
    if release is None:
        raise NotFound("The release no longer exists.")
    if release.is_frozen:
        raise Conflict(f"Release {release.version} was frozen before its licences were looked up.")
    packages = job.params.get("packages")
    if packages is None:
        packages = [list(item) for item in packages_of(release)]
        job.params = {**job.params, "packages": packages}
        progress.start(len(packages), f"Looking up {len(packages)} packages")
    size = max(1, int(current_app.config["LOOKUP_BATCH_SIZE"]))
    for start in range(progress.done, len(packages), size):
        batch = [(eco, name) for eco, name in packages[start:start + size]]
        found = registry.look_up(batch)
        fill_components(release, found)
        obsolescence.refresh(release, found)
        progress.advance(f"Looked up {min(start + size, len(packages))} of {len(packages)} packages", count=len(batch))
    verdicts = licence_services.apply_licence_policy(release)
    states = lookup_states(release)
    return {"packages": len(packages), **states, **{f"verdict {key}": value for key, value in verdicts.items()}}


def fill_components(release: Release, found: dict[tuple[str, str], PackageMetadata]) -> int:
    """Give the release's components of these packages the licence their registry declares; returns how many
    changed. Components whose licence came from the file or a person are left alone."""
    names = {name for _eco, name in found}
    components = db.session.scalars(
        select(Component).where(Component.release_id == release.id,
                                Component.ecosystem.in_({eco for eco, _name in found})))
    changed = 0
    for component in components:
        key = (component.ecosystem, normalise_name(component.ecosystem, component.name))
        if key[1] not in names or key not in found:
            continue
        if component.licence_state not in FILLABLE and not (
                component.licence_state == LicenceState.AS_GIVEN and not component.licence_expression):
            continue
        changed += _fill(component, found[key])
        if not component.repository_url and found[key].repository_url:
            component.repository_url = found[key].repository_url
    db.session.flush()
    return changed


def _fill(component: Component, meta: PackageMetadata) -> int:
    label = registry.SOURCE_LABELS[meta.ecosystem]
    if meta.found_at is None:  # never answered: say why, keep "not looked up"
        note = f"{label}: {meta.error or meta.state}"[:300]
        if component.licence_source == note and component.licence_state == LicenceState.NOT_LOOKED_UP:
            return 0
        component.licence_state, component.licence_source = LicenceState.NOT_LOOKED_UP, note
        return 1
    declared = meta.licence_for(component.version)
    when = format_date(meta.found_at)
    if declared:
        expression, unknown = normalise_licence(declared)
        field = (f"versions[{component.version}].license" if component.version in meta.licences_by_version
                 else meta.licence_field)
        version = component.version if component.version in meta.licences_by_version else meta.licence_version
        source = f"{label}, {field} of {version or 'the latest version'}, {when}"
        state = LicenceState.REGISTRY
    else:
        expression, unknown = "", ()
        source = f"{label}: no licence declared, {when}"
        state = LicenceState.NOT_DECLARED
    new = (expression, list(unknown), state.value, source[:300], meta.response_id)
    old = (component.licence_expression, list(component.unknown_licences or ()), component.licence_state,
           component.licence_source, component.licence_evidence_id)
    if new == old:
        return 0
    (component.licence_expression, component.unknown_licences, component.licence_state, component.licence_source,
     component.licence_evidence_id) = new
    component.licence_checked_at = meta.found_at
    return 1


def lookup_states(release: Release) -> dict[str, int]:
    """How the release's packages fared in their last look-up: found, not found, failed, offline."""
    return lookup_overview(release)[0]


def failed_lookups(release: Release, limit: int = 20) -> list[PackageMetadata]:
    """The release's packages whose last look-up did not find them, with the reason (for the release page)."""
    return lookup_overview(release, limit)[1]


def lookup_overview(release: Release, limit: int = 20) -> tuple[dict[str, int], list[PackageMetadata]]:
    """The look-up states of the release's packages and the first `limit` that were not found, from one read of
    its packages and their stored answers (it reads every package of the release: the page loads it after)."""
    keys = packages_of(release)
    stored = registry.stored(keys).values()
    counts: Counter[str] = Counter(meta.state for meta in stored)
    counts["not looked up"] = len(keys) - sum(counts.values())
    states = {state.value.replace("_", " "): counts.get(state.value, 0) for state in LookupState} | {
        "not looked up": counts["not looked up"]}
    failed = sorted((meta for meta in stored if meta.state != LookupState.FOUND), key=lambda meta: (meta.ecosystem, meta.name))
    return states, failed[:limit]


def package_of(component: Component) -> PackageMetadata | None:
    """The stored registry metadata of a component's package, if it was looked up."""
    if not registry.supported(component.ecosystem):
        return None
    return db.session.scalar(select(PackageMetadata).where(
        PackageMetadata.ecosystem == component.ecosystem,
        PackageMetadata.name == normalise_name(component.ecosystem, component.name)))


def components_waiting(release: Release) -> int:
    """Components whose licence nobody has looked up yet."""
    return int(db.session.scalar(select(func.count(Component.id)).where(
        Component.release_id == release.id, Component.licence_state == LicenceState.NOT_LOOKED_UP)) or 0)


def init_app(app: Flask) -> None:
    """Hand the worker the licence look-up job."""
    jobs.add_handler(app, KIND, "Look up licences", run_lookup)
