from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.portal.ratelimit import limiter


@pytest.fixture(autouse=True)
def _fresh_rate_limit() -> Iterator[None]:
    limiter.reset()
    yield
    limiter.reset()
