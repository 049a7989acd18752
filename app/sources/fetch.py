"""Fetch public sources with bounded concurrency, timeouts, an HTTP cache and an offline mode; keep every answer.

Answers younger than SOURCES_CACHE_HOURS are read from the database without asking the source; older ones are
revalidated with If-None-Match / If-Modified-Since (a 304 only moves checked_at). A new body is stored once per
URL and sha256 (SourceResponse), so a repeated or resumed fetch adds no rows. Downloads run in a thread pool;
the database is written by the calling thread only. Services flush; the caller commits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

import httpx
from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer

from app.db import utcnow
from app.extensions import db
from app.sources.models import SourceResponse

USER_AGENT = "Provenance (supplier qualification; +https://github.com/)"


class AnswerState(StrEnum):
    OK = "ok"
    NOT_FOUND = "not_found"
    FAILED = "failed"
    OFFLINE = "offline"


@dataclass(frozen=True)
class Answer:
    """The outcome for one URL: the stored response (fresh, revalidated or cached) or why there is none."""

    url: str
    state: AnswerState
    response: SourceResponse | None = None
    error: str = ""
    from_cache: bool = False

    @property
    def body(self) -> bytes:
        return self.response.body if self.response is not None else b""


@dataclass(frozen=True)
class _Raw:
    url: str
    status: int = 0
    body: bytes = b""
    content_type: str = ""
    etag: str = ""
    last_modified: str = ""
    retry_after: str = ""
    error: str = ""


def setting(name: str) -> Any:
    return current_app.config[name]


def _latest(urls: Sequence[str]) -> dict[str, SourceResponse]:
    """The most recently confirmed stored answer per URL (two queries per 500 URLs)."""
    found: dict[str, SourceResponse] = {}
    for start in range(0, len(urls), 500):
        chunk = list(urls[start:start + 500])
        newest = (select(SourceResponse.url, func.max(SourceResponse.checked_at).label("checked"))
                  .where(SourceResponse.url.in_(chunk)).group_by(SourceResponse.url).subquery())
        rows = db.session.scalars(
            select(SourceResponse).join(newest, (SourceResponse.url == newest.c.url)
                                        & (SourceResponse.checked_at == newest.c.checked))
            .where(SourceResponse.status_code.in_((200, 404, 410)))
            .options(defer(SourceResponse.body))  # read only when a caller needs it (not for answers already read)
        )
        for row in rows:
            if row.url not in found or row.id > found[row.url].id:
                found[row.url] = row
    return found


def fetch_all(source: str, urls: Sequence[str], *, headers: Mapping[str, str] | None = None) -> dict[str, Answer]:
    """Answer every URL from the cache, the source, or with the reason it cannot (offline, timeout, 429, ...)."""
    unique = list(dict.fromkeys(urls))
    cached = _latest(unique)
    now = utcnow()
    fresh_after = now - timedelta(hours=float(setting("SOURCES_CACHE_HOURS")))
    answers: dict[str, Answer] = {}
    to_fetch: list[str] = []
    offline = bool(setting("SOURCES_OFFLINE"))
    for url in unique:
        hit = cached.get(url)
        if hit is not None and (hit.checked_at >= fresh_after or offline):
            answers[url] = _answer_from(hit, from_cache=True)
        elif offline:
            answers[url] = Answer(url, AnswerState.OFFLINE, error="offline mode: not looked up, nothing cached")
        else:
            to_fetch.append(url)
    for raw in _download(to_fetch, cached, dict(headers or {})):
        answers[raw.url] = _store(source, raw, cached.get(raw.url))
    return {url: answers[url] for url in unique}


def _answer_from(response: SourceResponse, *, from_cache: bool) -> Answer:
    state = AnswerState.OK if response.status_code == 200 else AnswerState.NOT_FOUND
    return Answer(response.url, state, response, from_cache=from_cache)


def _download(urls: list[str], cached: Mapping[str, SourceResponse], headers: dict[str, str]) -> list[_Raw]:
    if not urls:
        return []
    timeout = float(setting("SOURCES_TIMEOUT_S"))
    workers = max(1, int(setting("SOURCES_CONCURRENCY")))
    limit = int(setting("SOURCES_MAX_BYTES"))
    client = httpx.Client(
        timeout=httpx.Timeout(timeout), follow_redirects=True,
        limits=httpx.Limits(max_connections=workers, max_keepalive_connections=workers),
        headers={"User-Agent": USER_AGENT, "Accept": "application/json", **headers},
    )

    def get(url: str) -> _Raw:
        conditional: dict[str, str] = {}
        previous = cached.get(url)
        if previous is not None and previous.status_code == 200:
            if previous.etag:
                conditional["If-None-Match"] = previous.etag
            if previous.last_modified:
                conditional["If-Modified-Since"] = previous.last_modified
        return _get(client, url, conditional, timeout, limit)

    with client, ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(get, urls))


def _get(client: httpx.Client, url: str, headers: dict[str, str], timeout: float, limit: int) -> _Raw:
    host = urlsplit(url).netloc
    try:
        with client.stream("GET", url, headers=headers) as response:
            if response.status_code == 304:
                return _Raw(url, 304)
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > limit:
                    return _Raw(url, error=f"the answer is larger than {limit // (1024 * 1024)} MB")
                chunks.append(chunk)
            return _Raw(url, response.status_code, b"".join(chunks), response.headers.get("content-type", "")[:200],
                        response.headers.get("etag", "")[:300], response.headers.get("last-modified", "")[:100],
                        response.headers.get("retry-after", "")[:40])
    except httpx.TimeoutException:
        return _Raw(url, error=f"{host} gave no answer within {timeout:g} s (timeout)")
    except httpx.ConnectError as error:
        return _Raw(url, error=f"cannot reach {host} ({error})"[:500])
    except httpx.HTTPError as error:
        return _Raw(url, error=f"{type(error).__name__} from {host}: {error}"[:500])


def _store(source: str, raw: _Raw, previous: SourceResponse | None) -> Answer:
    """Keep a new answer (once per URL and body), or say why there is none; a failure keeps the cached answer."""
    now = utcnow()
    if raw.error:
        return Answer(raw.url, AnswerState.FAILED, previous, error=raw.error)
    if raw.status == 304 and previous is not None:
        previous.checked_at = now
        return _answer_from(previous, from_cache=True)
    if raw.status == 429:
        wait = f" (it asks to wait {raw.retry_after} s)" if raw.retry_after else ""
        return Answer(raw.url, AnswerState.FAILED, previous, error=f"rate limited by the source: HTTP 429{wait}; try again later")
    if raw.status not in (200, 404, 410):
        return Answer(raw.url, AnswerState.FAILED, previous, error=f"the source answered HTTP {raw.status}")
    stored = keep(source, raw.url, raw.body, status=raw.status, content_type=raw.content_type, etag=raw.etag,
                  last_modified=raw.last_modified, previous=previous)
    return _answer_from(stored, from_cache=False)


def keep(source: str, url: str, body: bytes, *, status: int = 200, content_type: str = "", etag: str = "",
         last_modified: str = "", previous: SourceResponse | None = None) -> SourceResponse:
    """Store an answer (or an uploaded file, under an "upload:" URL) once per URL and body; a body stored before
    is only confirmed (checked_at). Flushes."""
    now = utcnow()
    digest = hashlib.sha256(body).hexdigest()
    stored = previous if previous is not None and previous.sha256 == digest else db.session.scalar(
        select(SourceResponse).where(SourceResponse.url == url, SourceResponse.sha256 == digest))
    if stored is None:
        stored = SourceResponse(source=source, url=url[:1000], status_code=status, content_type=content_type,
                                etag=etag, last_modified=last_modified, sha256=digest, size=len(body),
                                body=body, fetched_at=now, checked_at=now)
        try:
            with db.session.begin_nested():
                db.session.add(stored)
        except IntegrityError:  # stored meanwhile by another worker: use that row
            stored = db.session.scalar(
                select(SourceResponse).where(SourceResponse.url == url, SourceResponse.sha256 == digest))
            if stored is None:
                raise
    stored.checked_at = now
    stored.etag, stored.last_modified = etag or stored.etag, last_modified or stored.last_modified
    return stored


@dataclass(frozen=True)
class Download:
    """A large file fetched once (not kept as evidence): its bytes, or why there are none."""

    url: str
    body: bytes = b""
    error: str = ""


def download(url: str, *, max_bytes: int, accept: str = "*/*") -> Download:
    """GET one large file with the sources' timeout and user agent, refused past `max_bytes` while it streams;
    not cached or stored (an export of many megabytes is read once and dropped). Offline mode refuses it."""
    if bool(setting("SOURCES_OFFLINE")):
        return Download(url, error="offline mode: not downloaded (configure a local directory or a mirror)")
    timeout = float(setting("SOURCES_TIMEOUT_S"))
    with httpx.Client(timeout=httpx.Timeout(timeout), follow_redirects=True,
                      headers={"User-Agent": USER_AGENT, "Accept": accept}) as client:
        raw = _get(client, url, {}, timeout, max_bytes)
    if raw.error:
        return Download(url, error=raw.error)
    if raw.status != 200:
        return Download(url, error=f"the source answered HTTP {raw.status}")
    return Download(url, raw.body)


def fetch_one(source: str, url: str, *, headers: Mapping[str, str] | None = None) -> Answer:
    """One URL through the same cache and evidence store."""
    return fetch_all(source, [url], headers=headers)[url]
