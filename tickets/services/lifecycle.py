"""A ticket's life: opening it, moving it along the transition table, correcting triage."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import ConflictError, DomainError
from portal.models import User
from terminals.models import Terminal
from tickets.models import Action, Cause, Priority, Status, Ticket, TicketEvent, TicketSequence
from tickets.tasks import notify_on_commit

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
    recommended_action: str = Action.ESCALATE,
    triage_rule: str = "",
    triage_reason: str = "",
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
        recommended_action=recommended_action,
        triage_rule=triage_rule,
        triage_reason=triage_reason,
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
    notify_on_commit("status", locked.pk, from_status=from_status, to_status=to)
    return locked


def require_staff(actor: User) -> None:
    """Provider staff and operator admins work tickets; merchants only report and reply."""
    if not (actor.is_provider_staff or actor.is_operator_admin):
        raise PermissionDenied(_("Only provider staff can do this."))


@transaction.atomic
def ticket_override_triage(
    *, ticket: Ticket, actor: User, cause: str, priority: str, reason: str
) -> Ticket:
    """Staff correct the triage's cause and priority; the reason is recorded with the change."""
    require_staff(actor)
    if cause not in Cause.values:
        raise DomainError(_("Unknown cause: %(cause)s.") % {"cause": cause}, field="cause")
    if priority not in Priority.values:
        raise DomainError(_("Unknown priority: %(p)s.") % {"p": priority}, field="priority")
    if not reason.strip():
        raise DomainError(_("Say why the triage is changed."), field="reason")
    locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if (locked.cause, locked.priority) == (cause, priority):
        return locked
    before = {"cause": locked.cause, "priority": locked.priority}
    locked.cause, locked.priority = cause, priority
    locked.save(update_fields=["cause", "priority", "updated_at"])
    TicketEvent.objects.create(
        ticket=locked,
        actor=actor,
        kind=TicketEvent.Kind.TRIAGE_OVERRIDDEN,
        reason=reason.strip(),
        data={"before": before, "after": {"cause": cause, "priority": priority}},
    )
    if priority == Priority.P1 and before["priority"] != Priority.P1:
        notify_on_commit("p1", locked.pk)
    return locked
