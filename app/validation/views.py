"""OTSS validation pages: systems register, functions, protocols, execution, deviations, reports,
change requests and periodic reviews. Views parse a form, call one service, commit, redirect."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import FileStorage

from app import unit_of_work
from app.access import Permission, permission_required
from app.audit import services as audit
from app.db import stated_id
from app.errors import NotFound
from app.extensions import db
from app.pagination import paginate
from app.signatures import services as signature_services
from app.signatures.forms import signature_form
from app.signatures.models import Meaning
from app.signatures.services import SignTarget
from app.storage import send_stored
from app.suppliers.models import Supplier
from app.validation import forms, policies, services
from app.validation.models import (
    ChangeRequest,
    Deviation,
    Execution,
    Function,
    PeriodicReview,
    Protocol,
    SoftwareSystem,
    TestCase,
    TestStep,
)
from app.validation.rules import (
    DeviationStatus,
    ProtocolStatus,
    ReportStatus,
    SystemStatus,
    assurance_needed,
    review_state,
)

bp = Blueprint("validation", __name__, url_prefix="/validation")

F = TypeVar("F")


def _get(model: type, record_id: int) -> Any:
    record = db.session.get(model, record_id)
    if record is None:
        raise NotFound("There is no such record.")
    return record


def _edit_form(form_class: Callable[..., F], record: Any) -> F:
    """The edit form of a versioned record: filled from it when shown, with the version a save is checked against."""
    if request.method != "GET":
        return form_class()
    form: Any = form_class(obj=record)
    form.version.data = str(record.version)
    return cast(F, form)


def _confirmed(action: Callable[[], object]) -> bool:
    """A confirm button was pressed and its one service call went through."""
    return forms.ConfirmForm().validate_on_submit() and unit_of_work.run(action).ok


def _version(form: Any) -> int | None:
    value = form.version.data
    return stated_id(value)


def _htmx() -> bool:
    """The request comes from htmx (a change in place): the answer is the changed fragment, not a redirect."""
    return request.headers.get("HX-Request") == "true"


def _focus(field: Any) -> None:
    """The field gets the focus when htmx swaps the fragment in (the form stays open for the next entry)."""
    field.render_kw = {**(field.render_kw or {}), "autofocus": True}


def _upload(field: Any) -> FileStorage | None:
    storage = field.data
    return storage if isinstance(storage, FileStorage) and storage.filename else None


# --- Systems --------------------------------------------------------------------------------------


@bp.route("/systems")
@permission_required(Permission.VALIDATION_READ)
def systems_list() -> Any:
    status = request.args.get("status", "")
    deployment = request.args.get("deployment", "")
    q = request.args.get("q", "")
    page = paginate(services.systems_query(status=status, deployment=deployment, q=q))
    return render_template(
        "validation/systems_list.html", page=page, status=status, deployment=deployment, q=q,
        statuses=list(SystemStatus), deployments=forms.DEPLOYMENT_CHOICES, today=services.today(),
        deployment_labels=dict(forms.DEPLOYMENT_CHOICES),
        soon_days=current_app.config["VALIDATION_REVIEW_DUE_SOON_DAYS"], review_state=review_state,
    )


def _supplier_choices(form: forms.SystemForm) -> None:
    suppliers = db.session.execute(select(Supplier.id, Supplier.code, Supplier.name).order_by(Supplier.name)).all()
    form.supplier_id.choices = [(0, "Choose…")] + [(s.id, f"{s.name} ({s.code})") for s in suppliers]


def _system_data(form: forms.SystemForm) -> services.SystemData:
    return services.SystemData(
        supplier_id=form.supplier_id.data or 0, product=form.product.data or "",
        version_in_use=form.version_in_use.data or "", deployment=form.deployment.data or "",
        intended_use=form.intended_use.data or "", qms_processes=form.qms_processes.data or "",
        in_scope=bool(form.in_scope.data), scope_rationale=form.scope_rationale.data or "",
        holds_part11_records=bool(form.holds_part11_records.data), gamp_category=form.gamp_category.data or "",
        inventory_component_ref=form.inventory_component_ref.data,
    )


@bp.route("/systems/new", methods=["GET", "POST"])
@permission_required(Permission.VALIDATION_EDIT)
def systems_create() -> Any:
    form = forms.SystemForm()
    _supplier_choices(form)
    if form.validate_on_submit() and (
        system := unit_of_work.run(lambda: services.create_system(_system_data(form), current_user)).value
    ) is not None:
        flash(f"{system.product} registered. Now list its functions and their process risk.", "success")
        return redirect(url_for("validation.systems_detail", system_id=system.id))
    return render_template("validation/systems_form.html", form=form, system=None)


@bp.route("/systems/<int:system_id>/edit", methods=["GET", "POST"])
@permission_required(Permission.VALIDATION_EDIT)
def systems_edit(system_id: int) -> Any:
    system = _get(SoftwareSystem, system_id)
    form = _edit_form(forms.SystemForm, system)
    _supplier_choices(form)
    if form.validate_on_submit() and unit_of_work.run(
        lambda: services.update_system(system, _system_data(form), current_user, _version(form))
    ).ok:
        flash("System saved.", "success")
        return redirect(url_for("validation.systems_detail", system_id=system_id))
    return render_template("validation/systems_form.html", form=form, system=system)


@bp.route("/systems/<int:system_id>")
@permission_required(Permission.VALIDATION_READ)
def systems_detail(system_id: int) -> Any:
    system = db.session.scalar(
        select(SoftwareSystem).where(SoftwareSystem.id == system_id).options(
            selectinload(SoftwareSystem.supplier), selectinload(SoftwareSystem.functions),
            selectinload(SoftwareSystem.protocols).selectinload(Protocol.author),
            selectinload(SoftwareSystem.protocols).selectinload(Protocol.report),
        )
    )
    if system is None:
        raise NotFound("There is no such system.")
    return _system_page(system)


def _system_page(system: SoftwareSystem, status: int = 200, template: str = "validation/systems_detail.html",
                 **form_overrides: Any) -> Any:
    changes = list(db.session.scalars(
        select(ChangeRequest).where(ChangeRequest.system_id == system.id)
        .options(selectinload(ChangeRequest.requested_by), selectinload(ChangeRequest.protocol))
        .order_by(ChangeRequest.id.desc())
    ))
    reviews = list(db.session.scalars(
        select(PeriodicReview).where(PeriodicReview.system_id == system.id)
        .options(selectinload(PeriodicReview.reviewer)).order_by(PeriodicReview.id.desc())
    ))
    active = next((p for p in system.protocols if p.status in services.ACTIVE_PROTOCOL_STATES), None)
    latest = system.protocols[-1] if system.protocols else None
    sign_target = services.protocol_sign_target(latest) if latest else None
    return render_template(
        template, system=system, changes=changes, reviews=reviews, active=active,
        fragment=template != "validation/systems_detail.html", keep_open=form_overrides.get("keep_open", False),
        editing=form_overrides.get("editing"), edit_form=form_overrides.get("edit_form"),
        sign_target=sign_target, assurance_needed=assurance_needed, deployment_labels=dict(forms.DEPLOYMENT_CHOICES),
        function_form=form_overrides.get("function_form") or forms.FunctionForm(prefix="function"),
        change_form=form_overrides.get("change_form") or forms.ChangeRequestForm(prefix="change"),
        confirm=forms.ConfirmForm(),
        review_state=review_state(system.next_periodic_review, services.today(),
                                  current_app.config["VALIDATION_REVIEW_DUE_SOON_DAYS"]),
        can_create_protocol=current_user.has(Permission.VALIDATION_EDIT) and active is None and system.status in (
            SystemStatus.PLANNED, SystemStatus.VALIDATION_IN_PROGRESS, SystemStatus.CHANGE_IN_PROGRESS),
        can_change=current_user.has(Permission.VALIDATION_EDIT) and system.status == SystemStatus.RELEASED
        and not any(c.status != "closed" for c in changes),
        can_review=policies.can_perform_periodic_review(current_user) and system.status == SystemStatus.RELEASED,
        history_parts=audit.parts_of((Function, Function.system_id == system.id))
        if template == "validation/systems_detail.html" else {},
    ), status


# --- Functions ------------------------------------------------------------------------------------


def _functions_fragment(system_id: int, status: int = 200, **overrides: Any) -> Any:
    """The functions block of the system page, as htmx swaps it in after a change in place."""
    return _system_page(_get(SoftwareSystem, system_id), status, "validation/_functions.html", **overrides)


@bp.route("/systems/<int:system_id>/functions", methods=["POST"])
@permission_required(Permission.VALIDATION_EDIT)
def functions_create(system_id: int) -> Any:
    system = _get(SoftwareSystem, system_id)
    form = forms.FunctionForm(prefix="function")
    if form.validate_on_submit() and unit_of_work.run(lambda: services.add_function(
        system, current_user, description=form.description.data or "", use=form.use.data or "",
        process_risk=form.process_risk.data or "", rationale=form.rationale.data or "",
    )).ok:
        flash("Function added.", "success")
        if _htmx():
            fresh = forms.FunctionForm(prefix="function", formdata=None)
            _focus(fresh.description)
            return _functions_fragment(system_id, function_form=fresh, keep_open=True)
        return redirect(url_for("validation.systems_detail", system_id=system_id, _anchor="functions"))
    if form.errors:
        flash("The function was not added: check the fields marked below.", "error")
    if _htmx():
        return _functions_fragment(system_id, 422, function_form=form, keep_open=True)
    return _system_page(_get(SoftwareSystem, system_id), 422, function_form=form)


@bp.route("/functions/<int:function_id>/edit", methods=["GET", "POST"])
@permission_required(Permission.VALIDATION_EDIT)
def functions_edit(function_id: int) -> Any:
    function = _get(Function, function_id)
    form = _edit_form(forms.FunctionForm, function)
    if form.validate_on_submit() and unit_of_work.run(lambda: services.update_function(
        function, current_user, description=form.description.data or "", use=form.use.data or "",
        process_risk=form.process_risk.data or "", rationale=form.rationale.data or "",
        expected_version=_version(form),
    )).ok:
        flash("Function saved.", "success")
        if _htmx():
            return _functions_fragment(function.system_id)
        return redirect(url_for("validation.systems_detail", system_id=function.system_id, _anchor="functions"))
    if _htmx():
        _focus(form.description)
        return _functions_fragment(function.system_id, 200 if request.method == "GET" else 422,
                                   editing=function, edit_form=form)
    return render_template("validation/functions_form.html", form=form, function=function)


@bp.route("/functions/<int:function_id>/retire", methods=["POST"])
@permission_required(Permission.VALIDATION_EDIT)
def functions_retire(function_id: int) -> Any:
    function = _get(Function, function_id)
    if _confirmed(lambda: services.retire_function(function, current_user)):
        flash(f"Function retired: {function.description}. It stays on record.", "success")
    if _htmx():
        return _functions_fragment(function.system_id)
    return redirect(url_for("validation.systems_detail", system_id=function.system_id, _anchor="functions"))


# --- Protocols ------------------------------------------------------------------------------------


@bp.route("/systems/<int:system_id>/protocols", methods=["POST"])
@permission_required(Permission.VALIDATION_EDIT)
def protocols_create(system_id: int) -> Any:
    system = _get(SoftwareSystem, system_id)
    if forms.ConfirmForm().validate_on_submit() and (
        protocol := unit_of_work.run(lambda: services.create_protocol(system, current_user)).value
    ) is not None:
        flash(f"Protocol v{protocol.number} started as a draft.", "success")
        return redirect(url_for("validation.protocols_detail", protocol_id=protocol.id))
    return redirect(url_for("validation.systems_detail", system_id=system_id))


def _sign_form(prefix: str, meaning: str) -> forms.SignatureForm:
    return signature_form(meaning, prefix=prefix)


def _case_form(protocol: Protocol, form: forms.TestCaseForm | None = None) -> forms.TestCaseForm:
    form = form or forms.TestCaseForm(prefix="case")
    form.function_id.choices = [(0, "— none —")] + [
        (f.id, f"{f.description} ({'high' if f.process_risk == 'high' else 'not high'} risk)")
        for f in protocol.system.functions if f.retired_at is None or f.id == form.function_id.data
    ]
    return form


def _execution_form(protocol: Protocol, entries: list[Execution], form: forms.ExecutionForm | None = None,
                    ) -> forms.ExecutionForm:
    """The result form, on the first step not yet run (so the tester goes straight down the protocol)."""
    if form is None:
        form = forms.ExecutionForm(prefix="run")
        if not form.target.data:
            form.target.data = services.next_target(protocol, entries)
    options = []
    for case in protocol.test_cases:
        if case.is_scripted:
            options += [(f"{case.id}:{step.id}", f"{case.code} step {step.order}: {step.action[:70]}")
                        for step in case.steps]
        else:
            options.append((f"{case.id}:", f"{case.code} ({case.method.replace('_', ' ')}): {case.objective[:60]}"))
    form.target.choices = options
    if not form.tested_version.data:
        form.tested_version.data = protocol.system_version
    return form


def _protocol_page(protocol: Protocol, status: int = 200, template: str = "validation/protocols_detail.html",
                   **overrides: Any) -> Any:
    entries = services.executions_of(protocol)
    testers = {e.tester_id for e in entries}
    sign_target = services.protocol_sign_target(protocol)
    header = overrides.get("header_form")
    if header is None:
        header = forms.ProtocolForm(prefix="protocol", obj=protocol)
        header.version.data = str(protocol.version)
    user = current_user
    corrected = {e.corrects_id for e in entries if e.corrects_id}
    return render_template(
        template, protocol=protocol, system=protocol.system, entries=entries,
        fragment=template != "validation/protocols_detail.html", keep_open=overrides.get("keep_open", False),
        editing=overrides.get("editing"), edit_form=overrides.get("edit_form"),
        editing_step=overrides.get("editing_step"), step_edit_form=overrides.get("step_edit_form"),
        corrected=corrected, counts=services.counts(protocol, entries), gaps=services.coverage(protocol),
        functions=services.protocol_functions(protocol), sign_target=sign_target, header_form=header,
        case_form=_case_form(protocol, overrides.get("case_form")),
        step_forms={c.id: forms.StepForm(prefix=f"step{c.id}") for c in protocol.test_cases}
        | overrides.get("step_forms", {}),
        bulk_forms={c.id: forms.BulkStepsForm(prefix=f"steps{c.id}") for c in protocol.test_cases}
        | overrides.get("bulk_forms", {}),
        submit_form=overrides.get("submit_form") or _sign_form("submit", Meaning.AUTHORED),
        review_form=overrides.get("review_form") or _sign_form("review", Meaning.REVIEWED),
        approve_form=overrides.get("approve_form") or _sign_form("approve", Meaning.APPROVED),
        justify_form=overrides.get("justify_form") or _justify_form(),
        reason_form=forms.ReasonForm(prefix="return"), withdraw_form=forms.ReasonForm(prefix="withdraw"),
        execution_form=_execution_form(protocol, entries, overrides.get("execution_form")), confirm=forms.ConfirmForm(),
        history_parts=audit.parts_of(
            (TestCase, TestCase.protocol_id == protocol.id),
            (TestStep, TestStep.test_case_id.in_(select(TestCase.id).where(TestCase.protocol_id == protocol.id))),
            (Execution, Execution.protocol_id == protocol.id))
        if template == "validation/protocols_detail.html" else {},
        reviewed=services.reviewed_this_round(sign_target) is not None,
        why_not_approve=_why_not(user, protocol, sign_target, Meaning.APPROVED, policies.can_approve_protocol),
        why_not_review=_why_not(user, protocol, sign_target, Meaning.REVIEWED, policies.can_review),
        review_excludes_approval={Meaning.REVIEWED, Meaning.APPROVED} <= signature_services.separate_meanings(
            sign_target.entity_type),
        can_edit=policies.can_edit_protocol(user, protocol), can_submit=policies.can_submit(user, protocol),
        can_review=policies.can_review(user, protocol) and protocol.status == ProtocolStatus.IN_REVIEW
        and signature_services.may_sign(sign_target, user, Meaning.REVIEWED),
        can_return=protocol.status == ProtocolStatus.IN_REVIEW and (
            policies.can_review(user, protocol) or policies.can_approve_protocol(user, protocol)),
        can_approve=policies.can_approve_protocol(user, protocol) and protocol.status == ProtocolStatus.IN_REVIEW
        and signature_services.may_sign(sign_target, user, Meaning.APPROVED),
        can_justify=policies.can_justify_coverage(user, protocol),
        can_start=user.has(Permission.VALIDATION_EXECUTE) and protocol.status == ProtocolStatus.APPROVED,
        can_execute=policies.can_execute(user, protocol), can_withdraw=policies.can_withdraw(user, protocol),
        can_close=policies.can_close_deviation(user) and not (
            protocol.report is not None and protocol.report.status == ReportStatus.APPROVED),
        testers=testers,
    ), status


def _why_not(user: Any, protocol: Protocol, target: SignTarget, meaning: str,
             allowed: Callable[[Any, Protocol], bool]) -> str:
    """Why someone whose role signs with this meaning may not sign this protocol in review ("" when they may, or
    when the role does not sign so): the page says it instead of leaving them without a form."""
    if protocol.status != ProtocolStatus.IN_REVIEW or not allowed(user, protocol):
        return ""
    return signature_services.separation_refusal(target, user, meaning) or ""


def _justify_form() -> forms.JustificationForm:
    form = forms.JustificationForm(prefix="justify")
    form.meaning.choices = [(Meaning.APPROVED, "Approved")]
    return form


@bp.route("/protocols/<int:protocol_id>")
@permission_required(Permission.VALIDATION_READ)
def protocols_detail(protocol_id: int) -> Any:
    return _protocol_page(services.load_protocol(protocol_id))


def _back(protocol_id: int, anchor: str | None = None) -> Any:
    return redirect(url_for("validation.protocols_detail", protocol_id=protocol_id, _anchor=anchor))


@bp.route("/protocols/<int:protocol_id>/edit", methods=["POST"])
@permission_required(Permission.VALIDATION_EDIT)
def protocols_edit(protocol_id: int) -> Any:
    protocol = services.load_protocol(protocol_id)
    form = forms.ProtocolForm(prefix="protocol")
    return _protocol_form(protocol_id, "header", form, lambda: services.update_protocol(
        protocol, current_user, system_version=form.system_version.data or "", scope=form.scope.data or "",
        requirements=form.requirements.data or "", acceptance_criteria=form.acceptance_criteria.data or "",
        test_environment=form.test_environment.data or "", prerequisites=form.prerequisites.data or "",
        expected_version=_version(form),
    ), "Protocol saved.")


def _protocol_form(protocol_id: int, name: str, form: Any, action: Callable[[], object], done: str,
                   anchor: str | None = None) -> Any:
    """A form of the protocol page runs its one service call; when refused, the page comes back (422) with the form kept."""
    if form.validate_on_submit() and unit_of_work.run(action).ok:
        flash(done, "success")
        return _back(protocol_id, anchor)
    return _protocol_page(services.load_protocol(protocol_id), 422, **{f"{name}_form": form})


def _cases_fragment(protocol_id: int, status: int = 200, **overrides: Any) -> Any:
    """The test cases block of the protocol page (with the coverage out of band), as htmx swaps it in."""
    return _protocol_page(services.load_protocol(protocol_id), status, "validation/_test_cases.html", **overrides)


def _case_change(protocol_id: int, action: Callable[[], object], done: str, anchor: str, *, valid: bool = True,
                 refused: Callable[[], Any] | None = None, **after: Any) -> Any:
    """A change of a test case or step: in place (the test cases block) under htmx, else a redirect to the page;
    when refused, the block (422) or the page comes back with what was typed kept by `refused`."""
    if valid and unit_of_work.run(action).ok:
        flash(done, "success")
        return _cases_fragment(protocol_id, **after) if _htmx() else _back(protocol_id, anchor)
    if refused is not None:
        return refused()
    return _cases_fragment(protocol_id, 422) if _htmx() else _back(protocol_id, anchor)


@bp.route("/protocols/<int:protocol_id>/test-cases", methods=["POST"])
@permission_required(Permission.VALIDATION_EDIT)
def test_cases_create(protocol_id: int) -> Any:
    protocol = services.load_protocol(protocol_id)
    form = _case_form(protocol)
    if not _htmx():
        return _protocol_form(protocol_id, "case", form, lambda: services.add_test_case(
            protocol, current_user, method=form.method.data or "", objective=form.objective.data or "",
            function_id=form.function_id.data or None, expected_result=form.expected_result.data or "",
        ), "Test case added.", "test-cases")
    fresh = forms.TestCaseForm(prefix="case", formdata=None)
    _focus(fresh.method)
    return _case_change(protocol_id, lambda: services.add_test_case(
        protocol, current_user, method=form.method.data or "", objective=form.objective.data or "",
        function_id=form.function_id.data or None, expected_result=form.expected_result.data or "",
    ), "Test case added.", "test-cases", valid=form.validate_on_submit(), case_form=fresh, keep_open=True,
        refused=lambda: _cases_fragment(protocol_id, 422, case_form=form, keep_open=True))


@bp.route("/test-cases/<int:case_id>/edit", methods=["GET", "POST"])
@permission_required(Permission.VALIDATION_EDIT)
def test_cases_edit(case_id: int) -> Any:
    case = _get(TestCase, case_id)
    form = _case_form(case.protocol, _edit_form(forms.TestCaseForm, case))
    if request.method == "GET":
        form.function_id.data = case.function_id or 0
    if form.validate_on_submit() and unit_of_work.run(lambda: services.update_test_case(
        case, current_user, method=form.method.data or "", objective=form.objective.data or "",
        function_id=form.function_id.data or None, expected_result=form.expected_result.data or "",
        expected_version=_version(form),
    )).ok:
        flash("Test case saved.", "success")
        return _cases_fragment(case.protocol_id) if _htmx() else _back(case.protocol_id, "test-cases")
    if _htmx():
        _focus(form.objective)
        return _cases_fragment(case.protocol_id, 200 if request.method == "GET" else 422, editing=case, edit_form=form)
    return render_template("validation/test_cases_form.html", form=form, case=case)


@bp.route("/test-cases/<int:case_id>/delete", methods=["POST"])
@permission_required(Permission.VALIDATION_EDIT)
def test_cases_delete(case_id: int) -> Any:
    case = _get(TestCase, case_id)
    return _case_change(case.protocol_id, lambda: services.delete_test_case(case, current_user), "Test case removed.",
                        "test-cases", valid=forms.ConfirmForm().validate_on_submit())


@bp.route("/test-cases/<int:case_id>/retire", methods=["POST"])
@permission_required(Permission.VALIDATION_EDIT)
def test_cases_retire(case_id: int) -> Any:
    case = _get(TestCase, case_id)
    code = case.code
    return _case_change(case.protocol_id, lambda: services.retire_test_case(case, current_user),
                        f"{code} retired; it stays on record.", "test-cases",
                        valid=forms.ConfirmForm().validate_on_submit())


@bp.route("/test-cases/<int:case_id>/move", methods=["POST"])
@permission_required(Permission.VALIDATION_EDIT)
def test_cases_move(case_id: int) -> Any:
    case = _get(TestCase, case_id)
    form = forms.MoveForm()
    return _case_change(case.protocol_id, lambda: services.move_test_case(case, current_user, form.offset.data or 0),
                        "Test case moved.", "test-cases", valid=_valid_move(form))


def _valid_move(form: forms.MoveForm) -> bool:
    if form.validate_on_submit():
        return True
    flash("Move up or down by one place.", "error")
    return False


@bp.route("/test-cases/<int:case_id>/steps", methods=["POST"])
@permission_required(Permission.VALIDATION_EDIT)
def steps_create(case_id: int) -> Any:
    case = _get(TestCase, case_id)
    form = forms.StepForm(prefix=f"step{case_id}")
    valid = form.validate_on_submit()
    if not valid:
        flash("A step needs an action and an expected result.", "error")
    fresh = forms.StepForm(prefix=f"step{case_id}", formdata=None)
    _focus(fresh.action)
    return _case_change(case.protocol_id, lambda: services.add_step(
        case, current_user, action=form.action.data or "", expected_result=form.expected_result.data or "",
    ), "Step added.", f"case-{case_id}", valid=valid, step_forms={case_id: fresh},
        refused=(lambda: _cases_fragment(case.protocol_id, 422, step_forms={case_id: form})) if _htmx() else None)


@bp.route("/test-cases/<int:case_id>/steps/bulk", methods=["POST"])
@permission_required(Permission.VALIDATION_EDIT)
def steps_bulk_create(case_id: int) -> Any:
    case = _get(TestCase, case_id)
    form = forms.BulkStepsForm(prefix=f"steps{case_id}")
    valid = form.validate_on_submit()
    outcome = unit_of_work.run(lambda: services.add_steps(case, current_user, form.steps.data or ""),
                               form.steps) if valid else None
    if outcome is not None and outcome.ok:
        added = len(outcome.value or [])
        flash(f"{added} step{'s' if added != 1 else ''} added to {case.code}.", "success")
        if _htmx():
            fresh = forms.StepForm(prefix=f"step{case_id}", formdata=None)
            _focus(fresh.action)
            return _cases_fragment(case.protocol_id, step_forms={case_id: fresh})
        return _back(case.protocol_id, f"case-{case_id}")
    status = unit_of_work.form_status(form, outcome)
    if _htmx():
        return _cases_fragment(case.protocol_id, status, bulk_forms={case_id: form})
    return _protocol_page(services.load_protocol(case.protocol_id), status, bulk_forms={case_id: form})


@bp.route("/steps/<int:step_id>/delete", methods=["POST"])
@permission_required(Permission.VALIDATION_EDIT)
def steps_delete(step_id: int) -> Any:
    step = _get(TestStep, step_id)
    case = step.test_case
    return _case_change(case.protocol_id, lambda: services.delete_step(step, current_user), "Step removed.",
                        f"case-{case.id}", valid=forms.ConfirmForm().validate_on_submit())


@bp.route("/steps/<int:step_id>/edit", methods=["GET", "POST"])
@permission_required(Permission.VALIDATION_EDIT)
def steps_edit(step_id: int) -> Any:
    step = _get(TestStep, step_id)
    case = step.test_case
    form = _edit_form(forms.StepEditForm, step)
    if form.validate_on_submit() and unit_of_work.run(lambda: services.update_step(
        step, current_user, action=form.action.data or "", expected_result=form.expected_result.data or "",
        expected_version=_version(form),
    )).ok:
        flash(f"{case.code} step {step.order} saved.", "success")
        return _cases_fragment(case.protocol_id) if _htmx() else _back(case.protocol_id, f"case-{case.id}")
    status = 200 if request.method == "GET" else 422
    _focus(form.action)
    if _htmx():
        return _cases_fragment(case.protocol_id, status, editing_step=step, step_edit_form=form)
    return _protocol_page(services.load_protocol(case.protocol_id), status, editing_step=step, step_edit_form=form)


@bp.route("/steps/<int:step_id>/move", methods=["POST"])
@permission_required(Permission.VALIDATION_EDIT)
def steps_move(step_id: int) -> Any:
    step = _get(TestStep, step_id)
    case = step.test_case
    form = forms.MoveForm()
    return _case_change(case.protocol_id, lambda: services.move_step(step, current_user, form.offset.data or 0),
                        "Step moved.", f"case-{case.id}", valid=_valid_move(form))


@bp.route("/protocols/<int:protocol_id>/justifications", methods=["POST"])
@permission_required(Permission.VALIDATION_APPROVE)
def protocols_justify(protocol_id: int) -> Any:
    protocol = services.load_protocol(protocol_id)
    form = _justify_form()
    return _protocol_form(protocol_id, "justify", form, lambda: services.justify_coverage(
        protocol, form.function_id.data or 0, current_user, text=form.text.data or "",
        password=form.password.data or "", comment=form.comment.data or "",
    ), "Justification signed.", "coverage")


def _signing_view(protocol_id: int, prefix: str, meaning: str, action: Callable[..., None], done: str) -> Any:
    """Sign the protocol as authored, reviewed or approved; a refusal re-renders the page with the form kept."""
    protocol = services.load_protocol(protocol_id)
    form = _sign_form(prefix, meaning)
    return _protocol_form(protocol_id, prefix, form, lambda: action(
        protocol, current_user, password=form.password.data or "", comment=form.comment.data or "",
    ), done)


@bp.route("/protocols/<int:protocol_id>/submit", methods=["POST"])
@permission_required(Permission.VALIDATION_EDIT)
def protocols_submit(protocol_id: int) -> Any:
    return _signing_view(protocol_id, "submit", Meaning.AUTHORED, services.submit_protocol,
                         "Signed as authored and sent to review.")


@bp.route("/protocols/<int:protocol_id>/review", methods=["POST"])
@permission_required(Permission.VALIDATION_REVIEW)
def protocols_review(protocol_id: int) -> Any:
    return _signing_view(protocol_id, "review", Meaning.REVIEWED, services.review_protocol,
                         "Signed as reviewed. QA can now approve the protocol: someone other than the author "
                         "and the reviewer.")


@bp.route("/protocols/<int:protocol_id>/approve", methods=["POST"])
@permission_required(Permission.VALIDATION_APPROVE)
def protocols_approve(protocol_id: int) -> Any:
    return _signing_view(protocol_id, "approve", Meaning.APPROVED, services.approve_protocol,
                         "Protocol approved. It is frozen and can be executed.")


@bp.route("/protocols/<int:protocol_id>/return", methods=["POST"])
@permission_required(Permission.VALIDATION_REVIEW, Permission.VALIDATION_APPROVE)
def protocols_return(protocol_id: int) -> Any:
    return _reason_view(protocol_id, "return", services.return_protocol, "Give the reason for returning the protocol.",
                        "Protocol returned to its author as a draft.")


@bp.route("/protocols/<int:protocol_id>/withdraw", methods=["POST"])
@permission_required(Permission.VALIDATION_EDIT, Permission.VALIDATION_APPROVE)
def protocols_withdraw(protocol_id: int) -> Any:
    return _reason_view(protocol_id, "withdraw", services.withdraw_protocol,
                        "Give the reason for withdrawing the protocol.", "Protocol withdrawn.")


def _reason_view(protocol_id: int, prefix: str, action: Callable[..., None], missing: str, done: str) -> Any:
    """Return or withdraw a protocol: nothing happens without a written reason, which the service records."""
    protocol = services.load_protocol(protocol_id)
    form = forms.ReasonForm(prefix=prefix)
    if not form.validate_on_submit():
        flash(missing, "error")
    elif unit_of_work.run(lambda: action(protocol, current_user, reason=form.reason.data or "")).ok:
        flash(done, "success")
    return _back(protocol_id)


@bp.route("/protocols/<int:protocol_id>/start", methods=["POST"])
@permission_required(Permission.VALIDATION_EXECUTE)
def protocols_start(protocol_id: int) -> Any:
    protocol = services.load_protocol(protocol_id)
    if _confirmed(lambda: services.start_execution(protocol, current_user)):
        flash("Execution started. Record a result for every step.", "success")
    return _back(protocol_id, "execution")


@bp.route("/protocols/<int:protocol_id>/executions", methods=["POST"])
@permission_required(Permission.VALIDATION_EXECUTE)
def executions_create(protocol_id: int) -> Any:
    protocol = services.load_protocol(protocol_id)
    form = _execution_form(protocol, [], forms.ExecutionForm(prefix="run"))
    if form.validate_on_submit():
        case_id, _, step_id = (form.target.data or ":").partition(":")
        entry = unit_of_work.run(lambda: services.record_execution(
            protocol, current_user, test_case_id=int(case_id), test_step_id=int(step_id) if step_id else None,
            tested_version=form.tested_version.data or "", actual_result=form.actual_result.data or "",
            outcome=form.outcome.data or "", evidence=_upload(form.evidence),
        )).value
        if entry is not None:
            if entry.outcome == "fail":
                flash("Failure recorded. A deviation was opened.", "warning")
            else:
                flash("Result recorded.", "success")
            return _back(protocol_id, "execution")
    return _protocol_page(services.load_protocol(protocol_id), 422, execution_form=form)


@bp.route("/executions/<int:execution_id>/correct", methods=["GET", "POST"])
@permission_required(Permission.VALIDATION_EXECUTE)
def executions_correct(execution_id: int) -> Any:
    entry = _get(Execution, execution_id)
    form = forms.CorrectionForm()
    if request.method == "GET":
        form.tested_version.data = entry.tested_version
        form.outcome.data = entry.outcome
    if form.validate_on_submit() and unit_of_work.run(lambda: services.correct_execution(
        entry, current_user, tested_version=form.tested_version.data or "",
        actual_result=form.actual_result.data or "", outcome=form.outcome.data or "",
        reason=form.reason.data or "", evidence=_upload(form.evidence),
    )).ok:
        flash("Correction recorded; the original entry is kept.", "success")
        return _back(entry.protocol_id, "execution")
    return render_template("validation/executions_correct.html", form=form, entry=entry)


@bp.route("/protocols/<int:protocol_id>/complete", methods=["POST"])
@permission_required(Permission.VALIDATION_EXECUTE)
def protocols_complete(protocol_id: int) -> Any:
    protocol = services.load_protocol(protocol_id)
    if _confirmed(lambda: services.complete_execution(protocol, current_user)):
        flash("Execution complete. Write the report.", "success")
        return redirect(url_for("validation.reports_detail", protocol_id=protocol_id))
    return _back(protocol_id, "execution")


@bp.route("/evidence/<int:evidence_id>")
@permission_required(Permission.VALIDATION_READ)
def evidence_download(evidence_id: int) -> Any:
    evidence = services.evidence_file(evidence_id)
    return send_stored(evidence, download_name=f"evidence-{evidence.id}.{evidence.extension}")


# --- Deviations -----------------------------------------------------------------------------------


def _deviation_page(deviation: Deviation, form: forms.DeviationCloseForm | None = None, status: int = 200) -> Any:
    """The deviation as everyone who reads validation records sees it; QA sees the signed closing form too."""
    if form is None:
        form = _edit_form(forms.DeviationCloseForm, deviation)
    report = deviation.protocol.report
    can_close = (policies.can_close_deviation(current_user) and deviation.status == DeviationStatus.OPEN
                 and not (report is not None and report.status == ReportStatus.APPROVED))
    return render_template("validation/deviations_detail.html", form=form, deviation=deviation,
                           can_close=can_close, sign_target=services.deviation_sign_target(deviation)), status


@bp.route("/deviations/<int:deviation_id>")
@permission_required(Permission.VALIDATION_READ)
def deviations_detail(deviation_id: int) -> Any:
    return _deviation_page(_get(Deviation, deviation_id))


@bp.route("/deviations/<int:deviation_id>/close", methods=["POST"])
@permission_required(Permission.VALIDATION_APPROVE)
def deviations_close(deviation_id: int) -> Any:
    deviation = _get(Deviation, deviation_id)
    form = forms.DeviationCloseForm()
    outcome = None
    if form.validate_on_submit():
        outcome = unit_of_work.run(lambda: services.close_deviation(
            deviation, current_user, severity=form.severity.data or "", impact=form.impact.data or "",
            disposition=form.disposition.data or "", rationale=form.rationale.data or "",
            severity_reason=form.severity_reason.data or "", password=form.password.data or "",
            comment=form.comment.data or "", expected_version=_version(form),
        ), pages=(NotFound,))  # a refusal (not QA, the executing engineer, a wrong password) shows on the page
        if outcome.ok:
            flash(f"{deviation.code} closed and signed.", "success")
            return redirect(url_for("validation.deviations_detail", deviation_id=deviation_id))
    return _deviation_page(_get(Deviation, deviation_id), form, unit_of_work.form_status(form, outcome))


# --- Report ---------------------------------------------------------------------------------------


def _report_page(protocol: Protocol, status: int = 200, **overrides: Any) -> Any:
    report = protocol.report
    if report is None:
        raise NotFound("This protocol has no report yet: it is written once execution is complete.")
    entries = services.executions_of(protocol)
    testers = {e.tester_id for e in entries}
    form = overrides.get("report_form")
    if form is None:
        form = forms.ReportForm(prefix="report", obj=report)
        form.version.data = str(report.version)
    target: SignTarget = services.report_sign_target(report, protocol)
    return render_template(
        "validation/reports_detail.html", protocol=protocol, system=protocol.system, report=report,
        entries=entries, counts=services.counts(protocol, entries), report_form=form,
        approve_form=overrides.get("approve_form") or _sign_form("report", Meaning.APPROVED),
        author_form=overrides.get("author_form") or _sign_form("author", Meaning.AUTHORED),
        blockers=services.approval_blockers(report), authoring_blockers=services.authoring_blockers(report),
        authored=services.authored_signature(report), sign_target=target,
        can_edit=policies.can_edit_report(current_user, protocol),
        can_approve=policies.can_approve_report(current_user, protocol, testers)
        and signature_services.may_sign(target, current_user, Meaning.APPROVED) and report.status == ReportStatus.DRAFT,
    ), status


@bp.route("/protocols/<int:protocol_id>/report")
@permission_required(Permission.VALIDATION_READ)
def reports_detail(protocol_id: int) -> Any:
    return _report_page(services.load_protocol(protocol_id))


@bp.route("/protocols/<int:protocol_id>/report", methods=["POST"])
@permission_required(Permission.VALIDATION_EDIT)
def reports_edit(protocol_id: int) -> Any:
    protocol = services.load_protocol(protocol_id)
    if protocol.report is None:
        raise NotFound("This protocol has no report yet.")
    report = protocol.report
    form = forms.ReportForm(prefix="report")
    if form.validate_on_submit() and unit_of_work.run(lambda: services.save_report(
        report, current_user, conclusion=form.conclusion.data or "", restrictions=form.restrictions.data or "",
        summary=form.summary.data or "", expected_version=_version(form),
    )).ok:
        flash("Report saved.", "success")
        return redirect(url_for("validation.reports_detail", protocol_id=protocol_id))
    return _report_page(services.load_protocol(protocol_id), 422, report_form=form)


@bp.route("/protocols/<int:protocol_id>/report/sign", methods=["POST"])
@permission_required(Permission.VALIDATION_EDIT)
def reports_sign(protocol_id: int) -> Any:
    protocol = services.load_protocol(protocol_id)
    if protocol.report is None:
        raise NotFound("This protocol has no report yet.")
    report = protocol.report
    form = _sign_form("author", Meaning.AUTHORED)
    if form.validate_on_submit() and unit_of_work.run(lambda: services.sign_report(
        report, current_user, password=form.password.data or "", comment=form.comment.data or "",
    )).ok:
        flash("Report signed as authored; QA approves it next.", "success")
        return redirect(url_for("validation.reports_detail", protocol_id=protocol_id))
    return _report_page(services.load_protocol(protocol_id), 422, author_form=form)


@bp.route("/protocols/<int:protocol_id>/report/approve", methods=["POST"])
@permission_required(Permission.VALIDATION_APPROVE)
def reports_approve(protocol_id: int) -> Any:
    protocol = services.load_protocol(protocol_id)
    if protocol.report is None:
        raise NotFound("This protocol has no report yet.")
    report = protocol.report
    form = _sign_form("report", Meaning.APPROVED)
    if form.validate_on_submit() and unit_of_work.run(lambda: services.approve_report(
        report, current_user, password=form.password.data or "", comment=form.comment.data or "",
    )).ok:
        flash("Report approved.", "success")
        return redirect(url_for("validation.systems_detail", system_id=protocol.system_id))
    return _report_page(services.load_protocol(protocol_id), 422, approve_form=form)


# --- Change requests and periodic reviews ---------------------------------------------------------


@bp.route("/systems/<int:system_id>/change-requests", methods=["POST"])
@permission_required(Permission.VALIDATION_EDIT)
def change_requests_create(system_id: int) -> Any:
    system = _get(SoftwareSystem, system_id)
    form = forms.ChangeRequestForm(prefix="change")
    if form.validate_on_submit() and (change := unit_of_work.run(lambda: services.open_change_request(
        system, current_user, new_version=form.new_version.data or "", description=form.description.data or "",
    )).value) is not None:
        flash(f"{change.code} opened. Assess its impact.", "success")
        return redirect(url_for("validation.change_requests_assess", change_id=change.id))
    return _system_page(_get(SoftwareSystem, system_id), 422, change_form=form)


@bp.route("/change-requests/<int:change_id>/assess", methods=["GET", "POST"])
@permission_required(Permission.VALIDATION_EDIT, Permission.VALIDATION_APPROVE)
def change_requests_assess(change_id: int) -> Any:
    change = _get(ChangeRequest, change_id)
    form = forms.AssessmentForm()
    form.meaning.choices = [("approved", "Approved (no revalidation)"), ("authored", "Authored (revalidation)")]
    if form.validate_on_submit():
        outcome = unit_of_work.run(lambda: services.assess_change_request(
            change, current_user, impact_assessment=form.impact_assessment.data or "",
            revalidation=form.revalidation.data or "", password=form.password.data or "",
            comment=form.comment.data or "",
        ))
        if (protocol := outcome.value) is not None:
            flash(f"Impact assessed. Protocol v{protocol.number} starts as a draft.", "success")
            return redirect(url_for("validation.protocols_detail", protocol_id=protocol.id))
        if outcome.ok:
            flash("Impact assessed: the new version is released without revalidation.", "success")
            return redirect(url_for("validation.systems_detail", system_id=change.system_id))
    return render_template("validation/change_requests_assess.html", form=form, change=change,
                           can_none=policies.can_accept_change_without_revalidation(current_user))


@bp.route("/systems/<int:system_id>/periodic-reviews", methods=["GET", "POST"])
@permission_required(Permission.VALIDATION_APPROVE)
def periodic_reviews_create(system_id: int) -> Any:
    system = _get(SoftwareSystem, system_id)
    form = forms.PeriodicReviewForm()
    form.meaning.choices = [(Meaning.APPROVED, "Approved")]
    if form.validate_on_submit() and unit_of_work.run(lambda: services.perform_periodic_review(
        system, current_user, outcome=form.outcome.data or "", summary=form.summary.data or "",
        password=form.password.data or "", comment=form.comment.data or "",
        data_location=form.data_location.data or "", retain_until=form.retain_until.data,
    )).ok:
        flash("Periodic review signed.", "success")
        return redirect(url_for("validation.systems_detail", system_id=system_id))
    last = db.session.scalar(select(func.max(PeriodicReview.reviewed_at)).where(PeriodicReview.system_id == system_id))
    return render_template("validation/periodic_reviews_form.html", form=form, system=system, last=last)
