"""The follow-up sweeps: what each selects, when, and that running it twice sends once."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from portal.models import Role
from tests import factories
from tickets import sweeps
from tickets.models import (
    Escalation,
    OutboxMessage,
    OutboxStatus,
    SlaTarget,
    Status,
    Team,
    Ticket,
    TicketSla,
)
from tickets.services import comment_add, ticket_create, ticket_transition

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def messages(template: str) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(template=template).order_by("pk"))


@pytest.fixture
def terminal(merchant: Any) -> Any:
    return factories.TerminalFactory(merchant=merchant, provider=merchant.provider)


@pytest.fixture
def ticket(terminal: Any, merchant_user: Any) -> Ticket:
    """A P2 filed on Monday 23 November 2026 at 09:00 (9:00-18:00 working days)."""
    with time_machine.travel(at("2026-11-23 09:00"), tick=False):
        return ticket_create(terminal=terminal, reporter=merchant_user)


def sweep_at(when: str, sweep: Any) -> int:
    with time_machine.travel(at(when), tick=False):
        return int(sweep())


# --- waiting on the merchant ---------------------------------------------------------------


@pytest.fixture
def waiting(ticket: Ticket, agent: Any) -> Ticket:
    with time_machine.travel(at("2026-11-23 10:00"), tick=False):
        return ticket_transition(ticket=ticket, to=Status.WAITING_ON_MERCHANT, actor=agent)


def test_a_merchant_is_reminded_once_after_24_business_hours(waiting: Ticket) -> None:
    # Monday 10-18, Tuesday 9 h, Wednesday 7 h: 24 working hours end Wednesday 16:00.
    assert waiting.chase_at == at("2026-11-25 16:00")
    assert sweep_at("2026-11-25 15:59", sweeps.sweep_waiting_on_merchant) == 0

    assert sweep_at("2026-11-25 16:00", sweeps.sweep_waiting_on_merchant) == 1
    assert sweep_at("2026-11-25 16:05", sweeps.sweep_waiting_on_merchant) == 0

    (reminder,) = messages("merchant_reminder")
    assert reminder.recipient == waiting.reporter.email
    assert reminder.context == {"ticket": waiting.pk, "stage": 1}
    waiting.refresh_from_db()
    assert waiting.chase_at == at("2026-11-30 13:00")  # the 48-hour mark, next Monday


def test_the_second_reminder_then_resolution_with_a_notice(waiting: Ticket) -> None:
    sweep_at("2026-11-25 16:00", sweeps.sweep_waiting_on_merchant)
    assert sweep_at("2026-11-30 13:00", sweeps.sweep_waiting_on_merchant) == 1
    assert [m.context["stage"] for m in messages("merchant_reminder")] == [1, 2]

    assert sweep_at("2026-12-03 09:59", sweeps.sweep_waiting_on_merchant) == 0
    assert sweep_at("2026-12-03 10:00", sweeps.sweep_waiting_on_merchant) == 1

    waiting.refresh_from_db()
    assert waiting.status == Status.RESOLVED
    assert (waiting.chase_at, waiting.waiting_since) == (None, None)
    assert len(messages("merchant_auto_resolved")) == 1
    assert messages("status_changed")[-1].context["to_status"] == Status.WAITING_ON_MERCHANT
    assert sweep_at("2026-12-03 10:30", sweeps.sweep_waiting_on_merchant) == 0


def test_a_sweep_that_was_down_for_days_sends_only_the_latest_reminder(waiting: Ticket) -> None:
    assert sweep_at("2026-12-01 09:00", sweeps.sweep_waiting_on_merchant) == 1
    assert [m.context["stage"] for m in messages("merchant_reminder")] == [2]


def test_a_merchant_who_answered_is_not_chased(waiting: Ticket, merchant_user: Any) -> None:
    with time_machine.travel(at("2026-11-24 10:00"), tick=False):
        comment_add(ticket=waiting, author=merchant_user, body="Restarted, still 97.")

    assert sweep_at("2026-12-10 10:00", sweeps.sweep_waiting_on_merchant) == 0
    assert messages("merchant_reminder") == []


# --- SLA -------------------------------------------------------------------------------------


def test_the_assignee_is_warned_once_at_80_percent_of_a_target(ticket: Ticket, agent: Any) -> None:
    Ticket.objects.filter(pk=ticket.pk).update(assignee=agent)
    # P2 first response: 2 working hours from 09:00; 80 % is 1 h 36 min.
    sla = TicketSla.objects.get(ticket=ticket, target=SlaTarget.FIRST_RESPONSE)
    assert sla.warn_at == at("2026-11-23 10:36")

    assert sweep_at("2026-11-23 10:35", sweeps.sweep_sla_warnings) == 0
    assert sweep_at("2026-11-23 10:36", sweeps.sweep_sla_warnings) == 1
    assert sweep_at("2026-11-23 10:40", sweeps.sweep_sla_warnings) == 0

    (warning,) = messages("sla_warning")
    assert warning.recipient == agent.email
    assert warning.context["target"] == SlaTarget.FIRST_RESPONSE


def test_a_breach_raises_the_level_assigns_a_lead_and_tells_the_leads_once(
    ticket: Ticket, provider: Any
) -> None:
    lead = factories.ProviderUserFactory(provider=provider, role=Role.PROVIDER_LEAD)

    assert sweep_at("2026-11-23 10:59", sweeps.sweep_sla_breaches) == 0
    assert sweep_at("2026-11-23 11:00", sweeps.sweep_sla_breaches) == 1
    assert sweep_at("2026-11-23 11:01", sweeps.sweep_sla_breaches) == 0

    ticket.refresh_from_db()
    assert (ticket.level, ticket.assignee_id) == (1, lead.pk)
    (alert,) = messages("sla_breach")
    assert alert.recipient == lead.email


def test_a_breach_with_no_lead_goes_to_the_providers_mailbox(ticket: Ticket) -> None:
    sweep_at("2026-11-23 11:00", sweeps.sweep_sla_breaches)

    (alert,) = messages("sla_breach")
    assert alert.recipient == ticket.provider.support_email


def test_a_target_met_late_is_not_escalated(ticket: Ticket, agent: Any) -> None:
    with time_machine.travel(at("2026-11-23 11:30"), tick=False):
        ticket_transition(ticket=ticket, to=Status.IN_PROGRESS, actor=agent)

    assert sweep_at("2026-11-23 11:31", sweeps.sweep_sla_breaches) == 0
    ticket.refresh_from_db()
    assert ticket.level == 0


# --- escalations -------------------------------------------------------------------------------


def test_an_overdue_escalation_is_chased_once_a_day(ticket: Ticket, agent: Any) -> None:
    engineer = factories.ProviderUserFactory(provider=ticket.provider, role=Role.PROVIDER_FIELD)
    Escalation.objects.create(
        ticket=ticket,
        team=Team.FIELD_SERVICE,
        reason="Tamper message",
        respond_by=at("2026-11-23 12:00"),
        created_by=agent,
    )

    assert sweep_at("2026-11-23 11:59", sweeps.sweep_escalations) == 0
    assert sweep_at("2026-11-23 12:00", sweeps.sweep_escalations) == 1
    assert sweep_at("2026-11-23 18:00", sweeps.sweep_escalations) == 0
    assert sweep_at("2026-11-24 12:00", sweeps.sweep_escalations) == 1

    chases = messages("escalation_overdue")
    assert sorted({m.recipient for m in chases}) == sorted({agent.email, engineer.email})
    assert len(chases) == 4


# --- resolved tickets ---------------------------------------------------------------------


def test_a_resolved_ticket_nobody_reopened_closes_after_the_window(
    ticket: Ticket, agent: Any, settings: Any
) -> None:
    settings.TICKET_REOPEN_DAYS = 7
    with time_machine.travel(at("2026-11-23 12:00"), tick=False):
        ticket_transition(ticket=ticket, to=Status.RESOLVED, actor=agent, reason="Fixed")

    assert sweep_at("2026-11-30 11:59", sweeps.sweep_resolved) == 0
    assert sweep_at("2026-11-30 12:00", sweeps.sweep_resolved) == 1
    assert sweep_at("2026-11-30 12:01", sweeps.sweep_resolved) == 0

    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert messages("status_changed")[-1].context["to_status"] == Status.CLOSED


def test_a_sweep_with_nothing_due_costs_one_query(
    ticket: Ticket, django_assert_num_queries: Any
) -> None:
    with time_machine.travel(at("2026-11-23 09:30"), tick=False):
        for sweep in (
            sweeps.sweep_waiting_on_merchant,
            sweeps.sweep_sla_warnings,
            sweeps.sweep_escalations,
            sweeps.sweep_resolved,
        ):
            with django_assert_num_queries(1):
                sweep()


def test_two_sweeps_writing_the_same_reminder_keep_one_row(waiting: Ticket) -> None:
    sweep_at("2026-11-25 16:00", sweeps.sweep_waiting_on_merchant)
    Ticket.objects.filter(pk=waiting.pk).update(chase_at=at("2026-11-25 16:00"))  # a lost update

    assert sweep_at("2026-11-25 16:01", sweeps.sweep_waiting_on_merchant) == 1
    assert OutboxMessage.objects.filter(template="merchant_reminder").count() == 1
    assert not OutboxMessage.objects.filter(status=OutboxStatus.FAILED).exists()
