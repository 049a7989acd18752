"""Python's cyclic garbage collector, paused around bulk work.

An import builds tens of thousands of objects (parsed JSON, records, row dicts) that live until it ends. Each
700 allocations the collector scans the young ones, and now and then every object in the process: for the
NodeGoat lockfile that was a fifth of the import's time, and none of it found garbage (reference counting
frees the import's objects; the few cycles wait for the next collection after the pause). Pure: no Flask.
"""

from __future__ import annotations

import functools
import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

__all__ = ["collector_paused", "paused_collector"]

_P = ParamSpec("_P")
_R = TypeVar("_R")
_lock = threading.Lock()
_holders = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause automatic collection for the block; it resumes when the last block holding it ends (threads nest)."""
    global _holders, _was_enabled
    with _lock:
        if _holders == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _was_enabled:
                gc.enable()


def paused_collector(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """The function run with automatic collection paused (collector_paused)."""

    @functools.wraps(function)
    def paused(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with collector_paused():
            return function(*args, **kwargs)

    return paused
