"""A ticket's life: opening it, moving it along the transition table, correcting triage."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import ConflictError, DomainError
from portal.models import User
from terminals.models import Terminal
from tickets.models import Action, Cause, Priority, Status, Ticket, TicketEvent, TicketSequence
from tickets.services import sla
from tickets.services.outbox import notify
from tickets.webhooks import webhook_ticket_created, webhook_ticket_status

STAFF, MERCHANT, SYSTEM = "staff", "merchant", "system"

# A ticket waiting on the merchant: reminders after this much of the provider's business
# time, then resolved by the follow-up sweep (tickets.sweeps).
MERCHANT_REMINDERS = (timedelta(hours=24), timedelta(hours=48))
MERCHANT_GIVE_UP = timedelta(hours=72)
_S, _M, _SYS = frozenset({STAFF}), frozenset({MERCHANT}), frozenset({SYSTEM})

# The one table of ticket status moves: from → {to: who may make that move}.
# Staff are provider staff and operator admins; the system is the workers' sweeps.
# Merchants only reply (which brings a waiting ticket back), confirm a resolution or reopen.
TICKET_TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    Status.NEW: {
        Status.IN_PROGRESS: _S,
        Status.WAITING_ON_MERCHANT: _S,
        Status.ESCALATED: _S,
        Status.RESOLVED: _S,
    },
    Status.IN_PROGRESS: {
        Status.WAITING_ON_MERCHANT: _S,
        Status.ESCALATED: _S,
        Status.RESOLVED: _S,
    },
    Status.WAITING_ON_MERCHANT: {
        Status.IN_PROGRESS: _S | _M | _SYS,  # the merchant answered
        Status.ESCALATED: _S,
        Status.RESOLVED: _S | _SYS,  # no answer after the last reminder
    },
    Status.ESCALATED: {
        Status.IN_PROGRESS: _S | _SYS,
        Status.WAITING_ON_MERCHANT: _S,
        Status.RESOLVED: _S,
    },
    Status.RESOLVED: {
        Status.IN_PROGRESS: _S | _M,  # reopened; a merchant only within the reopen window
        Status.CLOSED: _S | _M | _SYS,  # confirmed, or nobody reopened within the window
    },
    Status.CLOSED: {},
}

# Moves that need a reason in words, by who makes them.
REASON_REQUIRED: dict[tuple[str, str], frozenset[str]] = {
    (Status.RESOLVED, Status.IN_PROGRESS): _S | _M,
    (Status.NEW, Status.RESOLVED): _S,
    (Status.IN_PROGRESS, Status.RESOLVED): _S,
    (Status.ESCALATED, Status.RESOLVED): _S,
    (Status.WAITING_ON_MERCHANT, Status.RESOLVED): _S,
}


def who(actor: User | None) -> str:
    """Which column of the transition table an actor is in."""
    if actor is None:
        return SYSTEM
    if actor.is_merchant_user:
        return MERCHANT
    if actor.is_provider_staff or actor.is_operator_admin:
        return STAFF
    raise PermissionDenied(_("This account cannot change tickets."))


def ticket_can_move(from_status: str, to_status: str, by: str | None = None) -> bool:
    """Whether the table allows the move (for `by`: staff, merchant or system; else anyone)."""
    allowed = TICKET_TRANSITIONS.get(from_status, {}).get(to_status)
    return allowed is not None and (by is None or by in allowed)


def allowed_moves(ticket: Ticket, actor: User | None) -> list[str]:
    """The statuses this actor may move the ticket to now (what pages offer as buttons)."""
    by = who(actor)
    moves = [to for to, allowed in TICKET_TRANSITIONS[ticket.status].items() if by in allowed]
    if by == MERCHANT and ticket.status == Status.RESOLVED and not _within_reopen_window(ticket):
        moves = [to for to in moves if to != Status.IN_PROGRESS]
    return moves


def reopen_window() -> timedelta:
    return timedelta(days=settings.TICKET_REOPEN_DAYS)


def _within_reopen_window(ticket: Ticket) -> bool:
    return ticket.resolved_at is not None and timezone.now() <= ticket.resolved_at + reopen_window()


def _next_reference(year: int) -> str:
    """INC-<year>-<6 digits>, numbered per year without gaps under concurrency.

    One statement: insert the year's counter or add one to it, and read the new value. The
    conflicting row is locked until the filing transaction ends, so two filings of the same
    year take turns, and a filing that rolls back gives its number back. (PostgreSQL and
    SQLite 3.35+ both speak INSERT … ON CONFLICT … RETURNING.)
    """
    table = connection.ops.quote_name(TicketSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (year, last_number) VALUES (%s, 1) "  # noqa: S608 - table name only
            f"ON CONFLICT (year) DO UPDATE SET last_number = {table}.last_number + 1 "
            "RETURNING last_number",
            [year],
        )
        number = cursor.fetchone()[0]
    return f"INC-{year}-{number:06d}"


@transaction.atomic(savepoint=False)  # always all or nothing with its caller
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
    sla.sla_start(ticket)
    webhook_ticket_created(ticket)
    return ticket


@transaction.atomic
def ticket_transition(
    *, ticket: Ticket, to: str, actor: User | None, reason: str = "", notify_merchant: bool = True
) -> Ticket:
    """Move a ticket to `to` along TICKET_TRANSITIONS, writing the event.

    1. Lock the row; already there → return it unchanged.
    2. Refuse a move the table does not allow for this actor (ConflictError → 409 in the
       API), a merchant's reopening after the window, a missing reason where one is needed.
    3. Stamp resolved/closed times, start or stop the follow-ups of a wait on the merchant,
       run or pause the SLA clock, save, write the event and the status message to the
       outbox, all in the same transaction (`notify_merchant=False`: the caller writes its
       own message instead).
    """
    if to not in Status.values:
        raise DomainError(_("Unknown ticket status: %(to)s.") % {"to": to}, field="to")
    by = who(actor)
    locked = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("provider__calendar")
        .get(pk=ticket.pk)
    )
    if by == MERCHANT and actor is not None and actor.merchant_id != locked.merchant_id:
        raise PermissionDenied
    if locked.status == to:
        return locked
    from_status = locked.status
    if not ticket_can_move(from_status, to, by):
        if ticket_can_move(from_status, to):
            raise ConflictError(
                _("Only provider staff can move a ticket from %(from)s to %(to)s.")
                % {"from": Status(from_status).label, "to": Status(to).label}
            )
        raise ConflictError(
            _("A ticket cannot go from %(from)s to %(to)s.")
            % {"from": Status(from_status).label, "to": Status(to).label}
        )
    reopening = from_status == Status.RESOLVED and to == Status.IN_PROGRESS
    if by == MERCHANT and reopening and not _within_reopen_window(locked):
        raise ConflictError(
            _(
                "This ticket was resolved more than %(days)s days ago and cannot be reopened; please report the problem again."
            )
            % {"days": reopen_window().days}
        )
    reason = reason.strip()
    if by in REASON_REQUIRED.get((from_status, to), frozenset()) and not reason:
        raise DomainError(
            _("Say why: a reason is needed to move a ticket to %(to)s.") % {"to": Status(to).label},
            field="reason",
        )
    now = timezone.now()
    locked.status = to
    if to == Status.RESOLVED:
        locked.resolved_at = now
    elif to == Status.CLOSED:
        locked.closed_at = now
    elif from_status == Status.RESOLVED:
        locked.resolved_at = None
    _schedule_follow_up(locked, at=now)
    locked.save(
        update_fields=[
            "status",
            "resolved_at",
            "closed_at",
            "waiting_since",
            "chase_at",
            "updated_at",
        ]
    )
    TicketEvent.objects.create(
        ticket=locked,
        actor=actor,
        kind=TicketEvent.Kind.STATUS_CHANGED,
        from_status=from_status,
        to_status=to,
        reason=reason,
    )
    sla.sla_status_changed(locked, from_status=from_status, to_status=to, at=now)
    if by == STAFF:
        sla.sla_record_first_response(locked, actor, at=now)
    if notify_merchant:
        notify("status", locked.pk, from_status=from_status, to_status=to)
    webhook_ticket_status(locked, to)
    return locked


def _schedule_follow_up(ticket: Ticket, *, at: datetime) -> None:
    """Waiting on the merchant: remember since when and when to remind them first."""
    if ticket.status == Status.WAITING_ON_MERCHANT:
        ticket.waiting_since = at
        ticket.chase_at = sla.add_working_time(ticket.provider, at, MERCHANT_REMINDERS[0])
    else:
        ticket.waiting_since = ticket.chase_at = None


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
    if before["priority"] != priority:
        sla.sla_apply_policy(locked)
    TicketEvent.objects.create(
        ticket=locked,
        actor=actor,
        kind=TicketEvent.Kind.TRIAGE_OVERRIDDEN,
        reason=reason.strip(),
        data={"before": before, "after": {"cause": cause, "priority": priority}},
    )
    if priority == Priority.P1 and before["priority"] != Priority.P1:
        notify("p1", locked.pk)
    return locked
