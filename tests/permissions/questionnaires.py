from app.auth.permissions import Role
from tests.permissions import ALL_ROLES, roles

EDITORS = roles(Role.QA, Role.PURCHASING)

EXPECTED = {
    "questionnaires.list": EDITORS,
    "questionnaires.templates_new": EDITORS,
    "questionnaires.templates_import": EDITORS,
    "questionnaires.templates_detail": EDITORS,
    "questionnaires.templates_settings": EDITORS,
    "questionnaires.templates_thresholds": EDITORS,
    "questionnaires.sections_add": EDITORS,
    "questionnaires.sections_update": EDITORS,
    "questionnaires.sections_move": EDITORS,
    "questionnaires.sections_delete": EDITORS,
    "questionnaires.questions_new": EDITORS,
    "questionnaires.questions_edit": EDITORS,
    "questionnaires.questions_move": EDITORS,
    "questionnaires.questions_delete": EDITORS,
    "questionnaires.templates_preview": EDITORS,
    "questionnaires.templates_publish": EDITORS,
    "questionnaires.templates_copy": EDITORS,
    "questionnaires.templates_retire": EDITORS,
    "questionnaires.templates_export": EDITORS,
    "questionnaires.evaluations_list": ALL_ROLES,
    "questionnaires.evaluations_create": EDITORS,
    "questionnaires.evaluations_detail": ALL_ROLES,
    "questionnaires.evaluations_send": EDITORS,
    "questionnaires.evaluations_revoke": EDITORS,
    "questionnaires.evaluations_cancel": EDITORS,
    "questionnaires.evaluations_answer": EDITORS,
    "questionnaires.evaluations_score": EDITORS,
    "questionnaires.evaluations_override": EDITORS,
    "questionnaires.evaluations_decide": roles(Role.QA),
    "questionnaires.evaluations_evidence": ALL_ROLES,
}
