"""Changes to tickets. Pages, the API and workers call these; nothing else writes a ticket."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import ConflictError, DomainError
from portal.models import User
from terminals.models import Terminal
from tickets.models import Cause, Priority, Status, Ticket, TicketEvent, TicketSequence

# The one table of ticket status moves: from → the statuses it may go to.
TICKET_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset(
        {Status.IN_PROGRESS, Status.WAITING_ON_MERCHANT, Status.ESCALATED, Status.RESOLVED}
    ),
    Status.IN_PROGRESS: frozenset({Status.WAITING_ON_MERCHANT, Status.ESCALATED, Status.RESOLVED}),
    Status.WAITING_ON_MERCHANT: frozenset({Status.IN_PROGRESS, Status.RESOLVED}),
    Status.ESCALATED: frozenset({Status.IN_PROGRESS, Status.RESOLVED}),
    Status.RESOLVED: frozenset({Status.IN_PROGRESS, Status.CLOSED}),
    Status.CLOSED: frozenset(),
}


def ticket_can_move(from_status: str, to_status: str) -> bool:
    return to_status in TICKET_TRANSITIONS.get(from_status, frozenset())


def _next_reference(year: int) -> str:
    """INC-<year>-<6 digits>, numbered per year without gaps under concurrency."""
    TicketSequence.objects.get_or_create(year=year)
    TicketSequence.objects.filter(year=year).update(last_number=F("last_number") + 1)
    number = TicketSequence.objects.select_for_update().get(year=year).last_number
    return f"INC-{year}-{number:06d}"


@transaction.atomic
def ticket_create(
    *,
    terminal: Terminal,
    reporter: User,
    priority: str = Priority.P2,
    cause: str = Cause.UNKNOWN,
) -> Ticket:
    """Open a ticket for a merchant's terminal and write its first event."""
    if terminal.merchant_id is None:
        raise DomainError(
            _("Only a merchant's own terminal can have an incident."), field="terminal"
        )
    ticket = Ticket.objects.create(
        reference=_next_reference(timezone.localdate().year),
        merchant_id=terminal.merchant_id,
        provider_id=terminal.provider_id,
        terminal=terminal,
        reporter=reporter,
        priority=priority,
        cause=cause,
    )
    TicketEvent.objects.create(
        ticket=ticket, actor=reporter, kind=TicketEvent.Kind.CREATED, to_status=ticket.status
    )
    return ticket


@transaction.atomic
def ticket_transition(*, ticket: Ticket, to: str, actor: User | None, reason: str = "") -> Ticket:
    """Move a ticket to `to` along TICKET_TRANSITIONS, writing the event.

    1. Lock the row; already there → return it unchanged.
    2. Refuse a move the table does not allow (ConflictError → 409 in the API).
    3. Stamp resolved/closed times, save, and write the event in the same transaction.
    """
    if to not in Status.values:
        raise DomainError(_("Unknown ticket status: %(to)s.") % {"to": to}, field="to")
    locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if locked.status == to:
        return locked
    if not ticket_can_move(locked.status, to):
        raise ConflictError(
            _("A ticket cannot go from %(from)s to %(to)s.")
            % {"from": Status(locked.status).label, "to": Status(to).label}
        )
    from_status, now = locked.status, timezone.now()
    locked.status = to
    if to == Status.RESOLVED:
        locked.resolved_at = now
    elif to == Status.CLOSED:
        locked.closed_at = now
    elif from_status == Status.RESOLVED:
        locked.resolved_at = None
    locked.save(update_fields=["status", "resolved_at", "closed_at", "updated_at"])
    TicketEvent.objects.create(
        ticket=locked,
        actor=actor,
        kind=TicketEvent.Kind.STATUS_CHANGED,
        from_status=from_status,
        to_status=to,
        reason=reason,
    )
    return locked
