"""VEX documents of a frozen release: the triage of each advisory against each affected component, as CycloneDX
1.6 (vulnerabilities with their analysis, written by cyclonedx-python-lib) and as OpenVEX 0.2.0 statements.

Pure: the rows come in as plain data (VexStatement), the documents go out as JSON text.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.dependency import Dependency
from cyclonedx.model.impact_analysis import ImpactAnalysisJustification, ImpactAnalysisState
from cyclonedx.model.vulnerability import (
    BomTarget,
    Vulnerability,
    VulnerabilityAnalysis,
    VulnerabilityRating,
    VulnerabilityScoreSource,
    VulnerabilitySeverity,
    VulnerabilitySource,
)
from cyclonedx.output import make_outputter
from cyclonedx.schema import OutputFormat, SchemaVersion
from packageurl import PackageURL

from app import nesting

OPENVEX_CONTEXT = "https://openvex.dev/ns/v0.2.0"

# Our triage states (MatchState values) in CycloneDX analysis states and OpenVEX statuses.
CYCLONEDX_STATES = {"open": ImpactAnalysisState.IN_TRIAGE, "under_investigation": ImpactAnalysisState.IN_TRIAGE,
                    "not_affected": ImpactAnalysisState.NOT_AFFECTED, "affected": ImpactAnalysisState.EXPLOITABLE,
                    "fixed": ImpactAnalysisState.RESOLVED}
OPENVEX_STATUSES = {"open": "under_investigation", "under_investigation": "under_investigation",
                    "not_affected": "not_affected", "affected": "affected", "fixed": "fixed"}
# Justifications of "not affected", each kind in the other's terms (the CycloneDX and OpenVEX lists differ).
TO_OPENVEX = {
    "code_not_present": "vulnerable_code_not_present", "code_not_reachable": "vulnerable_code_not_in_execute_path",
    "requires_configuration": "vulnerable_code_cannot_be_controlled_by_adversary",
    "requires_dependency": "component_not_present",
    "requires_environment": "vulnerable_code_cannot_be_controlled_by_adversary",
    "protected_by_compiler": "inline_mitigations_already_exist", "protected_at_runtime": "inline_mitigations_already_exist",
    "protected_at_perimeter": "inline_mitigations_already_exist",
    "protected_by_mitigating_control": "inline_mitigations_already_exist",
}
TO_CYCLONEDX = {
    "component_not_present": "requires_dependency", "vulnerable_code_not_present": "code_not_present",
    "vulnerable_code_not_in_execute_path": "code_not_reachable",
    "vulnerable_code_cannot_be_controlled_by_adversary": "requires_environment",
    "inline_mitigations_already_exist": "protected_by_mitigating_control",
}
_SEVERITIES = {"low": VulnerabilitySeverity.LOW, "medium": VulnerabilitySeverity.MEDIUM,
               "high": VulnerabilitySeverity.HIGH, "critical": VulnerabilitySeverity.CRITICAL}


@dataclass(frozen=True)
class VexStatement:
    """One advisory against one component of the release, as triaged."""

    advisory_id: str
    aliases: tuple[str, ...]
    summary: str
    component_name: str
    component_version: str
    component_purl: str
    state: str  # MatchState value
    justification: str = ""  # a CycloneDX or OpenVEX justification, for not_affected
    note: str = ""  # the decision's note (the mitigation when affected)
    decided_at: dt.datetime | None = None
    severity_level: str = ""
    severity_score: float | None = None
    vector: str = ""


def newest_vector(severity: str) -> str:
    """The newest CVSS vector (v4, then v3, then v2) of an advisory's stored "; "-joined severity text, else ""."""
    pieces = [piece.strip() for piece in severity.split(";") if "/" in piece]
    for prefix in ("CVSS:4", "CVSS:3"):
        found = [piece for piece in pieces if piece.startswith(prefix)]
        if found:
            return found[0]
    return next((piece for piece in pieces if "Au:" in piece), "")


def _component_ref(statement: VexStatement) -> str:
    return statement.component_purl or f"{statement.component_name}@{statement.component_version}"


def cyclonedx_vex_json(product: str, release: str, statements: Sequence[VexStatement], *,
                       timestamp: dt.datetime | None = None, serial_number: UUID | None = None) -> str:
    """A CycloneDX 1.6 JSON VEX: the affected components, and each advisory with its analysis per component."""
    components: dict[str, Component] = {}
    for statement in statements:
        ref = _component_ref(statement)
        if ref not in components:
            purl = _purl(statement.component_purl)
            components[ref] = Component(type=ComponentType.LIBRARY, name=statement.component_name,
                                        version=statement.component_version or None, purl=purl, bom_ref=ref)
    vulnerabilities = []
    for statement in statements:
        justification = TO_CYCLONEDX.get(statement.justification, statement.justification)
        ratings = []
        if statement.severity_level in _SEVERITIES:
            ratings.append(VulnerabilityRating(
                score=Decimal(str(statement.severity_score)) if statement.severity_score is not None else None,
                severity=_SEVERITIES[statement.severity_level],
                method=_method(statement.vector), vector=statement.vector or None))
        vulnerabilities.append(Vulnerability(
            bom_ref=f"{statement.advisory_id}/{_component_ref(statement)}", id=statement.advisory_id,
            source=VulnerabilitySource(name="OSV", url=None), description=statement.summary or None,
            ratings=ratings,
            analysis=VulnerabilityAnalysis(
                state=CYCLONEDX_STATES[statement.state],
                justification=ImpactAnalysisJustification(justification) if statement.state == "not_affected"
                and justification in {j.value for j in ImpactAnalysisJustification} else None,
                detail=statement.note or None, last_updated=statement.decided_at),
            affects=[BomTarget(ref=_component_ref(statement))],
        ))
    root = Component(type=ComponentType.APPLICATION, name=product, version=release or None,
                     bom_ref=f"provenance:{product}@{release}")
    listed = list(components.values())
    # The release ships the affected components: its graph names them (the full graph is in the SOUP list's SBOM).
    graph = [Dependency(ref=root.bom_ref, dependencies=[Dependency(ref=c.bom_ref) for c in listed]),
             *(Dependency(ref=c.bom_ref) for c in listed)]
    bom = Bom(metadata=BomMetaData(component=root, timestamp=timestamp or dt.datetime.now(dt.UTC)),
              serial_number=serial_number, components=listed, dependencies=graph, vulnerabilities=vulnerabilities)
    return make_outputter(bom, OutputFormat.JSON, SchemaVersion.V1_6).output_as_string(indent=2)


def openvex_json(product: str, release: str, statements: Sequence[VexStatement], *, author: str,
                 timestamp: dt.datetime | None = None, document_id: str | None = None) -> str:
    """An OpenVEX 0.2.0 document: one statement per advisory and component, the product as the release."""
    when = (timestamp or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    product_id = f"provenance:{product}@{release}"
    out = []
    for statement in statements:
        status = OPENVEX_STATUSES[statement.state]
        entry: dict[str, object] = {
            "vulnerability": {"name": statement.advisory_id, **({"aliases": list(statement.aliases)}
                                                                if statement.aliases else {})},
            "products": [{"@id": product_id, "subcomponents": [{"@id": _component_ref(statement)}]}],
            "status": status,
        }
        if statement.decided_at is not None:
            entry["timestamp"] = statement.decided_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        if status == "not_affected":
            justification = TO_OPENVEX.get(statement.justification, statement.justification)
            entry["justification"] = justification
            if statement.note:
                entry["impact_statement"] = statement.note
        elif status == "affected":
            entry["action_statement"] = statement.note or "Under review by the manufacturer."
        elif statement.note:
            entry["status_notes"] = statement.note
        out.append(entry)
    return json.dumps({
        "@context": OPENVEX_CONTEXT, "@id": document_id or f"urn:uuid:{uuid4()}", "author": author,
        "timestamp": when, "version": 1, "statements": out,
    }, indent=2)


def _purl(text: str) -> PackageURL | None:
    try:
        return PackageURL.from_string(text) if text else None
    except ValueError:
        return None


def _method(vector: str) -> VulnerabilityScoreSource | None:
    if vector.startswith("CVSS:4"):
        return VulnerabilityScoreSource.CVSS_V4
    if vector.startswith("CVSS:3.1"):
        return VulnerabilityScoreSource.CVSS_V3_1
    if vector.startswith("CVSS:3"):
        return VulnerabilityScoreSource.CVSS_V3
    if "Au:" in vector:
        return VulnerabilityScoreSource.CVSS_V2
    return VulnerabilityScoreSource.OTHER if vector else None


# --- Reading a VEX back --------------------------------------------------------------------------

FROM_CYCLONEDX = {"in_triage": "under_investigation", "not_affected": "not_affected", "false_positive": "not_affected",
                  "exploitable": "affected", "resolved": "fixed", "resolved_with_pedigree": "fixed"}
OPENVEX_STATES = frozenset(OPENVEX_STATUSES.values())


class VexError(ValueError):
    """The file is not a CycloneDX or OpenVEX document this reader understands; the message says why."""


@dataclass(frozen=True)
class VexDecision:
    """One statement of a VEX read back: the advisory, the component (purl or name@version) and the triage."""

    advisory_id: str
    component_ref: str
    state: str  # MatchState value
    justification: str = ""
    note: str = ""


def read_vex(content: bytes) -> list[VexDecision]:
    """The decisions of a CycloneDX (1.4 or later) or OpenVEX document, in our triage terms."""
    try:
        document = nesting.load_json(content)
    except (ValueError, UnicodeDecodeError) as error:  # JSONDecodeError, NestingTooDeep
        raise VexError(f"not JSON: {error}") from error
    if not isinstance(document, dict):
        raise VexError("a VEX document is a JSON object")
    if document.get("bomFormat") == "CycloneDX":
        return _from_cyclonedx(document)
    if "openvex" in str(document.get("@context", "")):
        return _from_openvex(document)
    raise VexError("neither CycloneDX (bomFormat) nor OpenVEX (@context)")


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _from_cyclonedx(document: dict[str, Any]) -> list[VexDecision]:
    refs = {}
    for component in document.get("components") or []:
        if isinstance(component, dict):
            name, version = _text(component.get("name")), _text(component.get("version"))
            refs[_text(component.get("bom-ref"))] = _text(component.get("purl")) or f"{name}@{version}"
    decisions = []
    for vulnerability in document.get("vulnerabilities") or []:
        if not isinstance(vulnerability, dict) or not isinstance(vulnerability.get("analysis"), dict):
            continue
        analysis = vulnerability["analysis"]
        state = FROM_CYCLONEDX.get(_text(analysis.get("state")))
        if state is None:
            continue
        for target in vulnerability.get("affects") or []:
            ref = _text(target.get("ref")) if isinstance(target, dict) else ""
            if ref:
                decisions.append(VexDecision(_text(vulnerability.get("id")), refs.get(ref, ref), state,
                                             _text(analysis.get("justification")), _text(analysis.get("detail"))))
    return decisions


def _from_openvex(document: dict[str, Any]) -> list[VexDecision]:
    decisions = []
    for statement in document.get("statements") or []:
        if not isinstance(statement, dict) or _text(statement.get("status")) not in OPENVEX_STATES:
            continue
        vulnerability = statement.get("vulnerability")
        name = _text(vulnerability.get("name")) if isinstance(vulnerability, dict) else _text(vulnerability)
        note = (_text(statement.get("impact_statement")) or _text(statement.get("action_statement"))
                or _text(statement.get("status_notes")))
        for product in statement.get("products") or []:
            subcomponents = product.get("subcomponents") if isinstance(product, dict) else None
            for sub in subcomponents or [product]:
                ref = _text(sub.get("@id")) if isinstance(sub, dict) else ""
                if name and ref:
                    decisions.append(VexDecision(name, ref, _text(statement["status"]),
                                                 _text(statement.get("justification")), note))
    return decisions
