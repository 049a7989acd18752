"""Bulk work runs with Python's cyclic collector paused; collection resumes when the last holder ends."""

from __future__ import annotations

import gc

from app.collector import collector_paused, paused_collector


def test_collection_is_paused_inside_the_block_and_resumes_after():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_nested_holders_resume_collection_only_when_the_outer_one_ends():
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_an_error_inside_still_resumes_collection():
    @paused_collector
    def failing() -> None:
        assert not gc.isenabled()
        raise ValueError("boom")

    try:
        failing()
    except ValueError:
        pass
    assert gc.isenabled()


def test_a_collector_disabled_before_stays_disabled():
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
