"""Licence normalisation: SPDX expressions out, unknown ids flagged, free text kept."""

from __future__ import annotations

import pytest

from app.inventory.licences.expressions import normalise_licence


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("MIT", ("MIT", ())),
        ("mit", ("MIT", ())),
        ("Apache-2.0 OR MIT", ("Apache-2.0 OR MIT", ())),
        ("GPL-2.0+", ("GPL-2.0-or-later", ())),
        ("(CDDL-1.0 OR GPL-2.0-with-classpath-exception)", ("CDDL-1.0 OR GPL-2.0-only WITH Classpath-exception-2.0", ())),
        ("", ("", ())),
        ("NOASSERTION", ("", ())),
        ("  NONE ", ("", ())),
    ],
)
def test_known_expressions_are_normalised(raw, expected):
    assert normalise_licence(raw) == expected


def test_deprecated_exception_ids_become_with_expressions():
    assert normalise_licence("GPL-2.0-with-classpath-exception") == (
        "GPL-2.0-only WITH Classpath-exception-2.0", ())


def test_an_unknown_id_inside_an_expression_is_flagged_and_kept():
    assert normalise_licence("MIT AND Foo-1") == ("MIT AND Foo-1", ("Foo-1",))


@pytest.mark.parametrize(
    "raw", ["BSD License", "GNU General Public License, version 2", "Apache License 2.0 (see LICENSE.txt)", "(", "MIT OR"]
)
def test_free_text_is_kept_whole_as_one_unknown_id(raw):
    assert normalise_licence(raw) == (raw, (raw,))
