"""Test-result import: a generated 10,000-test-case JUnit file imported into a release, against junitparser alone.

`bench import_junit_10k ratio=<r> target<=3`: the import through the service (size check, hardened parse, one run,
10,000 test cases and their links to requirement IDs written in bulk, the audit event, commit) divided by junitparser
reading the same bytes (`JUnitXml.fromstring`, then every suite's every case: name, classname, time and result, as
any consumer of the library must, since it reads lazily). Medians of several runs in one process, the two sides
alternating run by run, on SQLite.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = 10_000
REQUIREMENTS = 50


def generated_report(cases: int = CASES) -> bytes:
    """A pytest-like report: 20 suites, one case in 10 failing, one in 20 skipped, one in 4 naming a requirement
    (in its name or in a "requirements" property), one in 100 naming a risk control no requirement has."""
    suites = []
    per_suite = cases // 20
    for s in range(20):
        rows = []
        for i in range(s * per_suite, (s + 1) * per_suite):
            name = f"test_case_{i}"
            props = ""
            if i % 4 == 0:
                name += f" SOUP-REQ-{i % REQUIREMENTS + 1}"
            elif i % 4 == 1 and i % 8 == 1:
                props = (f'<properties><property name="requirements" value="SOUP-REQ-{i % REQUIREMENTS + 1}'
                         f'{", RC-" + str(i % 7) if i % 100 == 1 else ""}"/></properties>')
            body = ('<failure message="assert 1 == 2">tests/test_x.py:10: AssertionError</failure>' if i % 10 == 3
                    else '<skipped type="pytest.skip" message="not on this platform"/>' if i % 20 == 7 else "")
            rows.append(f'<testcase classname="tests.test_module_{s}" name="{name}" file="tests/test_module_{s}.py" '
                        f'time="0.0{i % 10}">{props}{body}</testcase>')
        suites.append(f'<testsuite name="pytest-{s}" tests="{per_suite}" timestamp="2026-11-30T10:00:00">'
                      + "".join(rows) + "</testsuite>")
    return ('<?xml version="1.0" encoding="utf-8"?><testsuites>' + "".join(suites) + "</testsuites>").encode()


def run() -> list[str]:
    sys.path.insert(0, str(ROOT))
    from junitparser import JUnitXml

    from app import create_app
    from app.extensions import db
    from app.inventory import services as inventory
    from app.inventory.traceability import services
    from bench.bench_inventory_import import _medians

    content = generated_report()

    def bare() -> object:
        count = 0
        for suite in JUnitXml.fromstring(content):
            for case in suite:
                _ = (case.name, case.classname, case.time, case.result)
                count += 1
        assert count == CASES
        return count

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"ENV": "test", "TESTING": True, "SECRET_KEY": "bench",
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"})
        with app.app_context():
            db.create_all()
            product = inventory.create_product("Bench JUnit", safety_class="B", by=None)
            release = inventory.create_release(product, "1.0", by=None)
            inventory.import_files(release, [inventory.UploadedFile("requirements.txt", b"flask==3.0.0\n")], by=None)
            from sqlalchemy import select

            from app.inventory.models import Component

            flask = db.session.scalars(select(Component).where(Component.release_id == release.id)).first()
            for n in range(REQUIREMENTS):
                services.create_requirement(product, [flask], {"text": f"Requirement {n + 1}"}, by=None)
            db.session.commit()
            release_id = release.id

        def full() -> object:
            with app.app_context():
                target = db.session.get(type(release), release_id)
                summary = services.import_results(target, [services.ResultFile("junit.xml", content)], by=None,
                                                  channel="cli")
                db.session.commit()
                assert summary.tests == CASES
                return summary

        ours, library = _medians(full, bare)
    return [f"bench import_junit_10k ratio={ours / library:.2f} target<=3 import_s={ours:.3f} "
            f"junitparser_s={library:.3f} cases={CASES} bytes={len(content)}"]


if __name__ == "__main__":
    for line in run():
        print(line)
