"""`flask advisories import FILE...` prints counts as JSON and fails cleanly on a bad file."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from app.extensions import db
from app.inventory.advisories.models import Advisory
from tests.helpers import DATA

OSV = DATA / "inventory" / "osv"


def test_the_command_imports_each_file_and_prints_its_counts(app):
    result = app.test_cli_runner().invoke(args=["advisories", "import", str(OSV / "npm-semver.json"), str(OSV / "maven-list.json")])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(line["filename"], line["added"]) for line in lines] == [("npm-semver.json", 1), ("maven-list.json", 2)]
    assert db.session.scalar(select(func.count(Advisory.id))) == 3


def test_a_bad_file_exits_2_with_the_message_and_imports_nothing(app, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: [unclosed\n")
    result = app.test_cli_runner().invoke(args=["advisories", "import", str(broken)])
    assert result.exit_code == 2
    assert "broken.yaml" in result.stderr and "invalid YAML" in result.stderr
    assert "Traceback" not in result.output
    assert db.session.scalar(select(func.count(Advisory.id))) == 0


def test_an_unknown_user_is_refused(app):
    result = app.test_cli_runner().invoke(args=["advisories", "import", "--by", "nobody", str(OSV / "npm-semver.json")])
    assert result.exit_code == 2 and "no user named" in result.stderr
