"""The outbox: writing messages with the change that causes them, and sending them.

Guarantees (docs/notifications.md):

- A message is written in the transaction of its cause: it exists if and only if the change
  committed. `dedupe_key` is unique, so the same message written twice (two sweeps, two
  beats, a retried task) is one row.
- Sending is at least once. A drain claims due rows (pending, or sending whose lease ran out)
  with `SELECT … FOR UPDATE SKIP LOCKED`, marks them sending with a lease, sends, then marks
  them sent. Two drains never take the same row while its lease runs, and a live sender never
  outlives its lease (the lease exceeds the task's hard time limit). Only a worker that dies after
  the SMTP server accepted a message and before the row says so leaves a message to be sent
  again: SMTP has no idempotency key, so exactly once is not on offer; the Message-ID stays
  the same so mail clients fold such a duplicate.
- After commit a drain is queued at once; if the broker is down that is logged and dropped,
  and the periodic drain (every minute, from beat) sends the message once the broker is back.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from portal.models import User
from tickets import notifications
from tickets.channels import CHANNELS, Delivery, PermanentError, TransientError
from tickets.models import Channel, NotificationPreference, OutboxMessage, OutboxStatus
from tickets.models.outbox import DUE_STATUSES
from tickets.notifications import NotRelevant, Planned

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=1)
BATCH = 20
DRAIN_BUDGET_SECONDS = 60.0


def notify(kind: str, object_id: int, **extra: Any) -> int:
    """Write the messages of `kind` about an object; a worker sends them after commit.

    Services call this inside their transactions; nothing is sent if it rolls back.
    """
    return outbox_write(notifications.plan(kind, object_id, **extra))


def outbox_write(planned: Iterable[Planned]) -> int:
    """Write planned messages in the current transaction, then drain after commit.

    Returns how many rows were written (a message already in the outbox counts as none).
    Each message goes to every channel its user has on: e-mail unless turned off, SMS when
    turned on and the user has a mobile number. A channel turned off is recorded as
    suppressed, so the outbox shows why nothing went.
    """
    planned = list(planned)
    if not planned:
        return 0
    user_ids = {p.recipient.user_id for p in planned if p.recipient.user_id}
    prefs = {
        (pref.user_id, pref.channel): pref.enabled
        for pref in NotificationPreference.objects.filter(user_id__in=user_ids)
    }
    rows = [row for p in planned for row in _rows_for(p, prefs)]
    before = OutboxMessage.objects.filter(dedupe_key__in=[r.dedupe_key for r in rows]).count()
    OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True)
    drain_after_commit()
    return len(rows) - before


def _rows_for(p: Planned, prefs: dict[tuple[int, str], bool]) -> list[OutboxMessage]:
    user_id = p.recipient.user_id
    email_on = prefs.get((user_id, Channel.EMAIL), True) if user_id else True
    rows = [_row(p, Channel.EMAIL, p.recipient.address, suppressed=not email_on)]
    if user_id and p.recipient.phone and prefs.get((user_id, Channel.SMS), False):
        rows.append(_row(p, Channel.SMS, p.recipient.phone, suppressed=False))
    return rows


def _row(p: Planned, channel: str, address: str, *, suppressed: bool) -> OutboxMessage:
    return OutboxMessage(
        recipient=address,
        user_id=p.recipient.user_id,
        channel=channel,
        template=p.template,
        language=p.recipient.language,
        context=p.context,
        dedupe_key=dedupe_key(p.template, p.event, channel, address),
        status=OutboxStatus.SUPPRESSED if suppressed else OutboxStatus.PENDING,
    )


def dedupe_key(template: str, event: str, channel: str, address: str) -> str:
    """One message per template, event, channel and address (the address hashed: length)."""
    digest = hashlib.sha256(address.casefold().encode()).hexdigest()[:20]
    return f"{template}:{event}:{channel}:{digest}"[:200]


# --- queueing the drain ------------------------------------------------------------------


def drain_after_commit() -> None:
    """Queue one drain for when the current transaction commits (at once outside one)."""
    conn = transaction.get_connection()
    if conn.in_atomic_block and any(entry[1] is _queue_drain for entry in conn.run_on_commit):
        return
    transaction.on_commit(_queue_drain)


def _queue_drain() -> None:
    """Ask a worker to drain now. A broker that is down must not fail or stall the request."""
    from tickets.tasks import drain_outbox  # tasks import this module

    try:
        drain_outbox.apply_async(retry=False)
    except Exception:
        logger.warning(
            "could not queue the outbox drain; the periodic drain will send", exc_info=True
        )


# --- sending --------------------------------------------------------------------------------


def outbox_drain(*, batch: int = BATCH, budget: float = DRAIN_BUDGET_SECONDS) -> int:
    """Send what is due, batch after batch, for about `budget` seconds; returns how many sent."""
    deadline, sent = time.monotonic() + budget, 0
    while time.monotonic() < deadline:
        claimed = outbox_claim(limit=batch)
        if not claimed:
            break
        sent += sum(outbox_deliver(message) for message in claimed)
    return sent


def outbox_claim(*, limit: int = BATCH, now: datetime | None = None) -> list[OutboxMessage]:
    """Take up to `limit` due messages: mark them sending, leased, with one attempt more.

    Due: pending and not before `next_attempt_at`, or sending with the lease run out (its
    sender died). SKIP LOCKED lets parallel drains take different rows; SQLite has no row
    locks but runs one writing transaction at a time (IMMEDIATE), which is as safe.
    """
    now = now or timezone.now()
    with transaction.atomic():
        due = OutboxMessage.objects.filter(status__in=DUE_STATUSES, next_attempt_at__lte=now)
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
        OutboxMessage.objects.filter(pk__in=ids).update(
            status=OutboxStatus.SENDING, next_attempt_at=now + lease(), attempts=F("attempts") + 1
        )
    return list(OutboxMessage.objects.filter(pk__in=ids).select_related("user").order_by("pk"))


def outbox_deliver(message: OutboxMessage) -> bool:
    """Render and send one claimed message and record the outcome; True when it was sent.

    Transient errors come back later with exponential backoff until MAX_ATTEMPTS, then the
    message fails; permanent errors and broken templates fail at once; a message whose
    ticket is gone or whose recipient may no longer see it is suppressed.
    """
    try:
        delivery = _delivery(message)
        CHANNELS[message.channel].send(delivery)
    except SoftTimeLimitExceeded:
        raise  # left sending: its lease runs out and another drain sends it
    except NotRelevant as exc:
        _finish(message, OutboxStatus.SUPPRESSED, str(exc))
    except TransientError as exc:
        _retry_later(message, str(exc))
    except PermanentError as exc:
        _finish(message, OutboxStatus.FAILED, str(exc))
    except Exception as exc:
        logger.exception("outbox message %s cannot be sent", message.pk)
        _finish(message, OutboxStatus.FAILED, f"{type(exc).__name__}: {exc}")
    else:
        _finish(message, OutboxStatus.SENT, "")
        return True
    return False


def lease() -> timedelta:
    """How long a claimed message is its claimer's (settings.OUTBOX_LEASE_SECONDS)."""
    return timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: 30 s, 1 min, 2 min… at most an hour."""
    return min(BACKOFF_MAX, BACKOFF_BASE * 2 ** max(attempts - 1, 0))


def _delivery(message: OutboxMessage) -> Delivery:
    user: User | None = message.user
    ticket_id = message.context.get("ticket")
    if user is not None and ticket_id and not notifications.may_see(user, ticket_id):
        raise NotRelevant("the recipient may no longer see the ticket")
    name = (user.get_full_name() or user.username) if user else ""
    text = notifications.render(message.template, message.language, message.context, name)
    subject, body = text.subject, text.body_text
    if message.channel == Channel.SMS:
        body = f"{subject} {notifications.ticket_url_for(ticket_id)}" if ticket_id else subject
    return Delivery(message.recipient, subject, body, text.language, f"outbox-{message.pk}")


def _finish(message: OutboxMessage, status: str, error: str) -> None:
    now = timezone.now()
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=status, last_error=error[:2000], sent_at=now if status == "sent" else None
    )
    message.status, message.last_error = status, error


def _retry_later(message: OutboxMessage, error: str) -> None:
    if message.attempts >= MAX_ATTEMPTS:
        logger.error("outbox message %s failed after %s attempts", message.pk, message.attempts)
        _finish(message, OutboxStatus.FAILED, error)
        return
    next_at = timezone.now() + backoff(message.attempts)
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxStatus.PENDING, next_attempt_at=next_at, last_error=error[:2000]
    )
    message.status, message.next_attempt_at, message.last_error = "pending", next_at, error
