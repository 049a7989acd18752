"""OSV's per-ecosystem exports for the sync tests: a local HTTP server that serves zips as OSV's bucket does
(GET /<ecosystem>/all.zip, application/zip; OSV's bucket is unreachable from tests, so this follows its published
layout, https://google.github.io/osv.dev/data/#data-dumps), the real PyPA export, and a modified copy of it.
"""

from __future__ import annotations

import io
import json
import re
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

PYPA_ZIP = Path(__file__).resolve().parents[4] / "shared" / "realworld" / "osv" / "pypa-advisory-database-2024-10.zip"
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@contextmanager
def serving(files: dict[str, bytes]) -> Iterator[str]:
    """Serve `files` (path -> bytes) on 127.0.0.1; yields the base URL. A missing path answers 404."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = files.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/zip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def export_of(*records: dict[str, Any]) -> bytes:
    """A small OSV export: each record as vulns/<id>.json in a zip."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for record in records:
            archive.writestr(f"vulns/{record['id']}.json", json.dumps(record))
    return out.getvalue()


@dataclass(frozen=True)
class Modified:
    """A modified copy of an export and what was done to it."""

    content: bytes
    changed: tuple[str, ...]  # ids whose `modified` was bumped and content changed
    withdrawn: str  # the id made withdrawn (also among `changed`)
    added: str  # a new id


def modify(content: bytes, *, every: int = 100, stamp: str = "2024-11-05T10:00:00Z") -> Modified:
    """Every `every`-th record gets a later `modified` and a summary; the first of them is also withdrawn; one record
    is copied under a new id. Text edits only, so the rest of each file stays byte for byte."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    changed: list[str] = []
    withdrawn = added = ""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        records = [info for info in source.infolist() if info.filename.endswith(".yaml")]
        for index, info in enumerate(records):
            data = source.read(info)
            if index % every == every - 1:
                record_id = re.search(rb"^id: (\S+)", data, re.M).group(1).decode()  # type: ignore[union-attr]
                data = re.sub(rb"^modified: .*$", f"modified: '{stamp}'".encode(), data, count=1, flags=re.M)
                data = b"summary: changed upstream in this test\n" + data
                if not withdrawn:
                    withdrawn = record_id
                    data = f"withdrawn: '{stamp}'\n".encode() + data
                changed.append(record_id)
            target.writestr(info.filename, data)
            if index == 0:
                added = "PYSEC-2099-1"
                copy = re.sub(rb"^id: \S+", b"id: " + added.encode(), data, count=1, flags=re.M)
                target.writestr(info.filename.rsplit("/", 1)[0] + "/PYSEC-2099-1.yaml", copy)
    return Modified(out.getvalue(), tuple(changed), withdrawn, added)


def stamps(content: bytes) -> dict[str, tuple[str, bool]]:
    """id -> (modified, withdrawn?) of every record of an export, read with PyYAML alone (not the app's reader)."""
    found: dict[str, tuple[str, bool]] = {}
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for info in archive.infolist():
            if info.filename.endswith((".yaml", ".yml", ".json")):
                record = yaml.load(archive.read(info), Loader=_Loader)  # noqa: S506 - the C safe loader
                found[record["id"]] = (str(record.get("modified")), bool(record.get("withdrawn")))
    return found


def expected_counts(before: dict[str, tuple[str, bool]], after: dict[str, tuple[str, bool]]) -> dict[str, int]:
    """What an incremental sync from `before` to `after` must count, by each record's `modified`."""
    new = [key for key in after if key not in before]
    changed = [key for key in after if key in before and after[key][0] != before[key][0]]
    withdrawn = [key for key in new + changed if after[key][1] and not before.get(key, ("", False))[1]]
    return {"new": len(new), "changed": len(changed), "unchanged": len(after) - len(new) - len(changed),
            "withdrawn": len(withdrawn)}
