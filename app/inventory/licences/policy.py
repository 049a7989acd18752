"""Licence policy: allow, review or deny a component from its SPDX licence expression.

Every SPDX id falls in a category (permissive, weak copyleft, strong copyleft, other); the policy
gives each category a default verdict and may override single ids. `OR` lets the user pick the
most favourable alternative, `AND` binds them to every licence, so the least favourable counts.
Pure: no Flask, no ORM.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from license_expression import (
    AND,
    OR,
    ExpressionError,
    LicenseSymbol,
    LicenseWithExceptionSymbol,
    Licensing,
)

from app.inventory.licences.expressions import licensing


class Verdict(StrEnum):
    """What the policy says about a licence."""

    ALLOW = "allow"
    REVIEW = "review"
    DENY = "deny"


# A verdict in a reason a person reads ("MIT: permissive, allowed"), not its code.
_SAID = {Verdict.ALLOW: "allowed", Verdict.REVIEW: "to review", Verdict.DENY: "denied"}


# Most favourable first: OR takes the lowest rank, AND the highest.
_RANK = {Verdict.ALLOW: 0, Verdict.REVIEW: 1, Verdict.DENY: 2}


class Category(StrEnum):
    """Licence families the default policy treats alike; UNKNOWN, NO_LICENCE and NOT_LOOKED_UP are special rules."""

    PERMISSIVE = "permissive"
    WEAK_COPYLEFT = "weak_copyleft"
    STRONG_COPYLEFT = "strong_copyleft"
    OTHER = "other"  # on the SPDX list, but in none of the families above (e.g. non-commercial terms)
    UNKNOWN = "unknown"  # not an SPDX id (LicenseRef-..., free text)
    NO_LICENCE = "no_licence"  # nothing declared: all rights reserved
    NOT_LOOKED_UP = "not_looked_up"  # the imported file gave no licence and the registry was not asked yet


DEFAULT_POLICY: Mapping[Category, Verdict] = {
    Category.PERMISSIVE: Verdict.ALLOW,
    Category.WEAK_COPYLEFT: Verdict.REVIEW,
    Category.STRONG_COPYLEFT: Verdict.REVIEW,
    Category.OTHER: Verdict.REVIEW,
    Category.UNKNOWN: Verdict.REVIEW,
    Category.NO_LICENCE: Verdict.DENY,
    Category.NOT_LOOKED_UP: Verdict.REVIEW,
}

_PERMISSIVE_IDS = (
    "0BSD",
    "AFL-2.1",
    "AFL-3.0",
    "Apache-1.1",
    "Apache-2.0",
    "Artistic-2.0",
    "BlueOak-1.0.0",
    "BSD-1-Clause",
    "BSD-2-Clause",
    "BSD-2-Clause-Patent",
    "BSD-3-Clause",
    "BSD-3-Clause-Clear",
    "BSD-3-Clause-LBNL",
    "BSD-4-Clause",
    "BSD-Source-Code",
    "BSL-1.0",
    "CC-BY-3.0",
    "CC-BY-4.0",
    "CC0-1.0",
    "curl",
    "ECL-2.0",
    "FSFAP",
    "HPND",
    "ICU",
    "IJG",
    "ISC",
    "JSON",
    "Libpng",
    "libpng-2.0",
    "MIT",
    "MIT-0",
    "MIT-CMU",
    "MIT-Modern-Variant",
    "MS-PL",
    "MulanPSL-2.0",
    "NCSA",
    "OpenSSL",
    "PHP-3.0",
    "PHP-3.01",
    "PostgreSQL",
    "PSF-2.0",
    "Python-2.0",
    "Python-2.0.1",
    "Ruby",
    "Unicode-3.0",
    "Unicode-DFS-2016",
    "Unlicense",
    "UPL-1.0",
    "W3C",
    "WTFPL",
    "X11",
    "Zlib",
    "zlib-acknowledgement",
    "ZPL-2.0",
    "ZPL-2.1",
)
_WEAK_COPYLEFT_IDS = (
    "APSL-2.0",
    "CDDL-1.0",
    "CDDL-1.1",
    "CECILL-B",
    "CECILL-C",
    "CPL-1.0",
    "EPL-1.0",
    "EPL-2.0",
    "ErlPL-1.1",
    "IPL-1.0",
    "LGPL-2.0-only",
    "LGPL-2.0-or-later",
    "LGPL-2.1-only",
    "LGPL-2.1-or-later",
    "LGPL-3.0-only",
    "LGPL-3.0-or-later",
    "LGPLLR",
    "MPL-1.0",
    "MPL-1.1",
    "MPL-2.0",
    "MPL-2.0-no-copyleft-exception",
    "MS-RL",
    "NPL-1.1",
    "OFL-1.1",
    "SPL-1.0",
)
_STRONG_COPYLEFT_IDS = (
    "AGPL-1.0-only",
    "AGPL-1.0-or-later",
    "AGPL-3.0-only",
    "AGPL-3.0-or-later",
    "CC-BY-SA-4.0",
    "CECILL-2.1",
    "EUPL-1.1",
    "EUPL-1.2",
    "GPL-1.0-only",
    "GPL-1.0-or-later",
    "GPL-2.0-only",
    "GPL-2.0-or-later",
    "GPL-3.0-only",
    "GPL-3.0-or-later",
    "ODbL-1.0",
    "OSL-3.0",
    "QPL-1.0",
    "RPL-1.5",
    "Sleepycat",
    "SSPL-1.0",
)
# Whole families by prefix, so that deprecated spellings (GPL-2.0+, LGPL-2.1) land right too.
# Prefixes are matched on whole family names: "lgpl-" and "agpl-" never start with "gpl-".
_FAMILY_PREFIXES: tuple[tuple[str, Category], ...] = (
    ("lgpl-", Category.WEAK_COPYLEFT),
    ("mpl-", Category.WEAK_COPYLEFT),
    ("epl-", Category.WEAK_COPYLEFT),
    ("cddl-", Category.WEAK_COPYLEFT),
    ("agpl-", Category.STRONG_COPYLEFT),
    ("gpl-", Category.STRONG_COPYLEFT),
    ("eupl-", Category.STRONG_COPYLEFT),
    ("cc-by-sa-", Category.STRONG_COPYLEFT),
)

CATEGORIES: Mapping[str, Category] = {
    **{key.lower(): Category.PERMISSIVE for key in _PERMISSIVE_IDS},
    **{key.lower(): Category.WEAK_COPYLEFT for key in _WEAK_COPYLEFT_IDS},
    **{key.lower(): Category.STRONG_COPYLEFT for key in _STRONG_COPYLEFT_IDS},
}


@dataclass(frozen=True)
class LicenceVerdict:
    """The verdict on one expression and the reasons, one per licence id that mattered."""

    verdict: Verdict
    reasons: tuple[str, ...]


def _licensing() -> Licensing:
    return licensing()


def is_spdx_id(licence_id: str) -> bool:
    """An id on the SPDX licence list (any case), deprecated ids included; LicenseRef-... is not."""
    lowered = licence_id.lower()
    return not lowered.startswith("licenseref-") and lowered in _licensing().known_symbols_lowercase


@lru_cache(maxsize=4096)
def _canonical_id(licence_id: str) -> str:
    """The SPDX list's spelling of an id, deprecated aliases resolved (gpl-2.0+ -> GPL-2.0-or-later)."""
    try:
        parsed = _licensing().parse(licence_id, validate=False)
    except ExpressionError:
        return licence_id
    if isinstance(parsed, LicenseWithExceptionSymbol):
        return f"{parsed.license_symbol.key} WITH {parsed.exception_symbol.key}"
    return str(parsed.key) if isinstance(parsed, LicenseSymbol) else licence_id


def canonical_id(licence_id: str) -> str:
    """The SPDX list's spelling of one id (any case, deprecated aliases resolved); other text comes back as given."""
    return _canonical_id(" ".join(licence_id.split()))


def category_of(licence_id: str) -> Category:
    """The category of one SPDX id (any case, deprecated spellings too); ids not on the SPDX list are UNKNOWN."""
    text = licence_id.strip()
    if not text:
        return Category.NO_LICENCE
    lowered = _canonical_id(text).lower()
    if lowered in CATEGORIES:
        return CATEGORIES[lowered]
    if not is_spdx_id(lowered):
        return Category.UNKNOWN
    for prefix, category in _FAMILY_PREFIXES:
        if lowered.startswith(prefix):
            return category
    return Category.OTHER


def verdict(
    expression: str,
    unknown_ids: Iterable[str] = (),
    policy: Mapping[str, Verdict | str] | None = None,
    category_defaults: Mapping[Category, Verdict] | Mapping[str, Verdict] = DEFAULT_POLICY,
    *,
    looked_up: bool = True,
) -> LicenceVerdict:
    """OR takes the most favourable alternative, AND the least; explicit per-id policy entries beat categories.

    `policy` maps SPDX ids (any case; "X WITH Y" too) or category names to a verdict; `unknown_ids`
    are the ids the importer already flagged as not SPDX. Empty expression: the no-licence rule, or the
    not-looked-up rule when nobody has asked the registry yet (`looked_up` False): "no licence declared" and
    "not looked up yet" are different states.
    """
    rules = _Rules(policy or {}, category_defaults, unknown_ids)
    text = expression.strip()
    if not text and not looked_up:
        return rules.for_category(Category.NOT_LOOKED_UP, "no licence in the imported file, not looked up yet")
    if not text:
        return rules.for_category(Category.NO_LICENCE, "no licence declared")
    try:
        parsed = _licensing().parse(text, validate=False)
    except ExpressionError:
        return rules.for_category(Category.UNKNOWN, f"{text}: not a valid SPDX expression")
    if parsed is None:
        return rules.for_category(Category.NO_LICENCE, "no licence declared")
    return rules.evaluate(parsed)


def summarise(verdicts: Iterable[LicenceVerdict | Verdict]) -> dict[Verdict, int]:
    """How many components got each verdict (every verdict present, zero when none)."""
    counts = {item: 0 for item in Verdict}
    for item in verdicts:
        counts[item.verdict if isinstance(item, LicenceVerdict) else Verdict(item)] += 1
    return counts


class _Rules:
    """The policy of one evaluation, with ids and category names looked up case-insensitively."""

    def __init__(
        self,
        policy: Mapping[str, Verdict | str],
        category_defaults: Mapping[Category, Verdict] | Mapping[str, Verdict],
        unknown_ids: Iterable[str],
    ) -> None:
        self.by_category: dict[str, Verdict] = {str(key): Verdict(value) for key, value in DEFAULT_POLICY.items()}
        self.by_category.update({str(key).lower(): Verdict(value) for key, value in category_defaults.items()})
        self.by_id: dict[str, Verdict] = {}
        category_names = {item.value for item in Category}
        for key, value in policy.items():
            lowered = " ".join(key.split()).lower()
            if lowered in category_names:
                self.by_category[lowered] = Verdict(value)
            else:
                self.by_id[_canonical_id(" ".join(key.split())).lower()] = Verdict(value)
        self.unknown = {item.lower() for item in unknown_ids}

    def for_category(self, category: Category, reason: str) -> LicenceVerdict:
        outcome = self.by_category[category.value]
        return LicenceVerdict(outcome, (f"{reason}: {category.value.replace('_', ' ')}, {_SAID[outcome]}",))

    def evaluate(self, node: object) -> LicenceVerdict:
        if isinstance(node, LicenseWithExceptionSymbol):
            whole = f"{node.license_symbol.key} WITH {node.exception_symbol.key}"
            explicit = self.by_id.get(whole.lower())
            if explicit is not None:
                return LicenceVerdict(explicit, (f"{whole}: policy entry, {_SAID[explicit]}",))
            # The exception only relaxes the licence; the licence before WITH decides.
            return self._leaf(str(node.license_symbol.key))
        if isinstance(node, LicenseSymbol):
            return self._leaf(str(node.key))
        if isinstance(node, AND | OR):
            parts = [self.evaluate(arg) for arg in node.args]
            pick = min if isinstance(node, OR) else max
            chosen = pick(parts, key=lambda part: _RANK[part.verdict])
            reasons: list[str] = []
            for part in parts:
                reasons.extend(reason for reason in part.reasons if reason not in reasons)
            return LicenceVerdict(chosen.verdict, tuple(reasons))
        raise TypeError(f"unexpected node in a licence expression: {node!r}")

    def _leaf(self, licence_id: str) -> LicenceVerdict:
        lowered = licence_id.lower()
        explicit = self.by_id.get(lowered)
        if explicit is not None:
            return LicenceVerdict(explicit, (f"{licence_id}: policy entry, {_SAID[explicit]}",))
        category = Category.UNKNOWN if lowered in self.unknown else category_of(licence_id)
        outcome = self.by_category[category.value]
        label = category.value.replace("_", " ")
        return LicenceVerdict(outcome, (f"{licence_id}: {label}, {_SAID[outcome]}",))
