"""The appeal panel of the ticket page: `{% load appeal_tags %}{% ticket_appeal ticket %}`."""

from __future__ import annotations

from typing import Any

from django import template

from portal.access import visible_to
from tickets.appeal_forms import AppealOpenForm, DecisionForm, ExplanationForm, WithdrawForm
from tickets.dossier import event_summary
from tickets.models import AppealCase, AppealStatus, Cause, MaterialKind, Ticket, TicketEvent
from tickets.selectors import sees_internal
from tickets.services.appeals import (
    APPEAL_TRANSITIONS,
    DECIDING_ROLES,
    EDITABLE_STATUSES,
    appeal_checklist,
)

register = template.Library()


@register.inclusion_tag("tickets/appeal/panel.html", takes_context=True)
def ticket_appeal(context: template.Context, ticket: Ticket) -> dict[str, Any]:
    """The case with its checklist, answers and forms; staff may open one if there is none."""
    request = context["request"]
    user = request.user
    case = (
        visible_to(user, AppealCase.objects.filter(ticket=ticket))
        .select_related("provider__calendar")
        .first()
    )
    base = {"request": request, "csrf_token": context.get("csrf_token"), "ticket": ticket}
    staff = sees_internal(user)
    if case is None:
        return {
            **base,
            "case": None,
            "can_open": staff and not user.is_operator_admin,
            "suggest": ticket.cause == Cause.MERCHANT_RESTRICTED,
            "open_form": AppealOpenForm(),
        }
    materials = list(case.materials.select_related("attachment").order_by("added_at", "pk"))
    decisions = list(case.decisions.select_related("decided_by").order_by("attempt"))
    is_merchant = user.is_merchant_user
    editable = case.status in EDITABLE_STATUSES
    return {
        **base,
        "case": case,
        "checklist": appeal_checklist(case, materials=materials, decisions=decisions),
        "decisions": decisions,
        "editable": editable,
        "is_staff": staff,
        "can_submit": is_merchant and AppealStatus.SUBMITTED in APPEAL_TRANSITIONS[case.status],
        "can_withdraw": AppealStatus.WITHDRAWN in APPEAL_TRANSITIONS[case.status],
        "can_decide": case.status == AppealStatus.SUBMITTED
        and user.role in DECIDING_ROLES
        and user.provider_id == case.provider_id,
        "explanation_form": ExplanationForm(initial={"explanation": case.explanation}),
        "decision_form": DecisionForm(),
        "withdraw_form": WithdrawForm(),
        "history": _history(case, staff=staff),
    }


def _history(case: AppealCase, *, staff: bool) -> list[tuple[TicketEvent, str]]:
    events = TicketEvent.objects.filter(
        ticket_id=case.ticket_id, kind=TicketEvent.Kind.APPEAL
    ).select_related("actor")
    if not staff:
        events = events.filter(internal=False)
    return [(event, event_summary(event)) for event in events.order_by("at", "pk")]


@register.filter
def appeal_status_label(value: str) -> str:
    try:
        return str(AppealStatus(value).label)
    except ValueError:
        return value


@register.filter
def appeal_material_label(value: str) -> str:
    try:
        return str(MaterialKind(value).label)
    except ValueError:
        return value
