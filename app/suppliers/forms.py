"""Forms of the suppliers blueprint: shape only; rules live in services."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import URL, DataRequired, Email, Length, Optional

from app.formatting import humanise
from app.inputs import BaseForm
from app.signatures.forms import SignatureForm, SignerFields
from app.suppliers.models import (
    CertificateStandard,
    Criticality,
    PerformanceEventType,
    ReceiptResult,
    Severity,
    SupplierKind,
)


def choices(enum: type, blank: str | None = None) -> list[tuple[str, str]]:
    items = [(member.value, humanise(member.value)) for member in enum]  # type: ignore[attr-defined]
    return ([("", blank)] if blank is not None else []) + items


class SupplierForm(BaseForm):
    code = StringField("Code", validators=[DataRequired(), Length(max=40)], description="Unique, e.g. SUP-014.")
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    kind = SelectField("Kind", choices=choices(SupplierKind))
    website = StringField("Website", validators=[Optional(), URL(require_tld=False), Length(max=500)])
    repository_url = StringField("Repository URL", validators=[Optional(), URL(require_tld=False), Length(max=500)])
    scope = TextAreaField("What it supplies (scope)", validators=[Length(max=5000)])
    supplies_soup_class_c = BooleanField("Supplies SOUP for a class C software item")
    supplies_high_risk_otss = BooleanField("Supplies an OTSS feature with high process risk")
    hosts_device = BooleanField("Hosts the device software")
    supplies_soup_class_b = BooleanField("Supplies SOUP for a class B software item")
    otss_holds_part11_records = BooleanField("Supplies OTSS that holds Part 11 records")
    manual_criticality = SelectField(
        "Criticality", choices=choices(Criticality, "Default rule (from the facts above)"),
        description="Leave on the default rule unless there is a reason to set it by hand.",
    )
    criticality_rationale = TextAreaField(
        "Rationale for a criticality set by hand", validators=[Length(max=5000)],
        description="Required when the criticality is set by hand.",
    )
    notes = TextAreaField("Notes", validators=[Length(max=5000)])
    version = HiddenField()


class NewSupplierForm(SupplierForm):
    contact_name = StringField("Contact name", validators=[Optional(), Length(max=200)])
    contact_email = EmailField("Contact e-mail", validators=[Optional(), Email(check_deliverability=False), Length(max=254)])
    contact_role = StringField("Contact role", validators=[Optional(), Length(max=120)])


class ContactForm(BaseForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    email = EmailField("E-mail", validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])
    role = StringField("Role", validators=[Optional(), Length(max=120)])


class CertificateForm(BaseForm):
    standard = SelectField("Standard", choices=[(s.value, s.value.replace("other", "Other")) for s in CertificateStandard])
    number = StringField("Certificate number", validators=[Optional(), Length(max=120)])
    issuer = StringField("Issuer", validators=[Optional(), Length(max=200)])
    valid_until = DateField("Valid until", validators=[DataRequired("Enter the expiry date.")])
    evidence = FileField("Evidence (PDF, PNG, JPG, DOCX, XLSX)")


class CertificateEditForm(BaseForm):
    version = HiddenField()
    number = StringField("Certificate number", validators=[Optional(), Length(max=120)])
    issuer = StringField("Issuer", validators=[Optional(), Length(max=200)])
    valid_until = DateField("Valid until", validators=[DataRequired("Enter the expiry date.")])
    evidence = FileField("Replace evidence (PDF, PNG, JPG, DOCX, XLSX)", description="Leave empty to keep the current file.")


class CertificateVoidForm(BaseForm):
    version = HiddenField()
    reason = TextAreaField(
        "Reason for voiding", validators=[DataRequired("Give the reason for voiding the certificate."), Length(max=2000)],
        description="Kept on record and shown with the struck-through certificate.",
    )


class PerformanceEventForm(BaseForm):
    occurred_on = DateField("Date", validators=[DataRequired("Enter the date of the event.")])
    type = SelectField("Type", choices=choices(PerformanceEventType))
    severity = SelectField("Severity", choices=choices(Severity))
    reference = StringField("Reference", validators=[Optional(), Length(max=300)], description="Ticket, advisory id or URL.")
    description = TextAreaField("Description", validators=[Length(max=5000)])


STATUS_ACTION_LABELS = {
    "suspend": "Suspend",
    "reactivate": "Reactivate (approved)",
    "disqualify": "Disqualify",
    "inactivate": "Make inactive",
    "reevaluate": "Recall for re-evaluation",
}


class StatusChangeForm(SignatureForm):
    meaning = None  # set by the action (services.STATUS_ACTIONS), not chosen by the signer
    action = SelectField(
        "Status change", choices=list(STATUS_ACTION_LABELS.items()),
        description="Disqualifying is signed with the meaning 'rejected', every other change with 'approved'.",
    )
    reason = TextAreaField("Reason", validators=[DataRequired("Give a reason for the status change."), Length(max=2000)])


class PurchaseForm(BaseForm):
    reference = StringField("Order reference", validators=[Optional(), Length(max=80)])
    product = StringField("Product", validators=[DataRequired(), Length(max=200)])
    product_version = StringField("Version", validators=[Optional(), Length(max=80)])
    quantity = StringField("Quantity", validators=[Optional(), Length(max=120)], description="E.g. 50 named users.")
    specification = TextAreaField("Specification (product requirements)", validators=[Length(max=10000)])
    process_requirements = TextAreaField(
        "Process requirements", validators=[Length(max=10000)],
        description="Requirements for the supplier's procedures, processes and equipment (ISO 13485 7.4.2 a).",
    )
    personnel_requirements = TextAreaField(
        "Qualification of the supplier's personnel", validators=[Length(max=10000)],
        description="ISO 13485 7.4.2 b), e.g. certified administrators for a hosted service.",
    )
    acceptance_criteria = TextAreaField("Acceptance criteria", validators=[Length(max=10000)])
    qms_requirements = TextAreaField("QMS requirements", validators=[Length(max=10000)])
    change_notification_agreed = BooleanField("Change notification agreed with the supplier")
    licence = StringField("Licence", validators=[Optional(), Length(max=200)])
    version = HiddenField()


class ReceiptForm(SignerFields, BaseForm):
    received_version = StringField("Received version", validators=[Optional(), Length(max=80)])
    version_checked = BooleanField("Version checked against the order")
    checksum = StringField("Checksum (e.g. sha256)", validators=[Optional(), Length(max=200)])
    checksum_checked = BooleanField("Checksum verified")
    licence_checked = BooleanField("Licence checked")
    installation_checked = BooleanField("Installation checked")
    validation_reference = StringField("Or link to a validation", validators=[Optional(), Length(max=300)])
    result = SelectField("Result", choices=[("", "Choose…"), *choices(ReceiptResult)])
    notes = TextAreaField("Notes", validators=[Length(max=5000)])
    password = PasswordField(
        "Your password", validators=[DataRequired("Enter your password to sign the verification.")],
        description="You sign this verification (meaning: verified); signing is the legally binding equivalent "
                    "of your handwritten signature.",
    )
