"""Inventory import: full import through the service into the database, against the bare parser library.

`bench import_juice_shop ratio=<r>`: import of the 840-component Juice Shop CycloneDX SBOM divided by
json.loads + cyclonedx-python-lib `Bom.from_json` on the same bytes. `bench import_nodegoat ratio=<r>`:
import of NodeGoat's package-lock.json divided by `json.loads`. Medians of several runs in one process, the
two sides alternating run by run so that a busy machine slows both alike (target r <= 3).
`bench import_nodegoat_insert_floor ratio=<r>`: the bare INSERT (sqlite3 executemany + commit) of the rows the
NodeGoat import writes, into the same table with its indexes, divided by the same `json.loads`: no import that
stores its rows can be faster than that. `bench import_nodegoat_vs_floor ratio=<r> target<=2`: the NodeGoat
import divided by that floor (bare parse plus bare INSERT of the same rows), the three in turn in each round, the
median of the rounds' ratios.
`bench import_nodegoat_release_growth ratio=<r>`: the NodeGoat import into a new release when 35 releases already
ship its versions, divided by the same with 3 (the review schedule must not re-read every release; target <= 1.5).
`bench import_20k_cyclonedx cpu_s=<s> peak_rss_mb=<m> ...`: CPU time of the import alone and peak memory of a fresh
process importing a generated 20,000-component CycloneDX file, once as the import reads it (schema-checked, read
directly) and once through cyclonedx-python-lib's object model (reader="library"), alternating, medians;
targets: CPU <= 0.5 x the 27.5 s measured before the direct reader, peak RSS <= 300 MB.
`bench import_spdx_licences ratio=<r> target<=3`: the import of a generated SPDX 2.3 document whose 600 packages
carry 150 distinct licence expressions (licence caches emptied before each run, as in a fresh process) divided
by spdx-tools parsing the same document alone.
"""

from __future__ import annotations

import itertools
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
MEMORY_RUNS = 3
CPU_BEFORE_S = 27.5  # the 20k import measured before the direct reader (issue 11)
LICENCE_PACKAGES = 600
_RELEASE_NUMBERS = itertools.count()  # release versions 1.<n> across every import timer of the run


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
    counter = _RELEASE_NUMBERS  # shared: a second timer on the same app must not re-import into the first's releases

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
import functools, resource, sys, time
sys.path.insert(0, {root!r})
from bench.bench_inventory_import import _app
from pathlib import Path
app = _app(Path({database!r}))
from app.extensions import db
from app.inventory import services
from app.inventory.importers import cyclonedx_json
if {reader!r} == "library":
    cyclonedx_json.read_document = functools.partial(cyclonedx_json.read_document, reader="library")
content = Path({bom!r}).read_bytes()
with app.app_context():
    start = time.process_time()
    summary = services.import_into("Generated", "1.0", [services.UploadedFile("bom.cdx.json", content)])
    db.session.commit()
    cpu = time.process_time() - start
    assert summary["components"] == {count}, summary["components"]
# VmHWM is this process's own peak (ru_maxrss would carry the forking parent's peak across exec).
hwm = [line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith("VmHWM:")]
print(cpu, int(hwm[0].split()[1]) if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def import_20k(count: int = MEMORY_COMPONENTS, reader: str = "direct") -> tuple[float, float]:
    """CPU seconds of the import alone and peak RSS (MB) of a fresh process importing a generated BOM."""
    with tempfile.TemporaryDirectory() as tmp:
        bom = Path(tmp) / "bom.cdx.json"
        bom.write_bytes(generated_bom(count))
        code = _CHILD.format(root=str(ROOT), database=str(Path(tmp) / "memory.sqlite3"), bom=str(bom), count=count,
                             reader=reader)
        env = {**os.environ, "PROVENANCE_INSTANCE_PATH": tmp}
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                                check=True, timeout=900)
        cpu, peak_kb = result.stdout.strip().splitlines()[-1].split()
        return float(cpu), int(peak_kb) / 1024  # kB on Linux


def peak_memory_mb(count: int = MEMORY_COMPONENTS) -> float:
    """Peak RSS (MB) of a fresh process importing a generated `count`-component BOM."""
    return import_20k(count)[1]


def licence_spdx(packages: int = LICENCE_PACKAGES) -> bytes:
    """An SPDX 2.3 JSON document whose packages carry 150 distinct licence expressions (ids, ORs, ANDs, WITHs)."""
    ids = ["MIT", "Apache-2.0", "BSD-3-Clause", "BSD-2-Clause", "ISC", "GPL-2.0-only", "GPL-3.0-or-later",
           "LGPL-2.1-or-later", "MPL-2.0", "EPL-2.0", "CDDL-1.0", "Zlib", "Unlicense", "CC0-1.0", "Artistic-2.0"]
    expressions = list(ids)
    expressions += [f"{a} OR {b}" for a in ids[:9] for b in ids[9:]]
    expressions += [f"({a} OR {b}) AND {c}" for a, b, c in zip(ids, ids[1:] + ids[:1], ids[2:] + ids[:2], strict=True)]
    expressions += [f"{a} WITH Classpath-exception-2.0" for a in ("GPL-2.0-only", "GPL-2.0-or-later")]
    expressions += [f"{a} AND {b}" for a in ids[:5] for b in ids[5:10]]
    expressions = list(dict.fromkeys(expressions))[:150]
    documented = [{"name": "product", "SPDXID": "SPDXRef-product", "downloadLocation": "NOASSERTION",
                   "versionInfo": "1.0", "filesAnalyzed": False}]
    packages_json = documented + [{
        "name": f"package-{n}", "SPDXID": f"SPDXRef-package-{n}", "versionInfo": f"1.{n % 40}.{n % 7}",
        "downloadLocation": "NOASSERTION", "filesAnalyzed": False,
        "licenseConcluded": expressions[n % len(expressions)], "licenseDeclared": expressions[(n * 7) % len(expressions)],
        "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                          "referenceLocator": f"pkg:npm/package-{n}@1.{n % 40}.{n % 7}"}],
    } for n in range(packages)]
    relationships = [{"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES",
                      "relatedSpdxElement": "SPDXRef-product"}]
    relationships += [{"spdxElementId": "SPDXRef-product", "relationshipType": "DEPENDS_ON",
                       "relatedSpdxElement": f"SPDXRef-package-{n}"} for n in range(packages)]
    return json.dumps({
        "spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT", "name": "licences",
        "documentNamespace": "https://example.org/spdx/licences",
        "creationInfo": {"created": "2026-11-30T00:00:00Z", "creators": ["Tool: bench"]},
        "packages": packages_json, "relationships": relationships,
    }).encode()


def _licence_import_timer(app, content: bytes) -> Callable[[], object]:  # type: ignore[no-untyped-def]
    from app.extensions import db
    from app.inventory import services
    from app.inventory.licences.expressions import licence_ids, normalise_licence

    counter = iter(range(10_000))

    def run() -> object:
        normalise_licence.cache_clear()  # as in a fresh process: each distinct expression is normalised again
        licence_ids.cache_clear()
        with app.app_context():
            summary = services.import_into("Bench licences", f"1.{next(counter)}",
                                           [services.UploadedFile("licences.spdx.json", content)])
            db.session.commit()
            return summary

    return run


def _spdx_baseline(content: bytes) -> Callable[[], object]:
    from spdx_tools.spdx.parser.jsonlikedict.json_like_dict_parser import JsonLikeDictParser

    return lambda: JsonLikeDictParser().parse(json.loads(content))


GROWTH_RELEASES = 40


def _vs_floor(app, database: Path, runs: int = 9) -> str:  # type: ignore[no-untyped-def]
    """The NodeGoat import against its floor (bare parse plus bare INSERT of the same rows), the three run in turn
    within each round so that load from elsewhere falls on all of them alike; the median of the rounds' ratios."""
    sides = (_import_timer(app, NODEGOAT), _insert_floor(database), _nodegoat_baseline())
    for side in sides:
        side()  # warm up
    spent: tuple[list[float], list[float], list[float]] = ([], [], [])
    for _ in range(runs):
        for side, times in zip(sides, spent, strict=True):
            start = time.perf_counter()
            side()
            times.append(time.perf_counter() - start)
    ratios = [full / (insert + parse) for full, insert, parse in zip(*spent, strict=True)]
    full, insert, parse = (statistics.median(times) * 1000 for times in spent)
    return (f"bench import_nodegoat_vs_floor ratio={statistics.median(ratios):.2f} target<=2 "
            f"import_ms={full:.1f} floor_ms={insert + parse:.1f} (parse {parse:.1f} + insert {insert:.1f}) "
            f"rounds={runs} ratio_range={min(ratios):.2f}-{max(ratios):.2f}")


def _release_growth(database: Path) -> str:
    """NodeGoat imported into 40 new releases of one product (the CI pattern): the import's cost with 35 releases
    already shipping its versions against its cost with 3, medians of 5 imports each (target: flat, <= 1.5)."""
    app = _app(database)
    run = _import_timer(app, NODEGOAT)
    spent = []
    for _ in range(GROWTH_RELEASES):
        start = time.perf_counter()
        run()
        spent.append(time.perf_counter() - start)
    early, late = statistics.median(spent[3:8]), statistics.median(spent[-5:])
    return (f"bench import_nodegoat_release_growth ratio={late / early:.2f} target<=1.5 "
            f"releases_3_to_7_ms={early * 1000:.0f} releases_35_to_39_ms={late * 1000:.0f}")


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
        lines.append(_vs_floor(app, Path(tmp) / "bench.sqlite3"))
        lines.append(_release_growth(Path(tmp) / "growth.sqlite3"))
        content = licence_spdx()
        full, bare = _medians(_licence_import_timer(app, content), _spdx_baseline(content), runs=5)
        lines.append(f"bench import_spdx_licences ratio={full / bare:.2f} target<=3 import_ms={full * 1000:.1f} "
                     f"spdx_tools_ms={bare * 1000:.1f} packages={LICENCE_PACKAGES} expressions=150")
    direct: list[tuple[float, float]] = []
    library: list[tuple[float, float]] = []
    for _ in range(MEMORY_RUNS):
        direct.append(import_20k())
        library.append(import_20k(reader="library"))
    cpu, rss = statistics.median(c for c, _ in direct), statistics.median(m for _, m in direct)
    cpu_library, rss_library = statistics.median(c for c, _ in library), statistics.median(m for _, m in library)
    lines.append(f"bench import_20k_cyclonedx cpu_s={cpu:.1f} peak_rss_mb={rss:.0f} "
                 f"cpu_vs_before={cpu / CPU_BEFORE_S:.2f} (target<=0.5 of {CPU_BEFORE_S} s) rss_target<=300 "
                 f"library_model_cpu_s={cpu_library:.1f} library_model_peak_rss_mb={rss_library:.0f} "
                 f"ratio_to_library_model={cpu / cpu_library:.2f} rounds={MEMORY_RUNS} "
                 f"cpu_min_max={min(c for c, _ in direct):.1f}-{max(c for c, _ in direct):.1f} "
                 f"rss_min_max={min(m for _, m in direct):.0f}-{max(m for _, m in direct):.0f} components={MEMORY_COMPONENTS}")
    lines.append(f"bench import_20k_peak_rss_mb value={rss:.0f} target<=300 components={MEMORY_COMPONENTS}")
    return lines


if __name__ == "__main__":
    for line in run():
        print(line)
