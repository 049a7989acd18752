"""Licence policy: SPDX expressions evaluated against allow / review / deny rules."""

from __future__ import annotations

import pytest

from app.inventory.licences.policy import (
    CATEGORIES,
    DEFAULT_POLICY,
    Category,
    LicenceVerdict,
    Verdict,
    category_of,
    is_spdx_id,
    summarise,
    verdict,
)


@pytest.mark.parametrize(
    "licence_id",
    [
        "MIT",
        "BSD-2-Clause",
        "BSD-3-Clause",
        "Apache-2.0",
        "ISC",
        "Zlib",
        "PSF-2.0",
        "Python-2.0",
        "Unlicense",
        "0BSD",
        "CC0-1.0",
        "BSL-1.0",
    ],
)
def test_permissive_licences_are_allowed_by_default(licence_id: str) -> None:
    assert category_of(licence_id) is Category.PERMISSIVE
    assert verdict(licence_id).verdict is Verdict.ALLOW


@pytest.mark.parametrize(
    "licence_id", ["LGPL-2.1-only", "LGPL-3.0-or-later", "MPL-2.0", "EPL-2.0", "CDDL-1.0", "LGPL-2.1+"]
)
def test_weak_copyleft_licences_need_review(licence_id: str) -> None:
    assert category_of(licence_id) is Category.WEAK_COPYLEFT
    assert verdict(licence_id).verdict is Verdict.REVIEW


@pytest.mark.parametrize(
    "licence_id", ["GPL-2.0-only", "GPL-3.0-or-later", "AGPL-3.0-only", "SSPL-1.0", "OSL-3.0", "EUPL-1.2"]
)
def test_strong_copyleft_licences_need_review(licence_id: str) -> None:
    assert category_of(licence_id) is Category.STRONG_COPYLEFT
    assert verdict(licence_id).verdict is Verdict.REVIEW


def test_deprecated_spdx_spellings_land_in_their_family() -> None:
    assert category_of("GPL-2.0") is Category.STRONG_COPYLEFT
    assert category_of("gpl-2.0+") is Category.STRONG_COPYLEFT
    assert category_of("LGPL-2.1") is Category.WEAK_COPYLEFT


def test_ids_are_looked_up_case_insensitively_as_spdx_does() -> None:
    assert category_of("apache-2.0") is Category.PERMISSIVE
    assert verdict("mit or gpl-3.0-only").verdict is Verdict.ALLOW
    assert is_spdx_id("bsd-3-clause")


def test_an_spdx_id_outside_the_families_is_other_and_needs_review() -> None:
    assert category_of("CC-BY-NC-4.0") is Category.OTHER
    assert verdict("CC-BY-NC-4.0").verdict is Verdict.REVIEW


def test_an_empty_expression_follows_the_no_licence_rule() -> None:
    result = verdict("")
    assert result.verdict is Verdict.DENY
    assert "no licence" in result.reasons[0]


def test_ids_not_on_the_spdx_list_follow_the_unknown_rule() -> None:
    assert category_of("LicenseRef-acme-eula") is Category.UNKNOWN
    assert verdict("LicenseRef-acme-eula").verdict is Verdict.REVIEW
    strict = {**DEFAULT_POLICY, Category.UNKNOWN: Verdict.DENY}
    assert verdict("Acme-Free", category_defaults=strict).verdict is Verdict.DENY


def test_ids_the_importer_flagged_as_unknown_follow_the_unknown_rule() -> None:
    # Free text kept whole by the importer: not an SPDX expression, flagged by it.
    strict = {**DEFAULT_POLICY, Category.UNKNOWN: Verdict.DENY}
    result = verdict("BSD style", unknown_ids=("BSD style",), category_defaults=strict)
    assert result.verdict is Verdict.DENY
    assert result.reasons == ("BSD style: unknown, denied",)


def test_an_unparsable_expression_follows_the_unknown_rule() -> None:
    strict = {**DEFAULT_POLICY, Category.UNKNOWN: Verdict.DENY}
    assert verdict("MIT OR (", category_defaults=strict).verdict is Verdict.DENY


def test_or_takes_the_most_favourable_alternative() -> None:
    result = verdict("GPL-3.0-only OR MIT")
    assert result.verdict is Verdict.ALLOW
    assert result.reasons == ("GPL-3.0-only: strong copyleft, to review", "MIT: permissive, allowed")


def test_and_takes_the_least_favourable_licence() -> None:
    assert verdict("MIT AND GPL-3.0-only").verdict is Verdict.REVIEW
    assert verdict("MIT AND LicenseRef-x", policy={"LicenseRef-x": Verdict.DENY}).verdict is Verdict.DENY


def test_nested_expressions_combine_both_rules() -> None:
    policy = {"GPL-3.0-only": Verdict.DENY}
    assert verdict("Apache-2.0 AND (MIT OR GPL-3.0-only)", policy=policy).verdict is Verdict.ALLOW
    assert verdict("(Apache-2.0 OR MIT) AND GPL-3.0-only", policy=policy).verdict is Verdict.DENY


def test_with_an_exception_uses_the_licence_before_with() -> None:
    result = verdict("GPL-2.0-only WITH Classpath-exception-2.0")
    assert result.verdict is Verdict.REVIEW
    assert result.reasons == ("GPL-2.0-only: strong copyleft, to review",)
    assert verdict("Apache-2.0 WITH LLVM-exception").verdict is Verdict.ALLOW


def test_a_policy_entry_for_the_whole_with_expression_wins() -> None:
    policy = {"gpl-2.0-only with classpath-exception-2.0": Verdict.ALLOW}
    assert verdict("GPL-2.0-only WITH Classpath-exception-2.0", policy=policy).verdict is Verdict.ALLOW
    assert verdict("GPL-2.0-only", policy=policy).verdict is Verdict.REVIEW


def test_explicit_per_id_entries_override_the_category_default() -> None:
    assert verdict("MPL-2.0", policy={"MPL-2.0": Verdict.ALLOW}).verdict is Verdict.ALLOW
    result = verdict("MIT", policy={"mit": "deny"})
    assert result.verdict is Verdict.DENY
    assert result.reasons == ("MIT: policy entry, denied",)


def test_a_policy_entry_under_a_deprecated_spelling_still_applies() -> None:
    assert verdict("GPL-2.0-only", policy={"GPL-2.0": Verdict.DENY}).verdict is Verdict.DENY


def test_a_policy_may_set_a_whole_category_by_name() -> None:
    assert verdict("AGPL-3.0-only", policy={"strong_copyleft": Verdict.DENY}).verdict is Verdict.DENY
    assert verdict("LGPL-2.1-only", policy={"strong_copyleft": Verdict.DENY}).verdict is Verdict.REVIEW


def test_category_defaults_may_be_given_with_plain_strings() -> None:
    defaults = {"permissive": Verdict.REVIEW}
    assert verdict("MIT", category_defaults=defaults).verdict is Verdict.REVIEW
    assert verdict("", category_defaults=defaults).verdict is Verdict.DENY  # the rest keeps the defaults


def test_summarise_counts_every_verdict() -> None:
    verdicts = [verdict("MIT"), verdict("Apache-2.0"), verdict(""), verdict("GPL-3.0-only")]
    assert summarise(verdicts) == {Verdict.ALLOW: 2, Verdict.REVIEW: 1, Verdict.DENY: 1}
    assert summarise([]) == {Verdict.ALLOW: 0, Verdict.REVIEW: 0, Verdict.DENY: 0}
    assert summarise([Verdict.DENY, LicenceVerdict(Verdict.DENY, ())])[Verdict.DENY] == 2


def test_every_categorised_id_is_on_the_spdx_list() -> None:
    assert [licence_id for licence_id in CATEGORIES if not is_spdx_id(licence_id)] == []
