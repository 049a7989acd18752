"""A local HTTP server that plays a public source (a registry mirror, deps.dev, GitHub, the Scorecard API).

Routes map a path to an answer: a body with status and headers, or a behaviour (block until released, to make the
client time out or to hold a worker mid-job). Every request is recorded, and the most requests in flight at once.
Only 127.0.0.1 is served; nothing leaves the machine.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "data" / "sources"


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    block: threading.Event | None = None  # wait for this event before answering
    arrived: threading.Event | None = None  # set when a request reaches this route
    barrier: threading.Barrier | None = None  # meet other requests before answering


class Mirror:
    """The server's routes and what it saw."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0
        self.url = ""
        self.releases: list[threading.Event] = []

    def route(self, path: str, body: bytes | dict[str, Any] | list[Any] = b"", *, status: int = 200,
              headers: dict[str, str] | None = None, **behaviour: Any) -> Route:
        data = json.dumps(body).encode() if isinstance(body, (dict, list)) else body
        route = Route(status, data, {"Content-Type": "application/json", **(headers or {})}, **behaviour)
        if route.block is not None:
            self.releases.append(route.block)
        self.routes[path] = route
        return route

    def pypi(self, name: str, body: bytes | None = None, **kwargs: Any) -> Route:
        """Serve PyPI's JSON API answer for a project (recorded under tests/data/sources/pypi by default)."""
        data = body if body is not None else (DATA / "pypi" / f"{name}.json").read_bytes()
        return self.route(f"/pypi/{name}/json", data, **kwargs)

    def npm(self, name: str, body: bytes | None = None, **kwargs: Any) -> Route:
        data = body if body is not None else (DATA / "npm" / f"{name}.json").read_bytes()
        return self.route(f"/npm/{name.replace('/', '%2F')}", data, **kwargs)

    def paths(self) -> list[str]:
        return [path for path, _headers in self.requests]


def _handler(mirror: Mirror) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            with mirror.lock:
                mirror.requests.append((self.path, dict(self.headers.items())))
                mirror.in_flight += 1
                mirror.max_in_flight = max(mirror.max_in_flight, mirror.in_flight)
            try:
                route = mirror.routes.get(self.path.split("?", 1)[0])
                if route is None:
                    self._answer(404, b'{"message": "Not Found"}', {"Content-Type": "application/json"})
                    return
                if route.arrived is not None:
                    route.arrived.set()
                if route.barrier is not None:
                    route.barrier.wait(timeout=30)
                if route.block is not None:
                    route.block.wait(timeout=120)
                etag = route.headers.get("ETag")
                if etag and self.headers.get("If-None-Match") == etag:
                    self._answer(304, b"", {"ETag": etag})
                    return
                self._answer(route.status, route.body, route.headers)
            except (BrokenPipeError, ConnectionResetError):
                pass
            finally:
                with mirror.lock:
                    mirror.in_flight -= 1

        def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body:
                self.wfile.write(body)

    return Handler


@contextmanager
def serve() -> Iterator[Mirror]:
    """Serve a new Mirror on a free port of 127.0.0.1 until the block ends (blocked requests are released)."""
    mirror = Mirror()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(mirror))
    server.daemon_threads = True
    mirror.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield mirror
    finally:
        for event in mirror.releases:
            event.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
