"""PostgreSQL ends every connection of the served app (a restart, an administrator terminating backends) between
two rounds of supplier saves: each worker's pool finds its connections dead before a request uses them (the
server's notice makes them readable; app.db.configure_postgresql) and opens new ones, so no save fails."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

from tests.load.served import Served, Supplier, seed

pytestmark = [pytest.mark.load,
              pytest.mark.skipif(not os.environ.get("DATABASE_URL"), reason="PostgreSQL's connections")]

SUPPLIERS = 16
ENDED_WITHIN_S = 60  # a bound for a loaded machine; the backends usually end within milliseconds


def _end_every_other_backend(url: str) -> list[int]:
    """Terminate every backend of the database but this one; return their process ids once none is left."""
    engine = create_engine(make_url(url).set(drivername="postgresql+psycopg"), poolclass=NullPool)  # as the app
    mine = "datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
    with engine.begin() as connection:
        ended = list(connection.execute(text(f"SELECT pid FROM pg_stat_activity WHERE {mine}")).scalars())
        connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE pid = ANY(:pids)"), {"pids": ended})
    deadline = time.monotonic() + ENDED_WITHIN_S
    while time.monotonic() < deadline:  # a condition, polled: the backends exit asynchronously
        with engine.connect() as connection:
            left = connection.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:pids)"),
                                      {"pids": ended}).scalar_one()
        if left == 0:
            break
    engine.dispose()
    return ended


def test_every_save_after_the_database_ended_all_connections_goes_through(served: Served, database_url):
    tokens = seed(database_url, SUPPLIERS)
    suppliers = [Supplier(served.port, token, f"10.2.0.{n + 1}") for n, token in enumerate(tokens)]
    with ThreadPoolExecutor(max_workers=SUPPLIERS) as pool:
        list(pool.map(Supplier.open, suppliers))  # every worker's pool now holds connections
        list(pool.map(lambda supplier: supplier.save("Q02", "before"), suppliers))
    ended = _end_every_other_backend(database_url)
    assert ended, "the served workers held no connection to end"
    with ThreadPoolExecutor(max_workers=SUPPLIERS) as pool:
        failures = [repr(error) for error in pool.map(_save_after, suppliers) if error is not None]
    assert failures == [], f"{len(failures)} saves failed, first: {failures[:2]}\n{served.log.read_text()[-2000:]}"


def _save_after(supplier: Supplier) -> Exception | None:
    try:
        supplier.save("Q02", "after")
    except Exception as error:  # every failure is reported by the test
        return error
    return None
