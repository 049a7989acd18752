"""Third-party notices (attribution) of a release: every component with its licence and its author or supplier where
known, grouped by licence, followed by the text of every licence named (pure: no Flask, no ORM).

Licence texts come from the SPDX licence list as packaged by `spdx` (texts under CC-BY-3.0, list version 2.5); an id
missing there (newer ids, LicenseRef-...) is named with the address of its SPDX page instead of a text, never
guessed. "-only" and "-or-later" ids read the text of their base licence (GPL-2.0-only -> GPL-2.0): the text is the
same, only the version grant differs, which the expression states.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import spdx

from app.inventory.licences.texts import template_text

NO_LICENCE = "No licence declared"
_SUFFIX = re.compile(r"-(only|or-later)$|\+$")


@dataclass(frozen=True)
class NoticeItem:
    """One component as the notice lists it."""

    name: str
    version: str
    licence: str  # SPDX expression; "" when none is declared
    author: str = ""  # manufacturer, author or supplier, where known
    purl: str = ""
    homepage: str = ""


@dataclass(frozen=True)
class LicenceGroup:
    """The components released under one licence expression."""

    licence: str
    items: tuple[NoticeItem, ...]


@dataclass(frozen=True)
class LicenceText:
    """The text of one licence id (or where to read it)."""

    licence_id: str
    name: str
    text: str
    url: str


def group_by_licence(items: Iterable[NoticeItem]) -> list[LicenceGroup]:
    """The components grouped by licence expression, groups and members in name order; undeclared ones last."""
    groups: dict[str, list[NoticeItem]] = {}
    for item in items:
        groups.setdefault(item.licence.strip() or NO_LICENCE, []).append(item)
    ordered = sorted(groups, key=lambda licence: (licence == NO_LICENCE, licence.lower()))
    return [LicenceGroup(licence, tuple(sorted(groups[licence], key=lambda i: (i.name.lower(), i.version))))
            for licence in ordered]


@lru_cache(maxsize=1)
def _spdx_list() -> dict[str, dict[str, str]]:
    return {str(record["id"]).lower(): record for record in spdx.licenses()}


@lru_cache(maxsize=512)
def licence_text(licence_id: str) -> LicenceText:
    """The text of one SPDX id from the packaged list (base licence of -only/-or-later ids), as a reader is given it
    (the list's template markup rendered: app.inventory.licences.texts), else its SPDX address."""
    records = _spdx_list()
    record = records.get(licence_id.lower()) or records.get(_SUFFIX.sub("", licence_id).lower())
    url = f"https://spdx.org/licenses/{licence_id}.html"
    if record is None:
        return LicenceText(licence_id, licence_id, "", url)
    return LicenceText(licence_id, str(record["name"]), template_text(spdx.License(record).template).strip(), url)


def licence_texts(groups: Sequence[LicenceGroup], ids_of: Callable[[str], Iterable[str]]) -> list[LicenceText]:
    """The text of every licence id the groups' expressions name (ids_of splits an expression), in id order; WITH
    exceptions and LicenseRef ids are named without a text."""
    wanted: set[str] = set()
    for group in groups:
        if group.licence != NO_LICENCE:
            wanted.update(part for part in ids_of(group.licence) if part)
    return [licence_text(licence_id) for licence_id in sorted(wanted, key=str.lower)]


def notice_text(product: str, release: str, groups: Sequence[LicenceGroup], texts: Sequence[LicenceText], *,
                approved: str = "") -> str:
    """The plain-text NOTICE to ship with the product: header, components by licence, then the licence texts."""
    count = sum(len(group.items) for group in groups)
    lines = [f"Third-party software notices: {product} {release}", "",
             f"{product} {release} includes the following {count} third-party software components.",
             "Each is listed with its version, licence and author or supplier where known."]
    if approved:
        lines.append(approved)
    rule = "=" * 78
    for group in groups:
        lines += ["", rule, f"Licence: {group.licence} ({len(group.items)} component{'s' if len(group.items) != 1 else ''})",
                  rule]
        for item in group.items:
            lines.append(f"- {item.name} {item.version}".rstrip())
            for label, value in (("Author or supplier", item.author), ("Package URL", item.purl),
                                 ("Homepage", item.homepage)):
                if value:
                    lines.append(f"    {label}: {value}")
    if texts:
        lines += ["", rule, "Licence texts", rule]
    for entry in texts:
        lines += ["", f"--- {entry.licence_id}: {entry.name} ---", ""]
        lines.append(entry.text or f"The text of {entry.licence_id} is at {entry.url}")
    return "\n".join(lines).rstrip() + "\n"
