"""Supplier list throughput: our /suppliers/ page against a bare Flask + SQLAlchemy page, same rows, same run.

Both apps are served by gunicorn (WORKERS sync workers each) on loopback ports from one SQLite database
holding SUPPLIERS generated suppliers. A bounded client (CLIENT_THREADS threads, keep-alive where the server
allows it) hits the apps in short alternating slices (SECONDS each, ABBA order, SLICES per app and round) so
that both see the same machine load even on a busy shared machine; each round gives the ratio of the two
apps' requests per second, and the median over ROUNDS rounds is printed:

    bench supplier_list ratio=<ours/bare> ours_rps=<median> bare_rps=<median> ...

Target: ratio >= 0.5. Settings through the environment: BENCH_SUPPLIERS, BENCH_WORKERS, BENCH_THREADS,
BENCH_SECONDS, BENCH_SLICES, BENCH_ROUNDS.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUPPLIERS = int(os.environ.get("BENCH_SUPPLIERS", "10000"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
CLIENT_THREADS = int(os.environ.get("BENCH_THREADS", "4"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "0.5"))  # one slice; a round alternates SLICES slices per app
SLICES = int(os.environ.get("BENCH_SLICES", "6"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
PASSWORD = "bench-password-not-for-production-42"  # a throwaway user in a temporary database
EXPECTED_ROWS = 50


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare_database(instance: Path, url: str) -> None:
    """Schema (create_all), one user and SUPPLIERS generated suppliers, in a fresh SQLite file."""
    os.environ["PROVENANCE_INSTANCE_PATH"] = str(instance)
    sys.path.insert(0, str(ROOT))
    from app import create_app
    from app.access import Role
    from app.audit import services as audit
    from app.auth import services as auth_services
    from app.extensions import db
    from app.suppliers.demo import seed_generated

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "ARGON2_TIME_COST": 1,
                      "ARGON2_MEMORY_COST": 8192, "ARGON2_PARALLELISM": 1})
    with app.app_context(), audit.acting_as(audit.Actor(None, "bench")):
        db.create_all()
        auth_services.create_user(username="bench", full_name="Bench User", email="bench@example.com",
                                  roles={Role.AUDITOR}, password=PASSWORD)
        seed_generated(SUPPLIERS)
        db.session.commit()
        db.engine.dispose()


def start(target: str, port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    process = subprocess.Popen(
        [gunicorn, "--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}", "--log-level", "warning", target],
        cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )
    # Started means a worker answers HTTP: gunicorn's master accepts connections before its workers have booted,
    # which takes more than 30 s on a loaded machine (a bench's first request then timed out).
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            connection.request("GET", "/bench-started")
            connection.getresponse().read()
            connection.close()
            return process
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise RuntimeError(f"{target} did not start; see {log}")


def stop(processes: list[subprocess.Popen[bytes]], workdir: str | Path) -> None:
    """Stop the servers a bench started (killed if they do not stop within 10 s) and remove its folder."""
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
    shutil.rmtree(workdir, ignore_errors=True)


def request(port: int, path: str, headers: dict[str, str] | None = None, body: str | None = None,
            method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    data = response.read()
    found = {key.lower(): value for key, value in response.getheaders()}
    found["set-cookie-all"] = "; ".join(v for k, v in response.getheaders() if k.lower() == "set-cookie")
    connection.close()
    return response.status, found, data


def cookie_of(headers: dict[str, str]) -> str:
    match = re.search(r"session=([^;]+)", headers.get("set-cookie-all", ""))
    return f"session={match.group(1)}" if match else ""


def sign_in(port: int) -> str:
    """Sign in through the real login form (CSRF included); returns the session cookie."""
    _status, headers, page = request(port, "/login")
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        rb'name="csrf-token" content="([^"]+)"', page)
    assert token, "no CSRF token on the login page"
    body = urllib.parse.urlencode({"csrf_token": token.group(1).decode(), "username": "bench", "password": PASSWORD})
    status, headers, _ = request(port, "/login", method="POST", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie_of(headers)})
    assert status == 302, f"sign-in failed with {status}"
    return cookie_of(headers)


def check_page(port: int, cookie: str) -> None:
    status, _headers, page = request(port, "/suppliers/", headers={"Cookie": cookie})
    rows = page.count(b'<a href="/suppliers/') - page.count(b'<a href="/suppliers/new')
    assert status == 200 and rows >= EXPECTED_ROWS, f"port {port}: status {status}, {rows} rows"


def load(port: int, cookie: str, seconds: float) -> tuple[int, float]:
    """Successful requests and elapsed time of CLIENT_THREADS threads hitting /suppliers/ for `seconds`."""
    counts = [0] * CLIENT_THREADS
    errors = [0] * CLIENT_THREADS
    stop = time.monotonic() + seconds
    headers = {"Cookie": cookie} if cookie else {}

    def worker(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop:
            try:
                connection.request("GET", "/suppliers/", headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status == 200:
                    counts[index] += 1
                else:
                    errors[index] += 1
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
            except (OSError, http.client.HTTPException):
                errors[index] += 1
                connection.close()
        connection.close()

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(CLIENT_THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    if sum(errors):
        raise RuntimeError(f"{sum(errors)} failed requests on port {port}")
    return sum(counts), elapsed


def round_ratio(ours_port: int, cookie: str, bare_port: int) -> tuple[float, float, float]:
    """One round of alternating slices: (ours rps, bare rps, ratio)."""
    totals = {"ours": [0, 0.0], "bare": [0, 0.0]}
    for slice_number in range(SLICES):
        order = [("ours", ours_port, cookie), ("bare", bare_port, "")]
        for name, port, session in order if slice_number % 2 == 0 else reversed(order):
            count, elapsed = load(port, session, SECONDS)
            totals[name][0] += count
            totals[name][1] += elapsed
    ours_rps = totals["ours"][0] / totals["ours"][1]
    bare_rps = totals["bare"][0] / totals["bare"][1]
    return ours_rps, bare_rps, ours_rps / bare_rps


def run() -> list[str]:
    workdir = Path(tempfile.mkdtemp(prefix="bench-suppliers-"))
    database = workdir / "bench.sqlite3"
    url = f"sqlite:///{database}"
    processes: list[subprocess.Popen[bytes]] = []
    try:
        prepare_database(workdir / "instance", url)
        env = {**os.environ, "PROVENANCE_INSTANCE_PATH": str(workdir / "instance"), "DATABASE_URL": url,
               "PROVENANCE_SECRET_KEY": "bench-secret", "BENCH_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
        ours_port, bare_port = free_port(), free_port()
        processes.append(start("wsgi:app", ours_port, env, workdir / "ours.log"))
        processes.append(start("bench.bare_supplier_app:app", bare_port, env, workdir / "bare.log"))
        cookie = sign_in(ours_port)
        check_page(ours_port, cookie)
        check_page(bare_port, "")
        load(ours_port, cookie, 1.0)  # warm up both (imports, template compilation, SQLite cache)
        load(bare_port, "", 1.0)
        ours, bare, ratios = [], [], []
        for _ in range(ROUNDS):
            ours_rps, bare_rps, ratio = round_ratio(ours_port, cookie, bare_port)
            ours.append(ours_rps)
            bare.append(bare_rps)
            ratios.append(ratio)
        return [
            f"bench supplier_list ratio={statistics.median(ratios):.2f} ours_rps={statistics.median(ours):.0f} "
            f"bare_rps={statistics.median(bare):.0f} suppliers={SUPPLIERS} rows=50 workers={WORKERS} "
            f"threads={CLIENT_THREADS} rounds={ROUNDS}x{SLICES}x{SECONDS}s ratios={','.join(f'{r:.2f}' for r in ratios)} target>=0.5"
        ]
    finally:
        stop(processes, workdir)


if __name__ == "__main__":
    for line in run():
        print(line)
