"""Registry metadata: 500 PyPI packages looked up through the worker, warm and cold.

`bench metadata_lookup_500 ratio=<r> value=<s>`: ratio = "Look up licences" of a release of 500 PyPI packages run
through the worker (the job queued on commit, taken from the huey queue and executed: read the 500 stored answers,
parse them, update the package metadata and the components' licences, apply the licence policy) from a warm cache,
divided by reading the same 500 stored bodies from files with json.load, in the same run; medians of alternating
rounds (target r <= 3). value = the cold look-up of the same 500 packages from the real PyPI JSON API with the
configured bounded concurrency (SOURCES_CONCURRENCY), seconds, one run.

The 500 names are the first 500 PyPI packages (sorted) of PyPA's advisory database in ../shared/realworld/osv.
BENCH_METADATA_ROUNDS sets the rounds (default 5).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADVISORIES = ROOT.parent / "shared" / "realworld" / "osv" / "pypa-advisory-database-2024-10.zip"
COUNT = 500


def package_names(count: int = COUNT) -> list[str]:
    """The first `count` package names (sorted) of PyPA's advisory database: real, varied PyPI projects."""
    with zipfile.ZipFile(ADVISORIES) as archive:
        names = sorted({name.split("/")[1] for name in archive.namelist() if name.count("/") >= 2 and name.split("/")[1]})
    return names[:count]


def _app(folder: Path):  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("PROVENANCE_INSTANCE_PATH", str(folder / "instance"))
    from app import create_app
    from app.extensions import db

    app = create_app({"ENV": "test", "TESTING": True, "SECRET_KEY": "bench", "SERVER_NAME": None,
                      "SQLALCHEMY_DATABASE_URI": os.environ.get("BENCH_METADATA_DATABASE_URL")
                      or f"sqlite:///{folder / 'bench.sqlite3'}",
                      "TASK_BROKER_URL": f"sqlite:///{folder / 'tasks.sqlite3'}"})
    with app.app_context():
        db.drop_all()
        db.create_all()
    return app


def _release_with(app, names: list[str], version: str) -> int:  # type: ignore[no-untyped-def]
    from app.extensions import db
    from app.inventory import services

    lock = "\n".join(f"{name}==1.0" for name in names).encode()
    with app.app_context():
        services.import_into("Bench metadata", version, [services.UploadedFile("requirements.txt", lock)])
        db.session.commit()
        release = services.find_release(services.find_product("Bench metadata"), version)
        return release.id


def _lookup_through_worker(app, release_id: int) -> dict:  # type: ignore[no-untyped-def]
    """Queue "Look up licences" as the page does (sent to the queue on commit), then let the worker run it."""
    from app.auth import services as auth
    from app.extensions import db
    from app.inventory.licences import lookup
    from app.inventory.models import Release
    from app.jobs import queue
    from app.jobs.models import Job

    with app.test_request_context("/"):
        release = db.session.get(Release, release_id)
        job = lookup.start_lookup(release, by=auth.find_user("bench") or _bench_user())
        job_id = job.id
        db.session.commit()
        db.session.remove()
    queue.drain(app, recover=False)
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert job.status == "done", (job.status, job.error)
        return dict(job.result)


def _bench_user():  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from app.access import Role
    from app.auth import services as auth
    from app.auth.models import User
    from app.extensions import db

    user = db.session.scalar(select(User).where(User.username == "bench"))
    if user is None:
        user = auth.create_user(username="bench", full_name="Bench", email="bench@example.com", roles={Role.ENGINEER},
                                password="bench-password-long-and-unguessable-42")
        db.session.flush()
    return user


def _bodies_to_files(app, folder: Path) -> list[Path]:  # type: ignore[no-untyped-def]
    """The stored answers the warm look-up reads, written once as files for the json.load baseline."""
    from sqlalchemy import select

    from app.extensions import db
    from app.sources.models import PackageMetadata, SourceResponse

    folder.mkdir()
    paths = []
    with app.app_context():
        rows = db.session.execute(select(SourceResponse.id, SourceResponse.body).join(
            PackageMetadata, PackageMetadata.response_id == SourceResponse.id).where(SourceResponse.status_code == 200))
        for response_id, body in rows:
            path = folder / f"{response_id}.json"
            path.write_bytes(body)
            paths.append(path)
    return paths


def _json_load(paths: list[Path]) -> Callable[[], object]:
    def run() -> object:
        parsed = 0
        for path in paths:
            with path.open("rb") as handle:
                json.load(handle)
            parsed += 1
        return parsed

    return run


def run() -> list[str]:
    rounds = int(os.environ.get("BENCH_METADATA_ROUNDS", "5"))
    names = package_names()
    with tempfile.TemporaryDirectory(prefix="bench-metadata-") as tmp:
        folder = Path(tmp)
        app = _app(folder)
        with app.app_context():
            from app.extensions import db

            _bench_user()
            db.session.commit()
        cold_release = _release_with(app, names, "cold")
        start = time.perf_counter()
        cold = _lookup_through_worker(app, cold_release)
        cold_seconds = time.perf_counter() - start
        paths = _bodies_to_files(app, folder / "bodies")
        baseline = _json_load(paths)
        counter = iter(range(1000))

        def warm() -> object:
            release_id = _release_with(app, names, f"warm-{next(counter)}")  # a new release: every licence to fill
            start = time.perf_counter()
            _lookup_through_worker(app, release_id)
            return time.perf_counter() - start

        full: list[float] = []
        bare: list[float] = []
        warm()
        baseline()
        for _ in range(rounds):
            full.append(float(warm()))  # type: ignore[arg-type]
            start = time.perf_counter()
            baseline()
            bare.append(time.perf_counter() - start)
        ratios = [f / b for f, b in zip(full, bare, strict=True)]
        megabytes = sum(path.stat().st_size for path in paths) / 1e6
    ratio = statistics.median(full) / statistics.median(bare)
    return [
        f"bench metadata_lookup_500 ratio={ratio:.2f} value={cold_seconds:.1f} target<=3 "
        f"warm_ms={statistics.median(full) * 1000:.0f} json_load_ms={statistics.median(bare) * 1000:.0f} "
        f"rounds={rounds} round_ratios={min(ratios):.2f}-{max(ratios):.2f} bodies={len(paths)} body_mb={megabytes:.1f} "
        f"cold_found={cold.get('found')} cold_not_found={cold.get('not found')} cold_failed={cold.get('failed')} "
        f"concurrency={app.config['SOURCES_CONCURRENCY']}",
    ]


if __name__ == "__main__":
    for line in run():
        print(line)
