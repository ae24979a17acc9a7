"""Backup terminals from the ticket's side: asking for one, and hearing how it goes.

The allocation itself is a terminals service (terminals.services.allocate_backup) that takes
plain arguments and knows the ticket only by its reference; the ticket keeps the link
(`Ticket.backup`). Each step of the allocation is heard through terminals' signal
`allocation_changed` and written on the ticket's timeline; activation counts as trading
restored for the SLA.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import ConflictError
from portal.models import User
from terminals.models import Allocation
from terminals.selectors import auto_backup_enabled
from terminals.services import allocate_backup
from tickets.models import OPEN_STATUSES, Action, Ticket, TicketEvent
from tickets.services import sla
from tickets.services.lifecycle import require_staff
from tickets.webhooks import webhook_backup_activated


@transaction.atomic
def ticket_request_backup(*, ticket: Ticket, actor: User) -> tuple[Allocation, bool]:
    """Ask for a backup terminal for the ticket's terminal: (the allocation, newly made).

    Staff or operator admins; an open ticket only. Asking again while the backup is open
    returns the same allocation (the terminals service is idempotent by reference).
    """
    require_staff(actor)
    if ticket.status not in OPEN_STATUSES:
        raise ConflictError(
            _("A backup terminal can be requested only for an open ticket; reopen it first.")
        )
    before = ticket.backup_id
    allocation = allocate_backup(
        merchant=ticket.merchant, terminal=ticket.terminal, reference=ticket.reference, actor=actor
    )
    return allocation, allocation.pk != before


def request_backup_if_recommended(ticket: Ticket) -> None:
    """After filing: triage recommends replacing the terminal and the provider lends automatically.

    The allocation runs in a Celery task after commit (idempotent by the reference).
    """
    if ticket.recommended_action != Action.SWAP_TERMINAL:
        return
    if not auto_backup_enabled(provider_id=ticket.provider_id):
        return
    from terminals.tasks import allocate_backup as allocate_task

    args = (ticket.merchant_id, ticket.terminal_id, ticket.reference)
    transaction.on_commit(lambda: allocate_task.delay(*args))


def on_allocation_changed(
    sender: Any,
    *,
    allocation: Allocation,
    from_status: str,
    to_status: str,
    actor: User | None = None,
    **_: Any,
) -> None:
    """Write the backup's step on the ticket it was requested for; activation restores trading."""
    ticket = Ticket.objects.filter(reference=allocation.reference).first()
    if ticket is None:
        return
    if ticket.backup_id != allocation.pk:
        Ticket.objects.filter(pk=ticket.pk).update(backup=allocation)
        ticket.backup = allocation
    TicketEvent.objects.create(
        ticket=ticket,
        actor=actor,
        kind=TicketEvent.Kind.BACKUP,
        from_status="",
        to_status="",
        data={"allocation": allocation.pk, "from": from_status, "to": to_status},
    )
    if to_status == Allocation.Status.ACTIVATED:
        sla.sla_record_restored(ticket, at=timezone.now(), actor=actor, how="backup")
    webhook_backup_activated(ticket, allocation, to_status)
