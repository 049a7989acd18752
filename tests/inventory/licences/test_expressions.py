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


def test_one_licence_index_serves_the_whole_process(app, monkeypatch) -> None:
    """Building the SPDX licence index costs ~50 ms; an import of many distinct expressions builds none."""
    import license_expression

    from app.inventory import services
    from app.inventory.licences.expressions import licence_ids, licensing
    from tests.helpers import REALWORLD

    assert licensing() is licensing()
    built: list[object] = []
    original = license_expression.Licensing.__init__

    def counting(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        built.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(license_expression.Licensing, "__init__", counting)
    licence_ids.cache_clear()
    normalise_licence.cache_clear()
    for path in (REALWORLD / "cyclonedx" / "dropwizard-1.3.15.cdx.json", REALWORLD / "spdx" / "example1.spdx"):
        services.import_into("Device", "1.0", [services.UploadedFile(path.name, path.read_bytes())])
    assert built == []
