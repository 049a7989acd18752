"""A component keeps the type its SBOM gives it, every CycloneDX type among them (a machine-learning model, a device
driver, a data set with a purl), and reads as a label; editing such a component keeps its type.

The ML-BOM is CycloneDX's own example (tests/data/realworld/SOURCES.md): a fictional text classifier with its two
data sets."""

from __future__ import annotations

import json

from sqlalchemy import select

from app.access import Role
from app.extensions import db
from app.inventory.forms import COMPONENT_TYPE_LABELS
from app.inventory.models import Component, ComponentType
from tests.helpers import DATA
from tests.inventory.factories import release_with

MLBOM = DATA / "realworld" / "cyclonedx" / "bom-examples-mlbom-model-card-with-dataset-1.7.cdx.json"
# The component types of CycloneDX 1.7 (bom-1.7.schema.json, component.type).
CYCLONEDX_TYPES = {"application", "framework", "library", "container", "platform", "operating-system", "device",
                   "device-driver", "firmware", "file", "machine-learning-model", "data", "cryptographic-asset"}


def test_every_cyclonedx_component_type_is_a_type_of_ours_with_a_label():
    assert set(ComponentType) >= CYCLONEDX_TYPES
    assert set(COMPONENT_TYPE_LABELS) == set(ComponentType)
    assert COMPONENT_TYPE_LABELS["machine-learning-model"] == "Machine-learning model"


def test_an_imported_machine_learning_model_reads_as_one_and_an_edit_keeps_its_type(app, login_as):
    raw = json.loads(MLBOM.read_bytes())
    model = next(item for item in raw["components"] if item["type"] == "machine-learning-model")
    release, _summary = release_with("Triage", "1.0", {MLBOM.name: MLBOM.read_bytes()})
    component = db.session.scalars(select(Component).where(Component.release_id == release.id,
                                                           Component.name == model["name"])).one()
    assert component.component_type == "machine-learning-model"
    component_id, row_version = component.id, component.row_version
    db.session.commit()
    client = login_as(Role.ENGINEER)
    page = client.get(f"/components/{component_id}").get_data(as_text=True)
    assert "<dt>Type</dt><dd>Machine-learning model</dd>" in page
    assert '<option selected value="machine-learning-model">Machine-learning model</option>' in page

    form = {"row_version": row_version, "name": model["name"], "version": model["version"], "ecosystem": "generic",
            "component_type": "machine-learning-model", "scope": "runtime", "classification": "soup",
            "safety_class": "A", "risk_level": "", "status": "proposed"}
    response = client.post(f"/components/{component_id}/edit", data=form)

    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    saved = db.session.get(Component, component_id)
    assert saved.component_type == "machine-learning-model" and saved.classification == "soup"
