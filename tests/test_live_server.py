"""The browser tests' live server: its teardown waits for a request still running, so no test wipes the tables
under a live write (a loaded run once failed a test, then the next one, that way)."""

from __future__ import annotations

import http.client
import threading

from flask import Flask
from werkzeug.serving import make_server

from tests.conftest import InFlight


def test_in_flight_counts_a_running_request_until_the_app_has_answered():
    release = threading.Event()
    started = threading.Event()
    app = Flask("slow")

    @app.get("/slow")
    def slow() -> str:
        started.set()
        release.wait(60)
        return "done"

    served = InFlight(app)
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    answers: list[int] = []

    def call() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=60)
        connection.request("GET", "/slow")
        answers.append(connection.getresponse().status)
        connection.close()

    client = threading.Thread(target=call)
    client.start()
    try:
        assert started.wait(60)
        assert served.wait_idle(0.05) is False  # the request is running
        release.set()
        assert served.wait_idle(60) is True
        client.join(60)
        assert answers == [200]
    finally:
        release.set()
        server.shutdown()
        thread.join(5)
