"""Repository history: clone or fetch a repository into a cache (the git CLI) and compute its activity figures.

Remote repositories must be https; a local path is read in place only under one of REPOSITORY_LOCAL_ROOTS (offline
use, and tests). Clones are bare, without file contents (--filter=blob:none): only commits and tags are read.
Flushes; the caller commits.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select

from app.db import utcnow
from app.extensions import db
from app.sources import history
from app.sources.models import LookupState, RepositoryHistory
from app.sources.registries import clean_repository_url

_SAFE_URL = re.compile(r"^https://[A-Za-z0-9.-]+(:\d+)?/[A-Za-z0-9._~/-]+$")


class RepositoryError(Exception):
    """The repository cannot be read: the message says why."""


@dataclass(frozen=True)
class Location:
    """Where a repository is read from: a normalised https URL (cloned into the cache) or an allowed local path."""

    key: str
    remote: bool
    clone_url: str = ""  # where the clone comes from when a mirror replaces the host (REPOSITORY_MIRRORS)


def locate(url_or_path: str) -> Location:
    """An https repository URL (normalised, browsable form) or an existing local path under REPOSITORY_LOCAL_ROOTS;
    anything else (ssh, file://, git://, ext::...) is refused."""
    text = url_or_path.strip()
    if not text:
        raise RepositoryError("Give a repository URL or a local path.")
    if text.startswith(("/", "file://")):
        path = Path(text.removeprefix("file://")).resolve()
        roots = [Path(root).resolve() for root in current_app.config["REPOSITORY_LOCAL_ROOTS"]]
        if not any(path == root or root in path.parents for root in roots):
            raise RepositoryError(f"{text} is not under a folder the settings allow (REPOSITORY_LOCAL_ROOTS).")
        if not path.is_dir():
            raise RepositoryError(f"{text} is not a folder.")
        # file:// is cloned into the cache like a remote (a mirror on a share); a plain path is read in place.
        return Location(f"file://{path}", remote=True) if text.startswith("file://") else Location(str(path), False)
    url = clean_repository_url(text)
    if not _SAFE_URL.match(url):
        raise RepositoryError(f"{text!r} is not an https repository URL.")
    for prefix, mirror in dict(current_app.config["REPOSITORY_MIRRORS"]).items():
        if url.startswith(prefix):
            mirrored = locate(mirror + url.removeprefix(prefix))
            return Location(url, remote=True, clone_url=mirrored.clone_url or mirrored.key)
    return Location(url, remote=True)


def _git(arguments: list[str], *, cwd: Path | None = None) -> str:
    timeout = float(current_app.config["REPOSITORY_TIMEOUT_S"])
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ALLOW_PROTOCOL": "https:file", "LC_ALL": "C"}
    try:
        done = subprocess.run(["git", "-c", "protocol.ext.allow=never", *arguments], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise RepositoryError(f"git gave no answer within {timeout:g} s (timeout)") from None
    except FileNotFoundError:
        raise RepositoryError("the git program is not installed") from None
    if done.returncode != 0:
        message = (done.stderr.strip().splitlines() or ["git failed"])[-1]
        raise RepositoryError(message[:400])
    return done.stdout


def cache_folder(url: str) -> Path:
    """The bare clone of a URL in the cache (REPOSITORY_CACHE, default instance/repositories)."""
    root = Path(current_app.config["REPOSITORY_CACHE"] or Path(current_app.instance_path) / "repositories")
    host = urlsplit(url).hostname or "host"
    return root / f"{host}-{hashlib.sha256(url.encode()).hexdigest()[:16]}.git"


def _checkout(location: Location) -> Path:
    if not location.remote:
        return Path(location.key)
    folder = cache_folder(location.key)
    if (folder / "HEAD").exists():
        if not current_app.config["SOURCES_OFFLINE"]:
            _git(["fetch", "--quiet", "--prune", "--tags", "--force", "origin", "+refs/heads/*:refs/heads/*"], cwd=folder)
        return folder
    if current_app.config["SOURCES_OFFLINE"]:
        raise RepositoryError("offline mode: the repository is not in the cache")
    folder.parent.mkdir(parents=True, exist_ok=True)
    _git(["clone", "--quiet", "--bare", "--filter=blob:none", location.clone_url or location.key, str(folder)])
    return folder


def read_figures(folder: Path, as_of: datetime) -> tuple[history.ActivityFigures, str, str]:
    """The figures of the history at HEAD, with the HEAD commit and the sha256 of the log read."""
    head = _git(["rev-parse", "HEAD"], cwd=folder).strip()
    log = _git(["log", "HEAD", f"--format={history.LOG_FORMAT}"], cwd=folder)
    tags = _git(["for-each-ref", "refs/tags", f"--format={history.TAG_FORMAT}"], cwd=folder)
    result = history.figures(history.parse_log(log), history.parse_tags(tags), as_of)
    return result, head, hashlib.sha256(log.encode()).hexdigest()


def analyse(url_or_path: str, *, as_of: datetime | None = None) -> RepositoryHistory:
    """Fetch (or read) the repository and store its figures; a failure keeps the last figures with the reason."""
    location = locate(url_or_path)
    row = db.session.scalar(select(RepositoryHistory).where(RepositoryHistory.url == location.key))
    if row is None:
        row = RepositoryHistory(url=location.key, state=LookupState.FAILED, figures={})
        db.session.add(row)
    row.looked_up_at = utcnow()
    try:
        folder = _checkout(location)
        result, head, digest = read_figures(folder, as_of or utcnow())
    except RepositoryError as error:
        offline = "offline mode" in str(error)
        row.state, row.error = (LookupState.OFFLINE if offline else LookupState.FAILED), str(error)[:500]
        db.session.flush()
        return row
    row.state, row.error = LookupState.FOUND, ""
    row.computed_at, row.head_sha, row.log_sha256 = row.looked_up_at, head, digest
    row.figures = history.as_dict(result)
    db.session.flush()
    return row
