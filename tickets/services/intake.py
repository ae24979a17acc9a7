"""The merchant's guided report: answers step by step, then deflected or filed with triage."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from portal.errors import ConflictError, DomainError
from portal.models import User
from terminals.models import Terminal
from tickets import triage
from tickets.masking import mask_card_numbers
from tickets.models import Attachment, Priority, Report, Scheme, Ticket, TicketEvent
from tickets.services.appeals import appeal_open_if_risk_freeze
from tickets.services.backup import request_backup_if_recommended
from tickets.services.lifecycle import ticket_create
from tickets.services.outbox import notify

# What a report may carry; the API's body and the wizard's forms both map onto these.
ANSWER_FIELDS = frozenset(
    {
        "error_code",
        "scheme",
        "screen_message",
        "power_ok",
        "network_ok",
        "restarted",
        "signed_on",
        "all_cards_fail",
        "other_terminals_affected",
        "moved_recently",
        "notice_received",
        "description",
        "first_seen_at",
    }
)
_FREE_TEXT = ("screen_message", "description")


def _require_reporter(actor: User, terminal: Terminal) -> None:
    """Merchants report on their own installed terminals; anything else is 'no such terminal'."""
    if not actor.is_merchant_user:
        raise PermissionDenied(_("Only merchant users report incidents."))
    if terminal.is_spare or terminal.merchant_id != actor.merchant_id:
        raise DomainError(_("There is no such terminal in your registry."), field="terminal")


def _clean_answers(answers: dict[str, Any]) -> dict[str, Any]:
    unknown = set(answers) - ANSWER_FIELDS
    if unknown:
        raise DomainError(_("Unknown fields: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    cleaned = dict(answers)
    for name in _FREE_TEXT:
        if cleaned.get(name):
            cleaned[name] = mask_card_numbers(str(cleaned[name]).strip())
    if cleaned.get("error_code"):
        cleaned["error_code"] = str(cleaned["error_code"]).strip().upper()
    if cleaned.get("scheme") and cleaned["scheme"] not in Scheme.values:
        raise DomainError(_("Unknown scheme: %(s)s.") % {"s": cleaned["scheme"]}, field="scheme")
    return cleaned


@transaction.atomic(savepoint=False)  # see ticket_report
def report_start(*, terminal: Terminal, reporter: User) -> Report:
    _require_reporter(reporter, terminal)
    assert terminal.merchant_id is not None  # checked by _require_reporter
    return Report.objects.create(
        merchant_id=terminal.merchant_id,
        provider_id=terminal.provider_id,
        terminal=terminal,
        reporter=reporter,
        step="terminal",
    )


def _locked_draft(report: Report, actor: User) -> Report:
    locked = Report.objects.select_for_update().get(pk=report.pk)
    if locked.reporter_id != actor.pk and locked.merchant_id != actor.merchant_id:
        raise DomainError(_("There is no such report."))
    if locked.outcome != Report.Outcome.DRAFT:
        raise ConflictError(_("This report is already finished."))
    return locked


@transaction.atomic(savepoint=False)  # see ticket_report
def report_update(*, report: Report, actor: User, step: str = "", **answers: Any) -> Report:
    """Save the answers of one step of the guided report."""
    locked = _locked_draft(report, actor)
    for name, value in _clean_answers(answers).items():
        setattr(locked, name, value)
    locked.step = step or locked.step
    locked.save()
    return locked


@transaction.atomic
def report_deflect(*, report: Report, actor: User, step: str) -> Report:
    """ "That fixed it": the report ends without a ticket and counts as deflected."""
    locked = _locked_draft(report, actor)
    locked.outcome = Report.Outcome.DEFLECTED
    locked.step = step
    locked.save(update_fields=["outcome", "step", "updated_at"])
    return locked


@transaction.atomic(savepoint=False)  # see ticket_report
def report_file(*, report: Report, actor: User) -> Ticket:
    """File the report as a ticket.

    1. Triage the answers (first matching rule of tickets.triage).
    2. Open the ticket with the triage and its reason, in the provider's queue.
    3. Move the report's evidence onto the ticket; write the triage event.
    4. Write the e-mails to the outbox: the reporter; a p1 also alerts the provider's support
       staff. Workers send them after commit.
    """
    locked = _locked_draft(report, actor)
    outcome = triage.triage(triage.facts_from_report(locked))
    with override("en"):
        reason_en = str(outcome.reason)
    ticket = ticket_create(
        terminal=locked.terminal,
        reporter=locked.reporter,
        priority=outcome.priority,
        cause=outcome.cause,
        recommended_action=outcome.action,
        triage_rule=outcome.rule,
        triage_reason=reason_en,
    )
    locked.outcome, locked.ticket, locked.step = Report.Outcome.FILED, ticket, "submitted"
    locked.save(update_fields=["outcome", "ticket", "step", "updated_at"])
    Attachment.objects.filter(report=locked).update(ticket=ticket)
    TicketEvent.objects.create(
        ticket=ticket,
        actor=None,
        kind=TicketEvent.Kind.TRIAGED,
        reason=reason_en,
        data={"rule": outcome.rule, "cause": outcome.cause, "priority": outcome.priority},
    )
    # A risk freeze opens its appeal case at once, with the checklist of materials.
    appeal_open_if_risk_freeze(ticket, locked.reporter)
    # A broken terminal gets a backup at once where the provider lends automatically.
    request_backup_if_recommended(ticket)
    notify("filed", ticket.pk)
    if ticket.priority == Priority.P1:
        notify("p1", ticket.pk)
    return ticket


@transaction.atomic
def ticket_report(*, terminal: Terminal, reporter: User, **answers: Any) -> Ticket:
    """Report an incident in one call (the API): start, answer, file.

    One transaction: the steps take no savepoints of their own, since any refusal aborts the
    whole report anyway.
    """
    answers.setdefault("first_seen_at", timezone.now())
    report = report_start(terminal=terminal, reporter=reporter)
    report = report_update(report=report, actor=reporter, step="review", **answers)
    return report_file(report=report, actor=reporter)
