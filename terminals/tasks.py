"""Celery tasks of the spare pool: thin wrappers that take ids and call one service."""

from __future__ import annotations

import logging
import smtplib
from typing import Any

from celery import Task, shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.models import Merchant, Role, User
from terminals.models import Allocation, Terminal

logger = logging.getLogger(__name__)

TRANSIENT_ERRORS = (smtplib.SMTPException, ConnectionError, TimeoutError, OSError)


@shared_task(name="terminals.allocate_backup", acks_late=True)
def allocate_backup(
    merchant_id: int, terminal_id: int, reference: str, actor_id: int | None = None
) -> int:
    """Allocate (or find) the backup for `reference`; returns the allocation's id.

    Safe to run twice: the service returns the open allocation for the reference.
    """
    from terminals.services import allocate_backup as allocate

    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    allocation = allocate(
        merchant=Merchant.objects.get(pk=merchant_id),
        terminal=Terminal.objects.select_related("model").get(pk=terminal_id),
        reference=reference,
        actor=actor,
    )
    return allocation.pk


@shared_task(name="terminals.serve_waiting", acks_late=True)
def serve_waiting() -> int:
    """A safety net for beat: serve the waiting line; returns how many were reserved."""
    from terminals.services import allocation_serve_waiting

    return len(allocation_serve_waiting(actor=None))


@shared_task(bind=True, name="terminals.notify_admins_waiting", acks_late=True, max_retries=5)
def notify_admins_waiting(self: Task[Any, int], allocation_id: int) -> int:
    """E-mail the operator admins that a backup request waits for a spare; once per request."""
    with transaction.atomic():
        allocation = (
            Allocation.objects.select_for_update(of=("self",))
            .select_related("merchant", "original__model")
            .filter(pk=allocation_id, status=Allocation.Status.WAITING, admins_notified_at=None)
            .first()
        )
        if allocation is None:
            return 0
        try:
            sent = _mail_admins_about(allocation)
        except TRANSIENT_ERRORS as exc:
            logger.warning("waiting-backup e-mail %s failed, will retry: %s", allocation_id, exc)
            raise self.retry(exc=exc, countdown=60 * (2**self.request.retries)) from exc
        allocation.admins_notified_at = timezone.now()
        allocation.save(update_fields=["admins_notified_at", "updated_at"])
    return sent


def _mail_admins_about(allocation: Allocation) -> int:
    admins = User.objects.filter(role=Role.OPERATOR_ADMIN, is_active=True).exclude(email="")
    for admin in admins:
        with translation.override(admin.language):
            subject = _("[%(ref)s] A backup request is waiting for a spare") % {
                "ref": allocation.reference
            }
            body = _(
                "No ready spare fits the backup request %(ref)s for %(merchant)s "
                "(failing terminal %(model)s, SN %(sn)s). It waits in line and will be served "
                "first come first served as soon as a compatible spare is ready."
            ) % {
                "ref": allocation.reference,
                "merchant": allocation.merchant.name,
                "model": allocation.original.model,
                "sn": allocation.original.serial_number,
            }
        EmailMessage(
            subject=subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[admin.email],
            headers={"Auto-Submitted": "auto-generated"},
        ).send(fail_silently=False)
    return len(admins)


# --- Sweeps (terminals.sweeps), run by beat from PeriodicTask rows (migration 0005) ----------

SWEEP_LIMITS: dict[str, Any] = {"soft_time_limit": 240, "time_limit": 300, "acks_late": True}


@shared_task(name="terminals.sweep_backup_returns", ignore_result=True, **SWEEP_LIMITS)
def sweep_backup_returns() -> int:
    """Remind merchants two days before a backup is due back; chase late returns daily."""
    from terminals import sweeps

    return sweeps.sweep_backup_returns()


@shared_task(name="terminals.sweep_pool_readiness", ignore_result=True, **SWEEP_LIMITS)
def sweep_pool_readiness() -> int:
    """One digest to the operator admins: spares whose test lapsed, depots below minimum."""
    from terminals import sweeps

    return sweeps.sweep_pool_readiness()
