"""Staff pages: questionnaire templates (builder, preview, publish, versions, import/export) and evaluations
(start, send the link, review, evaluator answers, score, override, signed decision)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar, cast

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app import unit_of_work
from app.access import Permission, permission_required
from app.audit import services as audit
from app.db import stated_id, today
from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.labels import label
from app.pagination import paginate, sub_page
from app.questionnaires import builder, evaluations, evidence, policies, services, workflow
from app.questionnaires.answers import visible_questions
from app.questionnaires.definitions import AnsweredBy, AnswerType, Audience, SectionDefinition, TemplateDefinition
from app.questionnaires.display import answer_text, option_choices, selected_values
from app.questionnaires.forms import (
    CancelForm,
    ConfirmForm,
    DecisionForm,
    EvaluatorAnswersForm,
    ImportForm,
    MoveForm,
    OverrideForm,
    ProposalForm,
    ProposalOverrideForm,
    QuestionForm,
    SectionForm,
    SendLinkForm,
    StartEvaluationForm,
    TemplateForm,
    ThresholdsForm,
)
from app.questionnaires.metrics import METRICS
from app.questionnaires.models import (
    EVALUATION_PARTS,
    Evaluation,
    EvaluationStatus,
    EvidenceFile,
    QuestionnaireTemplate,
    ScoreOverride,
    TemplateStatus,
)
from app.storage import send_stored
from app.suppliers.models import Supplier

bp = Blueprint("questionnaires", __name__, url_prefix="/questionnaires")

T = TypeVar("T")


def _form_errors(form: Any) -> str:
    return " ".join(f"{getattr(form, name).label.text}: {' '.join(errors)}" for name, errors in form.errors.items() if hasattr(form, name))


# --- Templates ------------------------------------------------------------------------------------


@bp.route("/", endpoint="list")
@permission_required(Permission.QUESTIONNAIRES_EDIT)
def templates_list() -> Any:
    status = request.args.get("status", "")
    query = select(QuestionnaireTemplate).order_by(QuestionnaireTemplate.name, QuestionnaireTemplate.template_version.desc())
    if status in {s.value for s in TemplateStatus}:
        query = query.where(QuestionnaireTemplate.status == status)
    return render_template("questionnaires/list.html", page=paginate(query), status=status)


@bp.route("/templates/new", methods=["GET", "POST"])
@permission_required(Permission.QUESTIONNAIRES_EDIT)
def templates_new() -> Any:
    form = TemplateForm()
    outcome = None
    if form.validate_on_submit():
        outcome = unit_of_work.run(
            lambda: services.create_template(
                form.name.data or "", form.audience.data or "any", form.description.data or "", by=current_user
            )
        )
        if outcome.ok and (template := outcome.value) is not None:
            flash("Draft created. Add sections and questions.", "success")
            return redirect(_template_url(template.id))
    return render_template("questionnaires/templates_new.html", form=form), unit_of_work.form_status(form, outcome)


@bp.route("/templates/import", methods=["GET", "POST"])
@permission_required(Permission.QUESTIONNAIRES_EDIT)
def templates_import() -> Any:
    form = ImportForm()
    outcome = None
    if form.validate_on_submit():
        upload = form.file.data
        outcome = unit_of_work.run(
            lambda: services.import_template(upload.read(services.MAX_IMPORT_BYTES + 1), upload.filename or "", by=current_user),
            form.file,
        )
        if outcome.ok and (template := outcome.value) is not None:
            flash(f"Imported as a draft: {template.label}.", "success")
            return redirect(_template_url(template.id))
    return render_template("questionnaires/templates_import.html", form=form), unit_of_work.form_status(form, outcome)


def _template(template_id: int) -> QuestionnaireTemplate:
    return db.get_or_404(QuestionnaireTemplate, template_id)


def _template_url(template_id: int, anchor: str | None = None) -> str:
    return url_for("questionnaires.templates_detail", template_id=template_id, _anchor=anchor)


@bp.route("/templates/<int:template_id>")
@permission_required(Permission.QUESTIONNAIRES_EDIT)
def templates_detail(template_id: int) -> Any:
    return _render_detail(_template(template_id))


def _render_detail(template: QuestionnaireTemplate, thresholds_form: ThresholdsForm | None = None, status: int = 200) -> Any:
    defn = template.parsed()
    settings = TemplateForm(formdata=None, name=template.name, audience=template.audience, description=template.description, version=template.version)
    return render_template(
        "questionnaires/templates_detail.html", template=template, defn=defn, settings=settings,
        problems=services.problems_of(template), editable=policies.can_edit_template(current_user, template),
        section_form=SectionForm(formdata=None, version=template.version), confirm=ConfirmForm(formdata=None, version=template.version),
        thresholds_form=thresholds_form or ThresholdsForm.for_thresholds(defn.thresholds, template.version),
        thresholds_open=thresholds_form is not None,
    ), status


def _save(template: QuestionnaireTemplate, change: Callable[[TemplateDefinition], TemplateDefinition], expected_version: int | None) -> None:
    """Store one builder edit of a draft; an edit the builder refuses is a broken rule like any other (422)."""
    try:
        defn = change(template.parsed())
    except builder.BuilderError as error:
        raise ValidationFailed(str(error)) from error
    services.save_definition(template, defn, by=current_user, expected_version=expected_version)


def _edit(template_id: int, change: Callable[[TemplateDefinition], TemplateDefinition], form: Any, message: str) -> Any:
    """Apply one builder edit to a draft and store it; a refusal is a message, a stale form the 409 page."""
    template = _template(template_id)
    if not form.validate_on_submit():
        flash(_form_errors(form) or "The form was incomplete.", "error")
    elif unit_of_work.run(lambda: _save(template, change, form.version_number())).ok:
        flash(message, "success")
    return redirect(_template_url(template.id))


@bp.route("/templates/<int:template_id>/settings", methods=["POST"])
@permission_required(Permission.QUESTIONNAIRES_EDIT)
def templates_settings(template_id: int) -> Any:
    form = TemplateForm()
    return _edit(
        template_id,
        lambda d: replace(d, name=form.name.data or "", audience=Audience(form.audience.data), description=(form.description.data or "").strip()),
        form, "Template details saved.",
    )


@bp.route("/templates/<int:template_id>/thresholds", methods=["POST"])
@permission_required(Permission.QUESTIONNAIRES_EDIT)
def templates_thresholds(template_id: int) -> Any:
    template = _template(template_id)
    form = ThresholdsForm()
    if not form.validate_on_submit():
        flash("Check the thresholds: " + (_form_errors(form) or "the form was incomplete."), "error")
        return _render_detail(template, form, 422)
    outcome = unit_of_work.run(
        lambda: _save(template, lambda d: builder.set_thresholds(d, form.to_thresholds()), form.version_number())
    )
    if outcome.ok:
        flash("Decision thresholds saved.", "success")
        return redirect(_template_url(template.id, "thresholds"))
    # Thresholds out of order are shown again as typed; a template that may not change goes back to its page.
    if isinstance(outcome.error, ValidationFailed):
        return _render_detail(template, form, 422)
    return redirect(_template_url(template.id))


@bp.route("/templates/<int:template_id>/sections", methods=["POST"])
@permission_required(Permission.QUESTIONNAIRES_EDIT)
def sections_add(template_id: int) -> Any:
    form = SectionForm()
    return _edit(template_id, lambda d: builder.add_section(d, form.title.data or ""), form, "Section added.")


@bp.route("/templates/<int:template_id>/sections/<int:index>", methods=["POST"])
@permission_required(Permission.QUESTIONNAIRES_EDIT)
def sections_update(template_id: int, index: int) -> Any:
    form = SectionForm()
    return _edit(template_id, lambda d: builder.rename_section(d, index, form.title.data or ""), form, "Section renamed.")


@bp.route("/templates/<int:template_id>/sections/<int:index>/move", methods=["POST"])
@permission_required(Permission.QUESTIONNAIRES_EDIT)
def sections_move(template_id: int, index: int) -> Any:
    form = MoveForm()
    delta = -1 if form.direction.data == "up" else 1
    return _edit(template_id, lambda d: builder.move_section(d, index, delta), form, "Section moved.")


@bp.route("/templates/<int:template_id>/sections/<int:index>/delete", methods=["POST"])
@permission_required(Permission.QUESTIONNAIRES_EDIT)
def sections_delete(template_id: int, index: int) -> Any:
    return _edit(template_id, lambda d: builder.remove_section(d, index), ConfirmForm(), "Section removed.")


def _earlier_codes(defn: TemplateDefinition, before: str | None) -> list[str]:
    codes = []
    for q in defn.questions():
        if q.code == before:
            break
        codes.append(q.code)
    return codes


def _draft_only(template: QuestionnaireTemplate) -> Any | None:
    """Only a draft template can be changed: for any other the answer is a message on the template page."""
    if policies.can_edit_template(current_user, template):
        return None
    flash("Only a draft template can be changed. Make a new version first.", "error")
    return redirect(_template_url(template.id))


def _question_form(
    template: QuestionnaireTemplate, form: QuestionForm, change: Callable[[TemplateDefinition], TemplateDefinition],
    saved: str, *, section: SectionDefinition, earlier: list[str], title: str,
) -> Any:
    """Save the question into the draft (a refusal lands on its code, the input kept), or show the question form."""
    outcome = None
    if form.validate_on_submit():
        outcome = unit_of_work.run(lambda: _save(template, change, form.version_number()), form.code)
        if outcome.ok:
            flash(f"Question {form.code.data} {saved}.", "success")
            return redirect(_template_url(template.id, f"q-{form.code.data}"))
    return render_template(
        "questionnaires/question_form.html", template=template, form=form, section=section, earlier=earlier, title=title, evidence_metrics=sorted(METRICS),
    ), unit_of_work.form_status(form, outcome)


@bp.route("/templates/<int:template_id>/sections/<int:index>/questions/new", methods=["GET", "POST"])
@permission_required(Permission.QUESTIONNAIRES_EDIT)
def questions_new(template_id: int, index: int) -> Any:
    template = _template(template_id)
    if (refused := _draft_only(template)) is not None:
        return refused
    defn = template.parsed()
    if not 0 <= index < len(defn.sections):
        abort(404)
    form = QuestionForm(version=template.version)
    return _question_form(
        template, form, lambda d: builder.add_question(d, index, form.to_question()), "added",
        section=defn.sections[index], earlier=_earlier_codes(defn, None), title="New question",
    )


@bp.route("/templates/<int:template_id>/questions/<code>/edit", methods=["GET", "POST"])
@permission_required(Permission.QUESTIONNAIRES_EDIT)
def questions_edit(template_id: int, code: str) -> Any:
    template = _template(template_id)
    defn = template.parsed()
    try:
        question = defn.question(code)
    except KeyError:
        abort(404)
    if (refused := _draft_only(template)) is not None:
        return refused
    form = QuestionForm(version=template.version)
    if request.method == "GET":
        form.load(question)
    return _question_form(
        template, form, lambda d: builder.replace_question(d, code, form.to_question()), "saved",
        section=defn.sections[builder.section_of(defn, code)], earlier=_earlier_codes(defn, code),
        title=f"Edit question {code}",
    )


@bp.route("/templates/<int:template_id>/questions/<code>/move", methods=["POST"])
@permission_required(Permission.QUESTIONNAIRES_EDIT)
def questions_move(template_id: int, code: str) -> Any:
    form = MoveForm()
    delta = -1 if form.direction.data == "up" else 1
    return _edit(template_id, lambda d: builder.move_question(d, code, delta), form, f"Question {code} moved.")


@bp.route("/templates/<int:template_id>/questions/<code>/delete", methods=["POST"])
@permission_required(Permission.QUESTIONNAIRES_EDIT)
def questions_delete(template_id: int, code: str) -> Any:
    return _edit(template_id, lambda d: builder.remove_question(d, code), ConfirmForm(), f"Question {code} removed.")


@bp.route("/templates/<int:template_id>/preview")
@permission_required(Permission.QUESTIONNAIRES_EDIT)
def templates_preview(template_id: int) -> Any:
    template = _template(template_id)
    defn = template.parsed()
    visible = {q.code for q in visible_questions(defn, {})}
    sections = [(s, [q for q in s.questions if q.answered_by is AnsweredBy.SUPPLIER]) for s in defn.sections]
    return render_template(
        "questionnaires/templates_preview.html", template=template, sections=[(s, qs) for s, qs in sections if qs],
        visible=visible, option_choices=option_choices, selected_values=selected_values, thresholds=defn.thresholds,
    )


def _template_action(template_id: int, action: Callable[[QuestionnaireTemplate], Any], message: str) -> Any:
    """Publish, copy or retire the template as it was loaded: a stale form is the 409 page, a refusal a message."""
    template = _template(template_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)

    def checked() -> Any:
        services.check_version(template, form.version_number())
        return action(template)

    outcome = unit_of_work.run(checked)
    if outcome.ok:
        flash(message, "success")
    target = outcome.value if isinstance(outcome.value, QuestionnaireTemplate) else template
    return redirect(_template_url(target.id))


@bp.route("/templates/<int:template_id>/publish", methods=["POST"])
@permission_required(Permission.QUESTIONNAIRES_EDIT)
def templates_publish(template_id: int) -> Any:
    return _template_action(template_id, lambda t: services.publish(t, by=current_user), "Published. This version can no longer change.")


@bp.route("/templates/<int:template_id>/copy", methods=["POST"])
@permission_required(Permission.QUESTIONNAIRES_EDIT)
def templates_copy(template_id: int) -> Any:
    return _template_action(template_id, lambda t: services.new_version(t, by=current_user), "New draft version created.")


@bp.route("/templates/<int:template_id>/retire", methods=["POST"])
@permission_required(Permission.QUESTIONNAIRES_EDIT)
def templates_retire(template_id: int) -> Any:
    return _template_action(template_id, lambda t: services.retire(t, by=current_user), "Retired: no longer offered for new evaluations.")


@bp.route("/templates/<int:template_id>/export/<fmt>")
@permission_required(Permission.QUESTIONNAIRES_EDIT)
def templates_export(template_id: int, fmt: str) -> Any:
    if fmt not in ("json", "yaml"):
        abort(404)
    template = _template(template_id)
    text, filename, mimetype = services.export_template(template, "json" if fmt == "json" else "yaml")
    return Response(
        text, mimetype=f"{mimetype}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "X-Content-Type-Options": "nosniff"},
    )


# --- Evaluations ----------------------------------------------------------------------------------


@bp.route("/evaluations")
@permission_required(Permission.SUPPLIERS_READ)
def evaluations_list() -> Any:
    status = request.args.get("status", "")
    text = request.args.get("q", "").strip()
    query = (
        select(Evaluation).join(Evaluation.supplier)
        .options(selectinload(Evaluation.supplier), selectinload(Evaluation.template))
        .order_by(Evaluation.id.desc())
    )
    if status in {s.value for s in EvaluationStatus}:
        query = query.where(Evaluation.status == status)
    if text:
        like = f"%{text.replace('%', '').replace('_', '')}%"
        query = query.where(or_(Supplier.name.ilike(like), Supplier.code.ilike(like), Evaluation.reference.ilike(like)))
    return render_template("questionnaires/evaluations_list.html", page=paginate(query), status=status, q=text, statuses=EvaluationStatus)


@bp.route("/evaluations", methods=["POST"])
@permission_required(Permission.EVALUATIONS_MANAGE)
def evaluations_create() -> Any:
    form = StartEvaluationForm()
    form.template_id.choices = [(t.id, t.label) for t in services.published_templates()]
    supplier_id = stated_id(form.supplier_id.data)
    supplier = db.session.get(Supplier, supplier_id) if supplier_id is not None else None
    if supplier is None:
        abort(404)
    supplier_page = url_for("suppliers.detail", supplier_id=supplier.id)
    if not form.validate_on_submit():
        flash(_form_errors(form) or "The form was incomplete.", "error")
        return redirect(supplier_page)
    template = db.get_or_404(QuestionnaireTemplate, form.template_id.data)
    outcome = unit_of_work.run(
        lambda: evaluations.start_evaluation(
            supplier, template, evaluation_type=form.evaluation_type.data or "initial", due_date=form.due_date.data, by=current_user
        )
    )
    if not outcome.ok or (evaluation := outcome.value) is None:
        return redirect(supplier_page)
    flash(f"Evaluation {evaluation.reference} started.", "success")
    return redirect(url_for("questionnaires.evaluations_detail", evaluation_id=evaluation.id))


def _evaluation(evaluation_id: int) -> Evaluation:
    evaluation = db.session.scalar(
        select(Evaluation).where(Evaluation.id == evaluation_id).options(
            selectinload(Evaluation.supplier), selectinload(Evaluation.template), selectinload(Evaluation.tokens),
            selectinload(Evaluation.evidence).selectinload(EvidenceFile.stored_file),
            selectinload(Evaluation.overrides).selectinload(ScoreOverride.by),
            selectinload(Evaluation.created_by), selectinload(Evaluation.decided_by),
        )
    )
    if evaluation is None:
        abort(404)
    return evaluation


DECISIONS = ("approved", "conditionally_approved", "rejected")  # the decision form's choices


@bp.route("/evaluations/<int:evaluation_id>")
@permission_required(Permission.SUPPLIERS_READ)
def evaluations_detail(evaluation_id: int) -> Any:
    return _detail_page(_evaluation(evaluation_id))


def _detail_page(evaluation: Evaluation, decision_form: DecisionForm | None = None, status: int = 200) -> Any:
    """The evaluation page; a refused decision comes back in its own form, as the signer filled it in."""
    defn = evaluation.template.parsed()
    typed = evaluations.checked_answers(evaluation, defn)
    visible = {q.code for q in visible_questions(defn, typed)}
    new_link = session.pop(f"evaluation-link-{evaluation.id}", None)
    override_form = OverrideForm(formdata=None)
    breakdown = (evaluation.score or {}).get("breakdown", [])
    override_form.question_code.choices = [(e["code"], f"{e['code']} ({e['points']:g} of {e['max_points']:g})") for e in breakdown if e["applicable"]]
    suggested = (evaluation.score or {}).get("suggested_decision")
    can_review = policies.can_review(current_user, evaluation)
    decision_form = decision_form or DecisionForm(formdata=None, approval_scope=evaluation.supplier.scope,
                                                  decision=suggested if suggested in DECISIONS else None)
    return render_template(
        "questionnaires/evaluations_detail.html", evaluation=evaluation, defn=defn, visible=visible,
        evidence=evaluations.evidence_by_question(evaluation), answer_text=answer_text, option_choices=option_choices,
        selected_values=selected_values, AnsweredBy=AnsweredBy, AnswerType=AnswerType, new_link=new_link,
        send_form=SendLinkForm(formdata=None, contact_name=evaluation.contact_name, contact_email=evaluation.contact_email),
        cancel_form=CancelForm(formdata=None), confirm=ConfirmForm(formdata=None), answers_form=EvaluatorAnswersForm(formdata=None, version=evaluation.version),
        override_form=override_form, decision_form=decision_form, sign_target=evaluations.sign_target(evaluation),
        can_manage=policies.can_manage_evaluation(current_user, evaluation), can_review=can_review,
        can_score=can_review and evaluations.ready_to_score(evaluation, defn),
        for_supplier=evaluations.has_supplier_questions(defn),
        can_decide=policies.can_decide(current_user, evaluation), active_link=any(t.revoked_at is None and t.used_at is None for t in evaluation.tokens),
        supplier_problems=evaluations.supplier_problems(evaluation) if evaluation.status in ("sent", "in_progress") else {},
        proposals=evidence.proposals_of(evaluation), evidence_job=evidence.latest_job(evaluation),
        collects_evidence=evaluation.supplier.kind == "open_source_project" and any(q.evidence for q in defn.questions()),
        proposal_form=ProposalForm(formdata=None), override_proposal_form=ProposalOverrideForm(formdata=None),
        history_parts=audit.parts_of(*((part, part.evaluation_id == evaluation.id) for part in EVALUATION_PARTS)),
    ), status


def _back(evaluation: Evaluation, anchor: str | None = None) -> Any:
    return redirect(url_for("questionnaires.evaluations_detail", evaluation_id=evaluation.id, _anchor=anchor))


# What staff may do to an evaluation depends on its state, which may have moved on since the page was loaded
# (a "You may not cancel this evaluation." once it is closed): every refusal is a message on the evaluation page.
# Only a stale edit is a page.
EVALUATION_PAGES: tuple[type[DomainError], ...] = ()


def _step(
    evaluation: Evaluation, form: FlaskForm, action: Callable[[], T], done: str | Callable[[T], str], *,
    anchor: str | None = None, done_anchor: str | None = None, incomplete: str | None = None,
) -> Any:
    """One staff step on an evaluation: an incomplete form or a broken rule is flashed, success committed and flashed."""
    if not form.validate_on_submit():
        message = _form_errors(form) if incomplete is None else incomplete
        if message:
            flash(message, "error")
        return _back(evaluation, anchor)
    outcome = unit_of_work.run(action, pages=EVALUATION_PAGES)
    if not outcome.ok:
        return _back(evaluation, anchor)
    flash(done if isinstance(done, str) else done(cast(T, outcome.value)), "success")
    return _back(evaluation, done_anchor)


@bp.route("/evaluations/<int:evaluation_id>/send", methods=["POST"])
@permission_required(Permission.EVALUATIONS_MANAGE)
def evaluations_send(evaluation_id: int) -> Any:
    evaluation = _evaluation(evaluation_id)
    form = SendLinkForm()

    def sent(token: str) -> str:
        # Shown once on the next page (only the hash is stored): the sender may copy it.
        session[f"evaluation-link-{evaluation.id}"] = url_for("portal.index", token=token, _external=True)
        return f"The invitation to {evaluation.contact_email} is in the outbox. Any older link no longer works."

    return _step(
        evaluation, form,
        lambda: evaluations.send_link(
            evaluation, contact_name=form.contact_name.data or "", contact_email=form.contact_email.data or "", by=current_user
        ),
        sent, done_anchor="link",
    )


@bp.route("/evaluations/<int:evaluation_id>/revoke", methods=["POST"])
@permission_required(Permission.EVALUATIONS_MANAGE)
def evaluations_revoke(evaluation_id: int) -> Any:
    evaluation = _evaluation(evaluation_id)
    return _step(
        evaluation, ConfirmForm(), lambda: evaluations.revoke_links(evaluation, by=current_user),
        "The link no longer works. Send a new one when needed.", incomplete="",
    )


@bp.route("/evaluations/<int:evaluation_id>/cancel", methods=["POST"])
@permission_required(Permission.EVALUATIONS_MANAGE)
def evaluations_cancel(evaluation_id: int) -> Any:
    evaluation = _evaluation(evaluation_id)
    form = CancelForm()
    return _step(
        evaluation, form, lambda: evaluations.cancel_evaluation(evaluation, reason=form.reason.data or "", by=current_user),
        "Evaluation cancelled.", incomplete="Give a reason for cancelling the evaluation.",
    )


@bp.route("/evaluations/<int:evaluation_id>/evaluator-answers", methods=["POST"])
@permission_required(Permission.EVALUATIONS_REVIEW)
def evaluations_answer(evaluation_id: int) -> Any:
    evaluation = _evaluation(evaluation_id)
    defn = evaluation.template.parsed()
    raw: dict[str, Any] = {}
    for question in defn.questions():
        if question.answered_by is AnsweredBy.EVALUATOR:
            values = request.form.getlist(f"answer-{question.code}")
            raw[question.code] = values if question.answer_type is AnswerType.MULTIPLE_CHOICE else (values[0] if values else None)
    form = EvaluatorAnswersForm()
    outcome = unit_of_work.run(
        lambda: evaluations.save_evaluator_answers(evaluation, raw, by=current_user,
                                                   expected_version=form.version_number()),
        pages=EVALUATION_PAGES,
    )
    if outcome.ok:
        # The valid answers are saved; each refused one is named.
        refused = outcome.value or {}
        for code, message in refused.items():
            flash(f"{code}: {message} (not saved)", "error")
        if not refused:
            flash("Evaluator answers saved.", "success")
    return _back(evaluation, "evaluator")


@bp.route("/evaluations/<int:evaluation_id>/collect-evidence", methods=["POST"])
@permission_required(Permission.EVALUATIONS_REVIEW)
def evaluations_collect_evidence(evaluation_id: int) -> Any:
    """Queue "Collect evidence"; the evaluation page shows its progress and then the proposed answers."""
    evaluation = _evaluation(evaluation_id)
    return _step(
        evaluation, ProposalForm(), lambda: evidence.start_collection(evaluation, by=current_user),
        "Collecting evidence in the background: this page shows the progress.", anchor="proposals",
        done_anchor="proposals", incomplete="",
    )


@bp.route("/evaluations/<int:evaluation_id>/proposals/accept", methods=["POST"])
@permission_required(Permission.EVALUATIONS_REVIEW)
def evaluations_proposals_accept(evaluation_id: int) -> Any:
    """Accept one proposed answer, or all open ones when no question is named."""
    evaluation = _evaluation(evaluation_id)
    form = ProposalForm()
    code = (form.code.data or "").strip()
    if code:
        return _step(evaluation, form, lambda: evidence.accept(evaluation, code, by=current_user),
                     f"{code}: the proposed answer is now your answer.", anchor="proposals", done_anchor="proposals",
                     incomplete="")
    return _step(evaluation, form, lambda: evidence.accept_all(evaluation, by=current_user),
                 lambda count: f"{count} proposed answer(s) accepted.", anchor="proposals", done_anchor="proposals",
                 incomplete="")


@bp.route("/evaluations/<int:evaluation_id>/proposals/override", methods=["POST"])
@permission_required(Permission.EVALUATIONS_REVIEW)
def evaluations_proposals_override(evaluation_id: int) -> Any:
    """Answer otherwise than proposed, with the reason."""
    evaluation = _evaluation(evaluation_id)
    form = ProposalOverrideForm()
    code = (form.code.data or "").strip()
    return _step(
        evaluation, form,
        lambda: evidence.override(evaluation, code, form.answer.data or "", form.reason.data or "", by=current_user),
        f"{code}: your answer and its reason are recorded.", anchor="proposals", done_anchor="proposals",
    )


@bp.route("/evaluations/<int:evaluation_id>/score", methods=["POST"])
@permission_required(Permission.EVALUATIONS_REVIEW)
def evaluations_score(evaluation_id: int) -> Any:
    evaluation = _evaluation(evaluation_id)
    return _step(
        evaluation, ConfirmForm(), lambda: evaluations.score_evaluation(evaluation, by=current_user),
        lambda _: f"Scored: {evaluation.percentage if evaluation.percentage is not None else '—'} %.",
        anchor="score", done_anchor="score", incomplete="",
    )


@bp.route("/evaluations/<int:evaluation_id>/override", methods=["POST"])
@permission_required(Permission.EVALUATIONS_REVIEW)
def evaluations_override(evaluation_id: int) -> Any:
    evaluation = _evaluation(evaluation_id)
    form = OverrideForm()
    form.question_code.choices = [(e["code"], e["code"]) for e in (evaluation.score or {}).get("breakdown", []) if e["applicable"]]
    return _step(
        evaluation, form,
        lambda: evaluations.override_points(
            evaluation, form.question_code.data or "", float(form.points.data or 0), form.reason.data or "", by=current_user
        ),
        f"Points of {form.question_code.data} overridden; the evaluation was rescored.", anchor="score", done_anchor="score",
    )


def _decision_input(form: DecisionForm) -> evaluations.DecisionInput:
    return evaluations.DecisionInput(
        decision=form.decision.data or "", approval_scope=form.approval_scope.data or "", conditions=form.conditions.data or "",
        rationale=form.rationale.data or "", knockout_justification=form.knockout_justification.data or "",
    )


@bp.route("/evaluations/<int:evaluation_id>/decide", methods=["POST"])
@permission_required(Permission.SUPPLIERS_DECIDE)
def evaluations_decide(evaluation_id: int) -> Any:
    evaluation = _evaluation(evaluation_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        flash(_form_errors(form), "error")
        return _detail_page(evaluation, form, 422)
    outcome = unit_of_work.run(lambda: evaluations.decide(
        evaluation, _decision_input(form), signer=current_user, password=form.password.data or "",
        comment=form.comment.data or ""), pages=EVALUATION_PAGES)
    if not outcome.ok:  # the form comes back as filled in (decision, conditions, rationale), never reset to a default
        return _detail_page(_evaluation(evaluation_id), form, outcome.status)
    flash(f"Decision signed: {label(form.decision.data or '').lower()}.", "success")
    return _back(evaluation)


@bp.route("/evaluations/<int:evaluation_id>/evidence/<int:evidence_id>")
@permission_required(Permission.SUPPLIERS_READ)
def evaluations_evidence(evaluation_id: int, evidence_id: int) -> Any:
    evaluation = _evaluation(evaluation_id)
    return send_stored(evaluations.stored_file_of(evaluation, evidence_id))


# --- The evaluations section of the supplier page (templates/suppliers/_evaluations_section.html) ----


def supplier_evaluations_panel(supplier: Supplier) -> dict[str, Any]:
    """The supplier's evaluations (newest first, a page at a time), its open one, and the start form when one may
    be started."""
    of_supplier = select(Evaluation).where(Evaluation.supplier_id == supplier.id)
    page = sub_page(of_supplier.options(selectinload(Evaluation.template)).order_by(Evaluation.id.desc()), "evaluations")
    open_one = db.session.scalars(
        of_supplier.where(Evaluation.status.in_(workflow.OPEN_STATES)).order_by(Evaluation.id.desc()).limit(1)
    ).first()
    form = None
    if open_one is None and current_user.has(Permission.EVALUATIONS_MANAGE):
        templates = services.published_templates()
        if templates:
            audience = "open_source" if supplier.kind == "open_source_project" else "commercial"
            preferred = next((t for t in templates if t.audience == audience), templates[0])
            form = StartEvaluationForm(formdata=None, supplier_id=str(supplier.id), template_id=preferred.id,
                                       evaluation_type="periodic" if supplier.approved_at else "initial")
            form.template_id.choices = [(t.id, t.label) for t in templates]
            form.due_date.render_kw = {"min": today().isoformat()}  # the date picker offers no past day
    return {"evaluations": page.items, "page": page, "open": open_one, "form": form,
            "args": {**request.args.to_dict(), "supplier_id": supplier.id}}


@bp.app_context_processor
def _template_helpers() -> dict[str, Any]:
    return {"evaluations_for_supplier": supplier_evaluations_panel}
