"""Inventory import: full import through the service into the database, against the bare parser library.

`bench import_juice_shop ratio=<r>`: import of the 840-component Juice Shop CycloneDX SBOM divided by
json.loads + cyclonedx-python-lib `Bom.from_json` on the same bytes. `bench import_nodegoat ratio=<r>`:
import of NodeGoat's package-lock.json divided by `json.loads`. Medians of several runs in one process
(target r <= 3). `bench import_20k_peak_rss_mb=<m>`: peak memory of a child process importing a generated
20,000-component CycloneDX file (target <= 300 MB).
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


def _median(function: Callable[[], object], runs: int = RUNS) -> float:
    function()  # warm caches (imports, licence tables) the same way for both sides
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


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
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
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
        return int(result.stdout.strip().splitlines()[-1]) / 1024  # ru_maxrss is in KB on Linux


def run() -> list[str]:
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("PROVENANCE_INSTANCE_PATH", tmp)
        app = _app(Path(tmp) / "bench.sqlite3")
        for label, path, baseline in (("import_juice_shop", JUICE_SHOP, _juice_shop_baseline()),
                                      ("import_nodegoat", NODEGOAT, _nodegoat_baseline())):
            full = _median(_import_timer(app, path))
            bare = _median(baseline)
            lines.append(f"bench {label} ratio={full / bare:.2f} import_ms={full * 1000:.1f} parser_ms={bare * 1000:.1f}")
    lines.append(f"bench import_20k_peak_rss_mb={peak_memory_mb():.0f} components={MEMORY_COMPONENTS}")
    return lines


if __name__ == "__main__":
    for line in run():
        print(line)
