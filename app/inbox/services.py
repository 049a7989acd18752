"""My tasks: the groups of tasks waiting for a user, their total, and the daily digest e-mail."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import current_app, has_request_context

from app.inbox.registry import TaskGroup, registered_sources

SHOWN = 10  # tasks listed per group on the inbox page (the group links to its full list)


def my_tasks(user: Any, today: date, *, limit: int = SHOWN) -> list[TaskGroup]:
    """Every non-empty group of tasks waiting for the user, in the order the domains registered them (task links
    are paths, made in a request context of their own outside a request: a worker's digest, a test)."""
    if not has_request_context():
        with current_app.test_request_context("/"):
            return my_tasks(user, today, limit=limit)
    groups: list[TaskGroup] = []
    for source in registered_sources():
        groups.extend(group for group in source(user, today, limit) if group.count)
    return groups


def task_count(user: Any, today: date) -> int:
    """How many tasks wait for the user in all (counts only: no task is loaded)."""
    return sum(group.count for group in my_tasks(user, today, limit=0))


def digest_body(user: Any, groups: list[TaskGroup], base_url: str) -> str:
    """The plain-text daily digest: each group with its count and its first tasks, with links."""
    lines = [f"Good morning {user.full_name.split(' ')[0]},", "",
             f"{sum(group.count for group in groups)} task(s) wait for you in Provenance.", ""]
    for group in groups:
        lines.append(f"{group.label} ({group.count})")
        for task in group.tasks:
            due = f", due {task.due.isoformat()}" if task.due else ""
            detail = f" ({task.detail})" if task.detail else ""
            lines.append(f"  - {task.title}{detail}{due}: {base_url}{task.url}")
        if group.count > len(group.tasks) and group.more_url:
            lines.append(f"  ... and {group.count - len(group.tasks)} more: {base_url}{group.more_url}")
        lines.append("")
    lines.append(f"All your tasks: {base_url}/inbox")
    lines.append("You receive this digest because your e-mail setting says so: change it under Account, e-mail.")
    return "\n".join(lines)
