"""Follow-up sweeps: what the workers chase on a schedule so that staff do not have to.

Each sweep selects only what is due through an index (its cost grows with what is due, not
with the table), handles each item in its own short transaction, and is idempotent: a
conditional update or a lock decides who handles an item, and every message goes through the
outbox with a dedupe key, so running a sweep twice, or on two beats at once, sends once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.business_time import business_time_between
from portal.models import Role, User
from tickets.models import (
    Escalation,
    EscalationStatus,
    Status,
    Team,
    Ticket,
    TicketEvent,
    TicketSla,
)
from tickets.notifications import plan_for_users
from tickets.services.assignment import ticket_assign
from tickets.services.lifecycle import (
    MERCHANT_GIVE_UP,
    MERCHANT_REMINDERS,
    reopen_window,
    ticket_transition,
)
from tickets.services.outbox import outbox_write
from tickets.services.sla import add_working_time, sla_sweep_breaches, working_hours_for

LIMIT = 500
ESCALATION_CHASE_EVERY = timedelta(days=1)
TEAM_ROLES = {Team.FIELD_SERVICE: Role.PROVIDER_FIELD, Team.RISK: Role.PROVIDER_RISK}


def _ticket_for_update(ticket_id: int) -> Ticket | None:
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("provider__calendar", "reporter", "assignee")
        .filter(pk=ticket_id)
        .first()
    )


# --- waiting on the merchant --------------------------------------------------------------


def sweep_waiting_on_merchant(*, now: datetime | None = None, limit: int = LIMIT) -> int:
    """Remind merchants who have not answered; resolve tickets they left too long.

    Selects tickets whose next follow-up is due (index ticket_chase_due). Returns how many
    tickets got a reminder or were resolved.
    """
    now = now or timezone.now()
    due = Ticket.objects.filter(chase_at__lte=now, status=Status.WAITING_ON_MERCHANT)
    ids = list(due.order_by("chase_at").values_list("pk", flat=True)[:limit])
    return sum(_follow_up_waiting(pk, now) for pk in ids)


@transaction.atomic
def _follow_up_waiting(ticket_id: int, now: datetime) -> bool:
    """1. Lock; skip unless it still waits and is due.
    2. Past the last mark: resolve with a notice. Otherwise send the latest reminder it has
       reached (one, even if the sweep was down for days) and schedule the next mark.
    """
    ticket = _ticket_for_update(ticket_id)
    if ticket is None or ticket.status != Status.WAITING_ON_MERCHANT or ticket.chase_at is None:
        return False
    if ticket.chase_at > now or ticket.waiting_since is None:
        return False
    since = ticket.waiting_since
    waited = business_time_between(working_hours_for(ticket.provider), since, now)
    wait = f"t{ticket.pk}:w{int(since.timestamp())}"
    if waited >= MERCHANT_GIVE_UP:
        ticket_transition(
            ticket=ticket,
            to=Status.RESOLVED,
            actor=None,
            reason=_("No answer from the merchant after the reminders."),
            notify_merchant=False,
        )
        outbox_write(plan_for_users("merchant_auto_resolved", ticket, [ticket.reporter], wait))
        return True
    stage = sum(1 for mark in MERCHANT_REMINDERS if waited >= mark)
    if stage:
        planned = plan_for_users(
            "merchant_reminder", ticket, [ticket.reporter], f"{wait}:{stage}", stage=stage
        )
        outbox_write(planned)
    next_mark = next(m for m in (*MERCHANT_REMINDERS, MERCHANT_GIVE_UP) if m > waited)
    chase_at = add_working_time(ticket.provider, since, next_mark)
    Ticket.objects.filter(pk=ticket.pk).update(chase_at=chase_at)
    return bool(stage)


# --- SLA: warnings and breaches ------------------------------------------------------------


def sweep_sla_warnings(*, now: datetime | None = None, limit: int = LIMIT) -> int:
    """Warn the assignee (or the provider's mailbox) when 80 % of a target is used.

    Selects unmet, unwarned, unbreached targets past their warning time (ticket_sla_warn_due).
    """
    now = now or timezone.now()
    due = TicketSla.objects.filter(
        met_at__isnull=True, warned_at__isnull=True, breached_at__isnull=True, warn_at__lte=now
    )
    ids = list(due.order_by("warn_at").values_list("pk", flat=True)[:limit])
    return sum(_warn(pk, now) for pk in ids)


@transaction.atomic
def _warn(sla_id: int, now: datetime) -> bool:
    claimed = TicketSla.objects.filter(pk=sla_id, warned_at__isnull=True, met_at__isnull=True)
    if not claimed.update(warned_at=now):
        return False
    sla = TicketSla.objects.select_related("ticket__provider__calendar", "ticket__assignee").get(
        pk=sla_id
    )
    if sla.due_at is None or sla.due_at <= now:
        return False  # paused since, or already late: the breach sweep speaks for it
    ticket = sla.ticket
    users = [ticket.assignee] if ticket.assignee else []
    event = f"s{sla.pk}:{int(sla.due_at.timestamp())}"
    planned = plan_for_users(
        "sla_warning", ticket, users, event, mailbox=not users, target=sla.target
    )
    outbox_write(planned)
    return True


def sweep_sla_breaches(*, now: datetime | None = None, limit: int = LIMIT) -> int:
    """Record breaches, then escalate each breach once: level up, assign a lead, tell the leads.

    Selects breached targets not yet escalated (ticket_sla_breach_unhandled). A target that
    was met, only late, or a ticket no longer open, is marked handled without more.
    """
    now = now or timezone.now()
    sla_sweep_breaches(now=now, limit=limit)
    due = TicketSla.objects.filter(breached_at__isnull=False, breach_handled_at__isnull=True)
    rows = list(due.order_by("breached_at").values_list("pk", "ticket_id")[:limit])
    return sum(_escalate_breach(pk, ticket_id, now) for pk, ticket_id in rows)


@transaction.atomic
def _escalate_breach(sla_id: int, ticket_id: int, now: datetime) -> bool:
    ticket = _ticket_for_update(ticket_id)  # the ticket first: the order every service locks in
    claimed = TicketSla.objects.filter(pk=sla_id, breach_handled_at__isnull=True)
    if ticket is None or not claimed.update(breach_handled_at=now):
        return False
    sla = TicketSla.objects.get(pk=sla_id)
    if sla.met_at is not None or not ticket.is_open:
        return False
    Ticket.objects.filter(pk=ticket.pk).update(level=F("level") + 1)
    ticket.level += 1
    TicketEvent.objects.create(
        ticket=ticket,
        kind=TicketEvent.Kind.ESCALATED,
        internal=True,
        reason=_("Time target missed: escalation level raised to %(level)d.")
        % {"level": ticket.level},
        data={"target": sla.target, "level": ticket.level},
    )
    leads = list(
        User.objects.filter(
            provider_id=ticket.provider_id, role=Role.PROVIDER_LEAD, is_active=True
        ).order_by("pk")
    )
    if ticket.assignee_id is None and leads:
        reason = _("Time target missed and nobody had the ticket.")
        ticket = ticket_assign(ticket=ticket, actor=None, assignee=leads[0], reason=reason)
    event = f"s{sla.pk}:{int(sla.breached_at.timestamp())}" if sla.breached_at else f"s{sla.pk}"
    planned = plan_for_users(
        "sla_breach", ticket, leads, event, mailbox=not leads, target=sla.target
    )
    outbox_write(planned)
    return True


# --- escalations ----------------------------------------------------------------------------


def sweep_escalations(*, now: datetime | None = None, limit: int = LIMIT) -> int:
    """Chase open escalations past their answer-by time, then once a day while still open.

    Selects through escalation_open_due (open, by respond_by).
    """
    now = now or timezone.now()
    due = Escalation.objects.filter(status=EscalationStatus.OPEN, respond_by__lte=now).filter(
        Q(chased_at__isnull=True) | Q(chased_at__lte=now - ESCALATION_CHASE_EVERY)
    )
    ids = list(due.order_by("respond_by").values_list("pk", flat=True)[:limit])
    return sum(_chase_escalation(pk, now) for pk in ids)


@transaction.atomic
def _chase_escalation(escalation_id: int, now: datetime) -> bool:
    escalation = (
        Escalation.objects.select_for_update()
        .filter(pk=escalation_id, status=EscalationStatus.OPEN, respond_by__lte=now)
        .filter(Q(chased_at__isnull=True) | Q(chased_at__lte=now - ESCALATION_CHASE_EVERY))
        .first()
    )
    if escalation is None:
        return False
    ticket = Ticket.objects.select_related("provider", "assignee").get(pk=escalation.ticket_id)
    chase = int((now - escalation.respond_by) / ESCALATION_CHASE_EVERY)
    escalation.chased_at = now
    escalation.save(update_fields=["chased_at"])
    TicketEvent.objects.create(
        ticket=ticket,
        kind=TicketEvent.Kind.ESCALATION_UPDATED,
        internal=True,
        reason=_("No answer yet from %(to)s: chased.") % {"to": escalation.to_label},
        data={"escalation": escalation.pk, "chase": chase + 1},
    )
    users = [escalation.created_by, *([ticket.assignee] if ticket.assignee else [])]
    if escalation.team in TEAM_ROLES:
        users += User.objects.filter(
            provider_id=ticket.provider_id, role=TEAM_ROLES[Team(escalation.team)], is_active=True
        ).order_by("pk")
    planned = plan_for_users(
        "escalation_overdue",
        ticket,
        users,
        f"e{escalation.pk}:{chase}",
        mailbox=escalation.team == Team.HOST_OPERATIONS,
        escalation=escalation.pk,
    )
    outbox_write(planned)
    return True


# --- resolved tickets -------------------------------------------------------------------------


def sweep_resolved(*, now: datetime | None = None, limit: int = LIMIT) -> int:
    """Close resolved tickets nobody reopened within the reopen window (ticket_resolved_due)."""
    now = now or timezone.now()
    cutoff = now - reopen_window()
    due = Ticket.objects.filter(status=Status.RESOLVED, resolved_at__lte=cutoff)
    ids = list(due.order_by("resolved_at").values_list("pk", flat=True)[:limit])
    return sum(_close_resolved(pk, cutoff) for pk in ids)


@transaction.atomic
def _close_resolved(ticket_id: int, cutoff: datetime) -> bool:
    ticket = _ticket_for_update(ticket_id)
    if ticket is None or ticket.status != Status.RESOLVED:
        return False
    if ticket.resolved_at is None or ticket.resolved_at > cutoff:
        return False
    days = reopen_window().days
    reason = _("Nobody reopened it within %(days)d days.") % {"days": days}
    ticket_transition(ticket=ticket, to=Status.CLOSED, actor=None, reason=reason)
    return True
