"""Escalations: a ticket handed to a provider team or an outside party, with its own clock.

Who sees what. The escalation row (reason, their reference, answer, evidence pack) is staff
only: `Escalation.access` has no merchant path. The ticket events follow one rule:

- an escalation to an outside party is public (the merchant may know that the acquirer bank,
  the manufacturer or the telecom operator is now involved), its event carries no free text;
- an escalation to one of the provider's own teams is an internal event, because naming the
  team can tip a merchant off (a risk review) and internal routing is not theirs to follow.
  Only internal events carry the staff's reason or the answer as their `reason`.

Free text (reason, answer) therefore never reaches a merchant; card numbers in it are masked.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.access import get_visible_or_404, visible_to
from portal.errors import ConflictError, DomainError
from portal.models import User
from tickets.evidence_pack import build_evidence_pack
from tickets.masking import mask_card_numbers
from tickets.models import Escalation, EscalationStatus, Party, Status, Team, Ticket, TicketEvent
from tickets.selectors import AnyUser
from tickets.services.lifecycle import STAFF, require_staff, ticket_can_move, ticket_transition
from tickets.services.sla import add_working_time
from tickets.webhooks import webhook_ticket_escalated

MAX_REASON_LENGTH = 2000
MAX_ANSWER_LENGTH = 5000
MAX_REFERENCE_LENGTH = 100

# How long the team or party has to answer, in the provider's *working* time. A "working
# day" here is nine working hours, the default 09:00-18:00 calendar; a provider with other
# hours keeps the hours, not the days. Change them here (and in the README table).
RESPONSE_TARGETS: dict[str, timedelta] = {
    Team.FIELD_SERVICE: timedelta(hours=4),
    Team.RISK: timedelta(hours=4),
    Team.HOST_OPERATIONS: timedelta(hours=4),
    Party.ACQUIRER: timedelta(hours=27),  # 3 working days
    Party.MANUFACTURER: timedelta(hours=45),  # 5 working days
    Party.TELECOM: timedelta(hours=9),  # 1 working day
}

# The one table of escalation status moves: from → the statuses it may go to.
ESCALATION_TRANSITIONS: dict[str, frozenset[str]] = {
    EscalationStatus.OPEN: frozenset(
        {EscalationStatus.ACKNOWLEDGED, EscalationStatus.ANSWERED, EscalationStatus.CLOSED}
    ),
    EscalationStatus.ACKNOWLEDGED: frozenset({EscalationStatus.ANSWERED, EscalationStatus.CLOSED}),
    EscalationStatus.ANSWERED: frozenset({EscalationStatus.CLOSED}),
    EscalationStatus.CLOSED: frozenset(),
}

# Still waiting for the other side: these can be overdue.
WAITING_STATUSES = frozenset({EscalationStatus.OPEN, EscalationStatus.ACKNOWLEDGED})


def escalation_can_move(from_status: str, to_status: str) -> bool:
    return to_status in ESCALATION_TRANSITIONS.get(from_status, frozenset())


def escalation_next_statuses(escalation: Escalation) -> list[str]:
    """Where this escalation may go next, in the order of EscalationStatus."""
    allowed = ESCALATION_TRANSITIONS.get(escalation.status, frozenset())
    return [s for s in EscalationStatus.values if s in allowed]


def escalation_is_overdue(escalation: Escalation, now: datetime | None = None) -> bool:
    """No answer yet and the answer is due."""
    return escalation.status in WAITING_STATUSES and escalation.respond_by < (now or timezone.now())


def require_staff_of(actor: User, ticket: Ticket) -> None:
    """Staff of the ticket's own provider, or an operator admin."""
    require_staff(actor)
    if actor.is_provider_staff and actor.provider_id != ticket.provider_id:
        raise PermissionDenied(_("Only staff of the ticket's provider can do this."))


def _clean_text(value: str, *, field: str, limit: int, required: bool) -> str:
    text = mask_card_numbers(value.strip())
    if required and not text:
        raise DomainError(_("This field is required."), field=field)
    if len(text) > limit:
        raise DomainError(
            _("At most %(n)d characters, please.") % {"n": limit},
            field=field,
        )
    return text


def _target(team: str, party: str) -> tuple[str, str]:
    """Check that exactly one known team or party is named; (team, party)."""
    team, party = team.strip(), party.strip()
    if bool(team) == bool(party):
        raise DomainError(
            _("Escalate to one team or one outside party."), field="party" if party else "team"
        )
    if team and team not in Team.values:
        raise DomainError(_("Unknown team: %(v)s.") % {"v": team}, field="team")
    if party and party not in Party.values:
        raise DomainError(_("Unknown outside party: %(v)s.") % {"v": party}, field="party")
    return team, party


@transaction.atomic
def escalate(
    *,
    ticket: Ticket,
    actor: User,
    reason: str,
    team: str = "",
    party: str = "",
    external_reference: str = "",
) -> Escalation:
    """Hand the ticket to one team or outside party, with an answer due on the calendar.

    1. Staff of the ticket's provider only; exactly one known team or party; a reason.
    2. Lock the ticket; a resolved or closed ticket is reopened first, not escalated.
    3. Record the escalation with its due time and the evidence pack as it stands now.
    4. Move the ticket to escalated when the ticket table allows it (already escalated, or
       waiting on the merchant: the status stays), and write the event.
    """
    require_staff_of(actor, ticket)
    team, party = _target(team, party)
    reason = _clean_text(reason, field="reason", limit=MAX_REASON_LENGTH, required=True)
    reference = _clean_text(
        external_reference,
        field="external_reference",
        limit=MAX_REFERENCE_LENGTH,
        required=False,
    )
    locked = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("provider__calendar", "merchant", "terminal__model")
        .get(pk=ticket.pk)
    )
    if not locked.is_open:
        raise ConflictError(_("Reopen the ticket before escalating it."))
    now = timezone.now()
    escalation = Escalation.objects.create(
        ticket=locked,
        team=team,
        party=party,
        reason=reason,
        external_reference=reference,
        respond_by=add_working_time(locked.provider, now, RESPONSE_TARGETS[team or party]),
        evidence_pack=build_evidence_pack(locked),
        created_by=actor,
    )
    if ticket_can_move(locked.status, Status.ESCALATED, STAFF):
        # The status event is public: it names an outside party, never the staff's reason,
        # and not which internal team (a merchant need not learn that risk looks at them).
        public = (
            _("Escalated to %(to)s.") % {"to": escalation.to_label}
            if party
            else _("Passed to a specialist team of the provider.")
        )
        ticket_transition(ticket=locked, to=Status.ESCALATED, actor=actor, reason=public)
    TicketEvent.objects.create(
        ticket=locked,
        actor=actor,
        kind=TicketEvent.Kind.ESCALATED,
        internal=bool(team),
        reason=reason if team else "",
        data={**_event_data(escalation), "respond_by": escalation.respond_by.isoformat()},
    )
    webhook_ticket_escalated(escalation)
    return escalation


def _event_data(escalation: Escalation) -> dict[str, Any]:
    """What a work event may say about an escalation: whom, never the free text."""
    target = {"team": escalation.team} if escalation.team else {"party": escalation.party}
    return {"escalation": escalation.pk, **target}


@transaction.atomic
def escalation_update(
    *,
    escalation: Escalation,
    actor: User,
    to: str,
    answer: str = "",
    external_reference: str | None = None,
) -> Escalation:
    """Move an escalation along ESCALATION_TRANSITIONS, writing the event.

    1. Staff of the ticket's provider only; lock the row; already there → unchanged.
    2. Refuse a move the table does not allow (ConflictError → 409 in the API).
    3. Answered needs the answer; stamp answered/closed times; `external_reference`, when
       given, replaces theirs (a party often gives it when acknowledging).
    """
    require_staff_of(actor, escalation.ticket)
    if to not in EscalationStatus.values:
        raise DomainError(_("Unknown escalation status: %(to)s.") % {"to": to}, field="to")
    locked = Escalation.objects.select_for_update().get(pk=escalation.pk)
    if locked.status == to:
        return locked
    if not escalation_can_move(locked.status, to):
        raise ConflictError(
            _("An escalation cannot go from %(from)s to %(to)s.")
            % {"from": EscalationStatus(locked.status).label, "to": EscalationStatus(to).label}
        )
    text = _clean_text(
        answer, field="answer", limit=MAX_ANSWER_LENGTH, required=to == EscalationStatus.ANSWERED
    )
    from_status, now = locked.status, timezone.now()
    locked.status = to
    if to == EscalationStatus.ANSWERED:
        locked.answer, locked.answered_at = text, now
    elif text:
        locked.answer = "\n\n".join(filter(None, [locked.answer, text]))
    if to == EscalationStatus.CLOSED:
        locked.closed_at = now
    if external_reference is not None:
        locked.external_reference = _clean_text(
            external_reference,
            field="external_reference",
            limit=MAX_REFERENCE_LENGTH,
            required=False,
        )
    locked.save()
    TicketEvent.objects.create(
        ticket_id=locked.ticket_id,
        actor=actor,
        kind=TicketEvent.Kind.ESCALATION_UPDATED,
        internal=bool(locked.team),
        reason=text if locked.team else "",
        data={**_event_data(locked), "from": from_status, "to": to},
    )
    return locked


# --- Reads (staff only: merchants see no escalation rows) ----------------------------------


def escalation_list(*, user: AnyUser, ticket: Ticket) -> QuerySet[Escalation]:
    return (
        visible_to(user, Escalation.objects.select_related("created_by"))
        .filter(ticket=ticket)
        .order_by("created_at", "pk")
    )


def escalation_get(*, user: AnyUser, pk: int) -> Escalation:
    return get_visible_or_404(
        user, Escalation.objects.select_related("ticket", "created_by"), pk=pk
    )
