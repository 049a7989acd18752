"""Mail backends: "log" prints each whole e-mail (headers and body) and logs it; "smtp" sends through the configured server."""

from __future__ import annotations

import smtplib
import sys
from collections.abc import Callable, Mapping
from email.message import EmailMessage
from typing import Any

from flask import current_app

Sender = Callable[[str, str, str], None]


def build_message(to: str, subject: str, body: str, *, sender: str) -> EmailMessage:
    """A plain-text e-mail with the configured From address."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    return message


def readable_message(to: str, subject: str, body: str) -> str:
    """The e-mail as the SMTP backend would send it (its headers, a blank line, the body), the body not encoded."""
    message = build_message(to, subject, body, sender=current_app.config["MAIL_FROM"])
    headers = "".join(f"{name}: {value}\n" for name, value in message.items() if name != "Content-Transfer-Encoding")
    return f"{headers}\n{body}"  # the body as written, not base64 or quoted-printable


def send_log(to: str, subject: str, body: str) -> None:
    """Development backend: the whole e-mail (headers and body) is printed on the standard output and logged;
    nothing leaves the machine."""
    text = readable_message(to, subject, body)
    sys.stdout.write(f"----- e-mail (MAIL_BACKEND=log) -----\n{text}\n----- end of e-mail -----\n")
    sys.stdout.flush()
    current_app.logger.info("e-mail to %s: %s\n%s", to, subject, body)


def send_smtp(to: str, subject: str, body: str) -> None:
    """Send through SMTP_HOST:SMTP_PORT, with STARTTLS and login when configured."""
    config: Mapping[str, Any] = current_app.config
    message = build_message(to, subject, body, sender=config["MAIL_FROM"])
    with smtplib.SMTP(config["SMTP_HOST"], int(config["SMTP_PORT"]), timeout=30) as client:
        if config["SMTP_STARTTLS"]:
            client.starttls()
        if config["SMTP_USERNAME"]:
            client.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
        client.send_message(message)


BACKENDS: dict[str, Sender] = {"log": send_log, "smtp": send_smtp}


def configured_sender() -> Sender:
    """The backend named by MAIL_BACKEND (an unknown name is a configuration error)."""
    name = current_app.config["MAIL_BACKEND"]
    if name not in BACKENDS:
        raise RuntimeError(f"MAIL_BACKEND must be one of {sorted(BACKENDS)}, not {name!r}.")
    return BACKENDS[name]
