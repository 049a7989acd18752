"""Licence expressions: normalise what files declare into SPDX expressions, flag unknown ids."""

from __future__ import annotations

import re
from functools import lru_cache

from license_expression import ExpressionError, Licensing

# Deprecated SPDX ids that fold an exception into the id; SBOMs from older tools still write them.
_DEPRECATED_WITH = {
    "GPL-2.0-with-classpath-exception": "GPL-2.0-only WITH Classpath-exception-2.0",
    "GPL-2.0-with-autoconf-exception": "GPL-2.0-only WITH Autoconf-exception-2.0",
    "GPL-2.0-with-bison-exception": "GPL-2.0-only WITH Bison-exception-2.2",
    "GPL-2.0-with-font-exception": "GPL-2.0-only WITH Font-exception-2.0",
    "GPL-2.0-with-GCC-exception": "GPL-2.0-only WITH GCC-exception-2.0",
    "GPL-3.0-with-autoconf-exception": "GPL-3.0-only WITH Autoconf-exception-3.0",
    "GPL-3.0-with-GCC-exception": "GPL-3.0-only WITH GCC-exception-3.1",
}
_DEPRECATED_PATTERN = re.compile(
    r"(?<![\w.+-])(" + "|".join(re.escape(key) for key in _DEPRECATED_WITH) + r")(?![\w.+-])", re.IGNORECASE
)
_DEPRECATED_LOOKUP = {key.lower(): value for key, value in _DEPRECATED_WITH.items()}


@lru_cache(maxsize=1)
def licensing() -> Licensing:
    """The process's one SPDX licence index; building one costs ~50 ms, so nothing else builds its own.

    It is the instance spdx-tools' parsers use (spdx_tools.common.spdx_licensing), so an SPDX import
    and the licence steps share it.
    """
    from spdx_tools.common.spdx_licensing import spdx_licensing

    return spdx_licensing


@lru_cache(maxsize=4096)
def licence_ids(expression: str) -> tuple[str, ...]:
    """The licence ids (and exceptions) an SPDX expression names; an unparsable one is its own id."""
    try:
        return tuple(licensing().license_keys(expression)) or (expression,)
    except (ExpressionError, AttributeError, TypeError, ValueError):
        return (expression,)


@lru_cache(maxsize=4096)
def normalise_licence(raw: str) -> tuple[str, tuple[str, ...]]:
    """Return (SPDX expression, unknown ids); an unparsable text is kept whole as one unknown id."""
    text = (raw or "").strip()
    if not text or text.upper() in {"NOASSERTION", "NONE", "UNKNOWN"}:
        return "", ()
    candidate = _DEPRECATED_PATTERN.sub(lambda match: f"({_DEPRECATED_LOOKUP[match.group(1).lower()]})", text)
    index = licensing()
    try:
        info = index.validate(candidate)
    except (ExpressionError, AttributeError, TypeError, ValueError):
        # license-expression 30.4 itself fails on some free texts (e.g. names with commas).
        return text, (text,)
    if info.errors and not info.invalid_symbols:
        # Not an expression at all (free text such as "BSD style"): keep it, flag it.
        return text, (text,)
    try:
        expression = index.parse(candidate, validate=False)
    except (ExpressionError, AttributeError, TypeError, ValueError):
        return text, (text,)
    unknown = tuple(sorted({str(key) for key in info.invalid_symbols}))
    normalised = str(info.normalized_expression or expression)
    return normalised, unknown
