"""Reminder rules: each returns what is due today as plain Reminders; the runner queues each at most once a day.

The domains sit above notifications, so notifications names none of them: each domain hands its rules to
the app with `add_rules(app, ...)` when the app is built (its reminders.py `init_app`, listed in app.PLUG_INS).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import Flask, current_app, url_for

from app.access import Permission
from app.notifications.services import claim_reminder, public_base_url, queue_email, users_with


@dataclass(frozen=True)
class Reminder:
    """One item that needs someone's attention: its stable key, who to tell and what to say."""

    key: str
    recipients: list[str] = field(default_factory=list)
    subject: str = ""
    body: str = ""


# A reminder rule: the day in, what is due on it out (Reminders, or plain dicts: see as_reminder).
Rule = Callable[[date], Sequence[Reminder | Mapping[str, Any]]]
_RULES = "notifications.reminder_rules"


def add_rules(app: Flask, *rules: Rule) -> None:
    """A domain hands its reminder rules to the app's outbox (each rule once, in the order added)."""
    registered: list[Rule] = app.extensions.setdefault(_RULES, [])
    registered.extend(rule for rule in rules if rule not in registered)


def registered_rules() -> tuple[Rule, ...]:
    """The rules the domains added to the current app."""
    return tuple(current_app.extensions.get(_RULES, ()))


def absolute_url(endpoint: str, **values: Any) -> str:
    """The link a reminder e-mail carries: the public base URL + the endpoint's path (works outside a request)."""
    base = public_base_url()
    with current_app.test_request_context("/"):
        return base + url_for(endpoint, **values)


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


@dataclass
class RunResult:
    queued_emails: int = 0
    reminders: int = 0
    skipped: int = 0


# More reminders of one rule than this for one person on one day go out as one digest e-mail, not one each (an
# import of a thousand class B packages made a thousand "Anomaly review due" e-mails per engineer).
DIGEST_OVER = 5
DIGEST_LISTS = 100  # a digest names this many reminders, then says how many more


def queue_reminders(day: date, rules: Sequence[Rule] | None = None) -> RunResult:
    """Run every rule (default: the registered ones) and queue, for each reminder not yet sent on this day, one
    e-mail per recipient; a recipient with more than DIGEST_OVER of one rule's reminders gets one digest instead."""
    result = RunResult()
    for rule in registered_rules() if rules is None else rules:
        by_address: dict[str, list[Reminder]] = {}
        for item in rule(day):
            reminder = as_reminder(item)
            recipients = sorted(set(filter(None, reminder.recipients)))
            if not recipients:
                continue
            if not claim_reminder(reminder.key, day, len(recipients)):
                result.skipped += 1
                continue
            result.reminders += 1
            for address in recipients:
                by_address.setdefault(address, []).append(reminder)
        for address, reminders in by_address.items():
            for subject, body in _emails(reminders):
                queue_email(address, subject, body)
                result.queued_emails += 1
    return result


def _emails(reminders: list[Reminder]) -> list[tuple[str, str]]:
    """One person's e-mails for one rule's reminders of the day: one each, or one digest when there are many."""
    if len(reminders) <= DIGEST_OVER:
        return [(reminder.subject, reminder.body) for reminder in reminders]
    topics = {reminder.subject.partition(":")[0].strip() for reminder in reminders}
    topic = topics.pop() if len(topics) == 1 else "Reminders"
    listed = "\n".join(f"- {reminder.subject}" for reminder in reminders[:DIGEST_LISTS])
    more = len(reminders) - DIGEST_LISTS
    tail = f"\n... and {more} more." if more > 0 else ""
    return [(f"{topic}: {len(reminders)} items", f"{len(reminders)} items need your attention today:\n{listed}{tail}\n"
             "Provenance lists them all under My tasks.")]
