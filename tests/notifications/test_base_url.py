"""Where links in e-mails point: BASE_URL when configured; unset, the host the request came to outside production
(`make run PORT=8000` sends links to port 8000, not 5000); in production or outside a request the default address."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.access import Role
from app.auth.models import User
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.notifications.reminders import absolute_url
from app.notifications.services import DEFAULT_BASE_URL, public_base_url
from app.questionnaires import evaluations
from tests.questionnaires.factories import make_supplier, started


@pytest.fixture
def base_url(app):
    """BASE_URL and ENV as a test sets them, restored after."""
    saved = app.config["BASE_URL"], app.config["ENV"]
    yield app.config
    app.config["BASE_URL"], app.config["ENV"] = saved


def test_a_configured_base_url_wins_over_the_requests_host(app, base_url):
    base_url["BASE_URL"] = "https://provenance.example.com/"
    with app.test_request_context("/", base_url="http://127.0.0.1:8000"):
        assert public_base_url() == "https://provenance.example.com"
        assert evaluations.portal_link("abc") == "https://provenance.example.com/portal/abc"


def test_unset_the_links_follow_the_host_the_request_came_to(app, base_url):
    base_url["BASE_URL"], base_url["ENV"] = "", "development"
    with app.test_request_context("/", base_url="http://192.168.1.5:8000"):
        assert evaluations.portal_link("abc") == "http://192.168.1.5:8000/portal/abc"
        assert absolute_url("suppliers.detail", supplier_id=3) == "http://192.168.1.5:8000/suppliers/3"


def test_unset_in_production_the_host_header_never_decides_the_links(app, base_url):
    base_url["BASE_URL"], base_url["ENV"] = "", "production"
    with app.test_request_context("/", base_url="http://attacker.example"):
        assert public_base_url() == DEFAULT_BASE_URL


def test_unset_outside_a_request_the_default_address(app, base_url):
    base_url["BASE_URL"] = ""
    assert public_base_url() == DEFAULT_BASE_URL == "http://127.0.0.1:5000"


def test_make_run_on_another_port_moves_the_default_address_of_the_worker(app, base_url):
    """`make run PORT=8000` sets PROVENANCE_DEFAULT_BASE_URL for the worker, whose reminders have no request."""
    saved = app.config["DEFAULT_BASE_URL"]
    base_url["BASE_URL"], app.config["DEFAULT_BASE_URL"] = "", "http://127.0.0.1:8000/"
    try:
        assert public_base_url() == "http://127.0.0.1:8000"
        base_url["BASE_URL"] = "https://provenance.example.com"
        assert public_base_url() == "https://provenance.example.com"  # a configured BASE_URL still wins
    finally:
        app.config["DEFAULT_BASE_URL"] = saved


def test_make_run_passes_the_port_to_the_server_and_the_worker():
    """`make run PORT=8000` (a dry run of make prints the commands it would run)."""
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    commands = subprocess.run(["make", "-n", "-W", "seed", "run", "PORT=8000"], cwd=root, capture_output=True,
                              text=True, check=True).stdout
    assert "--port 8000" in commands and "http://127.0.0.1:8000" in commands and "5000" not in commands


def test_the_invitation_sent_from_a_page_served_on_port_8000_links_to_port_8000(app, base_url, login_as):
    base_url["BASE_URL"], base_url["ENV"] = "", "development"
    client = login_as(Role.PURCHASING, username="pat")
    evaluation = started(db.session.scalar(select(User).where(User.username == "pat")), make_supplier())
    db.session.commit()
    response = client.post(f"/questionnaires/evaluations/{evaluation.id}/send",
                           data={"contact_name": "Sam", "contact_email": "sam@acme.example"},
                           base_url="http://localhost:8000")
    assert response.status_code == 302
    message = db.session.scalars(select(OutboxMessage)).one()
    assert "http://localhost:8000/portal/" in message.body and ":5000" not in message.body
