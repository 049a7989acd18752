"""Reminder rule of the inventory: anomaly reviews due (the notifications package sends them)."""

from __future__ import annotations

from datetime import date

from flask import Flask

from app.access import Permission
from app.inventory.anomalies import services as anomaly_services
from app.inventory.anomalies.rules import ReviewState
from app.notifications.reminders import add_rules

_WHY = {
    ReviewState.NEW_ADVISORY: "an advisory affecting this version arrived after its last anomaly review",
    ReviewState.OVERDUE: "its anomaly review was due on {due}",
    ReviewState.NEVER_REVIEWED: "this class {safety_class} version has never had an anomaly review",
    ReviewState.DUE_SOON: "its anomaly review falls due on {due}",
}


def init_app(app: Flask) -> None:
    """Hand this rule to the outbox's reminder run."""
    add_rules(app, reminder_items)


def reminder_items(today: date) -> list[dict[str, str]]:
    """One reminder per component version whose anomaly review is due, to everyone who may record reviews.

    The key changes when the reason or due date changes, so a sender that remembers keys reminds once per cause.
    """
    items = []
    for item in anomaly_services.reviews_due(today):
        ecosystem, package, version = item.key
        due = item.status.due.isoformat() if item.status.due else ""
        reason = _WHY[item.status.state].format(due=due, safety_class=item.safety_class)
        releases = ", ".join(item.releases[:5]) + (f" … ({item.release_count} in all)" if item.release_count > 5 else "")
        items.append(
            {
                "key": f"anomaly-review:{ecosystem}:{package}:{version}:{item.status.state.value}:{due}:{item.status.new_advisories}",
                "permission": Permission.INVENTORY_EDIT.value,
                "subject": f"Anomaly review due: {item.name} {item.version}",
                "body": f"{item.name} {item.version} ({ecosystem}) needs an anomaly review: {reason}. It ships in {releases}.",
            }
        )
    return items
