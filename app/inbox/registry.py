"""My tasks: what waits for one person, gathered from the domains that know it.

The inbox sits above no domain: each domain hands its task sources to the app with `add_sources(app, ...)` when
the app is built (its inbox.py `init_app`, listed in app.PLUG_INS), as the reminder rules do. A source answers
for one user, so it applies that user's permissions and the separation of duties of its records (a QA user is
not asked to approve what they wrote).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import Flask, current_app


@dataclass(frozen=True)
class Task:
    """One thing to do: what, on which record, by when, and the link to the page where it is done."""

    title: str
    url: str
    detail: str = ""
    due: date | None = None


@dataclass(frozen=True)
class TaskGroup:
    """Tasks of one kind (e.g. "Documents to approve"): how many in all and the first few."""

    key: str
    label: str
    count: int
    tasks: Sequence[Task] = field(default_factory=tuple)
    more_url: str = ""  # the list holding all of them, when there is one
    area: str = ""  # "Suppliers", "Inventory", ... (the inbox groups by area)


# A task source: (user, today, how many tasks to list per group; 0 = counts only) -> its groups.
Source = Callable[[Any, date, int], Sequence[TaskGroup]]
_SOURCES = "inbox.sources"


def add_sources(app: Flask, *sources: Source) -> None:
    """A domain hands its task sources to the app's inbox (each once, in the order added)."""
    registered: list[Source] = app.extensions.setdefault(_SOURCES, [])
    registered.extend(source for source in sources if source not in registered)


def registered_sources() -> tuple[Source, ...]:
    """The sources the domains added to the current app."""
    return tuple(current_app.extensions.get(_SOURCES, ()))
