"""The ticket page's work panel: escalations and engineer visits.

`{% ticket_work ticket %}` shows staff every escalation (whom, reason, their reference, due
time, state, evidence pack) and visit, with the forms to act. Merchants see what is meant
for them: which outside parties are involved (the public escalation events, so visibility is
decided in one place, the event's `internal` flag) and each visit's window and outcome.
The panel costs the same number of queries however many escalations and visits there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.utils import timezone

from portal.models import User
from tickets import selectors
from tickets.evidence_pack import render_evidence_pack_text
from tickets.models import (
    EngineerVisit,
    Escalation,
    EscalationStatus,
    Party,
    Ticket,
    TicketEvent,
    VisitOutcome,
    VisitStatus,
)
from tickets.services import escalation as escalations
from tickets.services import visits
from tickets.work_forms import DispatchForm, EscalateForm

register = template.Library()


@dataclass(frozen=True)
class EscalationRow:
    escalation: Escalation
    overdue: bool
    next_statuses: list[tuple[str, str]]
    evidence_text: str


@dataclass(frozen=True)
class VisitRow:
    visit: EngineerVisit
    next_statuses: list[tuple[str, str]]


def _labelled(values: list[str], choices: Any) -> list[tuple[str, str]]:
    return [(v, str(choices(v).label)) for v in values]


def visit_rows(visit_list: Any) -> list[VisitRow]:
    return [
        VisitRow(visit=v, next_statuses=_labelled(visits.visit_next_statuses(v), VisitStatus))
        for v in visit_list
    ]


def _staff_context(user: User, ticket: Ticket) -> dict[str, Any]:
    now = timezone.now()
    return {
        "escalations": [
            EscalationRow(
                escalation=e,
                overdue=escalations.escalation_is_overdue(e, now),
                next_statuses=_labelled(escalations.escalation_next_statuses(e), EscalationStatus),
                evidence_text=render_evidence_pack_text(e.evidence_pack),
            )
            for e in escalations.escalation_list(user=user, ticket=ticket)
        ],
        # Own id prefixes: other panels on the ticket page have fields of the same names.
        "escalate_form": EscalateForm(auto_id="escalate-%s"),
        "dispatch_form": DispatchForm(
            engineers=visits.field_engineers(ticket=ticket), auto_id="dispatch-%s"
        ),
    }


def _merchant_escalations(user: User, ticket: Ticket) -> list[dict[str, Any]]:
    """Outside parties the ticket went to, from the events the merchant may see."""
    events = selectors.event_list(user=user, ticket=ticket).filter(
        kind=TicketEvent.Kind.ESCALATED, internal=False
    )
    return [
        {"at": event.at, "to": str(Party(event.data["party"]).label)}
        for event in events
        if event.data.get("party") in Party.values
    ]


@register.inclusion_tag("tickets/work/ticket_work.html", takes_context=True)
def ticket_work(context: template.Context, ticket: Ticket) -> dict[str, Any]:
    user: User = context["request"].user
    staff = selectors.sees_internal(user)
    base = {
        "ticket": ticket,
        "is_staff_user": staff,
        "visits": visit_rows(visits.visit_list(user=user, ticket=ticket)),
        "csrf_token": context.get("csrf_token"),
        "outcome_choices": VisitOutcome.choices,
    }
    if staff:
        return {**base, **_staff_context(user, ticket)}
    return {**base, "public_escalations": _merchant_escalations(user, ticket)}


@register.filter
def work_event_summary(event: TicketEvent) -> str:
    """A short line for a work event in a timeline ("Acquirer bank: answered"), or ""."""
    data = event.data or {}
    target = data.get("team") or data.get("party") or ""
    labels: dict[str, Any] = {**dict(EscalationStatus.choices), **dict(VisitStatus.choices)}
    try:
        who = Escalation(team=data.get("team", ""), party=data.get("party", "")).to_label
    except ValueError:
        who = target
    parts = [who] if target else []
    if data.get("to") in labels:
        parts.append(str(labels[data["to"]]))
    return ": ".join(parts)
