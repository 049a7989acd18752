"""State machines of the inventory: a release is drafted then frozen; a component moves through its statuses.

Pure: the statuses are defined here (the models store them), and each move checks the current state and
raises on an illegal one.
"""

from __future__ import annotations

from enum import StrEnum

from app.errors import Conflict, ValidationFailed


class ReleaseStatus(StrEnum):
    DRAFT = "draft"
    FROZEN = "frozen"


class ComponentStatus(StrEnum):
    PROPOSED = "proposed"
    EVALUATED = "evaluated"
    APPROVED = "approved"
    IN_USE = "in_use"
    DEPRECATED = "deprecated"
    REMOVED = "removed"


class ReleaseFrozen(Conflict):
    """A frozen release is immutable: changes go into a new release."""

    def __init__(self, label: str = "") -> None:
        where = f" {label}" if label else ""
        super().__init__(
            f"Release{where} is frozen: its SOUP list is signed and cannot change. Create a new release instead."
        )


RELEASE_MOVES: dict[str, frozenset[str]] = {
    ReleaseStatus.DRAFT: frozenset({ReleaseStatus.FROZEN}),
    ReleaseStatus.FROZEN: frozenset(),
}

COMPONENT_MOVES: dict[str, frozenset[str]] = {
    ComponentStatus.PROPOSED: frozenset({ComponentStatus.EVALUATED, ComponentStatus.REMOVED}),
    ComponentStatus.EVALUATED: frozenset(
        {ComponentStatus.PROPOSED, ComponentStatus.APPROVED, ComponentStatus.REMOVED}
    ),
    ComponentStatus.APPROVED: frozenset(
        {ComponentStatus.EVALUATED, ComponentStatus.IN_USE, ComponentStatus.DEPRECATED}
    ),
    ComponentStatus.IN_USE: frozenset({ComponentStatus.DEPRECATED}),
    ComponentStatus.DEPRECATED: frozenset({ComponentStatus.IN_USE, ComponentStatus.REMOVED}),
    ComponentStatus.REMOVED: frozenset({ComponentStatus.PROPOSED}),
}


def require_release_move(current: str, target: str, label: str = "") -> None:
    """A release only goes draft -> frozen; nothing leaves frozen."""
    if current == ReleaseStatus.FROZEN:
        raise ReleaseFrozen(label)
    if target not in RELEASE_MOVES.get(current, frozenset()):
        raise ValidationFailed(f"A {current} release cannot become {target}.")


def require_component_move(current: str, target: str) -> None:
    """A component status moves only along COMPONENT_MOVES (staying put is always allowed)."""
    if current == target:
        return
    if target not in COMPONENT_MOVES.get(current, frozenset()):
        allowed = ", ".join(sorted(COMPONENT_MOVES.get(current, frozenset()))) or "nothing"
        raise ValidationFailed(f"A {current} component cannot become {target} (allowed: {allowed}).")
