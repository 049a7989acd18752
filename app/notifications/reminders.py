"""Reminder rules: each returns what is due today as plain Reminders; the runner queues each at most once a day.

Domains register their rules in REMINDER_RULES ("module:function", the function takes the day).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from importlib import import_module
from typing import Any

from app.auth.permissions import Permission
from app.notifications.services import claim_reminder, queue_email, users_with


@dataclass(frozen=True)
class Reminder:
    """One item that needs someone's attention: its stable key, who to tell and what to say."""

    key: str
    recipients: list[str] = field(default_factory=list)
    subject: str = ""
    body: str = ""


REMINDER_RULES: tuple[str, ...] = (
    "app.suppliers.reminders:reevaluations_due",
    "app.suppliers.reminders:certificates_expiring",
    "app.suppliers.reminders:evaluations_waiting",
    "app.inventory.reminders:reminder_items",
    "app.validation.reminders:reminder_items",
)


def as_reminder(item: Reminder | Mapping[str, Any]) -> Reminder:
    """Rules may return plain dicts (key, permission, subject, body): they go to every active user
    holding that permission."""
    if isinstance(item, Reminder):
        return item
    return Reminder(
        key=str(item["key"]),
        recipients=users_with(Permission(item["permission"])),
        subject=str(item.get("subject", "")),
        body=str(item.get("body", "")),
    )


def load_rule(target: str) -> Callable[[date], list[Reminder]]:
    module_name, function_name = target.split(":")
    rule: Callable[[date], list[Reminder]] = getattr(import_module(module_name), function_name)
    return rule


@dataclass
class RunResult:
    queued_emails: int = 0
    reminders: int = 0
    skipped: int = 0


def queue_reminders(day: date, rules: tuple[str, ...] = REMINDER_RULES) -> RunResult:
    """Run every rule and queue one e-mail per recipient for each reminder not yet sent on this day."""
    result = RunResult()
    for target in rules:
        for item in load_rule(target)(day):
            reminder = as_reminder(item)
            recipients = sorted(set(filter(None, reminder.recipients)))
            if not recipients:
                continue
            if not claim_reminder(reminder.key, day, len(recipients)):
                result.skipped += 1
                continue
            result.reminders += 1
            for address in recipients:
                queue_email(address, reminder.subject, reminder.body)
                result.queued_emails += 1
    return result
