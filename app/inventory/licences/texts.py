"""A licence text from its SPDX licence-list template (pure: no Flask, no ORM).

The SPDX licence list gives each licence as a template in the markup of its matching guidelines: a variable part
`<<var;name=...;original=...;match=...>>` (text a copy may word otherwise; `original` is the licence's own wording)
and an optional part `<<beginOptional>> ... <<endOptional>>` (text a copy may leave out). The `spdx` package ships
only these templates, not the list's plain texts. A reader is given the text: each variable as its original wording,
each optional part with its content, and no markup. Both notations of the fields are read: unquoted
(`original= <year> <owner>;match=.+`, list 2.x as the `spdx` package has it) and quoted (`original="..."`, list 3.x).
"""

from __future__ import annotations

import re

# A variable in either notation: every field quoted (`name="...";original="..."`), else plain fields up to the first
# ">>" (a plain original may hold quotes: `original="Apache" and "Apache Software Foundation"`).
_VAR = re.compile(r'<<var;(?:(?P<quoted>(?:\w+="(?:[^"\\]|\\.)*";?)+)|(?P<plain>.*?))>>', re.DOTALL)
_QUOTED_ORIGINAL = re.compile(r'(?:^|;)original="(?P<value>(?:[^"\\]|\\.)*)"')
_PLAIN_ORIGINAL = re.compile(r"(?:^|;)original=(?P<value>.*?)(?=;(?:name|match)=|$)", re.DOTALL)
_OPTIONAL = re.compile(r'<<beginOptional(?:;(?:"(?:[^"\\]|\\.)*"|[^">])*)?>>|<<endOptional>>')
# A marker with the spaces or tabs around it (a marker's replacement decides which of them to keep).
_MARKER = re.compile(rf"(?P<left>[ \t]*)(?:{_VAR.pattern}|(?P<optional>{_OPTIONAL.pattern}))(?P<right>[ \t]*)",
                     re.DOTALL)


def _original(marker: re.Match[str]) -> str:
    """The `original` wording of a variable (empty when it has none)."""
    if marker.group("quoted") is not None:
        found = _QUOTED_ORIGINAL.search(marker.group("quoted"))
        return re.sub(r"\\(.)", r"\1", found.group("value")) if found else ""
    found = _PLAIN_ORIGINAL.search(marker.group("plain") or "")
    return found.group("value") if found else ""


def _replace(marker: re.Match[str]) -> str:
    """A marker's text, keeping the spaces around it that separate words (never two, never at a line's edge)."""
    text, start, end = marker.string, marker.start(), marker.end()
    line_start = start == 0 or text[start - 1] == "\n"
    line_end = end == len(text) or text[end] in "\r\n"
    left, right = marker.group("left"), marker.group("right")
    core = "" if marker.group("optional") else _original(marker)
    inner = core.strip(" \t")
    if not inner:
        return left if line_start else ("" if line_end or not (left or right) else " ")
    lead = left or ("" if line_start or not core[:1].isspace() else " ")
    trail = right or ("" if line_end or not core[-1:].isspace() else " ")
    return f"{lead}{inner}{'' if line_end else trail}"


def template_text(template: str) -> str:
    """The licence text a template stands for: each variable as its original wording, each optional part with its
    content, and no markup left."""
    return _MARKER.sub(_replace, template)


def has_markup(text: str) -> bool:
    """True when a text still holds SPDX template markup (a variable or an optional part)."""
    return bool(_VAR.search(text) or _OPTIONAL.search(text))
