from app.access import Role
from tests.permissions import ALL_ROLES, ENGINEER_OR_QA, roles

ENGINEER = roles(Role.ENGINEER)
QA = roles(Role.QA)

EXPECTED = {
    # validation.read: everyone
    "validation.systems_list": ALL_ROLES,
    "validation.systems_detail": ALL_ROLES,
    "validation.protocols_detail": ALL_ROLES,
    "validation.reports_detail": ALL_ROLES,
    "validation.deviations_detail": ALL_ROLES,
    "validation.evidence_download": ALL_ROLES,
    # validation.edit: engineers write systems, functions, protocols, reports and change requests
    "validation.systems_create": ENGINEER,
    "validation.systems_edit": ENGINEER,
    "validation.functions_create": ENGINEER,
    "validation.functions_edit": ENGINEER,
    "validation.functions_retire": ENGINEER,
    "validation.protocols_create": ENGINEER,
    "validation.protocols_edit": ENGINEER,
    "validation.test_cases_create": ENGINEER,
    "validation.test_cases_edit": ENGINEER,
    "validation.test_cases_delete": ENGINEER,
    "validation.test_cases_move": ENGINEER,
    "validation.test_cases_retire": ENGINEER,
    "validation.steps_create": ENGINEER,
    "validation.steps_bulk_create": ENGINEER,
    "validation.steps_delete": ENGINEER,
    "validation.steps_move": ENGINEER,
    "validation.steps_edit": ENGINEER,
    "validation.protocols_submit": ENGINEER,
    "validation.reports_edit": ENGINEER,
    "validation.reports_sign": ENGINEER,
    "validation.change_requests_create": ENGINEER,
    # validation.execute
    "validation.protocols_start": ENGINEER,
    "validation.executions_create": ENGINEER,
    "validation.executions_correct": ENGINEER,
    "validation.protocols_complete": ENGINEER,
    # validation.review (engineer, qa) and validation.approve (qa)
    "validation.protocols_review": ENGINEER_OR_QA,
    "validation.protocols_return": ENGINEER_OR_QA,
    "validation.protocols_approve": QA,
    "validation.protocols_justify": QA,
    "validation.reports_approve": QA,
    "validation.deviations_close": QA,
    "validation.periodic_reviews_create": QA,
    # the author or QA
    "validation.protocols_withdraw": ENGINEER_OR_QA,
    "validation.change_requests_assess": ENGINEER_OR_QA,
}
