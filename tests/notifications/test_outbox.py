"""The outbox: queued in the caller's transaction, sent by the CLI through the log or SMTP backend."""

from __future__ import annotations

import logging
import socketserver
import threading
from collections.abc import Iterator
from email import message_from_bytes

import pytest
from sqlalchemy import select

from app.errors import ValidationFailed
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.notifications.services import MAX_ATTEMPTS, queue_email, send_queued


class TinySMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) for smtplib: EHLO, MAIL, RCPT, DATA, QUIT; no STARTTLS."""

    def reply(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())

    def handle(self) -> None:
        self.reply("220 tiny ESMTP")
        envelope: dict = {"rcpt": []}
        while line := self.rfile.readline():
            command = line.decode().strip()
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250-tiny\r\n250 SIZE 1000000")
            elif verb == "MAIL":
                envelope["from"] = command
                self.reply("250 OK")
            elif verb == "RCPT":
                envelope["rcpt"].append(command)
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End with <CRLF>.<CRLF>")
                data = b""
                while (chunk := self.rfile.readline()) != b".\r\n":
                    data += chunk
                self.server.received.append((envelope, message_from_bytes(data)))  # type: ignore[attr-defined]
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


@pytest.fixture
def smtp_server() -> Iterator[socketserver.ThreadingTCPServer]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), TinySMTPHandler)
    server.daemon_threads = True
    server.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_queued_mail_waits_in_the_outbox_until_sent(app, caplog):
    queue_email("supplier@example.com", "Questionnaire", "Please answer: http://x/portal/abc")
    db.session.commit()
    message = db.session.scalars(select(OutboxMessage)).one()
    assert (message.status, message.attempts) == ("queued", 0)
    with caplog.at_level(logging.INFO):
        result = send_queued()
    assert (result.sent, result.failed) == (1, 0)
    assert "supplier@example.com" in caplog.text and "Questionnaire" in caplog.text
    message = db.session.get(OutboxMessage, message.id)
    assert (message.status, message.attempts) == ("sent", 1) and message.sent_at is not None
    assert send_queued().sent == 0  # nothing is sent twice


def test_a_rolled_back_transaction_queues_nothing(app):
    queue_email("a@example.com", "s", "b")
    db.session.rollback()
    assert db.session.scalars(select(OutboxMessage)).all() == []


def test_a_recipient_is_required(app):
    with pytest.raises(ValidationFailed):
        queue_email("", "s", "b")


def test_smtp_backend_delivers_to_a_real_smtp_server(app, smtp_server):
    host, port = smtp_server.server_address
    app.config.update(MAIL_BACKEND="smtp", SMTP_HOST=host, SMTP_PORT=port, SMTP_STARTTLS=False, MAIL_FROM="qa@acme.test")
    try:
        queue_email("vendor@example.com", "Supplier questionnaire", "Hello,\nplease answer.")
        db.session.commit()
        result = send_queued()
    finally:
        app.config.update(MAIL_BACKEND="log", SMTP_HOST="localhost", SMTP_PORT=25)
    assert result.sent == 1
    envelope, message = smtp_server.received[0]
    assert "vendor@example.com" in envelope["rcpt"][0]
    assert (message["From"], message["To"], message["Subject"]) == ("qa@acme.test", "vendor@example.com", "Supplier questionnaire")
    assert "please answer" in message.get_payload()


def test_a_failing_server_keeps_the_message_queued_with_the_error_then_gives_up(app, smtp_server):
    host, port = smtp_server.server_address
    app.config.update(MAIL_BACKEND="smtp", SMTP_HOST=host, SMTP_PORT=port, SMTP_STARTTLS=True)
    try:
        queue_email("vendor@example.com", "s", "b")
        queue_email("other@example.com", "s", "b")
        db.session.commit()
        first = send_queued()
        assert (first.sent, first.failed) == (0, 2)  # each message tried once per run
        for _ in range(MAX_ATTEMPTS - 1):
            send_queued()
    finally:
        app.config.update(MAIL_BACKEND="log", SMTP_HOST="localhost", SMTP_PORT=25, SMTP_STARTTLS=False)
    messages = db.session.scalars(select(OutboxMessage)).all()
    assert [(m.status, m.attempts) for m in messages] == [("failed", MAX_ATTEMPTS)] * 2
    assert "STARTTLS" in messages[0].error
    assert smtp_server.received == []


def test_the_cli_sends_the_outbox(app):
    queue_email("a@example.com", "s", "b")
    db.session.commit()
    output = app.test_cli_runner().invoke(args=["outbox", "send"]).output
    assert "1 sent, 0 failed" in output


def test_a_portal_link_is_sent_but_not_kept_in_the_outbox_afterwards(app):
    token = "Zb3kQ9_x-Yt2mN8pLw4rVs7uA1cD5eF6gH"
    message = queue_email("supplier@example.com", "Questionnaire", f"Open https://x.example/portal/{token}\nThanks")
    db.session.commit()
    delivered: list[str] = []
    send_queued(sender=lambda to, subject, body: delivered.append(body))
    assert token in delivered[0]
    db.session.refresh(message)
    assert token not in message.body
    assert "/portal/[personal link removed after sending]" in message.body
