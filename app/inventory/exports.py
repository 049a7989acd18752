"""Exports of a release's SOUP/OTSS inventory: a CycloneDX 1.6 BOM and the IEC 62304 identification table.

Pure: plain values in, a JSON string or rows of strings out. The web layer writes the rows with
csv or openpyxl and serves the JSON.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from cyclonedx.contrib.license.factories import LicenseFactory
from cyclonedx.model import Property
from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.component import Component, ComponentScope, ComponentType
from cyclonedx.model.contact import OrganizationalEntity
from cyclonedx.model.dependency import Dependency
from cyclonedx.output import make_outputter
from cyclonedx.schema import OutputFormat, SchemaVersion
from packageurl import PackageURL

from app.labels import label
from app.spreadsheets import safe_cell

# Our own fields travel as CycloneDX properties under one namespace, so other tools can ignore them.
PROPERTY_PREFIX = "provenance:"

# CycloneDX scopes: "excluded" is what the spec offers for components not used at run time (dev/test).
_SCOPES = {"runtime": ComponentScope.REQUIRED, "optional": ComponentScope.OPTIONAL, "dev": ComponentScope.EXCLUDED}

CSV_HEADER: tuple[str, ...] = (
    "Title",
    "Manufacturer",
    "Version",
    "Package URL",
    "Licence",
    "Classification",
    "Safety class",
    "Direct",
    "Scope",
    "Status",
    "Requirements",
    "Hazard references",
    "Last anomaly review",
)


@dataclass(frozen=True)
class ExportComponent:
    """One component of a release as the exports need it."""

    name: str
    version: str
    ecosystem: str = ""  # purl type
    purl: str = ""
    component_type: str = "library"  # app.inventory.models.ComponentType: CycloneDX's names, and "service"
    licence_expression: str = ""  # SPDX expression, "" when none is declared
    supplier: str = ""  # the manufacturer in IEC 62304 terms
    direct: bool | None = None  # None when the source did not tell
    parents: tuple[str, ...] = ()  # purls (or names) of the components that pull this one in
    scope: str = "runtime"  # runtime | dev | optional
    classification: str = ""  # SOUP | OTSS | infrastructure
    safety_class: str = ""  # A | B | C
    status: str = ""  # proposed | evaluated | approved | in_use | deprecated | removed
    requirements: str = ""  # functional and performance requirements (62304 5.3.3)
    hazards: tuple[str, ...] = ()  # hazard references (62304 7.1.2)
    last_anomaly_review: str = ""  # ISO date of the last anomaly review of this version (62304 7.1.3)


def cyclonedx_json(
    product_name: str,
    release_version: str,
    components: Sequence[ExportComponent],
    *,
    timestamp: dt.datetime | None = None,
    serial_number: UUID | None = None,
) -> str:
    """A CycloneDX 1.6 JSON BOM of the release: components, licences, our fields as properties, the graph."""
    root = Component(
        type=ComponentType.APPLICATION,
        name=product_name,
        version=release_version or None,
        bom_ref=f"{PROPERTY_PREFIX}{product_name}@{release_version}",
    )
    built = _components(components)
    # Components and edges go in at construction: the lib's add()/register_dependency() are
    # linear searches, quadratic for a release of a thousand components.
    bom = Bom(
        metadata=BomMetaData(component=root, timestamp=timestamp or dt.datetime.now(dt.UTC)),
        serial_number=serial_number,  # None: the library draws a fresh urn:uuid
        components=[component for _, component in built],
        dependencies=_dependencies(root, built),
    )
    outputter = make_outputter(bom, OutputFormat.JSON, SchemaVersion.V1_6)
    return outputter.output_as_string(indent=2)


def _components(components: Sequence[ExportComponent]) -> list[tuple[ExportComponent, Component]]:
    factory = LicenseFactory()
    used_refs: set[str] = set()
    built = []
    for item in components:
        ref = _unique_ref(item.purl or f"{item.ecosystem or 'generic'}:{item.name}@{item.version}", used_refs)
        licence = item.licence_expression.strip()
        component = Component(
            type=cyclonedx_type(item.component_type),
            name=item.name,
            version=item.version or None,
            bom_ref=ref,
            purl=_purl(item.purl),
            # The lib's factory gives an SPDX id, a compound expression, or (unknown ids) a name.
            licenses=[factory.make_from_string(licence)] if licence else None,
            supplier=OrganizationalEntity(name=item.supplier) if item.supplier else None,
            scope=_SCOPES.get(item.scope),
            properties=_properties(item),
        )
        built.append((item, component))
    return built


def cyclonedx_type(component_type: str) -> ComponentType:
    """A component's type as CycloneDX writes it: ours are CycloneDX's names; a service (which CycloneDX lists
    apart from components, without a version of ours to pin) is written as an application, with the property
    `component_type` saying it is a service; anything else unknown as a library."""
    if component_type == "service":
        return ComponentType.APPLICATION
    try:
        return ComponentType(component_type)
    except ValueError:
        return ComponentType.LIBRARY


def _unique_ref(ref: str, used: set[str]) -> str:
    # bom-refs must be unique; one purl can appear twice (e.g. pulled in at two places of a lock file).
    candidate, counter = ref, 1
    while candidate in used:
        counter += 1
        candidate = f"{ref}#{counter}"
    used.add(candidate)
    return candidate


def _purl(text: str) -> PackageURL | None:
    if not text:
        return None
    try:
        return PackageURL.from_string(text)
    except ValueError:
        return None  # an unreadable purl is left out rather than making the whole BOM invalid


def _properties(item: ExportComponent) -> list[Property]:
    values = [
        ("component_type", "service" if item.component_type == "service" else ""),
        ("classification", item.classification),
        ("safety_class", item.safety_class),
        ("status", item.status),
        ("scope", item.scope),
        ("direct", "" if item.direct is None else str(item.direct).lower()),
        ("requirements", item.requirements),
        ("last_anomaly_review", item.last_anomaly_review),
    ]
    values.extend(("hazard", hazard) for hazard in item.hazards)
    return [Property(name=f"{PROPERTY_PREFIX}{name}", value=value) for name, value in values if value]


def _dependencies(root: Component, built: Sequence[tuple[ExportComponent, Component]]) -> list[Dependency]:
    """Parents become dependency edges; direct components (or those without parents) hang off the product."""
    lookup: dict[str, Component] = {}
    for item, component in built:
        # Parents are named by purl when the source had one, else by name or name@version.
        for alias in (item.purl, f"{item.name}@{item.version}", item.name):
            if alias:
                lookup.setdefault(alias, component)
    children: dict[int, list[Component]] = {}
    top: list[Component] = []
    for item, component in built:
        parents = [lookup[parent] for parent in item.parents if parent in lookup]
        if item.direct or not parents:
            top.append(component)
        for parent in parents:
            if parent is not component:
                children.setdefault(id(parent), []).append(component)
    edges = [_dependency(root, top)]
    edges.extend(_dependency(component, children.get(id(component), [])) for _, component in built)
    return edges


def _dependency(component: Component, depends_on: Sequence[Component]) -> Dependency:
    return Dependency(ref=component.bom_ref, dependencies=[Dependency(ref=child.bom_ref) for child in depends_on])


def csv_rows(components: Sequence[ExportComponent]) -> list[list[str]]:
    """The IEC 62304 SOUP identification table (title, manufacturer, version, ...), header row first."""
    rows = [list(CSV_HEADER)]
    for item in components:
        direct = "" if item.direct is None else ("Yes" if item.direct else "No")
        row = [
            item.name,
            item.supplier,
            item.version,
            item.purl,
            item.licence_expression,
            label(item.classification),
            item.safety_class,
            direct,
            label(item.scope),
            label(item.status),
            item.requirements,
            "; ".join(item.hazards),
            item.last_anomaly_review,
        ]
        rows.append([_cell(value) for value in row])
    return rows


def _cell(value: str) -> str:
    # Names come from uploaded files: a leading quote keeps "=HYPERLINK(...)" text in Excel and openpyxl.
    return str(safe_cell(value))
