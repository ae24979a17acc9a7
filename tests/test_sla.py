"""Time targets on the provider's calendar: nights, weekends, holidays, make-up days, pauses."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories
from tests.conftest import signed_in
from tickets.models import SlaTarget, Status, Ticket, TicketEvent, TicketSla
from tickets.services import (
    comment_add,
    ticket_create,
    ticket_override_triage,
    ticket_transition,
)
from tickets.services.sla import queue_state, sla_record_restored, sla_sweep_breaches

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    """A wall-clock time in Shanghai, e.g. at("2026-11-27 17:50")."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.fixture
def terminal(merchant: Any) -> Any:
    return factories.TerminalFactory(merchant=merchant, provider=merchant.provider)


def file_ticket(terminal: Any, reporter: Any, when: str, priority: str = "p2") -> Ticket:
    with time_machine.travel(at(when), tick=False):
        return ticket_create(terminal=terminal, reporter=reporter, priority=priority)


def due(ticket: Ticket, target: str) -> datetime | None:
    value = TicketSla.objects.get(ticket=ticket, target=target).due_at
    return value.astimezone(SHANGHAI) if value else None


def test_a_p1_filed_late_on_friday_is_due_on_monday_morning(
    terminal: Any, merchant_user: Any
) -> None:
    ticket = file_ticket(terminal, merchant_user, "2026-11-27 17:50", priority="p1")
    # 10 minutes on Friday, the other 20 on Monday (Saturday and Sunday are not working days).
    assert due(ticket, SlaTarget.FIRST_RESPONSE) == at("2026-11-30 09:20")
    # Trading restored within 4 working hours: Friday 17:50-18:00, then 3h50 on Monday.
    assert due(ticket, SlaTarget.RESTORE) == at("2026-11-30 12:50")
    ticket.refresh_from_db()
    assert ticket.sla_due_at == at("2026-11-30 09:20")
    assert ticket.sla_due_target == SlaTarget.FIRST_RESPONSE


def test_a_ticket_filed_at_night_counts_from_the_next_opening(
    terminal: Any, merchant_user: Any
) -> None:
    ticket = file_ticket(terminal, merchant_user, "2026-11-25 22:00", priority="p1")
    assert due(ticket, SlaTarget.FIRST_RESPONSE) == at("2026-11-26 09:30")


def test_the_national_day_holidays_do_not_count(terminal: Any, merchant_user: Any) -> None:
    # P2: first response within 2 working hours. One hour on 30 September; 1-7 October are
    # public holidays and 调休 rest days, so the second hour is on Thursday 8 October.
    ticket = file_ticket(terminal, merchant_user, "2026-09-30 17:00")
    assert due(ticket, SlaTarget.FIRST_RESPONSE) == at("2026-10-08 10:00")


def test_a_make_up_working_saturday_counts(terminal: Any, merchant_user: Any) -> None:
    # Saturday 10 October 2026 is a make-up working day (调休) for the National Day week.
    ticket = file_ticket(terminal, merchant_user, "2026-10-09 17:00")
    assert due(ticket, SlaTarget.FIRST_RESPONSE) == at("2026-10-10 10:00")


def test_the_clock_pauses_while_the_ticket_waits_on_the_merchant(
    terminal: Any, merchant_user: Any, agent: Any
) -> None:
    ticket = file_ticket(terminal, merchant_user, "2026-11-30 09:00")  # Monday
    with time_machine.travel(at("2026-11-30 10:00"), tick=False):
        ticket = ticket_transition(
            ticket=ticket, to=Status.WAITING_ON_MERCHANT, actor=agent, reason="Photo please"
        )
    first = TicketSla.objects.get(ticket=ticket, target=SlaTarget.FIRST_RESPONSE)
    assert first.met_at == at("2026-11-30 10:00")
    assert first.breached_at is None
    assert due(ticket, SlaTarget.RESOLUTION) is None  # paused: no due time
    ticket.refresh_from_db()
    assert ticket.sla_due_at is None
    assert queue_state(ticket) == "paused"
    # Two days later the merchant answers; the clock runs again from Wednesday 09:00.
    with time_machine.travel(at("2026-12-02 09:00"), tick=False):
        comment_add(ticket=ticket, author=merchant_user, body="Here it is.")
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    # Resolution: 27 working hours, 1 used on Monday; 26 from Wednesday 09:00 →
    # Wednesday 9h, Thursday 9h, Friday 8h → Friday 17:00.
    assert due(ticket, SlaTarget.RESOLUTION) == at("2026-12-04 17:00")
    assert list(ticket.clock.values_list("started_at", "ended_at")) == [
        (at("2026-11-30 09:00"), at("2026-11-30 10:00")),
        (at("2026-12-02 09:00"), None),
    ]


def test_a_breach_is_recorded_once_with_when_and_which_target(
    terminal: Any, merchant_user: Any
) -> None:
    ticket = file_ticket(terminal, merchant_user, "2026-11-30 09:00", priority="p1")
    with time_machine.travel(at("2026-11-30 09:29"), tick=False):
        assert sla_sweep_breaches() == 0
    with time_machine.travel(at("2026-11-30 09:31"), tick=False):
        assert sla_sweep_breaches() == 1
        assert sla_sweep_breaches() == 0  # a second run (or a second beat) records nothing
    breached = TicketSla.objects.get(ticket=ticket, target=SlaTarget.FIRST_RESPONSE)
    assert breached.breached_at == at("2026-11-30 09:30")
    events = ticket.events.filter(kind=TicketEvent.Kind.SLA_BREACHED)
    assert [e.data["target"] for e in events] == ["first_response"]


def test_answering_late_is_met_but_breached(terminal: Any, merchant_user: Any, agent: Any) -> None:
    ticket = file_ticket(terminal, merchant_user, "2026-11-30 09:00", priority="p1")
    with time_machine.travel(at("2026-11-30 11:00"), tick=False):
        comment_add(ticket=ticket, author=agent, body="Looking at it now.")
    first = TicketSla.objects.get(ticket=ticket, target=SlaTarget.FIRST_RESPONSE)
    assert (first.met_at, first.breached_at) == (at("2026-11-30 11:00"), at("2026-11-30 09:30"))


def test_a_backup_activated_restores_trading(terminal: Any, merchant_user: Any) -> None:
    ticket = file_ticket(terminal, merchant_user, "2026-11-30 09:00", priority="p1")
    with time_machine.travel(at("2026-11-30 12:00"), tick=False):
        sla_record_restored(ticket, at=at("2026-11-30 12:00"), how="backup")
        sla_record_restored(ticket, at=at("2026-11-30 12:05"), how="backup")  # once only
    restore = TicketSla.objects.get(ticket=ticket, target=SlaTarget.RESTORE)
    assert (restore.met_at, restore.breached_at) == (at("2026-11-30 12:00"), None)
    assert ticket.events.filter(kind=TicketEvent.Kind.RESTORED).count() == 1


def test_raising_the_priority_shortens_the_targets(
    terminal: Any, merchant_user: Any, agent: Any
) -> None:
    ticket = file_ticket(terminal, merchant_user, "2026-11-30 09:00", priority="p3")
    assert due(ticket, SlaTarget.FIRST_RESPONSE) == at("2026-11-30 18:00")  # 9 working hours
    with time_machine.travel(at("2026-11-30 09:10"), tick=False):
        ticket_override_triage(
            ticket=ticket, actor=agent, cause="hardware", priority="p1", reason="Dead screen"
        )
    assert due(ticket, SlaTarget.FIRST_RESPONSE) == at("2026-11-30 09:30")


def test_a_providers_own_policy_wins_over_the_default(terminal: Any, merchant_user: Any) -> None:
    from datetime import timedelta

    from tickets.models import SlaPolicy

    SlaPolicy.objects.create(
        provider=terminal.provider,
        priority="p2",
        first_response=timedelta(minutes=15),
        restore=timedelta(hours=1),
        resolution=timedelta(hours=2),
        business_hours=False,
    )
    ticket = file_ticket(terminal, merchant_user, "2026-11-28 23:00")  # Saturday night, 24×7
    assert due(ticket, SlaTarget.FIRST_RESPONSE) == at("2026-11-28 23:15")


def test_the_api_shows_each_target_with_its_due_time_and_state(
    terminal: Any, merchant_user: Any, agent: Any
) -> None:
    ticket = file_ticket(terminal, merchant_user, "2026-11-30 09:00", priority="p1")
    with time_machine.travel(at("2026-11-30 09:45"), tick=False):
        body = signed_in(agent).get(f"/api/v1/tickets/{ticket.pk}/").json()
    targets = {t["target"]: t for t in body["sla"]}
    assert list(targets) == ["first_response", "restore", "resolution"]
    assert targets["first_response"]["state"] == "breached"
    assert targets["first_response"]["allowed_minutes"] == 30
    assert datetime.fromisoformat(targets["first_response"]["due_at"]) == at("2026-11-30 09:30")
    assert targets["restore"]["state"] == "on_track"
    assert datetime.fromisoformat(targets["restore"]["due_at"]) == at("2026-11-30 13:00")


def test_the_queue_filters_on_the_next_target(
    terminal: Any, merchant_user: Any, agent: Any
) -> None:
    late = file_ticket(terminal, merchant_user, "2026-11-30 09:00", priority="p1")
    soon = file_ticket(terminal, merchant_user, "2026-11-30 09:40", priority="p1")
    later = file_ticket(terminal, merchant_user, "2026-11-30 09:40", priority="p3")
    client = signed_in(agent)
    with time_machine.travel(at("2026-11-30 09:45"), tick=False):

        def refs(state: str) -> set[str]:
            page = client.get("/api/v1/tickets/", {"sla": state}).json()
            return {t["reference"] for t in page["results"]}

        assert refs("breached") == {late.reference}
        assert refs("due_soon") == {soon.reference}
        assert refs("on_track") == {later.reference}
        ordered = client.get("/api/v1/tickets/", {"ordering": "sla_due_at"}).json()
    assert [t["reference"] for t in ordered["results"]] == [
        late.reference,
        soon.reference,
        later.reference,
    ]


def test_the_ticket_list_api_costs_the_same_queries_for_5_and_30_tickets(
    terminal: Any, merchant_user: Any, agent: Any
) -> None:
    client = signed_in(agent)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/v1/tickets/", {"page_size": 50}).status_code == 200
        return len(queries)

    for _ in range(5):
        ticket_create(terminal=terminal, reporter=merchant_user)
    few = count()
    for _ in range(25):
        ticket_create(terminal=terminal, reporter=merchant_user)
    assert count() == few


def test_the_merchant_reads_what_happens_next_and_by_when(
    terminal: Any, merchant_user: Any, mailoutbox: Any
) -> None:
    from tickets.services import ticket_report
    from tickets.services.outbox import outbox_drain

    with time_machine.travel(at("2026-11-27 17:50"), tick=False):
        ticket = ticket_report(
            terminal=terminal, reporter=merchant_user, error_code="97", scheme="cup"
        )
        page = signed_in(merchant_user).get(f"/tickets/{ticket.pk}/").content.decode()
        outbox_drain()
    assert "What happens next, and by when" in page
    assert "You will get a first answer by" in page
    (mail,) = [m for m in mailoutbox if m.to == [merchant_user.email]]
    assert ticket.reference in mail.subject
    assert "a first answer from support by 2026-11-30 09:20" in mail.body
