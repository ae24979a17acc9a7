"""Who works a ticket: claiming, assigning, and the bulk versions of every queue action."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from portal.access import visible_to
from portal.errors import ConflictError, DomainError
from portal.models import User
from tickets.models import OPEN_STATUSES, Ticket, TicketEvent
from tickets.services.lifecycle import require_staff, ticket_transition

MAX_BULK = 200


@transaction.atomic
def ticket_assign(
    *, ticket: Ticket, actor: User | None, assignee: User | None, reason: str = ""
) -> Ticket:
    """Give the ticket to a colleague of the ticket's provider (or to nobody).

    Staff only, or the system (actor None: the breach sweep); the assignee must be active
    provider staff of the same provider. Assigning to the current assignee changes nothing
    and writes no event.
    """
    if actor is not None:
        require_staff(actor)
    locked = Ticket.objects.select_for_update(of=("self",)).get(pk=ticket.pk)
    if assignee is not None and not (
        assignee.is_active
        and assignee.is_provider_staff
        and assignee.provider_id == locked.provider_id
    ):
        raise DomainError(
            _("%(name)s is not on the staff of this ticket's provider.")
            % {"name": assignee.get_username()},
            field="assignee",
        )
    if locked.status not in OPEN_STATUSES:
        raise ConflictError(_("Only an open ticket can be assigned."))
    if locked.assignee_id == (assignee.pk if assignee else None):
        return locked
    before = locked.assignee.get_username() if locked.assignee else None
    locked.assignee = assignee
    locked.save(update_fields=["assignee", "updated_at"])
    TicketEvent.objects.create(
        ticket=locked,
        actor=actor,
        kind=TicketEvent.Kind.ASSIGNED,
        reason=reason.strip(),
        internal=True,
        data={"from": before, "to": assignee.get_username() if assignee else None},
    )
    return locked


def ticket_claim(*, ticket: Ticket, actor: User) -> Ticket:
    """Take the ticket: assign it to yourself (provider staff of its provider)."""
    if not actor.is_provider_staff:
        raise PermissionDenied(_("Only provider staff can claim tickets."))
    return ticket_assign(ticket=ticket, actor=actor, assignee=actor)


@dataclass(frozen=True)
class BulkResult:
    """What happened to one ticket of a bulk action."""

    id: int
    reference: str
    ok: bool
    message: str


def bulk_apply(
    *, actor: User, ticket_ids: Sequence[int], action: Callable[[Ticket], Ticket]
) -> list[BulkResult]:
    """Apply one single-ticket service to many tickets, reporting each outcome.

    One transaction: each ticket in its own savepoint, so a refused ticket is reported and
    rolled back alone while the others are kept. Ids the actor may not see are reported as
    not found, exactly like ids that do not exist.
    """
    require_staff(actor)
    ids = list(dict.fromkeys(ticket_ids))
    if not ids:
        raise DomainError(_("Choose at least one ticket."), field="tickets")
    if len(ids) > MAX_BULK:
        raise DomainError(_("At most %(n)d tickets at a time.") % {"n": MAX_BULK}, field="tickets")
    found = visible_to(actor, Ticket.objects.filter(pk__in=ids)).in_bulk()
    results: list[BulkResult] = []
    with transaction.atomic():
        for pk in ids:
            ticket = found.get(pk)
            if ticket is None:
                results.append(BulkResult(pk, "", ok=False, message=_("No such ticket.")))
                continue
            try:
                with transaction.atomic():
                    action(ticket)
            except (DomainError, PermissionDenied) as refused:
                message = str(refused) or _("You may not do this.")
                results.append(BulkResult(pk, ticket.reference, ok=False, message=message))
            else:
                results.append(BulkResult(pk, ticket.reference, ok=True, message=_("Done.")))
    return results


def bulk_assign(
    *, actor: User, ticket_ids: Sequence[int], assignee: User | None
) -> list[BulkResult]:
    return bulk_apply(
        actor=actor,
        ticket_ids=ticket_ids,
        action=lambda t: ticket_assign(ticket=t, actor=actor, assignee=assignee),
    )


def bulk_transition(
    *, actor: User, ticket_ids: Sequence[int], to: str, reason: str = ""
) -> list[BulkResult]:
    return bulk_apply(
        actor=actor,
        ticket_ids=ticket_ids,
        action=lambda t: ticket_transition(ticket=t, to=to, actor=actor, reason=reason),
    )
