"""Release readiness check: the whole check (facts gathered in set queries, then the pure rules) of a 20,000-component
release against the same check of a 1,000-component release, in one process on one SQLite file.

`bench release_readiness_20k ratio=<20k/1k> min=.. max=.. ms_1k=.. ms_20k=.. per_component_us=.. target<=25`: medians
of RUNS rounds, the two sides alternating round by round; the ratio of 20 x more components stays near 20 when the
check is linear (no query per component). The release page itself never waits for it: the checklist arrives in its
own request (`/releases/<id>/readiness`), so the page's own scale bench (scale_release) is unchanged.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

RUNS = 7
SIZES = (1_000, 20_000)


def _build(app: Any, size: int) -> int:
    from sqlalchemy import insert

    from app.db import utcnow
    from app.extensions import db
    from app.inventory import services
    from app.inventory.models import Component

    product = services.find_product("Bench") or services.create_product("Bench", safety_class="B")
    release = services.create_release(product, str(size))
    now = utcnow()
    rows = [{"release_id": release.id, "name": f"pkg{i}", "version": f"1.{i % 50}.{i}", "ecosystem": "npm",
             "classification": "soup" if i % 3 else "otss", "safety_class": "B", "direct": i % 4 == 0,
             "parents": ["pkg:npm/pkg0@1.0.0"], "licence_verdict": "allow" if i % 7 else "review",
             "requirements": "r" if i % 2 else "", "hazard_refs": "h", "review_key": f"npm\tpkg{i}\t1.{i % 50}.{i}",
             "sources": [], "unknown_licences": [], "created_at": now, "updated_at": now} for i in range(size)]
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(Component.__table__), rows[start:start + 5000])
    db.session.commit()
    return release.id


def run() -> Iterator[str]:
    """One line: the ratio of the two check times, medians of alternating rounds."""
    from app import create_app
    from app.extensions import db
    from app.inventory import services
    from app.inventory.models import Release

    folder = Path(tempfile.mkdtemp(prefix="bench-readiness-"))
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite'}"})
    with app.app_context():
        db.create_all()
        ids = {size: _build(app, size) for size in SIZES}
        times: dict[int, list[float]] = {size: [] for size in SIZES}
        ratios = []
        for round_number in range(RUNS + 1):
            order = SIZES if round_number % 2 == 0 else tuple(reversed(SIZES))
            found = {}
            for size in order:
                release = db.session.get(Release, ids[size])
                start = time.perf_counter()
                services.release_readiness(release)
                found[size] = time.perf_counter() - start
                db.session.rollback()
            if round_number == 0:
                continue  # warm-up
            for size, seconds in found.items():
                times[size].append(seconds)
            ratios.append(found[SIZES[1]] / found[SIZES[0]])
        small, large = (statistics.median(times[size]) * 1000 for size in SIZES)
        yield (f"bench release_readiness_20k ratio={statistics.median(ratios):.1f} min={min(ratios):.1f} "
               f"max={max(ratios):.1f} ms_1k={small:.0f} ms_20k={large:.0f} "
               f"per_component_us={large * 1000 / SIZES[1]:.0f} rounds={RUNS} target<=25")
