"""The release readiness check: every problem that stops a release from being frozen, each naming its component.

Pure: the facts of a release go in (plain dataclasses gathered by `services.release_readiness`), a `Readiness`
comes out. The release page shows it as a checklist, the freeze enforces it, and CI pipelines read it through
`flask inventory check-release` and `GET /api/v1/products/<name>/releases/<version>/readiness`.

Each rule applies to the safety classes configured for it (`RELEASE_READINESS_RULES`, defaults below). Under the
product's "direct" SOUPs-of-SOUPs rule a transitive component is covered by its direct parent: it needs no
requirements, hazards, anomaly review or supplier of its own, but stays on the list, is matched to advisories and
an advisory on it counts against its parent's triage. A component whose file does not say direct or transitive is
treated as direct.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# rule -> what it checks (shown as the checklist's headings, in this order)
RULES: dict[str, str] = {
    "components": "The release lists its components",
    "exact_version": "Every SOUP and OTSS item has one exact version",
    "changes_assessed": "Every change since the previous release is assessed",
    "safety_class": "A SOUP item's class lower than its software item's (or the product's) has a rationale",
    "licence": "Denied licences are waived (signed); licences under review have a decision",
    "advisory_triage": "Every advisory on a class B/C item is triaged (VEX)",
    "supplier": "Class B/C SOUP comes from an approved or conditionally approved supplier, or is exempted (signed)",
    "anomaly_review": "Class B/C SOUP has a current anomaly review",
    "requirements_hazards": "Class B/C SOUP has its requirements and hazard references",
    "requirements_verified": "Every requirement of class B/C SOUP has a passing linked test in the release's latest "
                             "test run, or a signed rationale for verification by other means",
}
# The safety classes each rule applies to (the setting RELEASE_READINESS_RULES overrides any of them).
DEFAULT_CLASSES: dict[str, str] = {
    "components": "ABC",
    "exact_version": "ABC",
    "changes_assessed": "ABC",
    "safety_class": "ABC",
    "licence": "ABC",
    "advisory_triage": "BC",
    "supplier": "BC",
    "anomaly_review": "BC",
    "requirements_hazards": "BC",
    "requirements_verified": "BC",
}
# Warnings: shown with the checklist and in the JSON, never stopping the freeze (RELEASE_READINESS_WARNINGS overrides
# the classes each applies to; "" turns one off).
WARNINGS: dict[str, str] = {
    "withdrawn_version": "Class B/C SOUP uses no version that its registry yanked or deprecated",
}
DEFAULT_WARNING_CLASSES: dict[str, str] = {"withdrawn_version": "BC"}
APPROVED_SUPPLIER_STATUSES = frozenset({"approved", "conditionally_approved"})
BLOCKING_STATES = frozenset({"open", "under_investigation"})
DIRECT, ALL = "direct", "all"  # the product's SOUPs-of-SOUPs rule

_RANGE = re.compile(r"[\^~<>=*|,]|\s|(^|\.)[xX*](\.|$)|\s-\s")
_TAGS = frozenset({"latest", "next", "stable", "beta", "alpha", "canary", "rc", "head", "main", "master", "trunk",
                   "dev", "nightly", "edge", "current", "lts"})


_PLAIN = re.compile(r"v?\d[0-9A-Za-z.+_-]*")
_WILDCARD = re.compile(r"(^|\.)[xX*](\.|$)")


def exact_version_problem(version: str) -> str:
    """Why a version is not one exact version ("" when it is): blank, a range, a tag or a URL."""
    text = version.strip()
    if _PLAIN.fullmatch(text) and not _WILDCARD.search(text):
        return ""  # the usual case, decided by one match
    if not text:
        return "has no version"
    if "://" in text or text.startswith(("git+", "git@", "file:", "link:", "github:", "npm:", "workspace:")):
        return f"has a URL or path ({text}) instead of an exact version"
    if _RANGE.search(text):
        return f"has a version range ({text}) instead of an exact version"
    if text.lower() in _TAGS or not any(ch.isdigit() for ch in text):
        return f"has a tag ({text}) instead of an exact version"
    return ""


@dataclass(frozen=True)
class MatchFacts:
    """One advisory matched to a component, with its triage."""

    advisory: str
    state: str
    justification: str = ""
    note: str = ""


@dataclass(frozen=True)
class RequirementFacts:
    """One SOUP requirement of a component: recorded for this version or to re-assess, and how it is verified."""

    identifier: str
    current: bool = True  # recorded (or confirmed) for this very version
    recorded_for: str = ""  # the versions it was recorded for, when not this one
    outcomes: frozenset[str] = frozenset()  # outcomes of its linked tests in the release's latest run
    rationale: bool = False  # a signed rationale for verification by other means


@dataclass(frozen=True)
class ComponentFacts:
    """What the rules read of one component (gathered from the component, its item, supplier, waivers, reviews)."""

    name: str
    version: str
    classification: str = ""  # soup | otss | infrastructure | "" (not classified)
    safety_class: str = "A"
    reference_class: str = "A"  # its software item's class, else the product's
    software_item: str = ""
    has_class_rationale: bool = False  # its own, or its software item's
    direct: bool | None = None
    parent: str = ""  # the direct parent named by the file (transitive components)
    status: str = "proposed"
    changed: bool = False
    assessed: bool = False
    declared_range: str = ""
    licence: str = ""
    licence_verdict: str | None = None
    licence_waived: bool = False  # a signed waiver for this licence
    licence_decision: str = ""  # accept | reject | "" (none recorded)
    has_requirements: bool = False
    has_hazards: bool = False
    supplier: str = ""
    supplier_status: str = ""
    supplier_exempt: bool = False  # a signed exemption
    review_current: bool = False
    matches: tuple[MatchFacts, ...] = ()
    withdrawn: str = ""  # "yanked" or "deprecated" when its registry says so (app.inventory.obsolescence)
    requirements: tuple[RequirementFacts, ...] = ()  # requirement records (retired ones left out)

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}".strip()


@dataclass(frozen=True)
class ReleaseFacts:
    """A release as the rules see it."""

    product: str
    version: str
    transitive_rule: str = DIRECT
    components: Sequence[ComponentFacts] = ()


@dataclass(frozen=True)
class Problem:
    """One broken rule: the rule, the component it names ("" for the release) and what to do."""

    rule: str
    component: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "component": self.component, "message": self.message}


@dataclass(frozen=True)
class Readiness:
    """Every problem of a release, and counts of what was checked."""

    problems: tuple[Problem, ...]
    counts: dict[str, int] = field(default_factory=dict)
    warnings: tuple[Problem, ...] = ()  # worth a look before signing; they never stop the freeze

    @property
    def ready(self) -> bool:
        return not self.problems

    def by_rule(self) -> dict[str, list[Problem]]:
        """Problems grouped by rule, every rule present (empty lists pass), in RULES order."""
        grouped: dict[str, list[Problem]] = {rule: [] for rule in RULES}
        for problem in self.problems:
            grouped.setdefault(problem.rule, []).append(problem)
        return grouped

    def as_dict(self) -> dict[str, Any]:
        """The JSON object the CLI prints and the API answers."""
        return {"ready": self.ready, "problems": [problem.as_dict() for problem in self.problems],
                "warnings": [warning.as_dict() for warning in self.warnings], "counts": dict(self.counts)}


def rule_classes(overrides: Mapping[str, Iterable[str] | str] | None = None, *,
                 defaults: Mapping[str, str] = DEFAULT_CLASSES) -> dict[str, frozenset[str]]:
    """The classes each rule (or warning) applies to: the defaults, with the setting's overrides ("BC", ["B", "C"],
    "")."""
    merged: dict[str, Iterable[str] | str] = {**defaults, **(overrides or {})}
    unknown = set(merged) - set(defaults)
    if unknown:
        raise ValueError(f"Unknown readiness rule(s): {', '.join(sorted(unknown))}.")
    classes = {rule: frozenset(str(c).upper() for c in value if str(c).strip()) for rule, value in merged.items()}
    for rule, value in classes.items():
        if not value <= {"A", "B", "C"}:
            raise ValueError(f"Readiness rule {rule}: safety classes are A, B and C (got {sorted(value)}).")
    return classes


def is_documented(component: ComponentFacts, transitive_rule: str) -> bool:
    """A component documented on its own: every one under the "all" rule, else the direct ones and the unknown."""
    return transitive_rule == ALL or component.direct is not False


def check(facts: ReleaseFacts, overrides: Mapping[str, Iterable[str] | str] | None = None,
          warning_overrides: Mapping[str, Iterable[str] | str] | None = None) -> Readiness:
    """Every problem of the release, in rule order then component order; and the warnings, which never block."""
    classes = rule_classes(overrides)
    warning_classes = rule_classes(warning_overrides, defaults=DEFAULT_WARNING_CLASSES)
    problems: list[Problem] = []
    counts: Counter[str] = Counter()
    components = [c for c in facts.components if c.status != "removed"]
    counts["components"] = len(components)
    if not components:
        problems.append(Problem("components", "", "The release has no components: import its dependency files first."))
    for component in components:
        problems.extend(_component_problems(component, facts.transitive_rule, classes, counts))
    order = {rule: index for index, rule in enumerate(RULES)}
    problems.sort(key=lambda problem: order.get(problem.rule, len(order)))
    counts["problems"] = len(problems)
    for problem in problems:
        counts[f"problems_{problem.rule}"] += 1
    warnings = [warning for component in components for warning in _warnings(component, warning_classes)]
    counts["warnings"] = len(warnings)
    return Readiness(tuple(problems), dict(counts), tuple(warnings))


def _warnings(c: ComponentFacts, classes: Mapping[str, frozenset[str]]) -> Iterable[Problem]:
    if c.withdrawn and c.classification == "soup" and c.safety_class in classes["withdrawn_version"]:
        what = "yanked (withdrawn)" if c.withdrawn == "yanked" else "deprecated"
        yield Problem("withdrawn_version", c.label, f"{c.label}: its registry has {what} this version "
                                                    f"(class {c.safety_class}); consider another version.")


def _applies(rule: str, component: ComponentFacts, classes: Mapping[str, frozenset[str]]) -> bool:
    return component.safety_class in classes[rule]


def _component_problems(c: ComponentFacts, transitive_rule: str, classes: Mapping[str, frozenset[str]],
                        counts: Counter[str]) -> Iterable[Problem]:
    label = c.label
    documented = is_documented(c, transitive_rule)
    soup = c.classification == "soup"
    if c.direct is False:
        counts["transitive"] += 1
        if not documented:
            counts["covered_by_parent"] += 1
    elif c.direct is None:
        counts["direct_unknown"] += 1
    else:
        counts["direct"] += 1
    if c.classification != "infrastructure" and _applies("exact_version", c, classes):
        why = exact_version_problem(c.version)
        if why and c.declared_range and not c.version.strip():
            why = f"has no exact version, only a declared range ({c.declared_range})"
        if why:
            yield Problem("exact_version", label or c.name,
                          f"{c.name} {why}: IEC 62304 8.1.2 needs one exact version; import the lockfile.")
    if c.changed and not c.assessed and _applies("changes_assessed", c, classes):
        yield Problem("changes_assessed", label, f"{label}: the change since the previous release is not assessed.")
    if (soup and c.safety_class < c.reference_class and not c.has_class_rationale
            and c.reference_class in classes["safety_class"]):
        owner = f"software item {c.software_item}" if c.software_item else "the product"
        yield Problem("safety_class", label, f"{label} is class {c.safety_class}, lower than {owner} (class "
                                             f"{c.reference_class}), without a rationale.")
    if _applies("licence", c, classes):
        if c.licence_verdict == "deny" and not c.licence_waived:
            yield Problem("licence", label, f"{label}: licence {c.licence or '(none)'} is denied by the licence "
                                            "policy and has no signed waiver.")
        elif c.licence_verdict == "review":
            if not c.licence_decision:
                yield Problem("licence", label, f"{label}: licence {c.licence or '(none)'} needs review and has no "
                                                "recorded decision.")
            elif c.licence_decision == "reject":
                yield Problem("licence", label, f"{label}: licence {c.licence} was rejected; remove the component.")
    if _applies("advisory_triage", c, classes):
        counts["advisories_checked"] += len(c.matches)
        covered = not documented and c.parent
        for match in c.matches:
            where = f" (counts against its direct parent {c.parent})" if covered else ""
            if match.state in BLOCKING_STATES:
                state = "under investigation" if match.state == "under_investigation" else "not triaged"
                yield Problem("advisory_triage", c.parent if covered else label,
                              f"{match.advisory} on {label} is {state}{where}.")
            elif match.state == "not_affected" and not match.justification:
                yield Problem("advisory_triage", c.parent if covered else label,
                              f"{match.advisory} on {label} is 'not affected' without a justification{where}.")
            elif match.state == "affected" and not match.note.strip():
                yield Problem("advisory_triage", c.parent if covered else label,
                              f"{match.advisory} on {label} is 'affected' without its mitigation{where}.")
    if not (soup and documented):
        return
    if _applies("supplier", c, classes) and c.supplier_status not in APPROVED_SUPPLIER_STATUSES and not c.supplier_exempt:
        if c.supplier:
            status = c.supplier_status.replace("_", " ")
            why = f"its supplier {c.supplier} is {status}, not approved or conditionally approved"
        else:
            why = "it is linked to no supplier"
        yield Problem("supplier", label, f"{label}: {why}, and it has no signed exemption.")
    if _applies("anomaly_review", c, classes) and not c.review_current:
        yield Problem("anomaly_review", label,
                      f"{label}: no current anomaly review of this version (class {c.safety_class}).")
    if _applies("requirements_hazards", c, classes):
        missing = [what for what, present in (("requirements", c.has_requirements), ("hazard references",
                                                                                    c.has_hazards)) if not present]
        if missing:
            yield Problem("requirements_hazards", label,
                          f"{label}: class {c.safety_class} SOUP needs its {' and '.join(missing)}.")
    if _applies("requirements_verified", c, classes):
        yield from _requirement_problems(c, label)


def _requirement_problems(c: ComponentFacts, label: str) -> Iterable[Problem]:
    for requirement in c.requirements:
        ident = requirement.identifier
        if not requirement.current:
            yield Problem("requirements_verified", label,
                          f"{ident} was recorded for {c.name} {requirement.recorded_for or 'another version'}: "
                          f"re-assess it for {c.version}.")
        elif "passed" not in requirement.outcomes and not requirement.rationale:
            tested = ("only failing linked tests" if requirement.outcomes & {"failed", "error"} else
                      "only skipped linked tests" if requirement.outcomes else "no linked test")
            yield Problem("requirements_verified", label,
                          f"{ident} of {label} has {tested} in the latest test run and no signed rationale for "
                          "verification by other means.")
