"""Forms of the inventory pages: they check shape; the services check the rules."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.db import ROW_ID_MAX, row_id
from app.inputs import BaseForm, WholeNumberField
from app.inventory.importers import FORMAT_LABELS, FORMATS
from app.inventory.models import Classification, ComponentStatus, ComponentType, RiskLevel, SafetyClass, Scope

SAFETY_CLASSES = [(c.value, f"Class {c.value}") for c in SafetyClass]
CLASSIFICATIONS = [("soup", "SOUP"), ("otss", "OTSS"), ("infrastructure", "Infrastructure")]
CLASSIFICATION_LABELS = dict(CLASSIFICATIONS)
assert {value for value, _ in CLASSIFICATIONS} == set(Classification)


TRANSITIVE_RULES = [
    ("direct", "Direct dependencies are documented; transitive ones are covered by their direct parent"),
    ("all", "Every component is documented"),
]
COMPONENT_TYPE_LABELS = {
    ComponentType.LIBRARY.value: "Library", ComponentType.FRAMEWORK.value: "Framework",
    ComponentType.APPLICATION.value: "Application", ComponentType.OPERATING_SYSTEM.value: "Operating system",
    ComponentType.PLATFORM.value: "Platform", ComponentType.CONTAINER.value: "Container",
    ComponentType.FIRMWARE.value: "Firmware", ComponentType.DEVICE.value: "Device",
    ComponentType.SERVICE.value: "Service", ComponentType.FILE.value: "File",
    ComponentType.DEVICE_DRIVER.value: "Device driver", ComponentType.MACHINE_LEARNING_MODEL.value: "Machine-learning model",
    ComponentType.DATA.value: "Data", ComponentType.CRYPTOGRAPHIC_ASSET.value: "Cryptographic asset",
}
assert set(COMPONENT_TYPE_LABELS) == set(ComponentType)
COMPONENT_TYPES = list(COMPONENT_TYPE_LABELS.items())


class ProductForm(BaseForm):
    name = StringField("Name", validators=[DataRequired("Name the product."), Length(max=200)])
    safety_class = SelectField("Safety class (IEC 62304)", choices=SAFETY_CLASSES)
    transitive_rule = SelectField("SOUPs of SOUPs", choices=TRANSITIVE_RULES, validators=[Optional()])
    description = TextAreaField("Description", validators=[Length(max=5000)])
    version = HiddenField(render_kw={"id": "product-version"})  # the release form beside it has a "version" field


class SoftwareItemForm(BaseForm):
    name = StringField("Software item", validators=[DataRequired("Name the software item."), Length(max=200)])
    safety_class = SelectField("Safety class", choices=SAFETY_CLASSES)
    lower_class_rationale = TextAreaField(
        "Rationale for lower-class components", validators=[Length(max=5000)],
        description="Only if components of this item may carry a lower class than the item (e.g. segregation).")


class SoftwareItemEditForm(BaseForm):
    safety_class = SelectField("Safety class", choices=SAFETY_CLASSES)
    lower_class_rationale = TextAreaField("Rationale for lower-class components", validators=[Length(max=5000)])


class ReleaseForm(BaseForm):
    version = StringField("Version", validators=[DataRequired("Give the release a version."), Length(max=100)],
                          description="e.g. 2.4.0. Changes are compared with the previous release you choose.")
    previous_release_id = SelectField("Compare with", coerce=row_id, choices=[], validate_choice=False)
    notes = TextAreaField("Notes", validators=[Length(max=5000)])


class ImportForm(BaseForm):
    files = FileField("Dependency files or SBOMs", validators=[FileRequired("Choose a file to import.")],
                      render_kw={"multiple": True},
                      description="Lock files, manifests, CycloneDX or SPDX. Re-importing a file of the same "
                                  "name replaces what it brought before.")
    format = SelectField("Format", choices=[("", "Detect from the file"), *sorted(
                             ((f, FORMAT_LABELS.get(f, f)) for f in FORMATS), key=lambda choice: choice[1].lower())],
                         validators=[Optional()])


BULK_ACTIONS = [
    ("classify", "Classify"), ("assess", "Mark the change assessed"), ("assign_item", "Assign to a software item"),
    ("set_fields", "Set requirements, hazards, risk level"), ("review", "Record an anomaly review"),
]
CONCLUSIONS = [("acceptable", "Acceptable"), ("needs_risk_control", "Needs risk control"), ("reject", "Reject")]


class BulkForm(BaseForm):
    action = SelectField("With the selected components", choices=BULK_ACTIONS)
    classification = SelectField("Classification", choices=[("", "—"), *CLASSIFICATIONS], validators=[Optional()])
    safety_class = SelectField("Safety class", choices=[("", "keep"), *SAFETY_CLASSES], validators=[Optional()])
    note = StringField("Rationale or assessment note", validators=[Length(max=2000)])
    software_item_id = SelectField("Software item", coerce=row_id, choices=[], validate_choice=False,
                                   validators=[Optional()])
    requirements = TextAreaField("Functional and performance requirements (5.3.3)", validators=[Length(max=10000)])
    hw_sw_needed = TextAreaField("Hardware and software needed (5.3.4)", validators=[Length(max=10000)])
    hazard_refs = TextAreaField("Hazard references (7.1.2)", validators=[Length(max=10000)])
    risk_level = SelectField("Risk level", choices=[("", "keep"), *[(r.value, r.value.capitalize()) for r in RiskLevel
                                                                     if r is not RiskLevel.NOT_ASSESSED]],
                             validators=[Optional()])
    overwrite = BooleanField("Replace existing values")
    anomalies = TextAreaField("Relevant anomalies found (7.1.3)", validators=[Length(max=10000)])
    conclusion = SelectField("Conclusion", choices=CONCLUSIONS, validators=[Optional()])


class NewComponentForm(BaseForm):
    name = StringField("Name", validators=[DataRequired("Name the component."), Length(max=300)],
                       description="e.g. Ubuntu Server, PostgreSQL, Chrome, Amazon S3")
    version = StringField("Exact version", validators=[DataRequired("Give the exact version in use."), Length(max=120)])
    component_type = SelectField("Type", choices=COMPONENT_TYPES, default=ComponentType.APPLICATION.value)
    classification = SelectField("Classification (per use)", choices=[("", "Not classified yet"), *CLASSIFICATIONS])
    supplier_id = SelectField("Supplier", coerce=row_id, choices=[], validate_choice=False, validators=[Optional()])
    manufacturer = StringField("Manufacturer", validators=[Length(max=300)])
    purl = StringField("Package URL (if one exists)", validators=[Length(max=600)])
    cpe = StringField("CPE (if one exists)", validators=[Length(max=500)],
                      description="e.g. cpe:2.3:o:canonical:ubuntu_linux:22.04:*:*:*:lts:*:*:*")
    licence_expression = StringField("Licence (SPDX expression)", validators=[Length(max=1000)])
    software_item_id = SelectField("Software item", coerce=row_id, choices=[], validate_choice=False,
                                   validators=[Optional()])
    description = TextAreaField("Description and versions supported", validators=[Length(max=10000)],
                                description="e.g. the browser version matrix")


class RetireForm(BaseForm):
    reason = StringField("Why it is retired", validators=[DataRequired("Say why."), Length(max=2000)])


class LicenceDecisionForm(BaseForm):
    decision = SelectField("Decision", choices=[("accept", "Accept the licence for this use"), ("reject", "Reject")])
    reason = TextAreaField("Reason", validators=[DataRequired("Give the reason."), Length(max=5000)])


class ComponentForm(BaseForm):
    row_version = HiddenField()
    name = StringField("Title (name)", validators=[DataRequired(), Length(max=300)])
    version = StringField("Version (exact)", validators=[DataRequired(), Length(max=120)])
    ecosystem = StringField("Ecosystem", validators=[DataRequired(), Length(max=40)])
    purl = StringField("Package URL", validators=[Length(max=600)])
    manufacturer = StringField("Manufacturer", validators=[Length(max=300)])
    repository_url = StringField("Repository", validators=[Length(max=500)])
    licence_expression = StringField("Licence (SPDX expression)", validators=[Length(max=1000)])
    scope = SelectField("Scope", choices=[(s.value, s.value.capitalize()) for s in Scope])
    classification = SelectField("Classification (per use)", choices=[("", "Not classified yet"), *CLASSIFICATIONS])
    classification_rationale = TextAreaField("Rationale of the classification", validators=[Length(max=5000)])
    component_type = SelectField("Type", choices=COMPONENT_TYPES, validators=[Optional()])
    cpe = StringField("CPE", validators=[Length(max=500)])
    software_item_id = SelectField("Software item", coerce=row_id, choices=[], validate_choice=False,
                                   validators=[Optional()],
                                   description="The component takes the class of its software item.")
    safety_class = SelectField("Safety class", choices=SAFETY_CLASSES,
                               description="The class of its software item (of the product without one).")
    class_rationale = TextAreaField("Rationale for a lower class", validators=[Length(max=5000)],
                                    description="Needed when the class is lower than its software item's.")
    requirements = TextAreaField("Functional and performance requirements (62304 5.3.3)",
                                 validators=[Length(max=10000)])
    hw_sw_needed = TextAreaField("Hardware and software needed (62304 5.3.4)", validators=[Length(max=10000)])
    hazard_refs = TextAreaField("Hazardous situations / hazard references (62304 7.1.2)",
                                validators=[Length(max=10000)])
    risk_level = SelectField("Risk level", choices=[(r.value, r.value.capitalize() or "Not assessed") for r in RiskLevel])
    status = SelectField("Status", choices=[(s.value, s.value.replace("_", " ").capitalize()) for s in ComponentStatus])
    description = TextAreaField("Description", validators=[Length(max=10000)])


class AssessForm(BaseForm):
    note = TextAreaField("Assessment of the change", validators=[DataRequired("Describe the assessment."),
                                                                  Length(max=5000)])


class SupplierLinkForm(BaseForm):
    supplier_id = WholeNumberField("Supplier", validators=[Optional(), NumberRange(0, ROW_ID_MAX)])
    create = BooleanField("Create a candidate open-source supplier from this component")
    unlink = BooleanField("Remove the link")
