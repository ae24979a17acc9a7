"""Risk-freeze appeals: the case, its checklist of materials, submissions and the provider's answers.

A risk freeze is the acquirer's legal obligation, not a fault (DESIGN.md). The portal collects
the materials, hands them to the provider's risk team, and tracks the answers, attempts and
deadlines. One case per ticket; every change writes an APPEAL event on the ticket's timeline.

Status moves follow APPEAL_TRANSITIONS only:

    collecting → submitted → need_more → submitted → …
                           → approved                      (ends)
                           → rejected → submitted …        (a new attempt)
                           → rejected_final                (ends)
    collecting | need_more | rejected → withdrawn          (ends)

Who does what:
- staff of the provider open a case (or intake opens it on a risk notice);
- the merchant, or staff on the merchant's behalf, add materials and the explanation;
- only the merchant submits; only the provider's risk team or leads decide;
- the merchant or staff withdraw.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.access import get_visible_or_404
from portal.errors import ConflictError, DomainError
from portal.models import Provider, Role, User
from tickets import triage
from tickets.masking import mask_card_numbers
from tickets.models import (
    Action,
    AppealCase,
    AppealDecision,
    AppealMaterial,
    AppealStatus,
    Attachment,
    Cause,
    MaterialKind,
    Report,
    Signal,
    Ticket,
    TicketEvent,
)
from tickets.services.conversation import attachment_add
from tickets.services.lifecycle import require_staff
from tickets.services.sla import add_working_time

# The one table of appeal status moves: from → the statuses it may go to.
APPEAL_TRANSITIONS: dict[str, frozenset[str]] = {
    AppealStatus.COLLECTING: frozenset({AppealStatus.SUBMITTED, AppealStatus.WITHDRAWN}),
    AppealStatus.SUBMITTED: frozenset(
        {
            AppealStatus.NEED_MORE,
            AppealStatus.APPROVED,
            AppealStatus.REJECTED,
            AppealStatus.REJECTED_FINAL,
        }
    ),
    AppealStatus.NEED_MORE: frozenset({AppealStatus.SUBMITTED, AppealStatus.WITHDRAWN}),
    AppealStatus.REJECTED: frozenset({AppealStatus.SUBMITTED, AppealStatus.WITHDRAWN}),
    AppealStatus.APPROVED: frozenset(),
    AppealStatus.REJECTED_FINAL: frozenset(),
    AppealStatus.WITHDRAWN: frozenset(),
}

# While the case is in these, the merchant may still change what will be submitted.
EDITABLE_STATUSES = frozenset(
    {AppealStatus.COLLECTING, AppealStatus.NEED_MORE, AppealStatus.REJECTED}
)
DECISIONS = (
    AppealStatus.NEED_MORE,
    AppealStatus.APPROVED,
    AppealStatus.REJECTED,
    AppealStatus.REJECTED_FINAL,
)
# Who answers appeals for the provider: its risk team, or a lead standing in for it.
DECIDING_ROLES = frozenset({Role.PROVIDER_RISK, Role.PROVIDER_LEAD})

# Every review needs to know who the merchant is, that the shop is real and trades where it
# is registered (the photos), and the merchant's own account of the flagged trade. A business
# licence is optional because micro merchants (小微商户) have none; receipts, invoices and
# delivery proof depend on which transactions were flagged, so the provider asks for them
# with "need more" when it wants them. Domain research §2.3.
REQUIRED_MATERIALS: tuple[str, ...] = (
    MaterialKind.ID_FRONT,
    MaterialKind.ID_BACK,
    MaterialKind.SHOP_FRONT,
    MaterialKind.SHOP_INTERIOR,
    MaterialKind.COUNTER,
    MaterialKind.EXPLANATION,
)

# Domain research §2.3 and §5: reviews take 3-7 working days; 5 sits in the middle. The
# merchant gets the same to send what the provider asked for.
PROVIDER_REVIEW_DAYS = 5
MERCHANT_RESPONSE_DAYS = 5
MAX_TEXT_LENGTH = 5000

# Which kind of ticket evidence a material is filed as.
_ATTACHMENT_KIND = {MaterialKind.RECEIPTS: Attachment.Kind.RECEIPT}


def appeal_can_move(from_status: str, to_status: str) -> bool:
    return to_status in APPEAL_TRANSITIONS.get(from_status, frozenset())


def working_days(provider: Provider, days: int) -> timedelta:
    """`days` whole working days of the provider's calendar, as working time."""
    calendar = provider.calendar
    opens = datetime.combine(date.min, calendar.day_start)
    closes = datetime.combine(date.min, calendar.day_end)
    day = closes - opens if closes > opens else timedelta(days=1) - (opens - closes)
    return day * days


def deadline_after(provider: Provider, start: datetime, days: int) -> datetime:
    return add_working_time(provider, start, working_days(provider, days))


# --- Opening ---------------------------------------------------------------------------------


def appeal_open(*, ticket: Ticket, actor: User, reason: str = "") -> AppealCase:
    """Staff open the ticket's appeal case; an existing case is returned as it is."""
    require_staff(actor)
    _require_party(actor, ticket)
    return _open(ticket=ticket, actor=actor, reason=reason.strip(), trigger="staff")


def is_risk_freeze(ticket: Ticket) -> bool:
    """The merchant is restricted and a risk notice (or risk-control message) says why."""
    if ticket.cause != Cause.MERCHANT_RESTRICTED:
        return False
    if ticket.triage_rule == "risk_notice" or ticket.recommended_action == Action.RISK_REVIEW:
        return True
    report = Report.objects.filter(ticket=ticket).first()
    if report is None:
        return False
    return report.notice_received is True or Signal.RISK in triage.signals_in(report.screen_message)


def appeal_open_if_risk_freeze(ticket: Ticket, actor: User | None) -> AppealCase | None:
    """Open the case when a ticket is a risk freeze (intake calls this); safe to call again."""
    if not is_risk_freeze(ticket):
        return None
    return _open(ticket=ticket, actor=actor or ticket.reporter, reason="", trigger="risk_notice")


def _open(*, ticket: Ticket, actor: User, reason: str, trigger: str) -> AppealCase:
    """One case per ticket: the ticket row's lock orders racing openers, the one-to-one
    constraint catches whatever slips past it."""
    existing = AppealCase.objects.filter(ticket=ticket).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            Ticket.objects.select_for_update().filter(pk=ticket.pk).first()
            existing = AppealCase.objects.filter(ticket=ticket).first()
            if existing is not None:
                return existing
            case = AppealCase.objects.create(
                ticket=ticket,
                merchant_id=ticket.merchant_id,
                provider_id=ticket.provider_id,
                opened_by=actor,
            )
            _event(case, actor, "opened", reason=reason, to=case.status, trigger=trigger)
            return case
    except IntegrityError:
        return AppealCase.objects.get(ticket=ticket)


# --- Materials and explanation ---------------------------------------------------------------


def appeal_add_material(
    *, case: AppealCase, actor: User, kind: str, file: UploadedFile
) -> AppealMaterial:
    """Add a file to one checklist item; it becomes evidence on the ticket (tickets.evidence
    checks its content, size and name) and downloads only through the access-checked view."""
    if kind not in MaterialKind.values:
        raise DomainError(_("Unknown kind of material."), field="kind")
    with transaction.atomic():
        locked = _locked_editable(case, actor)
        attachment = attachment_add(
            ticket=locked.ticket,
            uploaded_by=actor,
            upload=file,
            kind=_ATTACHMENT_KIND.get(MaterialKind(kind), Attachment.Kind.OTHER),
        )
        material = AppealMaterial.objects.create(
            case=locked, kind=kind, attachment=attachment, added_by=actor
        )
        _event(locked, actor, "material_added", kind=kind, attachment=attachment.pk)
    return material


@transaction.atomic
def appeal_set_explanation(*, case: AppealCase, actor: User, text: str) -> AppealCase:
    """The merchant's written account (情况说明); card numbers in it are masked."""
    locked = _locked_editable(case, actor)
    cleaned = mask_card_numbers(text.strip())
    if len(cleaned) > MAX_TEXT_LENGTH:
        raise DomainError(
            _("The explanation can be at most %(n)d characters.") % {"n": MAX_TEXT_LENGTH},
            field="explanation",
        )
    if cleaned == locked.explanation:
        return locked
    locked.explanation = cleaned
    locked.save(update_fields=["explanation"])
    _event(locked, actor, "explanation_set")
    return locked


# --- The checklist ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ChecklistItem:
    kind: str
    label: str
    required: bool
    requested: bool  # named by the provider's latest "need more"
    files: list[AppealMaterial] = field(default_factory=list)
    has_text: bool = False
    fresh: bool = True  # something was added since the provider asked for it

    @property
    def provided(self) -> bool:
        return bool(self.files) or self.has_text

    @property
    def missing(self) -> bool:
        return (self.required and not self.provided) or (self.requested and not self.fresh)


def appeal_checklist(
    case: AppealCase,
    *,
    materials: Iterable[AppealMaterial] | None = None,
    decisions: Sequence[AppealDecision] | None = None,
) -> list[ChecklistItem]:
    """Each material kind with its files, whether it is required and whether it is missing.

    Pass materials/decisions already fetched to spare the queries.
    """
    if materials is None:
        materials = case.materials.select_related("attachment").order_by("added_at", "pk")
    if decisions is None:
        decisions = list(case.decisions.order_by("attempt"))
    request = _open_request(case, decisions)
    requested = set(request.missing) if request else set()
    by_kind: dict[str, list[AppealMaterial]] = {}
    for material in materials:
        by_kind.setdefault(material.kind, []).append(material)
    since = request.decided_at if request else None
    items = []
    for kind in MaterialKind:
        files = by_kind.get(kind, [])
        has_text = kind == MaterialKind.EXPLANATION and bool(case.explanation)
        fresh = since is None or any(m.added_at > since for m in files)
        if kind == MaterialKind.EXPLANATION and since is not None and not fresh:
            fresh = _explanation_changed_since(case, since)
        items.append(
            ChecklistItem(
                kind=kind.value,
                label=str(kind.label),
                required=kind in REQUIRED_MATERIALS,
                requested=kind.value in requested,
                files=files,
                has_text=has_text,
                fresh=fresh,
            )
        )
    return items


def _open_request(case: AppealCase, decisions: Sequence[AppealDecision]) -> AppealDecision | None:
    """The provider's "need more" that the merchant has not yet answered, if any."""
    if case.status != AppealStatus.NEED_MORE or not decisions:
        return None
    latest = decisions[-1]
    return latest if latest.decision == AppealStatus.NEED_MORE else None


def appeal_get(user: AbstractBaseUser | AnonymousUser, ticket_pk: int) -> AppealCase:
    """The ticket's appeal case if the user may see it; 404 if it is missing or not theirs."""
    return get_visible_or_404(
        user,
        AppealCase.objects.select_related("ticket__terminal", "merchant", "provider__calendar"),
        ticket_id=ticket_pk,
    )


def _explanation_changed_since(case: AppealCase, since: datetime) -> bool:
    return TicketEvent.objects.filter(
        ticket_id=case.ticket_id,
        kind=TicketEvent.Kind.APPEAL,
        data__action="explanation_set",
        at__gt=since,
    ).exists()


# --- Submitting, deciding, withdrawing -------------------------------------------------------


@transaction.atomic
def appeal_submit(*, case: AppealCase, actor: User) -> AppealCase:
    """The merchant sends the case to the provider's risk team.

    1. Lock the case; already submitted → return it unchanged (a double click).
    2. Refuse a move the table does not allow, and a checklist with items missing (the
       required ones, and whatever the provider's "need more" named).
    3. Count the attempt and give the provider PROVIDER_REVIEW_DAYS working days.
    """
    if not (actor.is_merchant_user and actor.merchant_id == case.merchant_id):
        raise PermissionDenied(_("Only the merchant submits its appeal."))
    locked = _locked(case)
    if locked.status == AppealStatus.SUBMITTED:
        return locked
    _check_move(locked, AppealStatus.SUBMITTED)
    missing = [item.label for item in appeal_checklist(locked) if item.missing]
    if missing:
        raise DomainError(
            _("The appeal cannot be sent yet. Still missing: %(items)s.")
            % {"items": "; ".join(missing)}
        )
    now = timezone.now()
    from_status = locked.status
    locked.status = AppealStatus.SUBMITTED
    locked.attempts += 1
    locked.submitted_at = now
    locked.deadline = deadline_after(locked.provider, now, PROVIDER_REVIEW_DAYS)
    locked.save(update_fields=["status", "attempts", "submitted_at", "deadline"])
    _event(
        locked,
        actor,
        "submitted",
        frm=from_status,
        to=locked.status,
        attempt=locked.attempts,
        deadline=locked.deadline.isoformat(),
    )
    return locked


@transaction.atomic
def appeal_decide(
    *,
    case: AppealCase,
    actor: User,
    decision: str,
    note: str,
    missing: Sequence[str] = (),
    internal_note: str = "",
) -> AppealDecision:
    """The provider's answer to the current attempt, public to the merchant.

    `missing` names the checklist items a "need more" asks for; the merchant then has
    MERCHANT_RESPONSE_DAYS working days. `internal_note` stays on the staff-only timeline.
    """
    _require_decider(actor, case)
    if decision not in DECISIONS:
        raise DomainError(_("Choose a decision."), field="decision")
    text = mask_card_numbers(note.strip())
    if not text:
        raise DomainError(_("Write the answer to the merchant."), field="note")
    if len(text) > MAX_TEXT_LENGTH:
        raise DomainError(
            _("The answer can be at most %(n)d characters.") % {"n": MAX_TEXT_LENGTH},
            field="note",
        )
    wanted = _checked_missing(decision, missing)
    locked = _locked(case)
    if locked.status == decision:
        return locked.decisions.get(attempt=locked.attempts)
    _check_move(locked, decision)
    now = timezone.now()
    respond_by = (
        deadline_after(locked.provider, now, MERCHANT_RESPONSE_DAYS)
        if decision == AppealStatus.NEED_MORE
        else None
    )
    answer = AppealDecision.objects.create(
        case=locked,
        attempt=locked.attempts,
        decision=decision,
        note=text,
        missing=wanted,
        respond_by=respond_by,
        decided_by=actor,
    )
    from_status = locked.status
    locked.status, locked.deadline, locked.decided_at = decision, respond_by, now
    locked.save(update_fields=["status", "deadline", "decided_at"])
    _event(
        locked,
        actor,
        "decided",
        reason=text,
        frm=from_status,
        to=decision,
        attempt=answer.attempt,
        decision=answer.pk,
        missing=wanted,
        respond_by=respond_by.isoformat() if respond_by else None,
    )
    if internal_note.strip():
        _event(
            locked,
            actor,
            "staff_note",
            reason=mask_card_numbers(internal_note.strip()),
            internal=True,
            attempt=answer.attempt,
        )
    return answer


@transaction.atomic
def appeal_withdraw(*, case: AppealCase, actor: User, reason: str = "") -> AppealCase:
    """The merchant gives up the appeal (or staff record that it did)."""
    _require_party(actor, case.ticket)
    locked = _locked(case)
    if locked.status == AppealStatus.WITHDRAWN:
        return locked
    _check_move(locked, AppealStatus.WITHDRAWN)
    from_status = locked.status
    locked.status, locked.deadline = AppealStatus.WITHDRAWN, None
    locked.save(update_fields=["status", "deadline"])
    _event(locked, actor, "withdrawn", reason=reason.strip(), frm=from_status, to=locked.status)
    return locked


# --- Helpers ---------------------------------------------------------------------------------


def _require_party(actor: User, ticket: Ticket) -> None:
    """The ticket's merchant, its provider's staff, or an operator admin."""
    if actor.is_operator_admin:
        return
    if actor.is_merchant_user and actor.merchant_id == ticket.merchant_id:
        return
    if actor.is_provider_staff and actor.provider_id == ticket.provider_id:
        return
    raise PermissionDenied(_("This appeal belongs to another organisation."))


def _require_decider(actor: User, case: AppealCase) -> None:
    require_staff(actor)
    if actor.role not in DECIDING_ROLES or actor.provider_id != case.provider_id:
        raise PermissionDenied(_("Only the provider's risk team or a lead decides appeals."))


def _locked(case: AppealCase) -> AppealCase:
    return (
        AppealCase.objects.select_for_update().select_related("provider__calendar").get(pk=case.pk)
    )


def _locked_editable(case: AppealCase, actor: User) -> AppealCase:
    _require_party(actor, case.ticket)
    locked = _locked(case)
    if locked.status not in EDITABLE_STATUSES:
        raise ConflictError(
            _("The appeal is %(status)s; its materials cannot change now.")
            % {"status": AppealStatus(locked.status).label}
        )
    return locked


def _check_move(case: AppealCase, to: str) -> None:
    if not appeal_can_move(case.status, to):
        raise ConflictError(
            _("An appeal cannot go from %(from)s to %(to)s.")
            % {"from": AppealStatus(case.status).label, "to": AppealStatus(to).label}
        )


def _checked_missing(decision: str, missing: Sequence[str]) -> list[str]:
    unknown = [kind for kind in missing if kind not in MaterialKind.values]
    if unknown:
        raise DomainError(_("Unknown kind of material."), field="missing")
    if missing and decision != AppealStatus.NEED_MORE:
        raise DomainError(_("Only a request for more materials lists them."), field="missing")
    return [kind.value for kind in MaterialKind if kind.value in set(missing)]


def _event(
    case: AppealCase,
    actor: User,
    action: str,
    *,
    reason: str = "",
    internal: bool = False,
    frm: str = "",
    to: str = "",
    **data: Any,
) -> TicketEvent:
    """An APPEAL row on the ticket's timeline; public unless it is a staff note.

    The appeal statuses go in `data`, not in from/to_status, which hold ticket statuses.
    """
    details: dict[str, Any] = {"action": action, "case": case.pk, **data}
    if frm:
        details["from"] = frm
    if to:
        details["to"] = to
    return TicketEvent.objects.create(
        ticket_id=case.ticket_id,
        actor=actor,
        kind=TicketEvent.Kind.APPEAL,
        reason=reason,
        internal=internal,
        data=details,
    )
