"""The outbox page: admins read every e-mail (queued, sent, failed) with its body, newest first, paginated and
filtered by state; once a message is sent its links are masked (a supplier's portal link is a personal key)."""

from __future__ import annotations

import pytest

from app.access import Role
from app.extensions import db
from app.notifications.models import OutboxStatus
from app.notifications.services import LINK_MASK, queue_email, send_queued, shown_body

TOKEN = "Zb3kQ9_x-Yt2mN8pLw4rVs7uA1cD5eF6gH"


def test_a_queued_message_shows_whole_and_a_sent_one_with_its_links_masked():
    body = f"Answer at https://x.example/portal/{TOKEN}\nor read https://x.example/help."
    assert shown_body(OutboxStatus.QUEUED, body) == body
    assert shown_body(OutboxStatus.FAILED, body) == body
    sent = shown_body(OutboxStatus.SENT, body)
    assert TOKEN not in sent and "https://" not in sent
    assert sent == f"Answer at {LINK_MASK}\nor read {LINK_MASK}"


def test_admin_reads_queued_sent_and_failed_messages_with_their_bodies(app, login_as):
    queue_email("sent@example.com", "Questionnaire for Grafana", f"Please answer: https://x.example/portal/{TOKEN}")
    db.session.commit()
    send_queued(sender=lambda to, subject, body: None)
    failing = queue_email("failed@example.com", "Reminder", "Due soon: https://x.example/suppliers/7")
    db.session.commit()

    def refuse(to: str, subject: str, body: str) -> None:
        raise ConnectionRefusedError("connection refused")

    send_queued(sender=refuse)
    failing.status = OutboxStatus.FAILED
    queue_email("queued@example.com", "Invitation", f"Your link: https://x.example/portal/{TOKEN}2")
    db.session.commit()

    html = login_as(Role.ADMIN).get("/outbox/").get_data(as_text=True)
    assert html.index("queued@example.com") < html.index("failed@example.com") < html.index("sent@example.com")
    assert f"https://x.example/portal/{TOKEN}2" in html  # queued: the whole body, the link still to be sent
    assert "Due soon: https://x.example/suppliers/7" in html and "ConnectionRefusedError: connection refused" in html
    assert "Please answer: " + LINK_MASK in html
    assert f"/portal/{TOKEN}<" not in html and f"/portal/{TOKEN}\n" not in html
    for label in ("Queued", "Sent", "Failed"):
        assert f">{label}<" in html


@pytest.mark.parametrize(("state", "shown", "hidden"), [
    ("queued", "queued@example.com", "sent@example.com"),
    ("sent", "sent@example.com", "queued@example.com"),
    ("failed", None, "queued@example.com"),
])
def test_the_outbox_filters_by_state(app, login_as, state, shown, hidden):
    queue_email("sent@example.com", "One", "first")
    db.session.commit()
    send_queued(sender=lambda to, subject, body: None)
    queue_email("queued@example.com", "Two", "second")
    db.session.commit()
    html = login_as(Role.ADMIN).get(f"/outbox/?status={state}").get_data(as_text=True)
    if shown:
        assert shown in html
    else:
        assert "No failed e-mails in the outbox." in html
    assert hidden not in html


def test_an_unknown_state_shows_every_message(app, login_as):
    queue_email("queued@example.com", "Two", "second")
    db.session.commit()
    response = login_as(Role.ADMIN).get("/outbox/?status=<script>")
    assert response.status_code == 200 and "queued@example.com" in response.get_data(as_text=True)


def test_the_outbox_is_paginated_newest_first(app, login_as):
    for number in range(1, 6):
        queue_email(f"person{number}@example.com", f"Message {number}", "body")
    db.session.commit()
    client = login_as(Role.ADMIN)
    first = client.get("/outbox/?per_page=2").get_data(as_text=True)
    assert "person5@example.com" in first and "person4@example.com" in first and "person3@example.com" not in first
    assert "1–2 of 5" in first
    last = client.get("/outbox/?per_page=2&page=3").get_data(as_text=True)
    assert "person1@example.com" in last and "person2@example.com" not in last


def test_only_admins_see_the_outbox_in_the_navigation(app, login_as):
    assert 'href="/outbox/"' in login_as(Role.ADMIN).get("/").get_data(as_text=True)
    engineer = login_as(Role.ENGINEER)
    assert 'href="/outbox/"' not in engineer.get("/").get_data(as_text=True)
    assert engineer.get("/outbox/").status_code == 403


def test_the_log_backend_prints_the_whole_message(app, capsys):
    app.config["MAIL_FROM"] = "provenance@acme.test"
    try:
        queue_email("vendor@example.com", "Supplier questionnaire", "Hello Grüße,\nplease answer: https://x.example/portal/abc")
        db.session.commit()
        assert send_queued().sent == 1
    finally:
        app.config["MAIL_FROM"] = "provenance@localhost"
    printed = capsys.readouterr().out
    for line in ("From: provenance@acme.test", "To: vendor@example.com", "Subject: Supplier questionnaire",
                 "Hello Grüße,", "please answer: https://x.example/portal/abc"):
        assert line in printed
