"""The README describes the configuration that exists: every setting of app/config.py, and no settings page."""

from __future__ import annotations

import re
from pathlib import Path

from app.config import DefaultConfig

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_setting_of_the_default_configuration_is_described():
    section = README.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    missing = [name for name in vars(DefaultConfig) if name.isupper() and not re.search(rf"`{name}`", section)]
    assert not missing, f"settings missing from the README's configuration table: {missing}"


def test_no_settings_page_is_promised_and_the_python_version_is_stated():
    assert "settings page" not in README.replace("There is no settings page", "")
    assert "Python 3.11" in README
    assert "make run PORT=8000" in README
