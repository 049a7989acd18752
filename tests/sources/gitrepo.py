"""Make git repositories with known commits, authors, dates and tags (the git CLI, no global configuration)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable
from pathlib import Path


def git(folder: Path, *arguments: str, when: str = "2026-01-01T00:00:00Z", name: str = "T", email: str = "t@x") -> str:
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when, "GIT_AUTHOR_NAME": name,
           "GIT_AUTHOR_EMAIL": email, "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email,
           "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}
    return subprocess.run(["git", *arguments], cwd=folder, env=env, check=True, capture_output=True, text=True).stdout


def make_repository(folder: Path, commits: Iterable[tuple[str, str, str]]) -> Path:
    """A repository in `folder` with one commit per (ISO time, author name, e-mail), in order."""
    folder.mkdir(parents=True)
    git(folder, "init", "--quiet", "--initial-branch=main")
    for number, (when, name, email) in enumerate(commits):
        (folder / "file.txt").write_text(f"change {number}\n")
        git(folder, "add", "file.txt", when=when)
        git(folder, "commit", "--quiet", "-m", f"change {number}", when=when, name=name, email=email)
    return folder
