"""Ticket e-mails, sent by a worker once the change that caused them is committed."""

from __future__ import annotations

import logging
import smtplib
from typing import Any

from celery import Task, shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.core.mail import EmailMessage

from tickets import notifications

logger = logging.getLogger(__name__)

KINDS = frozenset({"filed", "reply", "status", "p1"})
# Worth another try later: the mail server or the network, not our data or templates.
TRANSIENT_ERRORS = (smtplib.SMTPException, ConnectionError, TimeoutError, OSError)
MAX_RETRIES = 5


def notify_on_commit(kind: str, object_id: int, **extra: Any) -> None:
    """Queue the e-mails of `kind` about an object for when the current transaction commits.

    Nothing is queued if it rolls back. Services call this inside their transactions.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind of ticket e-mail: {kind!r}")
    # Celery's DjangoTask adds delay_on_commit; celery-types does not know that class.
    send_ticket_email.delay_on_commit(kind, object_id, **extra)  # type: ignore[attr-defined]


@shared_task(bind=True, name="tickets.send_ticket_email", acks_late=True, max_retries=MAX_RETRIES)
def send_ticket_email(
    self: Task[Any, int], kind: str, object_id: int, *, sent: list[str] | None = None, **extra: Any
) -> int:
    """Send each e-mail of `kind` about the object; returns how many were sent this time.

    A transient failure retries with backoff; the retry skips the addresses already served
    (`sent`), so nobody gets the same message twice because somebody else's failed.
    """
    done = list(sent or [])
    try:
        for email in notifications.emails_for(kind, object_id, **extra):
            if email.to not in done:
                _send(email)
                done.append(email.to)
    except TRANSIENT_ERRORS as exc:
        logger.warning("ticket e-mail %s %s failed, will retry: %s", kind, object_id, exc)
        countdown = get_exponential_backoff_interval(
            factor=30, retries=self.request.retries, maximum=3600, full_jitter=True
        )
        raise self.retry(exc=exc, countdown=countdown, kwargs={**extra, "sent": done}) from exc
    return len(done) - len(sent or [])


def _send(email: notifications.Email) -> None:
    EmailMessage(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        headers={"Auto-Submitted": "auto-generated", "Content-Language": email.language},
    ).send(fail_silently=False)
