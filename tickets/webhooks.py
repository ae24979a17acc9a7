"""Provider webhooks: signed events out, signed escalation updates in (docs/notifications.md).

Signing, both ways: `X-Portal-Signature: t=<unix seconds>,v1=<hex>` where the hex is
HMAC-SHA256 with the endpoint's secret over `"<t>." + body` (the raw request body bytes).
Outbound requests also carry `X-Portal-Event` and `X-Portal-Delivery` (a UUID, the same on
every attempt of one delivery, so the receiver can drop a duplicate).

Out: `webhook_ticket_*` / `webhook_backup_activated` write one `WebhookDelivery` per endpoint
that wants the event, in the transaction of the change (unique dedupe key: written twice, one
row), and queue a drain after commit. The drain claims due rows with a lease like the outbox,
POSTs them, and on a network error, a timeout, 408, 425, 429 or 5xx tries again after 30 s,
1 min, 2 min… (at most an hour) until MAX_ATTEMPTS; other answers fail at once.

In: `webhook_verify` checks the signature against the provider's active endpoints in constant
time and refuses a timestamp more than five minutes off; `webhook_escalation_update` records
the receipt (its delivery id and signature unique per provider: a replay is refused) and moves
the escalation through `escalation_update`, all in one transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Provider
from terminals.models import Allocation
from tickets.models import (
    Escalation,
    Ticket,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
    WebhookEvent,
    WebhookReceipt,
)
from tickets.models.outbox import DUE_STATUSES

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Portal-Signature"
EVENT_HEADER = "X-Portal-Event"
DELIVERY_HEADER = "X-Portal-Delivery"
TOLERANCE = timedelta(minutes=5)
MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=1)
LEASE = timedelta(minutes=5)  # longer than the task's hard time limit
TIMEOUT_SECONDS = 10
BATCH = 5
DRAIN_BUDGET_SECONDS = 60.0
RETRY_STATUSES = frozenset({408, 425, 429})


# --- signing ---------------------------------------------------------------------------------


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The v1 signature: hex HMAC-SHA256 of `"<timestamp>." + body` with the secret."""
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={sign(secret, timestamp, body)}"


class WebhookRejected(Exception):  # noqa: N818 (an answer to the sender, not a failure here)
    """An inbound request that is refused; `status` is the HTTP answer."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code = status, code


@dataclass(frozen=True)
class Verified:
    endpoint: WebhookEndpoint
    signature: str


def parse_signature(header: str) -> tuple[int, list[str]]:
    """(timestamp, v1 signatures) from `t=…,v1=…[,v1=…]`; WebhookRejected when malformed."""
    timestamp, signatures = None, []
    for part in header.split(","):
        key, _sep, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            signatures.append(value.lower())
    if timestamp is None or not signatures:
        raise WebhookRejected(
            401, "bad_signature", _("The signature header must read t=<unix time>,v1=<hex>.")
        )
    return timestamp, signatures


def webhook_verify(
    *, provider: Provider, header: str, body: bytes, now: datetime | None = None
) -> Verified:
    """Which of the provider's active endpoints signed `body`; WebhookRejected(401) otherwise.

    The timestamp must be within five minutes of now (either way), so a captured request cannot
    be sent again later; every comparison is constant-time.
    """
    timestamp, signatures = parse_signature(header)
    now = now or timezone.now()
    if abs(now.timestamp() - timestamp) > TOLERANCE.total_seconds():
        raise WebhookRejected(
            401, "stale_timestamp", _("The signature's timestamp is more than 5 minutes off.")
        )
    for endpoint in WebhookEndpoint.objects.filter(provider=provider, active=True).order_by("pk"):
        expected = sign(endpoint.secret, timestamp, body)
        for candidate in signatures:
            if hmac.compare_digest(expected, candidate):
                return Verified(endpoint, expected)
    raise WebhookRejected(401, "bad_signature", _("The signature does not match."))


# --- inbound: escalation updates -------------------------------------------------------------


def escalation_for_provider(
    *, provider: Provider, escalation_id: int | None, external_reference: str
) -> Escalation:
    """The provider's escalation by id, or by their reference; WebhookRejected(404) if none."""
    mine = Escalation.objects.select_related("ticket").filter(ticket__provider=provider)
    if escalation_id is not None:
        found = list(mine.filter(pk=escalation_id)[:1])
    else:
        found = list(mine.filter(external_reference=external_reference).order_by("-pk")[:2])
    if not found:
        raise WebhookRejected(404, "not_found", _("No such escalation for this provider."))
    if len(found) > 1:
        raise WebhookRejected(
            409, "ambiguous", _("Several escalations carry this reference; send the id instead.")
        )
    return found[0]


@transaction.atomic
def webhook_escalation_update(
    *,
    verified: Verified,
    delivery_id: str,
    escalation: Escalation,
    to: str,
    answer: str = "",
    external_reference: str | None = None,
) -> Escalation:
    """Apply a verified inbound update, once.

    1. The endpoint needs a provider staff account to act as (`acts_as`).
    2. Record the receipt: its delivery id or signature seen before → WebhookRejected(409).
    3. Move the escalation (escalation_update: the transition table, the event row). If that
       refuses, the receipt rolls back with it, so a corrected update may be sent again.
    """
    from tickets.services.escalation import escalation_update  # it imports the ticket services

    endpoint = verified.endpoint
    if endpoint.acts_as is None:
        raise PermissionDenied(_("Inbound updates are not enabled for this endpoint."))
    try:
        with transaction.atomic():
            WebhookReceipt.objects.create(
                provider_id=endpoint.provider_id,
                delivery_id=delivery_id,
                signature=verified.signature,
                escalation=escalation,
            )
    except IntegrityError:
        raise WebhookRejected(
            409, "replay", _("This update was received before (replay refused).")
        ) from None
    return escalation_update(
        escalation=escalation,
        actor=endpoint.acts_as,
        to=to,
        answer=answer,
        external_reference=external_reference,
    )


# --- outbound: writing events ----------------------------------------------------------------


def webhook_emit(event: str, *, provider_id: int, key: str, data: dict[str, Any]) -> int:
    """Write `event` for each of the provider's endpoints that wants it; how many were new.

    Call inside the transaction of the change. `key` names the cause: the same event and key
    for one endpoint is one delivery, however often it is written.
    """
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(provider_id=provider_id, active=True)
        if endpoint.wants(event)
    ]
    if not endpoints:
        return 0
    now = timezone.now()
    rows = []
    for endpoint in endpoints:
        delivery_id = uuid.uuid4()
        payload = {"id": str(delivery_id), "event": event, "created_at": now.isoformat()}
        rows.append(
            WebhookDelivery(
                endpoint=endpoint,
                delivery_id=delivery_id,
                event=event,
                dedupe_key=f"{event}:{key}:{endpoint.pk}"[:200],
                payload={**payload, "data": data},
            )
        )
    keys = [row.dedupe_key for row in rows]
    before = WebhookDelivery.objects.filter(dedupe_key__in=keys).count()
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    deliver_after_commit()
    return len(rows) - before


def ticket_data(ticket: Ticket) -> dict[str, Any]:
    """What an event says about a ticket: ids, codes and the reference, no free text."""
    return {
        "ticket": {
            "id": ticket.pk,
            "reference": ticket.reference,
            "status": ticket.status,
            "priority": ticket.priority,
            "cause": ticket.cause,
            "level": ticket.level,
            "merchant": {"id": ticket.merchant_id, "mid": ticket.merchant.mid},
            "terminal": {
                "id": ticket.terminal_id,
                "serial_number": ticket.terminal.serial_number,
                "tid": ticket.terminal.tid,
            },
            "url": f"{settings.SITE_URL}/tickets/{ticket.pk}/",
        }
    }


def webhook_ticket_created(ticket: Ticket) -> int:
    return webhook_emit(
        WebhookEvent.TICKET_CREATED,
        provider_id=ticket.provider_id,
        key=f"t{ticket.pk}",
        data=ticket_data(ticket),
    )


def webhook_ticket_status(ticket: Ticket, to_status: str) -> int:
    """A status change: only resolving is an event (one per resolution)."""
    if to_status != "resolved":
        return 0
    resolved = int((ticket.resolved_at or timezone.now()).timestamp())
    return webhook_emit(
        WebhookEvent.TICKET_RESOLVED,
        provider_id=ticket.provider_id,
        key=f"t{ticket.pk}:{resolved}",
        data=ticket_data(ticket),
    )


def webhook_ticket_escalated(escalation: Escalation) -> int:
    ticket = escalation.ticket
    data = {
        **ticket_data(ticket),
        "escalation": {
            "id": escalation.pk,
            "team": escalation.team,
            "party": escalation.party,
            "external_reference": escalation.external_reference,
            "respond_by": escalation.respond_by.isoformat(),
        },
    }
    return webhook_emit(
        WebhookEvent.TICKET_ESCALATED,
        provider_id=ticket.provider_id,
        key=f"e{escalation.pk}",
        data=data,
    )


def webhook_backup_activated(ticket: Ticket, allocation: Allocation, to_status: str) -> int:
    """A backup's step: only activation is an event."""
    if to_status != Allocation.Status.ACTIVATED:
        return 0
    data = {
        **ticket_data(ticket),
        "backup": {
            "id": allocation.pk,
            "tid": allocation.activated_tid,
            "serial_number": allocation.spare.serial_number if allocation.spare else "",
            "activated_at": allocation.activated_at.isoformat()
            if allocation.activated_at
            else None,
        },
    }
    return webhook_emit(
        WebhookEvent.BACKUP_ACTIVATED,
        provider_id=ticket.provider_id,
        key=f"a{allocation.pk}",
        data=data,
    )


# --- outbound: sending -----------------------------------------------------------------------


def deliver_after_commit() -> None:
    """Queue one drain for when the transaction commits (at once outside one)."""
    conn = transaction.get_connection()
    if conn.in_atomic_block and any(entry[1] is _queue_drain for entry in conn.run_on_commit):
        return
    transaction.on_commit(_queue_drain)


def _queue_drain(countdown: float = 0) -> None:
    """A broker that is down must not fail the request: beat's drain sends a minute later."""
    try:
        deliver_webhooks.apply_async(countdown=countdown, retry=False)
    except Exception:
        logger.warning("could not queue the webhook drain; the periodic one will", exc_info=True)


def backoff(attempts: int) -> timedelta:
    """After the `attempts`-th failure: 30 s, 1 min, 2 min… at most an hour."""
    return min(BACKOFF_MAX, BACKOFF_BASE * 2 ** max(attempts - 1, 0))


def webhook_drain(*, batch: int = BATCH, budget: float = DRAIN_BUDGET_SECONDS) -> int:
    """Send due deliveries for about `budget` seconds; returns how many were delivered."""
    deadline, sent = time.monotonic() + budget, 0
    while time.monotonic() < deadline:
        claimed = webhook_claim(limit=batch)
        if not claimed:
            break
        sent += sum(webhook_deliver(delivery) for delivery in claimed)
    return sent


def webhook_claim(*, limit: int = BATCH, now: datetime | None = None) -> list[WebhookDelivery]:
    """Take due deliveries (index webhook_delivery_due): sending, leased, one attempt more."""
    now = now or timezone.now()
    with transaction.atomic():
        due = WebhookDelivery.objects.filter(status__in=DUE_STATUSES, next_attempt_at__lte=now)
        due = due.select_for_update(skip_locked=True)
        ids = list(due.order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
        WebhookDelivery.objects.filter(pk__in=ids).update(
            status=WebhookDeliveryStatus.SENDING,
            next_attempt_at=now + LEASE,
            attempts=F("attempts") + 1,
        )
    claimed = WebhookDelivery.objects.filter(pk__in=ids).select_related("endpoint")
    return list(claimed.order_by("pk"))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is answered as an error, never followed with the body


_opener = urllib.request.build_opener(_NoRedirect)


def webhook_request(delivery: WebhookDelivery, *, timestamp: int | None = None) -> Any:
    """The signed POST for one delivery (a fresh timestamp on every attempt)."""
    body = json.dumps(delivery.payload, sort_keys=True, separators=(",", ":")).encode()
    timestamp = int(time.time()) if timestamp is None else timestamp
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "merchant-support-portal-webhooks/1",
        SIGNATURE_HEADER: signature_header(delivery.endpoint.secret, timestamp, body),
        EVENT_HEADER: delivery.event,
        DELIVERY_HEADER: str(delivery.delivery_id),
    }
    url = delivery.endpoint.url
    if not url.lower().startswith(("https://", "http://")):
        raise ValueError(f"not an http(s) URL: {url!r}")
    return urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310


def webhook_deliver(delivery: WebhookDelivery) -> bool:
    """POST one claimed delivery and record the outcome; True when the endpoint took it."""
    try:
        request = webhook_request(delivery)
    except ValueError as exc:
        _finish(delivery, WebhookDeliveryStatus.FAILED, str(exc))
        return False
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            status = response.status
    except SoftTimeLimitExceeded:
        raise  # left sending: the lease runs out and another drain sends it
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        _retry_later(delivery, f"{type(exc).__name__}: {exc}")
        return False
    if 200 <= status < 300:
        _finish(delivery, WebhookDeliveryStatus.SENT, "")
        return True
    if status >= 500 or status in RETRY_STATUSES:
        _retry_later(delivery, f"HTTP {status}")
    else:
        _finish(delivery, WebhookDeliveryStatus.FAILED, f"HTTP {status}")
    return False


def _finish(delivery: WebhookDelivery, status: str, error: str) -> None:
    sent_at = timezone.now() if status == WebhookDeliveryStatus.SENT else None
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=status, last_error=error[:2000], sent_at=sent_at
    )
    delivery.status, delivery.last_error = status, error


def _retry_later(delivery: WebhookDelivery, error: str) -> None:
    if delivery.attempts >= MAX_ATTEMPTS:
        logger.error("webhook %s failed after %s attempts", delivery.pk, delivery.attempts)
        _finish(delivery, WebhookDeliveryStatus.FAILED, error)
        return
    wait = backoff(delivery.attempts)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=WebhookDeliveryStatus.PENDING,
        next_attempt_at=timezone.now() + wait,
        last_error=error[:2000],
    )
    delivery.status, delivery.last_error = WebhookDeliveryStatus.PENDING, error
    transaction.on_commit(lambda: _queue_drain(countdown=wait.total_seconds()))


@shared_task(
    name="tickets.deliver_webhooks",
    ignore_result=True,
    acks_late=True,
    soft_time_limit=90,
    time_limit=120,
)
def deliver_webhooks() -> int:
    """Send the webhook deliveries that are due; queued after commit and every minute."""
    return webhook_drain()
