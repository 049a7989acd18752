"""Advisory sync: an incremental sync of OSV's PyPA export against a full import of the same export.

`bench advisory_sync_incremental ratio=<r>`: the sync (flask advisories sync's service, reading the export from a
local directory) of the PyPA zip in which 1 % of the records changed since the last sync, divided by the import of
the same zip into an empty advisory table. Medians of several runs in one process, the two sides alternating run by
run; the sync alternates between two exports that differ in the same 1 % of the records, so each run changes them.
Target r <= 0.2.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5
COMPONENTS = (("pypi", "Jinja2", "2.10"), ("pypi", "urllib3", "1.24.1"), ("pypi", "Django", "2.2"),
              ("pypi", "requests", "2.19.0"), ("pypi", "Flask", "0.12"), ("pypi", "PyYAML", "5.1"),
              ("pypi", "Pillow", "6.0.0"), ("pypi", "cryptography", "2.9"), ("pypi", "lxml", "4.6.0"),
              ("pypi", "numpy", "1.16.0"))


def _app(directory: Path):  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(ROOT))
    from app import create_app
    from app.extensions import db

    app = create_app({"ENV": "test", "TESTING": True, "SECRET_KEY": "bench",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory / 'bench.sqlite3'}",
                      "ADVISORY_SYNC_SOURCE": str(directory / "osv")})
    with app.app_context():
        db.create_all()
        from tests.inventory.advisory_records import make_release

        make_release(*COMPONENTS, product="Bench")
        db.session.commit()
    return app


def _empty_advisories() -> None:
    from sqlalchemy import delete

    from app.extensions import db
    from app.inventory.advisories.models import Advisory, AdvisoryAffected, AdvisoryMatch

    for model in (AdvisoryMatch, AdvisoryAffected, Advisory):
        db.session.execute(delete(model))
    db.session.commit()


def _medians(app, full_import: Callable[[], object], sync: Callable[[], object]) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    timings: tuple[list[float], list[float]] = ([], [])
    with app.app_context():
        for _ in range(RUNS):
            _empty_advisories()
            start = time.perf_counter()
            full_import()
            timings[0].append(time.perf_counter() - start)
            sync()  # from the full import's export to the first modified one: not timed
            start = time.perf_counter()
            sync()
            timings[1].append(time.perf_counter() - start)
    return statistics.median(timings[0]), statistics.median(timings[1])


def run() -> list[str]:
    sys.path.insert(0, str(ROOT))
    from tests.inventory.advisories.osv_exports import PYPA_ZIP, modify

    original = PYPA_ZIP.read_bytes()
    exports = [modify(original, stamp=stamp) for stamp in ("2024-11-05T10:00:00Z", "2024-11-06T10:00:00Z")]
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("PROVENANCE_INSTANCE_PATH", tmp)
        directory = Path(tmp)
        (directory / "osv" / "PyPI").mkdir(parents=True)
        target = directory / "osv" / "PyPI" / "all.zip"
        app = _app(directory)
        from app.extensions import db
        from app.inventory.advisories import services, sync

        turn = iter(range(1_000_000))
        counts: list[tuple[int, int, int]] = []

        def full_import() -> object:
            result = services.import_advisories("all.zip", exports[0].content, channel="cli")
            db.session.commit()
            return result

        def incremental() -> object:
            target.write_bytes(exports[next(turn) % 2].content)
            result = sync.sync_ecosystem("PyPI", channel="cli")
            db.session.commit()
            counts.append((result.new, result.changed, result.unchanged))
            return result

        full, incremental_s = _medians(app, full_import, incremental)
    new, changed, unchanged = counts[-1]
    share = 100 * changed / max(1, new + changed + unchanged)
    return [f"bench advisory_sync_incremental ratio={incremental_s / full:.2f} target<=0.2 "
            f"sync_ms={incremental_s * 1000:.0f} full_import_ms={full * 1000:.0f} changed={changed} ({share:.1f} %) "
            f"unchanged={unchanged} runs={RUNS}"]
