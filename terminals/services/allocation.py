"""Lending a backup terminal and every step of its life.

Public operations (the tickets app calls `allocate_backup`; HTML and API call the rest):

    allocate_backup(*, merchant, terminal, reference, actor) -> Allocation
    allocation_ship(*, allocation, carrier, tracking_number, actor) -> Allocation
    allocation_deliver(*, allocation, actor) -> Allocation
    allocation_activate(*, allocation, tid, keys_bound, address, actor) -> Allocation
    allocation_set_return_due(*, allocation, due, actor) -> Allocation
    allocation_return(*, allocation, actor) -> Allocation
    allocation_inspect(*, allocation, outcome, actor, note="") -> Allocation
    allocation_cancel(*, allocation, actor, reason="") -> Allocation
    allocation_serve_waiting(*, actor=None) -> list[Allocation]

Every status change goes through `_move`, which enforces `ALLOCATION_TRANSITIONS`, writes the
spare's (or, while waiting, the original's) history and sends `allocation_changed`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import ConflictError, DomainError
from portal.models import Merchant, Region, User
from terminals.models import (
    OPEN_ALLOCATION_STATUSES,
    Allocation,
    AllocationStatus,
    Depot,
    PoolPolicy,
    RepairOrder,
    Terminal,
    TerminalEvent,
    tid_validator,
)
from terminals.readiness import ready_spares
from terminals.services.registry import terminal_can_move, terminal_set_status
from terminals.signals import allocation_changed

A = AllocationStatus
S = Terminal.Status

# The one table of allocation status moves: from → the statuses it may go to.
ALLOCATION_TRANSITIONS: dict[str, frozenset[str]] = {
    A.WAITING: frozenset({A.RESERVED, A.CANCELLED}),
    A.RESERVED: frozenset({A.SHIPPED, A.CANCELLED}),
    A.SHIPPED: frozenset({A.DELIVERED}),
    A.DELIVERED: frozenset({A.ACTIVATED, A.RETURN_DUE}),
    A.ACTIVATED: frozenset({A.RETURN_DUE}),
    A.RETURN_DUE: frozenset({A.RETURNED}),
    A.RETURNED: frozenset({A.INSPECTED}),
    A.INSPECTED: frozenset(),
    A.CANCELLED: frozenset(),
}

_STAMP: dict[str, str] = {
    A.RESERVED: "reserved_at",
    A.SHIPPED: "shipped_at",
    A.DELIVERED: "delivered_at",
    A.ACTIVATED: "activated_at",
    A.RETURN_DUE: "return_due_set_at",
    A.RETURNED: "returned_at",
    A.INSPECTED: "inspected_at",
    A.CANCELLED: "cancelled_at",
}

# Depots are tried nearest first: the merchant's region, then its neighbours, then the rest.
REGION_NEIGHBOURS: dict[str, frozenset[str]] = {
    Region.NORTH: frozenset({Region.NORTHEAST, Region.NORTHWEST, Region.CENTRAL, Region.EAST}),
    Region.NORTHEAST: frozenset({Region.NORTH}),
    Region.EAST: frozenset({Region.NORTH, Region.CENTRAL, Region.SOUTH}),
    Region.CENTRAL: frozenset(
        {Region.NORTH, Region.EAST, Region.SOUTH, Region.SOUTHWEST, Region.NORTHWEST}
    ),
    Region.SOUTH: frozenset({Region.EAST, Region.CENTRAL, Region.SOUTHWEST}),
    Region.SOUTHWEST: frozenset({Region.CENTRAL, Region.SOUTH, Region.NORTHWEST}),
    Region.NORTHWEST: frozenset({Region.NORTH, Region.CENTRAL, Region.SOUTHWEST}),
}


def allocation_can_move(from_status: str, to_status: str) -> bool:
    return to_status in ALLOCATION_TRANSITIONS.get(from_status, frozenset())


# --- Choosing a spare ---------------------------------------------------------------------------


def compatible_q(original: Terminal) -> Q:
    """Spares that can stand in for `original`: same provider, a connectivity the merchant
    uses today, and the same model family where the provider's pool policy requires it."""
    q = Q(provider_id=original.provider_id, **{f"model__has_{original.connectivity}": True})
    policy = PoolPolicy.objects.filter(provider_id=original.provider_id).first()
    if policy is not None and policy.require_same_family:
        q &= Q(model__family=original.model.family)
    return q


def region_distance(depot_region: str, region: str) -> int:
    """0 for the merchant's own region, 1 for a neighbour, 2 for the rest."""
    if depot_region == region:
        return 0
    return 1 if depot_region in REGION_NEIGHBOURS.get(region, frozenset()) else 2


def depots_nearest_first(region: str) -> list[int]:
    depots = Depot.objects.values_list("pk", "region")
    return [pk for pk, r in sorted(depots, key=lambda d: (region_distance(d[1], region), d[0]))]


def candidate_spares(*, original: Terminal, depot_id: int) -> QuerySet[Terminal]:
    """Ready spares of one depot that can stand in for `original`, oldest first.

    Ordered by primary key so PostgreSQL walks the partial index of in-stock spares and stops
    at the first row it can lock, instead of sorting the whole pool.
    """
    return ready_spares().filter(compatible_q(original), depot_id=depot_id).order_by("pk")


def _take_spare(allocation: Allocation) -> Terminal | None:
    """Lock the best candidate of the nearest depot that has one, skipping spares other
    requests hold right now."""
    for depot_id in depots_nearest_first(allocation.merchant.region):
        spare = (
            candidate_spares(original=allocation.original, depot_id=depot_id)
            .select_for_update(skip_locked=True, of=("self",))
            .first()
        )
        if spare is not None:
            return spare
    return None


# --- Requesting ----------------------------------------------------------------------------------


def _open_for(reference: str) -> Allocation | None:
    return Allocation.objects.filter(
        reference=reference, status__in=OPEN_ALLOCATION_STATUSES
    ).first()


@transaction.atomic
def allocate_backup(
    *, merchant: Merchant, terminal: Terminal, reference: str, actor: User | None
) -> Allocation:
    """Lend `merchant` a backup for their failing `terminal`, for the ticket `reference`.

    Idempotent: while an allocation for `reference` is open, asking again (even at the same
    moment, from another process) returns it.

    1. An open allocation for the reference exists: return it.
    2. Insert the request as waiting. The partial unique constraint on open references makes
       a concurrent twin's insert fail; it then returns this one once it commits.
    3. Reserve the nearest compatible ready spare, locked with SKIP LOCKED so concurrent
       requests take different spares; the partial unique constraint on open spares backs it.
    4. Nothing ready: it stays waiting, and the operator admins are e-mailed after commit.
    """
    reference = (reference or "").strip()
    if not reference or len(reference) > 64:
        raise DomainError(_("A backup needs the ticket reference."), field="reference")
    existing = _open_for(reference)
    if existing is not None:
        return existing
    if terminal.merchant_id != merchant.pk or terminal.is_spare:
        raise DomainError(
            _("A backup stands in for one of the merchant's own installed terminals."),
            field="terminal",
        )
    try:
        with transaction.atomic():
            allocation = Allocation.objects.create(
                reference=reference,
                merchant=merchant,
                provider_id=terminal.provider_id,
                original=terminal,
                requested_by=actor,
            )
    except IntegrityError:
        twin = _open_for(reference)
        if twin is None:
            raise
        return twin
    _history(allocation, "", A.WAITING, actor, _("Backup requested."))
    _send_changed(allocation, "", A.WAITING, actor)
    if not _reserve(allocation, actor):
        _tell_admins_on_commit(allocation)
    return _fresh(allocation)


def _reserve(allocation: Allocation, actor: User | None) -> bool:
    spare = _take_spare(allocation)
    if spare is None:
        return False
    terminal_set_status(
        terminal=spare, to=S.ON_LOAN, actor=actor, reason=_("Reserved as a backup.")
    )
    _move(allocation, A.RESERVED, actor, spare=spare, depot_id=spare.depot_id)
    return True


def _tell_admins_on_commit(allocation: Allocation) -> None:
    from terminals.tasks import notify_admins_waiting

    # Celery's DjangoTask adds delay_on_commit; celery-types does not know that class.
    notify_admins_waiting.delay_on_commit(allocation.pk)  # type: ignore[attr-defined]


@transaction.atomic
def allocation_serve_waiting(*, actor: User | None = None) -> list[Allocation]:
    """Give ready spares to waiting requests, first come first served.

    Called in the transaction of whatever made a spare ready (a test, a firmware update, an
    inspection, a cancellation, an import), so a ready spare never sits beside a request it
    could serve. Requests another process is serving right now are skipped.
    """
    if not ready_spares().exists():
        return []
    waiting = (
        Allocation.objects.filter(status=A.WAITING)
        .select_related("merchant", "original__model")
        .order_by("requested_at", "pk")
        .select_for_update(skip_locked=True, of=("self",))
    )
    return [allocation for allocation in waiting if _reserve(allocation, actor)]


# --- The steps -----------------------------------------------------------------------------------


def _fresh(allocation: Allocation) -> Allocation:
    return Allocation.objects.select_related("spare", "depot", "original").get(pk=allocation.pk)


def _move(
    allocation: Allocation, to: str, actor: User | None, reason: str = "", **fields: Any
) -> Allocation:
    """Move `allocation` to `to` along the table; return it unchanged if already there.

    Locks the row, refuses an illegal move with ConflictError, saves the step's timestamp and
    fields, writes the history row and sends `allocation_changed`, all in the caller's
    transaction.
    """
    locked = Allocation.objects.select_for_update().get(pk=allocation.pk)
    if locked.status == to:
        return locked
    if not allocation_can_move(locked.status, to):
        raise ConflictError(
            _("A backup cannot go from %(from)s to %(to)s.")
            % {"from": A(locked.status).label, "to": A(to).label}
        )
    from_status = locked.status
    locked.status = to
    setattr(locked, _STAMP[to], timezone.now())
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save()
    _history(
        locked, from_status, to, actor, reason or _("Backup %(status)s.") % {"status": A(to).label}
    )
    _send_changed(locked, from_status, to, actor)
    return locked


def _history(
    allocation: Allocation, from_status: str, to: str, actor: User | None, note: str
) -> None:
    TerminalEvent.objects.create(
        terminal_id=allocation.spare_id or allocation.original_id,
        actor=actor,
        kind=TerminalEvent.Kind.BACKUP,
        from_status=from_status,
        to_status=to,
        reason=f"{allocation.reference}: {note}",
    )


def _send_changed(
    allocation: Allocation, from_status: str, to_status: str, actor: User | None
) -> None:
    allocation_changed.send(
        sender=Allocation,
        allocation=allocation,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
    )


@transaction.atomic
def allocation_ship(
    *, allocation: Allocation, carrier: str, tracking_number: str, actor: User | None
) -> Allocation:
    """The reserved spare leaves the depot with a carrier and tracking number."""
    carrier, tracking_number = carrier.strip(), tracking_number.strip()
    if not carrier:
        raise DomainError(_("Name the carrier."), field="carrier")
    if not tracking_number:
        raise DomainError(_("Give the tracking number."), field="tracking_number")
    note = _("Shipped with %(carrier)s, tracking %(number)s.") % {
        "carrier": carrier,
        "number": tracking_number,
    }
    return _move(
        allocation, A.SHIPPED, actor, note, carrier=carrier, tracking_number=tracking_number
    )


@transaction.atomic
def allocation_deliver(*, allocation: Allocation, actor: User | None) -> Allocation:
    return _move(allocation, A.DELIVERED, actor, _("Delivered to the merchant."))


@transaction.atomic
def allocation_activate(
    *, allocation: Allocation, tid: str, keys_bound: bool, address: str, actor: User | None
) -> Allocation:
    """The provider confirms the backup's TID and keys are bound to this merchant and address.

    This restores trading; the failing original gets a repair order (RMA) and goes to repair.
    """
    tid, address = tid.strip().upper(), address.strip()
    try:
        tid_validator(tid)
    except ValidationError:
        raise DomainError(_("A terminal ID (TID) is 8 digits or capitals."), field="tid") from None
    if not keys_bound:
        raise DomainError(
            _("The provider must confirm the keys are bound before the backup can be used."),
            field="keys_bound",
        )
    if not address:
        raise DomainError(_("Give the address the terminal is bound to."), field="address")
    note = _("Activated: TID %(tid)s bound with its keys to %(address)s.") % {
        "tid": tid,
        "address": address,
    }
    moved = _move(
        allocation, A.ACTIVATED, actor, note, activated_tid=tid, activation_address=address
    )
    repair_open(
        terminal=moved.original,
        actor=actor,
        reason=_("Replaced by a backup for %(ref)s.") % {"ref": moved.reference},
        allocation=moved,
    )
    return moved


@transaction.atomic
def allocation_set_return_due(
    *, allocation: Allocation, due: date, actor: User | None
) -> Allocation:
    """Ask for the backup back by `due`; setting it again moves the date."""
    if due < timezone.localdate():
        raise DomainError(_("The return date cannot be in the past."), field="due")
    locked = Allocation.objects.select_for_update().get(pk=allocation.pk)
    note = _("Return due by %(date)s.") % {"date": due.isoformat()}
    if locked.status == A.RETURN_DUE:
        locked.return_due_at = due
        locked.save(update_fields=["return_due_at", "updated_at"])
        _history(locked, A.RETURN_DUE, A.RETURN_DUE, actor, note)
        return locked
    return _move(locked, A.RETURN_DUE, actor, note, return_due_at=due)


@transaction.atomic
def allocation_return(*, allocation: Allocation, actor: User | None) -> Allocation:
    """The backup is back at the depot, waiting for inspection (still not lendable)."""
    return _move(allocation, A.RETURNED, actor, _("Back at the depot."))


@transaction.atomic
def allocation_inspect(
    *, allocation: Allocation, outcome: str, actor: User | None, note: str = ""
) -> Allocation:
    """Inspect the returned spare: ready again (a passed functional test), or quarantined."""
    if outcome not in Allocation.Inspection.values:
        raise DomainError(_("Choose ready again or quarantined."), field="outcome")
    locked = (
        Allocation.objects.select_for_update(of=("self",))
        .select_related("spare")
        .get(pk=allocation.pk)
    )
    if locked.status == A.INSPECTED:
        return locked
    label = Allocation.Inspection(outcome).label
    moved = _move(
        locked,
        A.INSPECTED,
        actor,
        (f"{label}. {note}").strip(),
        inspection_outcome=outcome,
        note=note,
    )
    spare = moved.spare
    assert spare is not None  # the table only reaches inspected through reserved
    if outcome == Allocation.Inspection.READY:
        Terminal.objects.filter(pk=spare.pk).update(tested_at=timezone.now(), test_passed=True)
        terminal_set_status(terminal=spare, to=S.IN_STOCK, actor=actor, reason=str(label))
        allocation_serve_waiting(actor=actor)
    else:
        terminal_set_status(
            terminal=spare, to=S.QUARANTINED, actor=actor, reason=note or str(label)
        )
    return moved


@transaction.atomic
def allocation_cancel(
    *, allocation: Allocation, actor: User | None, reason: str = ""
) -> Allocation:
    """Withdraw a request before its spare leaves the depot; a reserved spare goes back."""
    locked = Allocation.objects.select_for_update().get(pk=allocation.pk)
    if locked.status == A.CANCELLED:
        return locked
    had_spare = locked.status == A.RESERVED
    moved = _move(
        locked, A.CANCELLED, actor, reason.strip() or _("Cancelled."), note=reason.strip()
    )
    if had_spare and moved.spare is not None:
        terminal_set_status(
            terminal=moved.spare, to=S.IN_STOCK, actor=actor, reason=_("Backup cancelled.")
        )
        allocation_serve_waiting(actor=actor)
    return moved


# --- Repair orders (RMA) ------------------------------------------------------------------------


@transaction.atomic
def repair_open(
    *,
    terminal: Terminal,
    actor: User | None,
    reason: str = "",
    allocation: Allocation | None = None,
) -> RepairOrder:
    """Open the terminal's repair order (or return the one already open) and send it to repair."""
    existing = RepairOrder.objects.filter(terminal=terminal, outcome="pending").first()
    if existing is not None:
        return existing
    repair = RepairOrder.objects.create(
        terminal=terminal, allocation=allocation, reason=reason, opened_by=actor
    )
    TerminalEvent.objects.create(
        terminal=terminal,
        actor=actor,
        kind=TerminalEvent.Kind.REPAIR,
        reason=f"{repair.rma_number}: {reason}".strip(),
    )
    current = Terminal.objects.only("status").get(pk=terminal.pk).status
    if terminal_can_move(current, S.IN_REPAIR):
        terminal_set_status(
            terminal=terminal, to=S.IN_REPAIR, actor=actor, reason=repair.rma_number
        )
    return repair


@transaction.atomic
def repair_close(*, repair: RepairOrder, outcome: str, actor: User | None) -> RepairOrder:
    """Record how the repair ended; a repaired terminal goes back into service."""
    if outcome not in RepairOrder.Outcome.values or outcome == RepairOrder.Outcome.PENDING:
        raise DomainError(_("Choose how the repair ended."), field="outcome")
    locked = RepairOrder.objects.select_for_update().get(pk=repair.pk)
    if locked.outcome != RepairOrder.Outcome.PENDING:
        if locked.outcome == outcome:
            return locked
        raise ConflictError(_("This repair order is already closed."))
    locked.outcome, locked.closed_at = outcome, timezone.now()
    locked.save(update_fields=["outcome", "closed_at"])
    label = RepairOrder.Outcome(outcome).label
    TerminalEvent.objects.create(
        terminal_id=locked.terminal_id,
        actor=actor,
        kind=TerminalEvent.Kind.REPAIR,
        reason=f"{locked.rma_number}: {label}",
    )
    to = {"repaired": S.ACTIVE, "written_off": S.RETIRED}.get(outcome)
    if to and terminal_can_move(locked.terminal.status, to):
        terminal_set_status(terminal=locked.terminal, to=to, actor=actor, reason=locked.rma_number)
    return locked
