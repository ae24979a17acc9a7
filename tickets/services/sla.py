"""Time targets: the clock ledger, due times on the provider's business calendar, breaches.

A ticket's clock is a ledger of running intervals (ClockInterval). It runs while the provider
owes the merchant work and pauses while the ticket waits on the merchant or is resolved.
Each target (TicketSla) keeps the time allowed, taken from the SLA policy of the ticket's
priority when the ticket opens or its priority changes; its due time is derived from the
ledger and the provider's calendar by portal.business_time and stored only so that queues and
sweeps can filter on it through an index. Every change of the ledger, the priority or a
target's state goes through `sla_refresh`, which recomputes the stored times.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from portal import business_time
from portal.business_time import WorkingHours, add_business_time
from portal.models import Provider, User
from tickets.models import (
    ClockInterval,
    SlaPolicy,
    SlaTarget,
    Status,
    Ticket,
    TicketEvent,
    TicketSla,
)

WARN_RATIO = 0.8
"""At this share of a target's allowed time the sweep warns the assignee."""

SOON = timedelta(hours=1)
"""A target due within this much real time counts as "due soon" in queues and on pages."""

# The statuses in which the provider owes the merchant work: the clock runs.
CLOCK_RUNS = frozenset({Status.NEW, Status.IN_PROGRESS, Status.ESCALATED})

SlaState = Literal["met", "breached", "paused", "due_soon", "on_track"]


def working_hours_for(provider: Provider, *, business_hours: bool = True) -> WorkingHours:
    """The provider's working hours, or around the clock in its time zone (24×7 targets)."""
    if business_hours:
        return WorkingHours.of(provider.calendar)
    return WorkingHours.always(ZoneInfo(provider.calendar.timezone))


def add_working_time(provider: Provider, start: datetime, amount: timedelta) -> datetime:
    """When `amount` of the provider's working time has passed after `start`."""
    return add_business_time(working_hours_for(provider), start, amount)


def policy_for(provider: Provider, priority: str) -> SlaPolicy | None:
    """The provider's own policy for the priority, else the default one."""
    policies = SlaPolicy.objects.filter(
        Q(provider=provider) | Q(provider__isnull=True), priority=priority
    ).order_by("provider_id")  # the provider's own row (not null) sorts first on both engines
    own = [p for p in policies if p.provider_id is not None]
    return own[0] if own else next(iter(policies), None)


def _ledger(ticket: Ticket) -> list[business_time.Interval]:
    return [
        (i.started_at, i.ended_at)
        for i in ClockInterval.objects.filter(ticket=ticket).order_by("started_at", "pk")
    ]


# The functions below run inside the caller's transaction; a failure aborts it whole, so they
# take no savepoints of their own (each would cost two round trips).


@transaction.atomic(savepoint=False)
def sla_start(ticket: Ticket, *, at: datetime | None = None) -> None:
    """Start the clock of a new ticket and set its targets from the policy of its priority."""
    at = at or ticket.created_at or timezone.now()
    if not ClockInterval.objects.filter(ticket=ticket, ended_at=None).exists():
        ClockInterval.objects.create(ticket=ticket, started_at=at)
    sla_apply_policy(ticket)


@transaction.atomic(savepoint=False)
def sla_apply_policy(ticket: Ticket) -> None:
    """(Re)set each target's allowed time from the policy of the ticket's current priority."""
    policy = policy_for(ticket.provider, ticket.priority)
    if policy is None:
        return
    existing = {sla.target: sla for sla in TicketSla.objects.filter(ticket=ticket)}
    missing = []
    for target in SlaTarget:
        allowed, business = policy.target(target), policy.business_hours
        sla = existing.get(target)
        if sla is None:
            missing.append(
                TicketSla(ticket=ticket, target=target, allowed=allowed, business_hours=business)
            )
        elif (sla.allowed, sla.business_hours) != (allowed, business):
            sla.allowed, sla.business_hours = allowed, business
            sla.save(update_fields=["allowed", "business_hours"])
    TicketSla.objects.bulk_create(missing)
    sla_refresh(ticket)


@transaction.atomic(savepoint=False)
def sla_status_changed(ticket: Ticket, *, from_status: str, to_status: str, at: datetime) -> None:
    """Run or pause the clock for a status move, and mark the targets it meets."""
    runs_before, runs_after = from_status in CLOCK_RUNS, to_status in CLOCK_RUNS
    if runs_before and not runs_after:
        ClockInterval.objects.filter(ticket=ticket, ended_at__isnull=True).update(ended_at=at)
    elif runs_after and not runs_before:
        ClockInterval.objects.get_or_create(
            ticket=ticket, ended_at=None, defaults={"started_at": at}
        )
    if to_status == Status.RESOLVED:
        # Resolved means trading again, if nothing (a backup) restored it earlier.
        if Ticket.objects.filter(pk=ticket.pk, restored_at__isnull=True).update(restored_at=at):
            ticket.restored_at = at
        sla_mark_met(ticket, SlaTarget.RESTORE, at=at, refresh=False)
        sla_mark_met(ticket, SlaTarget.RESOLUTION, at=at, refresh=False)
    elif from_status in (Status.RESOLVED, Status.CLOSED) and to_status in CLOCK_RUNS:
        # Reopened: it is not resolved any more; whether trading was restored stays true.
        TicketSla.objects.filter(ticket=ticket, target=SlaTarget.RESOLUTION).update(met_at=None)
    sla_refresh(ticket)


def sla_mark_met(ticket: Ticket, target: SlaTarget, *, at: datetime, refresh: bool = True) -> bool:
    """Record that a target was met at `at` (once); True when this call recorded it."""
    met = bool(
        TicketSla.objects.filter(ticket=ticket, target=target, met_at__isnull=True).update(
            met_at=at
        )
    )
    if refresh:
        sla_refresh(ticket)
    return met


@transaction.atomic(savepoint=False)
def sla_refresh(ticket: Ticket, *, now: datetime | None = None) -> list[TicketSla]:
    """Recompute each target's due time from the ledger, record breaches, and the ticket's next due.

    Idempotent: a breach is recorded once (with the time it fell due and an event).
    """
    now = now or timezone.now()
    ledger = _ledger(ticket)
    targets = list(TicketSla.objects.filter(ticket=ticket).order_by("allowed", "pk"))
    next_due: tuple[datetime, str] | None = None
    for sla in targets:
        hours = working_hours_for(ticket.provider, business_hours=sla.business_hours)
        due = business_time.due_at(hours, ledger, sla.allowed)
        warn = business_time.due_at(hours, ledger, sla.allowed * WARN_RATIO)
        changed = (due, warn) != (sla.due_at, sla.warn_at)
        sla.due_at, sla.warn_at = due, warn
        late = due is not None and due <= (sla.met_at or now)
        if late and sla.breached_at is None:
            sla.breached_at = due
            changed = True
            TicketEvent.objects.create(
                ticket=ticket,
                kind=TicketEvent.Kind.SLA_BREACHED,
                data={"target": sla.target, "due_at": due.isoformat() if due else None},
            )
        if changed:
            sla.save(update_fields=["due_at", "warn_at", "breached_at"])
        if sla.met_at is None and due is not None and (next_due is None or due < next_due[0]):
            next_due = (due, sla.target)
    due_at, target = next_due or (None, "")
    if (ticket.sla_due_at, ticket.sla_due_target) != (due_at, target):
        Ticket.objects.filter(pk=ticket.pk).update(sla_due_at=due_at, sla_due_target=target)
        ticket.sla_due_at, ticket.sla_due_target = due_at, target
    return targets


def sla_record_first_response(ticket: Ticket, actor: User | None, *, at: datetime) -> None:
    """Staff answered the merchant (a public reply or a status move): the first response."""
    if actor is None or not (actor.is_provider_staff or actor.is_operator_admin):
        return
    if ticket.first_response_at is not None:
        return
    if not Ticket.objects.filter(pk=ticket.pk, first_response_at__isnull=True).update(
        first_response_at=at
    ):
        return
    ticket.first_response_at = at
    TicketEvent.objects.create(ticket=ticket, actor=actor, kind=TicketEvent.Kind.FIRST_RESPONSE)
    sla_mark_met(ticket, SlaTarget.FIRST_RESPONSE, at=at)


@transaction.atomic(savepoint=False)
def sla_record_restored(
    ticket: Ticket, *, at: datetime, actor: User | None = None, how: str = ""
) -> None:
    """Trading restored (a backup terminal activated, or the terminal works again)."""
    if not Ticket.objects.filter(pk=ticket.pk, restored_at__isnull=True).update(restored_at=at):
        return
    ticket.restored_at = at
    TicketEvent.objects.create(
        ticket=ticket, actor=actor, kind=TicketEvent.Kind.RESTORED, data={"how": how}
    )
    sla_mark_met(ticket, SlaTarget.RESTORE, at=at)


# --- reading ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetView:
    """One target as pages and the API show it."""

    target: str
    label: str
    allowed: timedelta
    due_at: datetime | None
    met_at: datetime | None
    breached_at: datetime | None
    state: SlaState


def target_state(sla: TicketSla, now: datetime) -> SlaState:
    """met, breached (missed, met late or not), paused, due_soon (within SOON) or on_track."""
    if sla.breached_at is not None or (
        sla.met_at is None and sla.due_at is not None and sla.due_at <= now
    ):
        return "breached"
    if sla.met_at is not None:
        return "met"
    if sla.due_at is None:
        return "paused"
    if sla.due_at <= now + SOON:
        return "due_soon"
    return "on_track"


def sla_view(targets: list[TicketSla], *, now: datetime | None = None) -> list[TargetView]:
    """The targets in the order they fall due (first response, restore, resolution)."""
    now = now or timezone.now()
    order = list(SlaTarget)
    return [
        TargetView(
            target=sla.target,
            label=str(SlaTarget(sla.target).label),
            allowed=sla.allowed,
            due_at=sla.due_at,
            met_at=sla.met_at,
            breached_at=sla.breached_at,
            state=target_state(sla, now),
        )
        for sla in sorted(targets, key=lambda s: order.index(SlaTarget(s.target)))
    ]


def queue_state(ticket: Ticket, *, now: datetime | None = None) -> SlaState:
    """The state of the ticket's next target: what the queue shows."""
    now = now or timezone.now()
    if ticket.sla_due_at is None:
        return "paused" if ticket.is_open else "met"
    if ticket.sla_due_at <= now:
        return "breached"
    if ticket.sla_due_at <= now + SOON:
        return "due_soon"
    return "on_track"


def sla_state_filter(state: str, *, now: datetime | None = None) -> Q:
    """The queue filter for a state of the ticket's next target (uses ticket_queue_by_due)."""
    now = now or timezone.now()
    return {
        "breached": Q(sla_due_at__lte=now),
        "due_soon": Q(sla_due_at__gt=now, sla_due_at__lte=now + SOON),
        "on_track": Q(sla_due_at__gt=now + SOON) | Q(sla_due_at__isnull=True),
    }[state]


def sla_sweep_breaches(*, now: datetime | None = None, limit: int = 500) -> int:
    """Record breaches that fell due since the last sweep; cost grows with what is due.

    Selects unmet targets past due with no breach recorded (index ticket_sla_open_due).
    Running it twice records each breach once.
    """
    now = now or timezone.now()
    due = (
        TicketSla.objects.filter(met_at__isnull=True, due_at__lte=now, breached_at__isnull=True)
        .values_list("ticket_id", flat=True)
        .distinct()[:limit]
    )
    count = 0
    for ticket in Ticket.objects.filter(pk__in=list(due)).select_related("provider__calendar"):
        with transaction.atomic():
            locked = Ticket.objects.select_for_update(of=("self",)).select_related(
                "provider__calendar"
            )
            before = TicketSla.objects.filter(ticket=ticket, breached_at__isnull=False).count()
            sla_refresh(locked.get(pk=ticket.pk), now=now)
            after = TicketSla.objects.filter(ticket=ticket, breached_at__isnull=False).count()
            count += after - before
    return count
