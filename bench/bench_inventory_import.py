"""Inventory import: full import through the service into the database, against the bare parser library.

`bench import_juice_shop ratio=<r>`: import of the 840-component Juice Shop CycloneDX SBOM divided by
json.loads + cyclonedx-python-lib `Bom.from_json` on the same bytes. `bench import_nodegoat ratio=<r>`:
import of NodeGoat's package-lock.json divided by `json.loads`. Medians of several runs in one process, the
two sides alternating run by run so that a busy machine slows both alike (target r <= 3).
`bench import_nodegoat_insert_floor ratio=<r>`: the bare INSERT (sqlite3 executemany + commit) of the rows the
NodeGoat import writes, into the same table with its indexes, divided by the same `json.loads`: no import that
stores its rows can be faster than that. `bench import_20k_peak_rss_mb value=<m> target<=300`: peak memory of
a child process importing a generated 20,000-component CycloneDX file.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REALWORLD = ROOT.parent / "shared" / "realworld"
JUICE_SHOP = REALWORLD / "cyclonedx" / "juice-shop-11.1.2.cdx.json"
NODEGOAT = REALWORLD / "lockfiles" / "nodegoat-package-lock.json"
RUNS = 7
MEMORY_COMPONENTS = 20_000


def _medians(full: Callable[[], object], bare: Callable[[], object], runs: int = RUNS) -> tuple[float, float]:
    """Median seconds of each side; runs alternate so that load from elsewhere falls on both sides alike."""
    full(), bare()  # warm caches (imports, licence tables) the same way for both sides
    timings: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for function, spent in ((full, timings[0]), (bare, timings[1])):
            start = time.perf_counter()
            function()
            spent.append(time.perf_counter() - start)
    return statistics.median(timings[0]), statistics.median(timings[1])


def _app(database: Path):  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(ROOT))
    from app import create_app
    from app.extensions import db

    app = create_app({"ENV": "test", "TESTING": True, "SECRET_KEY": "bench",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"})
    with app.app_context():
        db.create_all()
    return app


def _import_timer(app, path: Path) -> Callable[[], object]:  # type: ignore[no-untyped-def]
    from app.extensions import db
    from app.inventory import services

    content = path.read_bytes()
    counter = iter(range(10_000))

    def run() -> object:
        with app.app_context():
            # The CI pattern: every build pushes its file into a new release of the same product.
            summary = services.import_into(f"Bench {path.name}", f"1.{next(counter)}",
                                           [services.UploadedFile(path.name, content)])
            db.session.commit()
            return summary

    return run


def _juice_shop_baseline() -> Callable[[], object]:
    from cyclonedx.model.bom import Bom

    content = JUICE_SHOP.read_bytes()

    def run() -> object:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return Bom.from_json(json.loads(content))  # type: ignore[attr-defined]

    return run


def _nodegoat_baseline() -> Callable[[], object]:
    content = NODEGOAT.read_bytes()
    return lambda: json.loads(content)


def _insert_floor(database: Path) -> Callable[[], object]:
    """The bare INSERT of the rows the NodeGoat imports wrote, as stored, through sqlite3 (no app, no SQLAlchemy)."""
    import sqlite3

    connection = sqlite3.connect(database)
    columns = [row[1] for row in connection.execute("PRAGMA table_info(components)") if row[1] != "id"]
    release_id = connection.execute("SELECT max(release_id) FROM components").fetchone()[0]
    rows = connection.execute(f"SELECT {', '.join(columns)} FROM components WHERE release_id = ?", (release_id,)).fetchall()
    statement = f"INSERT INTO components ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")

    def run() -> object:
        connection.executemany(statement, rows)
        connection.commit()
        return len(rows)

    return run


def generated_bom(count: int) -> bytes:
    """A CycloneDX 1.6 JSON BOM with `count` npm components, licences and a dependency graph."""
    components = [{
        "type": "library", "bom-ref": f"pkg:npm/package-{n}@1.{n % 50}.{n % 7}", "name": f"package-{n}",
        "version": f"1.{n % 50}.{n % 7}", "purl": f"pkg:npm/package-{n}@1.{n % 50}.{n % 7}",
        "licenses": [{"license": {"id": ("MIT", "Apache-2.0", "ISC", "BSD-3-Clause")[n % 4]}}],
    } for n in range(count)]
    dependencies = [{"ref": "root", "dependsOn": [c["bom-ref"] for c in components[:50]]}] + [
        {"ref": c["bom-ref"], "dependsOn": [components[(i * 7 + 1) % count]["bom-ref"]]}
        for i, c in enumerate(components)]
    return json.dumps({
        "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
        "metadata": {"component": {"type": "application", "bom-ref": "root", "name": "generated"}},
        "components": components, "dependencies": dependencies,
    }).encode()


_CHILD = """
import resource, sys
sys.path.insert(0, {root!r})
from bench.bench_inventory_import import _app
from pathlib import Path
app = _app(Path({database!r}))
from app.extensions import db
from app.inventory import services
content = Path({bom!r}).read_bytes()
with app.app_context():
    summary = services.import_into("Generated", "1.0", [services.UploadedFile("bom.cdx.json", content)])
    db.session.commit()
    assert summary["components"] == {count}, summary["components"]
# VmHWM is this process's own peak (ru_maxrss would carry the forking parent's peak across exec).
hwm = [line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith("VmHWM:")]
print(int(hwm[0].split()[1]) if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def peak_memory_mb(count: int = MEMORY_COMPONENTS) -> float:
    """Peak RSS (MB) of a fresh process importing a generated `count`-component BOM."""
    with tempfile.TemporaryDirectory() as tmp:
        bom = Path(tmp) / "bom.cdx.json"
        bom.write_bytes(generated_bom(count))
        code = _CHILD.format(root=str(ROOT), database=str(Path(tmp) / "memory.sqlite3"), bom=str(bom), count=count)
        env = {**os.environ, "PROVENANCE_INSTANCE_PATH": tmp}
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                                check=True, timeout=600)
        return int(result.stdout.strip().splitlines()[-1]) / 1024  # kB on Linux


def run() -> list[str]:
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("PROVENANCE_INSTANCE_PATH", tmp)
        app = _app(Path(tmp) / "bench.sqlite3")
        for label, path, baseline in (("import_juice_shop", JUICE_SHOP, _juice_shop_baseline()),
                                      ("import_nodegoat", NODEGOAT, _nodegoat_baseline())):
            full, bare = _medians(_import_timer(app, path), baseline)
            lines.append(f"bench {label} ratio={full / bare:.2f} import_ms={full * 1000:.1f} parser_ms={bare * 1000:.1f}")
        floor, bare = _medians(_insert_floor(Path(tmp) / "bench.sqlite3"), _nodegoat_baseline())
        lines.append(f"bench import_nodegoat_insert_floor ratio={floor / bare:.2f} insert_ms={floor * 1000:.1f} "
                     f"parser_ms={bare * 1000:.1f}")
    lines.append(f"bench import_20k_peak_rss_mb value={peak_memory_mb():.0f} target<=300 components={MEMORY_COMPONENTS}")
    return lines


if __name__ == "__main__":
    for line in run():
        print(line)
