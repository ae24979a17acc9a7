"""Channels: how a rendered message leaves the portal. One small adapter per channel.

An adapter's `send(delivery)` returns when the message is handed over, raises `TransientError`
when trying again later may work (the server or the network), and `PermanentError` when it
will not (the address is refused). Add a channel by writing an adapter and registering it in
`CHANNELS` under a `tickets.models.Channel` value (docs/notifications.md).
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMessage

logger = logging.getLogger(__name__)


class TransientError(Exception):
    """Worth another try later."""


class PermanentError(Exception):
    """Will fail the same way every time."""


@dataclass(frozen=True)
class Delivery:
    """A message ready to go: `reference` is stable across attempts (an idempotency key)."""

    to: str
    subject: str
    body: str
    language: str
    reference: str


class ChannelAdapter(Protocol):
    def send(self, delivery: Delivery) -> None: ...


class EmailChannel:
    """Django's mail backend: SMTP when EMAIL_HOST is set, the console otherwise."""

    def send(self, delivery: Delivery) -> None:
        domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].rstrip(">") or "portal.local"
        message = EmailMessage(
            subject=delivery.subject,
            body=delivery.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[delivery.to],
            headers={
                "Auto-Submitted": "auto-generated",
                "Content-Language": delivery.language,
                # The same Message-ID on every attempt lets mail clients fold a duplicate that
                # a worker crash between "sent" and "recorded" could cause.
                "Message-ID": f"<{delivery.reference}@{domain}>",
            },
        )
        try:
            message.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentError(f"recipient refused: {exc.recipients}") from exc
        except smtplib.SMTPResponseException as exc:
            error = PermanentError if exc.smtp_code >= 500 else TransientError
            raise error(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise TransientError(f"{type(exc).__name__}: {exc}") from exc


class LogSmsChannel:
    """Writes the text message to the log: the place to plug in a real SMS gateway."""

    def send(self, delivery: Delivery) -> None:
        logger.info("SMS to %s [%s]: %s", delivery.to, delivery.reference, delivery.body)


CHANNELS: dict[str, ChannelAdapter] = {"email": EmailChannel(), "sms": LogSmsChannel()}
