"""Engineer visits: a provider's field engineer sent to the shop within a visit window.

The merchant sees each visit's window, status and outcome (and the engineer's name, so the
shop knows whom to let in); the dispatcher's and engineer's notes are staff only. The
ticket events carry the window and outcome as data, never the notes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.access import get_visible_or_404, visible_to
from portal.errors import ConflictError, DomainError
from portal.models import Role, User
from tickets.masking import mask_card_numbers
from tickets.models import EngineerVisit, Ticket, TicketEvent, VisitOutcome, VisitStatus
from tickets.selectors import AnyUser
from tickets.services.escalation import require_staff_of

MAX_NOTES_LENGTH = 2000
# A window typed to the minute "from now" is a few seconds in the past when it arrives.
PAST_GRACE = timedelta(minutes=15)

# The one table of visit status moves: from → the statuses it may go to.
VISIT_TRANSITIONS: dict[str, frozenset[str]] = {
    VisitStatus.SCHEDULED: frozenset({VisitStatus.ON_SITE, VisitStatus.CANCELLED}),
    VisitStatus.ON_SITE: frozenset({VisitStatus.DONE, VisitStatus.CANCELLED}),
    VisitStatus.DONE: frozenset(),
    VisitStatus.CANCELLED: frozenset(),
}


def visit_can_move(from_status: str, to_status: str) -> bool:
    return to_status in VISIT_TRANSITIONS.get(from_status, frozenset())


def visit_next_statuses(visit: EngineerVisit) -> list[str]:
    allowed = VISIT_TRANSITIONS.get(visit.status, frozenset())
    return [s for s in VisitStatus.values if s in allowed]


def _clean_notes(notes: str) -> str:
    text = mask_card_numbers(notes.strip())
    if len(text) > MAX_NOTES_LENGTH:
        raise DomainError(
            _("At most %(n)d characters, please.") % {"n": MAX_NOTES_LENGTH}, field="notes"
        )
    return text


def _engineer_refused() -> DomainError:
    return DomainError(_("Choose a field engineer of the ticket's provider."), field="engineer")


def _check_engineer(engineer: User, ticket: Ticket) -> None:
    if not (
        engineer.role == Role.PROVIDER_FIELD
        and engineer.provider_id == ticket.provider_id
        and engineer.is_active
    ):
        raise _engineer_refused()


def _check_window(start: datetime, end: datetime) -> None:
    if end <= start:
        raise DomainError(_("The visit window must end after it starts."), field="window_end")
    if start < timezone.now() - PAST_GRACE:
        raise DomainError(_("The visit window cannot start in the past."), field="window_start")


@transaction.atomic
def visit_dispatch(
    *,
    ticket: Ticket,
    actor: User,
    engineer: User,
    window_start: datetime,
    window_end: datetime,
    notes: str = "",
) -> EngineerVisit:
    """Book a field engineer of the ticket's provider for a visit window.

    1. Staff of the ticket's provider only; the engineer a field user of that provider; the
       window ends after it starts and does not start in the past; the ticket is open.
    2. Record the visit and write the event (public: the merchant sees the window).
    """
    require_staff_of(actor, ticket)
    _check_engineer(engineer, ticket)
    _check_window(window_start, window_end)
    text = _clean_notes(notes)
    locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if not locked.is_open:
        raise ConflictError(_("Reopen the ticket before sending an engineer."))
    visit = EngineerVisit.objects.create(
        ticket=locked,
        engineer=engineer,
        window_start=window_start,
        window_end=window_end,
        notes=text,
        dispatched_by=actor,
    )
    TicketEvent.objects.create(
        ticket=locked,
        actor=actor,
        kind=TicketEvent.Kind.VISIT_SCHEDULED,
        data={
            "visit": visit.pk,
            "window_start": window_start.isoformat(),
            "window_end": window_end.isoformat(),
        },
    )
    return visit


@transaction.atomic
def visit_update(
    *, visit: EngineerVisit, actor: User, to: str, outcome: str = "", notes: str = ""
) -> EngineerVisit:
    """Move a visit along VISIT_TRANSITIONS, writing the event.

    1. The engineer or other staff of the ticket's provider; lock the row; already there →
       unchanged.
    2. Refuse a move the table does not allow (ConflictError → 409 in the API).
    3. Done needs one of the outcomes, and nothing else takes one; notes are appended.
    """
    require_staff_of(actor, visit.ticket)
    if to not in VisitStatus.values:
        raise DomainError(_("Unknown visit status: %(to)s.") % {"to": to}, field="to")
    locked = EngineerVisit.objects.select_for_update().get(pk=visit.pk)
    if locked.status == to:
        return locked
    if not visit_can_move(locked.status, to):
        raise ConflictError(
            _("A visit cannot go from %(from)s to %(to)s.")
            % {"from": VisitStatus(locked.status).label, "to": VisitStatus(to).label}
        )
    if to == VisitStatus.DONE and outcome not in VisitOutcome.values:
        raise DomainError(_("Say how the visit ended."), field="outcome")
    if to != VisitStatus.DONE and outcome:
        raise DomainError(_("Only a finished visit has an outcome."), field="outcome")
    text = _clean_notes(notes)
    from_status = locked.status
    locked.status, locked.outcome = to, outcome
    locked.notes = "\n\n".join(filter(None, [locked.notes, text]))
    if to in (VisitStatus.DONE, VisitStatus.CANCELLED):
        locked.completed_at = timezone.now()
    locked.save()
    TicketEvent.objects.create(
        ticket_id=locked.ticket_id,
        actor=actor,
        kind=TicketEvent.Kind.VISIT_UPDATED,
        data={"visit": locked.pk, "from": from_status, "to": to, "outcome": outcome},
    )
    return locked


# --- Reads ------------------------------------------------------------------------------------


def visit_list(*, user: AnyUser, ticket: Ticket) -> QuerySet[EngineerVisit]:
    """A ticket's visits as the user may see them (merchants included)."""
    return (
        visible_to(user, EngineerVisit.objects.select_related("engineer"))
        .filter(ticket=ticket)
        .order_by("window_start", "pk")
    )


def visit_get(*, user: AnyUser, pk: int) -> EngineerVisit:
    return get_visible_or_404(
        user, EngineerVisit.objects.select_related("ticket", "engineer"), pk=pk
    )


def engineer_visits(*, user: AnyUser) -> QuerySet[EngineerVisit]:
    """The engineer's own visits from today on, plus any still open from before."""
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    still_open = Q(status__in=[VisitStatus.SCHEDULED, VisitStatus.ON_SITE])
    return (
        visible_to(
            user,
            EngineerVisit.objects.select_related(
                "ticket", "ticket__merchant", "ticket__terminal", "ticket__terminal__model"
            ),
        )
        .filter(engineer_id=user.pk)
        .filter(Q(window_end__gte=today) | still_open)
        .order_by("window_start", "pk")
    )


def visits_today(*, user: AnyUser) -> QuerySet[EngineerVisit]:
    """The engineer's visits whose window starts today, cancelled ones left out."""
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return (
        engineer_visits(user=user)
        .filter(window_start__gte=today, window_start__lt=today + timedelta(days=1))
        .exclude(status=VisitStatus.CANCELLED)
    )


def field_engineers(*, ticket: Ticket) -> QuerySet[User]:
    """Whom a visit for this ticket can be booked with: the provider's active field staff."""
    return User.objects.filter(
        role=Role.PROVIDER_FIELD, provider_id=ticket.provider_id, is_active=True
    ).order_by("first_name", "last_name", "username")


def field_engineer_get(*, ticket: Ticket, pk: int) -> User:
    """One of `field_engineers`; any other id is refused alike, whoever it belongs to."""
    engineer = field_engineers(ticket=ticket).filter(pk=pk).first()
    if engineer is None:
        raise _engineer_refused()
    return engineer
