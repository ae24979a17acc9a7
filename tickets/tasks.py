"""Ticket tasks: thin wrappers that take ids or nothing and call one service each.

Every task is safe to run twice and on two workers at once: the outbox's unique dedupe keys
and the sweeps' conditional updates make a second run find nothing left to do. Beat runs the
periodic ones from django-celery-beat's PeriodicTask rows (migration 0007), which admins edit.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task

from tickets import sweeps
from tickets.services import outbox

TIME_LIMITS: dict[str, Any] = {"soft_time_limit": 90, "time_limit": 120, "acks_late": True}


@shared_task(name="tickets.drain_outbox", ignore_result=True, **TIME_LIMITS)
def drain_outbox() -> int:
    """Send the outbox messages that are due; queued after each commit and every minute."""
    return outbox.outbox_drain()


@shared_task(name="tickets.sweep_sla", ignore_result=True, **TIME_LIMITS)
def sweep_sla() -> dict[str, int]:
    """Warn assignees at 80 % of a target; record breaches and escalate them."""
    return {
        "warned": sweeps.sweep_sla_warnings(),
        "breached": sweeps.sweep_sla_breaches(),
    }


@shared_task(name="tickets.sweep_waiting_on_merchant", ignore_result=True, **TIME_LIMITS)
def sweep_waiting_on_merchant() -> int:
    """Remind merchants after 24 and 48 business hours; resolve after 72."""
    return sweeps.sweep_waiting_on_merchant()


@shared_task(name="tickets.sweep_escalations", ignore_result=True, **TIME_LIMITS)
def sweep_escalations() -> int:
    """Chase escalations past their answer-by time."""
    return sweeps.sweep_escalations()


@shared_task(name="tickets.sweep_resolved", ignore_result=True, **TIME_LIMITS)
def sweep_resolved() -> int:
    """Close resolved tickets nobody reopened within the reopen window."""
    return sweeps.sweep_resolved()


@shared_task(name="tickets.send_ticket_email", ignore_result=True, **TIME_LIMITS)
def send_ticket_email(kind: str, object_id: int, **extra: Any) -> int:
    """Messages queued before the outbox existed: write them to the outbox and drain.

    Kept so that tasks already on the broker during an upgrade are not lost; nothing new
    sends this task. The dedupe keys keep a redelivered one from mailing twice.
    """
    extra.pop("sent", None)
    outbox.notify(kind, object_id, **extra)
    return outbox.outbox_drain()


@shared_task(name="tickets.refresh_dashboards", ignore_result=True, **TIME_LIMITS)
def refresh_dashboards() -> int:
    """Compute the leads' and admins' dashboards ahead of them (beat, every minute)."""
    from tickets.dashboard import refresh_dashboards as refresh

    return refresh()
