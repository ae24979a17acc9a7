"""A backup terminal seen from the ticket: asking for one, following it, trading restored."""

from __future__ import annotations

from typing import Any

import pytest

from portal.celery import app as celery_app
from terminals.models import Allocation, Connectivity
from terminals.services import allocation_activate, allocation_deliver, allocation_ship
from tests import factories
from tests.conftest import signed_in
from tickets.models import SlaTarget, Status, Ticket, TicketEvent, TicketSla
from tickets.services import ticket_create, ticket_report, ticket_transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def terminal(merchant: Any) -> Any:
    return factories.TerminalFactory(
        merchant=merchant, provider=merchant.provider, connectivity=Connectivity.WIFI
    )


@pytest.fixture
def spare(terminal: Any) -> Any:
    return factories.ReadySpareFactory(provider=terminal.provider, model=terminal.model)


@pytest.fixture
def ticket(terminal: Any, merchant_user: Any) -> Ticket:
    return ticket_create(terminal=terminal, reporter=merchant_user, priority="p1")


def request_backup(client: Any, ticket: Ticket) -> Any:
    return client.post(f"/api/v1/tickets/{ticket.pk}/backup/")


def test_staff_request_a_backup_and_asking_again_returns_the_same(
    ticket: Ticket, spare: Any, agent: Any
) -> None:
    client = signed_in(agent)
    first = request_backup(client, ticket)
    assert first.status_code == 201, first.content
    body = first.json()
    assert (body["status"], body["spare"], body["ticket"]) == (
        "reserved",
        spare.serial_number,
        ticket.reference,
    )
    again = request_backup(client, ticket)
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]
    ticket.refresh_from_db()
    assert ticket.backup_id == body["id"]
    assert Allocation.objects.count() == 1


def test_with_nothing_ready_the_request_waits_in_line(ticket: Ticket, agent: Any) -> None:
    response = request_backup(signed_in(agent), ticket)
    assert response.status_code == 201
    assert response.json()["status"] == "waiting"


def test_who_may_ask_for_a_backup(ticket: Ticket, spare: Any, merchant_user: Any) -> None:
    assert request_backup(signed_in(merchant_user), ticket).status_code == 403
    assert request_backup(signed_in(factories.ProviderUserFactory()), ticket).status_code == 404
    assert Allocation.objects.count() == 0


def test_no_backup_for_a_closed_ticket(ticket: Ticket, spare: Any, agent: Any) -> None:
    ticket_transition(ticket=ticket, to=Status.RESOLVED, actor=agent, reason="Works again")
    ticket_transition(ticket=ticket, to=Status.CLOSED, actor=agent)
    response = request_backup(signed_in(agent), ticket)
    assert response.status_code == 409
    assert "open ticket" in response.json()["detail"]


def test_the_backups_steps_reach_the_ticket_and_activation_restores_trading(
    ticket: Ticket, spare: Any, agent: Any, operator: Any, merchant_user: Any
) -> None:
    request_backup(signed_in(agent), ticket)
    allocation = Allocation.objects.get()
    allocation = allocation_ship(
        allocation=allocation, carrier="SF Express", tracking_number="SF1400000001", actor=operator
    )
    allocation = allocation_deliver(allocation=allocation, actor=operator)
    allocation_activate(
        allocation=allocation,
        tid=ticket.terminal.tid,
        keys_bound=True,
        address=ticket.merchant.registered_address,
        actor=agent,
    )
    ticket.refresh_from_db()
    assert ticket.restored_at is not None
    restore = TicketSla.objects.get(ticket=ticket, target=SlaTarget.RESTORE)
    assert restore.met_at == ticket.restored_at
    steps = [
        e.data["to"] for e in ticket.events.filter(kind=TicketEvent.Kind.BACKUP).order_by("pk")
    ]
    assert steps == ["waiting", "reserved", "shipped", "delivered", "activated"]
    assert ticket.events.filter(kind=TicketEvent.Kind.RESTORED).count() == 1
    # The merchant follows it on the ticket page, tracking number included.
    page = signed_in(merchant_user).get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Backup terminal" in page
    assert "SF1400000001" in page
    assert "Delivered" in page  # each step is named in the history


def test_the_ticket_page_offers_staff_a_backup(ticket: Ticket, spare: Any, agent: Any) -> None:
    client = signed_in(agent)
    assert "Request a backup terminal" in client.get(f"/tickets/{ticket.pk}/").content.decode()
    response = client.post(f"/tickets/{ticket.pk}/backup/", follow=True)
    assert "A backup terminal is reserved for this ticket." in response.content.decode()
    assert Allocation.objects.get().reference == ticket.reference


def test_a_provider_that_lends_automatically_gets_a_backup_when_triage_says_replace(
    terminal: Any, spare: Any, merchant_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    factories.PoolPolicyFactory(provider=terminal.provider, auto_backup=True)
    celery_app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            ticket = ticket_report(
                terminal=terminal, reporter=merchant_user, screen_message="TAMPER DETECTED"
            )
    finally:
        celery_app.conf.changes.pop("task_always_eager", None)
    assert ticket.recommended_action == "swap_terminal"
    allocation = Allocation.objects.get(reference=ticket.reference)
    assert allocation.spare == spare
    ticket.refresh_from_db()
    assert ticket.backup == allocation


def test_without_the_policy_filing_lends_nothing(
    terminal: Any, spare: Any, merchant_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    celery_app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            ticket_report(
                terminal=terminal, reporter=merchant_user, screen_message="TAMPER DETECTED"
            )
    finally:
        celery_app.conf.changes.pop("task_always_eager", None)
    assert Allocation.objects.count() == 0
