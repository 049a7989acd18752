"""The evaluation state machine: one function per move; an illegal move raises IllegalMove.

draft -> sent -> in_progress -> submitted -> scored -> decided; draft -> scored when the template has
no supplier questions (an evaluator-only questionnaire); any state before decided -> cancelled.
Re-sending a link keeps sent/in_progress; scoring again keeps scored.
"""

from __future__ import annotations

from typing import Protocol

from app.errors import Conflict
from app.questionnaires.models import EvaluationStatus as S

TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.SENT, S.SCORED, S.CANCELLED}),
    S.SENT: frozenset({S.SENT, S.IN_PROGRESS, S.SUBMITTED, S.CANCELLED}),
    S.IN_PROGRESS: frozenset({S.SENT, S.IN_PROGRESS, S.SUBMITTED, S.CANCELLED}),
    S.SUBMITTED: frozenset({S.SCORED, S.CANCELLED}),
    S.SCORED: frozenset({S.SCORED, S.DECIDED, S.CANCELLED}),
    S.DECIDED: frozenset(),
    S.CANCELLED: frozenset(),
}

OPEN_STATES = frozenset({S.DRAFT, S.SENT, S.IN_PROGRESS, S.SUBMITTED, S.SCORED})
SUPPLIER_EDITABLE = frozenset({S.SENT, S.IN_PROGRESS})


class IllegalMove(Conflict):
    """The evaluation is not in a state that allows this step."""


class HasStatus(Protocol):
    status: str


def require_transition(current: str, target: str) -> None:
    """Raise IllegalMove unless current -> target is in the table."""
    if target not in TRANSITIONS.get(current, frozenset()):
        raise IllegalMove(
            f"An evaluation that is {current.replace('_', ' ')} cannot become {target.replace('_', ' ')}."
        )


def _move(evaluation: HasStatus, target: str) -> None:
    require_transition(evaluation.status, target)
    evaluation.status = target


def send(evaluation: HasStatus) -> None:
    """A link goes to the supplier (also a re-send while the supplier has not submitted)."""
    if evaluation.status in (S.SENT, S.IN_PROGRESS):
        require_transition(evaluation.status, S.SENT)
        return  # a re-send keeps the progress state
    _move(evaluation, S.SENT)


def start_answering(evaluation: HasStatus) -> None:
    """The supplier saved a first answer."""
    if evaluation.status == S.IN_PROGRESS:
        return
    _move(evaluation, S.IN_PROGRESS)


def submit(evaluation: HasStatus) -> None:
    """The supplier submitted; their answers are locked from now on."""
    _move(evaluation, S.SUBMITTED)


def mark_scored(evaluation: HasStatus) -> None:
    """The evaluation was scored (again, after an override or an evaluator answer)."""
    _move(evaluation, S.SCORED)


def decide(evaluation: HasStatus) -> None:
    """QA signed the decision; the evaluation is final."""
    _move(evaluation, S.DECIDED)


def cancel(evaluation: HasStatus) -> None:
    """The evaluation is abandoned (kept as a record, with a reason)."""
    _move(evaluation, S.CANCELLED)
