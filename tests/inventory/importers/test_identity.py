"""importers.identity: entries of one package are one record, and merging never makes a record its own parent."""

from __future__ import annotations

from app.inventory.importers import parse_file
from app.inventory.importers.base import ComponentRecord
from app.inventory.importers.identity import identity, merge_records
from tests.helpers import DATA


def test_entries_of_one_package_that_depend_on_each_other_are_one_component_without_itself_as_parent():
    """cyclonedx-python-lib's issue677 BOM: containers named alpine depend on operating systems named alpine, and
    without versions or purls all four are one package (generic alpine)."""
    parsed = parse_file("bom.json", (DATA / "realworld" / "cyclonedx" / "cyclonedx-python-lib-issue677.cdx.json")
                        .read_bytes())
    (component,) = parsed.components
    assert (component.name, component.parents) == ("alpine", ())


def test_a_merged_record_keeps_its_other_parents_but_not_itself_in_either_order():
    child = ComponentRecord(name="b", version="1.0", ecosystem="npm", purl="pkg:npm/b@1.0",
                            parents=("pkg:npm/a@2.0", "pkg:npm/b@1.0"))
    same = ComponentRecord(name="b", version="1.0", ecosystem="npm", purl="pkg:npm/b@1.0?arch=x64",
                           parents=("pkg:npm/c@3.0",))
    for first, second in ((child, same), (same, child)):
        (record,) = merge_records([first, second])
        assert identity(record) == "pkg:npm/b@1.0"
        assert sorted(record.parents) == ["pkg:npm/a@2.0", "pkg:npm/c@3.0"]


def test_julia_packages_of_one_name_and_version_from_two_registries_are_two_packages():
    first = ComponentRecord(name="B", version="1.9.0", ecosystem="julia",
                            purl="pkg:julia/B@1.9.0?uuid=f41f7b98-334e-11e9-1257-49272045fb24")
    other = ComponentRecord(name="B", version="1.9.0", ecosystem="julia",
                            purl="pkg:julia/B@1.9.0?repository_url=x&uuid=edca9bc6-334e-11e9-3554-9595dbb4349c")
    assert len(merge_records([first, other])) == 2
    assert identity(other) == "pkg:julia/B@1.9.0?uuid=edca9bc6-334e-11e9-3554-9595dbb4349c"
    assert identity(ComponentRecord(name="a", version="1", ecosystem="npm", purl="pkg:npm/a@1?uuid=x")) == "pkg:npm/a@1"


def test_a_julia_package_listed_as_its_own_parent_loses_that_parent_when_merged():
    own = "pkg:julia/B@1.9.0?uuid=f41f7b98-334e-11e9-1257-49272045fb24"
    first = ComponentRecord(name="B", version="1.9.0", ecosystem="julia", purl=own, parents=(own,))
    second = ComponentRecord(name="B", version="1.9.0", ecosystem="julia", purl=own, parents=("pkg:julia/A@1.9.0",))
    (record,) = merge_records([first, second])
    assert record.parents == ("pkg:julia/A@1.9.0",)
