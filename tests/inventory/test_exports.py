"""Exports of a release inventory: CycloneDX 1.6 JSON (schema-valid) and the IEC 62304 table."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from uuid import UUID

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from app.inventory.exports import CSV_HEADER, ExportComponent, csv_rows, cyclonedx_json

WHEN = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)
SERIAL = UUID("3e671687-395b-41f5-a30f-a58921a69b79")


def pypi(name: str, version: str, **fields: Any) -> ExportComponent:
    """A PyPI component of the release; its purl follows from the name and version."""
    return ExportComponent(name=name, version=version, ecosystem="pypi", purl=f"pkg:pypi/{name}@{version}", **fields)


FLASK = pypi(
    "flask",
    "3.1.0",
    licence_expression="BSD-3-Clause",
    supplier="Pallets",
    direct=True,
    scope="runtime",
    classification="SOUP",
    safety_class="B",
    status="approved",
    requirements="Serves the device's HTTP API",
    hazards=("HAZ-12", "HAZ-31"),
    last_anomaly_review="2026-11-01",
)
JINJA = pypi("jinja2", "3.1.6", licence_expression="BSD-3-Clause AND MIT", direct=False, parents=("pkg:pypi/flask@3.1.0",))
MARKUPSAFE = pypi("markupsafe", "3.0.2", licence_expression="Acme-Custom", direct=False, parents=("jinja2",))
PYTEST = ExportComponent(
    name="@scope/test-kit", version="1.0.0", ecosystem="npm", purl="pkg:npm/%40scope/test-kit@1.0.0", scope="dev"
)
RELEASE = [FLASK, JINJA, MARKUPSAFE, PYTEST]


def bom(components: list[ExportComponent] = RELEASE) -> dict[str, Any]:
    return json.loads(cyclonedx_json("Infusion Pump UI", "2.4.0", components, timestamp=WHEN, serial_number=SERIAL))


def component(document: dict[str, Any], name: str) -> dict[str, Any]:
    return next(item for item in document["components"] if item["name"] == name)


def properties(item: dict[str, Any]) -> list[tuple[str, str]]:
    return [(prop["name"], prop["value"]) for prop in item.get("properties", [])]


def test_the_bom_validates_against_the_cyclonedx_1_6_schema() -> None:
    text = cyclonedx_json("Infusion Pump UI", "2.4.0", RELEASE)
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    assert json.loads(text)["specVersion"] == "1.6"


def test_each_component_keeps_its_type_and_a_service_says_it_is_one() -> None:
    """Every component was exported as a library: an operating system, a container, a model, a cloud service."""
    items = [ExportComponent(name=name, version="1", component_type=kind) for name, kind in (
        ("debian", "operating-system"), ("postgres", "container"), ("classifier", "machine-learning-model"),
        ("usb-serial", "device-driver"), ("flask", "library"), ("aws-s3", "service"), ("odd", "something-else"))]
    text = cyclonedx_json("Infusion Pump UI", "2.4.0", items)
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    document = json.loads(text)
    assert {item["name"]: item["type"] for item in document["components"]} == {
        "debian": "operating-system", "postgres": "container", "classifier": "machine-learning-model",
        "usb-serial": "device-driver", "flask": "library", "aws-s3": "application", "odd": "library"}
    assert ("provenance:component_type", "service") in properties(component(document, "aws-s3"))
    assert not any(name == "provenance:component_type" for name, _ in properties(component(document, "debian")))


def test_an_empty_release_still_gives_a_valid_bom() -> None:
    text = cyclonedx_json("Infusion Pump UI", "0.1.0", [])
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None


def test_the_product_and_release_are_the_bom_subject() -> None:
    document = bom()
    subject = document["metadata"]["component"]
    assert (subject["type"], subject["name"], subject["version"]) == ("application", "Infusion Pump UI", "2.4.0")
    assert document["metadata"]["timestamp"].startswith("2026-11-21T12:00:00")
    assert document["serialNumber"] == f"urn:uuid:{SERIAL}"


def test_components_carry_purl_version_and_supplier() -> None:
    flask = component(bom(), "flask")
    assert flask["purl"] == "pkg:pypi/flask@3.1.0"
    assert flask["bom-ref"] == "pkg:pypi/flask@3.1.0"
    assert flask["version"] == "3.1.0"
    assert flask["supplier"] == {"name": "Pallets"}


def test_scoped_npm_names_keep_their_scope_in_the_purl() -> None:
    assert component(bom(), "@scope/test-kit")["purl"] == "pkg:npm/%40scope/test-kit@1.0.0"


def test_licences_are_an_id_an_expression_or_a_name() -> None:
    document = bom()
    assert component(document, "flask")["licenses"] == [{"license": {"id": "BSD-3-Clause"}}]
    assert component(document, "jinja2")["licenses"] == [{"expression": "BSD-3-Clause AND MIT"}]
    assert component(document, "markupsafe")["licenses"] == [{"license": {"name": "Acme-Custom"}}]
    assert "licenses" not in component(document, "@scope/test-kit")


def test_our_fields_travel_as_namespaced_properties() -> None:
    flask = properties(component(bom(), "flask"))
    assert ("provenance:classification", "SOUP") in flask
    assert ("provenance:safety_class", "B") in flask
    assert ("provenance:status", "approved") in flask
    assert ("provenance:scope", "runtime") in flask
    assert ("provenance:direct", "true") in flask
    assert ("provenance:requirements", "Serves the device's HTTP API") in flask
    assert ("provenance:hazard", "HAZ-12") in flask and ("provenance:hazard", "HAZ-31") in flask
    assert ("provenance:last_anomaly_review", "2026-11-01") in flask


def test_unknown_fields_are_left_out_rather_than_exported_empty() -> None:
    names = [name for name, _ in properties(component(bom(), "@scope/test-kit"))]
    assert "provenance:direct" not in names
    assert "provenance:classification" not in names


@pytest.mark.parametrize(
    ("scope", "expected"), [("runtime", "required"), ("optional", "optional"), ("dev", "excluded")]
)
def test_our_scopes_map_to_cyclonedx_scopes(scope: str, expected: str) -> None:
    item = ExportComponent(name="x", version="1", purl="pkg:pypi/x@1", scope=scope)
    assert component(bom([item]), "x")["scope"] == expected


def test_the_dependency_graph_follows_the_parents() -> None:
    graph = {entry["ref"]: set(entry.get("dependsOn", [])) for entry in bom()["dependencies"]}
    root = "provenance:Infusion Pump UI@2.4.0"
    assert graph[root] == {"pkg:pypi/flask@3.1.0", "pkg:npm/%40scope/test-kit@1.0.0"}
    assert graph["pkg:pypi/flask@3.1.0"] == {"pkg:pypi/jinja2@3.1.6"}
    assert graph["pkg:pypi/jinja2@3.1.6"] == {"pkg:pypi/markupsafe@3.0.2"}  # parent named by name
    assert graph["pkg:pypi/markupsafe@3.0.2"] == set()


def test_the_same_purl_twice_gets_distinct_bom_refs_and_stays_valid() -> None:
    text = cyclonedx_json("P", "1", [FLASK, FLASK])
    refs = [item["bom-ref"] for item in json.loads(text)["components"]]
    assert sorted(refs) == ["pkg:pypi/flask@3.1.0", "pkg:pypi/flask@3.1.0#2"]
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None


def test_a_component_without_a_readable_purl_is_exported_without_one() -> None:
    item = ExportComponent(name="vendored", version="0.3", ecosystem="generic", purl="not a purl")
    text = cyclonedx_json("P", "1", [item])
    exported = component(json.loads(text), "vendored")
    assert "purl" not in exported
    assert exported["bom-ref"] == "not a purl"
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None


def test_a_large_release_exports_to_a_valid_bom() -> None:
    items = [
        ExportComponent(
            name=f"pkg-{n}",
            version="1.0",
            purl=f"pkg:pypi/pkg-{n}@1.0",
            licence_expression="MIT",
            parents=(f"pkg:pypi/pkg-{n - 1}@1.0",) if n else (),
        )
        for n in range(500)
    ]
    text = cyclonedx_json("P", "1", items)
    assert len(json.loads(text)["components"]) == 500
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None


# --- the 62304 table ---------------------------------------------------------------------------


def test_the_table_starts_with_the_62304_identification_columns() -> None:
    rows = csv_rows(RELEASE)
    assert rows[0] == list(CSV_HEADER)
    assert rows[0][:3] == ["Title", "Manufacturer", "Version"]
    assert len(rows) == 1 + len(RELEASE)


def test_a_row_holds_every_field_in_header_order() -> None:
    row = dict(zip(CSV_HEADER, csv_rows([FLASK])[1], strict=True))
    assert row == {
        "Title": "flask",
        "Manufacturer": "Pallets",
        "Version": "3.1.0",
        "Package URL": "pkg:pypi/flask@3.1.0",
        "Licence": "BSD-3-Clause",
        "Classification": "SOUP",
        "Safety class": "B",
        "Direct": "Yes",
        "Scope": "Runtime",
        "Status": "Approved",
        "Requirements": "Serves the device's HTTP API",
        "Hazard references": "HAZ-12; HAZ-31",
        "Last anomaly review": "2026-11-01",
    }


def test_direct_is_blank_when_the_source_did_not_tell() -> None:
    assert csv_rows([JINJA, PYTEST])[1][7] == "No"
    assert csv_rows([JINJA, PYTEST])[2][7] == ""


@pytest.mark.parametrize("hostile", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tx"])
def test_cells_that_a_spreadsheet_would_run_as_formulas_are_quoted(hostile: str) -> None:
    row = csv_rows([ExportComponent(name=hostile, version="1")])[1]
    assert row[0] == "'" + hostile
