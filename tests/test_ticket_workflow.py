"""The ticket's transition table, who may make each move, assignment and bulk actions."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from portal.errors import ConflictError, DomainError
from tests import factories
from tests.conftest import signed_in
from tickets.models import Status, Ticket, TicketEvent
from tickets.services import (
    TICKET_TRANSITIONS,
    allowed_moves,
    bulk_transition,
    ticket_assign,
    ticket_claim,
    ticket_create,
    ticket_transition,
)
from tickets.services.lifecycle import MERCHANT, STAFF, SYSTEM

pytestmark = pytest.mark.django_db

# The issue's workflow, written out independently of the table in the code.
EXPECTED: dict[tuple[str, str], set[str]] = {
    ("new", "in_progress"): {STAFF},
    ("new", "waiting_on_merchant"): {STAFF},
    ("new", "escalated"): {STAFF},
    ("new", "resolved"): {STAFF},
    ("in_progress", "waiting_on_merchant"): {STAFF},
    ("in_progress", "escalated"): {STAFF},
    ("in_progress", "resolved"): {STAFF},
    ("waiting_on_merchant", "in_progress"): {STAFF, MERCHANT, SYSTEM},
    ("waiting_on_merchant", "escalated"): {STAFF},
    ("waiting_on_merchant", "resolved"): {STAFF, SYSTEM},
    ("escalated", "in_progress"): {STAFF, SYSTEM},
    ("escalated", "waiting_on_merchant"): {STAFF},
    ("escalated", "resolved"): {STAFF},
    ("resolved", "in_progress"): {STAFF, MERCHANT},
    ("resolved", "closed"): {STAFF, MERCHANT, SYSTEM},
}


@pytest.fixture
def terminal(merchant: Any) -> Any:
    return factories.TerminalFactory(merchant=merchant, provider=merchant.provider)


@pytest.fixture
def ticket(terminal: Any, merchant_user: Any) -> Ticket:
    return ticket_create(terminal=terminal, reporter=merchant_user)


def _put(ticket: Ticket, status: str) -> Ticket:
    """Place a ticket in a status directly (arrange only), as if it had got there."""
    Ticket.objects.filter(pk=ticket.pk).update(
        status=status, resolved_at=timezone.now() if status in ("resolved", "closed") else None
    )
    ticket.refresh_from_db()
    return ticket


def test_the_table_in_the_code_is_the_workflow_of_the_issue() -> None:
    actual = {
        (src, dst): set(who)
        for src, moves in TICKET_TRANSITIONS.items()
        for dst, who in moves.items()
    }
    assert actual == EXPECTED


@pytest.mark.parametrize(("src", "dst"), list(itertools.product(Status.values, Status.values)))
def test_every_pair_of_statuses_for_staff(ticket: Ticket, agent: Any, src: str, dst: str) -> None:
    _put(ticket, src)
    events = ticket.events.count()
    if src == dst:
        assert ticket_transition(ticket=ticket, to=dst, actor=agent).status == src
        assert ticket.events.count() == events
    elif STAFF in EXPECTED.get((src, dst), set()):
        moved = ticket_transition(ticket=ticket, to=dst, actor=agent, reason="because")
        assert moved.status == dst
        event = moved.events.filter(kind=TicketEvent.Kind.STATUS_CHANGED).last()
        assert event is not None
        assert (event.from_status, event.to_status, event.actor, event.reason) == (
            src,
            dst,
            agent,
            "because",
        )
    else:
        with pytest.raises(ConflictError):
            ticket_transition(ticket=ticket, to=dst, actor=agent, reason="because")
        ticket.refresh_from_db()
        assert ticket.status == src
        assert ticket.events.count() == events


@pytest.mark.parametrize(
    ("src", "dst"),
    [(s, d) for s, d in itertools.product(Status.values, Status.values) if s != d],
)
def test_every_pair_of_statuses_for_the_merchant(
    ticket: Ticket, merchant_user: Any, src: str, dst: str
) -> None:
    _put(ticket, src)
    if MERCHANT in EXPECTED.get((src, dst), set()):
        assert (
            ticket_transition(ticket=ticket, to=dst, actor=merchant_user, reason="x").status == dst
        )
    else:
        with pytest.raises(ConflictError):
            ticket_transition(ticket=ticket, to=dst, actor=merchant_user, reason="x")


def test_a_merchant_reopens_only_within_the_window(
    ticket: Ticket, merchant_user: Any, settings: Any
) -> None:
    settings.TICKET_REOPEN_DAYS = 7
    _put(ticket, "resolved")
    Ticket.objects.filter(pk=ticket.pk).update(
        created_at=timezone.now() - timedelta(days=30),
        resolved_at=timezone.now() - timedelta(days=8),
    )
    ticket.refresh_from_db()
    assert Status.IN_PROGRESS not in allowed_moves(ticket, merchant_user)
    with pytest.raises(ConflictError, match="more than 7 days ago"):
        ticket_transition(ticket=ticket, to=Status.IN_PROGRESS, actor=merchant_user, reason="no")
    Ticket.objects.filter(pk=ticket.pk).update(resolved_at=timezone.now() - timedelta(days=6))
    ticket.refresh_from_db()
    reopened = ticket_transition(
        ticket=ticket, to=Status.IN_PROGRESS, actor=merchant_user, reason="It fails again"
    )
    assert (reopened.status, reopened.resolved_at) == (Status.IN_PROGRESS, None)


def test_resolving_and_reopening_need_a_reason(ticket: Ticket, agent: Any) -> None:
    with pytest.raises(DomainError) as refused:
        ticket_transition(ticket=ticket, to=Status.RESOLVED, actor=agent, reason="  ")
    assert refused.value.field == "reason"
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW


def test_the_merchant_of_another_shop_cannot_move_the_ticket(ticket: Ticket) -> None:
    stranger: Any = factories.MerchantUserFactory()
    _put(ticket, "resolved")
    with pytest.raises(PermissionDenied):
        ticket_transition(ticket=ticket, to=Status.CLOSED, actor=stranger)


def test_a_merchant_reply_brings_a_waiting_ticket_back_to_staff(
    ticket: Ticket, agent: Any, merchant_user: Any
) -> None:
    from tickets.services import comment_add

    ticket_transition(ticket=ticket, to=Status.WAITING_ON_MERCHANT, actor=agent)
    comment_add(ticket=ticket, author=merchant_user, body="The router is restarted.")
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    event = ticket.events.filter(kind=TicketEvent.Kind.STATUS_CHANGED).last()
    assert event is not None
    assert event.actor == merchant_user


# --- API -------------------------------------------------------------------------------


def test_api_transition_moves_and_refuses_with_409(ticket: Ticket, agent: Any) -> None:
    client = signed_in(agent)
    url = f"/api/v1/tickets/{ticket.pk}/transitions/"
    assert client.get(url).json() == {
        "status": "new",
        "allowed": ["in_progress", "waiting_on_merchant", "escalated", "resolved"],
    }
    moved = client.post(
        url, {"to": "in_progress", "reason": "On it"}, content_type="application/json"
    )
    assert moved.status_code == 200
    assert moved.json()["status"] == "in_progress"
    refused = client.post(url, {"to": "closed"}, content_type="application/json")
    assert refused.status_code == 409
    assert "cannot go from In progress to Closed" in refused.json()["detail"]
    bad = client.post(url, {"to": "nowhere"}, content_type="application/json")
    assert bad.status_code == 400
    assert "to" in bad.json()
    no_reason = client.post(url, {"to": "resolved"}, content_type="application/json")
    assert no_reason.status_code == 400
    assert "reason" in no_reason.json()


def test_api_merchant_confirms_resolution_but_cannot_work_the_ticket(
    ticket: Ticket, agent: Any, merchant_user: Any
) -> None:
    client = signed_in(merchant_user)
    url = f"/api/v1/tickets/{ticket.pk}/transitions/"
    refused = client.post(url, {"to": "in_progress"}, content_type="application/json")
    assert refused.status_code == 409
    assert "Only provider staff" in refused.json()["detail"]
    ticket_transition(ticket=ticket, to=Status.RESOLVED, actor=agent, reason="Keys injected")
    assert client.get(url).json()["allowed"] == ["in_progress", "closed"]
    closed = client.post(url, {"to": "closed"}, content_type="application/json")
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"


def test_api_transitions_of_another_providers_ticket_are_404(ticket: Ticket) -> None:
    outsider = factories.ProviderUserFactory()
    client = signed_in(outsider)
    url = f"/api/v1/tickets/{ticket.pk}/transitions/"
    assert client.get(url).status_code == 404
    assert (
        client.post(url, {"to": "in_progress"}, content_type="application/json").status_code == 404
    )
    assign = f"/api/v1/tickets/{ticket.pk}/assignment/"
    assert (
        client.post(assign, {"assignee": "me"}, content_type="application/json").status_code == 404
    )


# --- assignment ------------------------------------------------------------------------


def test_claim_assign_and_unassign_write_internal_events(ticket: Ticket, agent: Any) -> None:
    colleague: Any = factories.ProviderUserFactory(provider=ticket.provider)
    ticket_claim(ticket=ticket, actor=agent)
    ticket_assign(ticket=ticket, actor=agent, assignee=colleague, reason="Her region")
    ticket_assign(ticket=ticket, actor=agent, assignee=None)
    ticket.refresh_from_db()
    assert ticket.assignee is None
    events = list(ticket.events.filter(kind=TicketEvent.Kind.ASSIGNED).values("data", "internal"))
    assert [e["data"]["to"] for e in events] == [agent.username, colleague.username, None]
    assert all(e["internal"] for e in events)


def test_nobody_outside_the_provider_can_be_assigned(ticket: Ticket, agent: Any) -> None:
    merchant_of_shop: Any = factories.MerchantUserFactory(merchant=ticket.merchant)
    outsider: Any = factories.ProviderUserFactory()
    with pytest.raises(DomainError, match="not on the staff"):
        ticket_assign(ticket=ticket, actor=agent, assignee=outsider)
    with pytest.raises(PermissionDenied):
        ticket_claim(ticket=ticket, actor=merchant_of_shop)


def test_api_claim(ticket: Ticket, agent: Any) -> None:
    response = signed_in(agent).post(
        f"/api/v1/tickets/{ticket.pk}/assignment/",
        {"assignee": "me"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["assignee"] == agent.username


def test_bulk_with_allowed_and_refused_tickets_reports_each(
    terminal: Any, merchant_user: Any, agent: Any
) -> None:
    fresh = ticket_create(terminal=terminal, reporter=merchant_user)
    closed = _put(ticket_create(terminal=terminal, reporter=merchant_user), "closed")
    elsewhere: Any = factories.TerminalFactory()
    foreign = ticket_create(terminal=elsewhere, reporter=factories.MerchantUserFactory())  # type: ignore[arg-type]
    results = bulk_transition(
        actor=agent, ticket_ids=[fresh.pk, closed.pk, foreign.pk, 999999], to="in_progress"
    )
    assert [(r.id, r.ok) for r in results] == [
        (fresh.pk, True),
        (closed.pk, False),
        (foreign.pk, False),
        (999999, False),
    ]
    assert "cannot go from Closed" in results[1].message
    assert results[2].message == results[3].message == "No such ticket."
    fresh.refresh_from_db()
    closed.refresh_from_db()
    foreign.refresh_from_db()
    assert (fresh.status, closed.status, foreign.status) == ("in_progress", "closed", "new")


def test_api_bulk_assign(terminal: Any, merchant_user: Any, agent: Any) -> None:
    tickets = [ticket_create(terminal=terminal, reporter=merchant_user) for _ in range(3)]
    _put(tickets[2], "closed")
    response = signed_in(agent).post(
        "/api/v1/tickets/bulk/",
        {"tickets": [t.pk for t in tickets], "action": "assign", "assignee": "me"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert [r["ok"] for r in response.json()["results"]] == [True, True, False]
    assert Ticket.objects.filter(assignee=agent).count() == 2


def test_api_bulk_is_for_staff_only(ticket: Ticket, merchant_user: Any) -> None:
    response = signed_in(merchant_user).post(
        "/api/v1/tickets/bulk/",
        {"tickets": [ticket.pk], "action": "transition", "to": "closed"},
        content_type="application/json",
    )
    assert response.status_code == 403
