"""The database refuses what the rules forbid, whoever writes; the services move statuses only
along their transition tables."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Model

from portal.errors import ConflictError
from portal.models import BusinessCalendar, Merchant, Provider, Role
from terminals.models import Depot, Terminal, TerminalEvent
from terminals.services import terminal_set_status
from tests import factories
from tickets.models import Status, Ticket, TicketEvent
from tickets.services import ticket_create, ticket_transition

pytestmark = pytest.mark.django_db


def refused(create: Callable[[], Any]) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


# --- Users belong to the organisation of their role -------------------------------------


def test_a_merchant_user_without_a_merchant_is_refused() -> None:
    refused(lambda: factories.UserFactory(role=Role.MERCHANT_OWNER))


def test_a_provider_user_with_a_merchant_is_refused(merchant: Merchant) -> None:
    refused(lambda: factories.UserFactory(role=Role.PROVIDER_SUPPORT, merchant=merchant))
    refused(
        lambda: factories.UserFactory(
            role=Role.PROVIDER_SUPPORT, merchant=merchant, provider=merchant.provider
        )
    )


def test_an_operator_admin_with_a_provider_is_refused(provider: Provider) -> None:
    refused(lambda: factories.UserFactory(role=Role.OPERATOR_ADMIN, provider=provider))


def test_a_user_with_an_unknown_role_is_refused() -> None:
    refused(lambda: factories.UserFactory(role="superhero"))


def test_each_role_with_its_own_organisation_is_accepted(merchant: Merchant) -> None:
    factories.UserFactory(role=Role.MERCHANT_STAFF, merchant=merchant)
    factories.UserFactory(role=Role.PROVIDER_RISK, provider=merchant.provider)
    factories.UserFactory(role=Role.OPERATOR_ADMIN)


# --- Terminals -------------------------------------------------------------------------------


def test_a_second_terminal_with_the_same_serial_number_is_refused() -> None:
    factories.TerminalFactory(serial_number="1850000101")
    refused(lambda: factories.TerminalFactory(serial_number="1850000101"))


def test_a_tid_is_unique_within_a_provider(merchant: Merchant) -> None:
    factories.TerminalFactory(merchant=merchant, tid="61200101")
    refused(lambda: factories.TerminalFactory(merchant=merchant, tid="61200101"))


def test_the_same_tid_is_allowed_at_another_provider(merchant: Merchant) -> None:
    factories.TerminalFactory(merchant=merchant, tid="61200101")
    factories.TerminalFactory(tid="61200101")
    assert Terminal.objects.filter(tid="61200101").count() == 2


def test_spares_without_a_tid_can_share_a_provider(provider: Provider) -> None:
    factories.SpareFactory.create_batch(3, provider=provider)
    assert Terminal.objects.filter(provider=provider, tid=None).count() == 3


def test_a_sim_card_sits_in_one_terminal_only() -> None:
    factories.TerminalFactory(connectivity="cellular", sim_iccid="89860021000100000001")
    refused(
        lambda: factories.TerminalFactory(connectivity="cellular", sim_iccid="89860021000100000001")
    )


def test_many_terminals_may_have_no_sim_card() -> None:
    factories.TerminalFactory.create_batch(3, sim_iccid="")
    assert Terminal.objects.filter(sim_iccid="").count() == 3


def test_an_installed_terminal_needs_a_merchant(provider: Provider) -> None:
    refused(lambda: factories.TerminalFactory(merchant=None, provider=provider))


def test_a_spare_needs_a_depot() -> None:
    refused(lambda: factories.SpareFactory(depot=None))


@pytest.mark.parametrize(
    ("factory", "field"),
    [
        (factories.TerminalFactory, "status"),
        (factories.TerminalFactory, "connectivity"),
        (factories.MerchantFactory, "status"),
        (factories.MerchantFactory, "region"),
        (factories.DepotFactory, "region"),
        (factories.ProviderFactory, "kind"),
        (factories.TicketFactory, "status"),
        (factories.TicketFactory, "priority"),
        (factories.TicketFactory, "cause"),
    ],
)
def test_a_value_outside_the_choices_is_refused(factory: Callable[..., Model], field: str) -> None:
    instance = factory()
    model = type(instance)
    refused(lambda: model._default_manager.filter(pk=instance.pk).update(**{field: "x"}))


def test_a_depot_in_a_known_region_is_accepted() -> None:
    assert Depot.objects.filter(pk=factories.DepotFactory(region="southwest").pk).exists()


# --- Calendars and tickets -----------------------------------------------------------------


def test_a_working_day_must_start_before_it_ends() -> None:
    refused(
        lambda: BusinessCalendar.objects.create(
            code="night", name="Night", day_start=time(18, 0), day_end=time(9, 0)
        )
    )
    refused(
        lambda: BusinessCalendar.objects.create(
            code="empty", name="Empty", day_start=time(9, 0), day_end=time(9, 0)
        )
    )


def test_a_ticket_reference_is_unique() -> None:
    factories.TicketFactory(reference="INC-2026-000001")
    refused(lambda: factories.TicketFactory(reference="INC-2026-000001"))


# --- The terminal transition table -------------------------------------------------------


def test_an_allowed_terminal_move_writes_an_event_with_actor_and_reason(operator: Any) -> None:
    terminal = factories.TerminalFactory(status=Terminal.Status.ACTIVE)
    terminal_set_status(
        terminal=terminal, to=Terminal.Status.FAULTY, actor=operator, reason="Dead screen"
    )
    terminal.refresh_from_db()
    assert terminal.status == Terminal.Status.FAULTY
    event = TerminalEvent.objects.get(terminal=terminal)
    assert (event.from_status, event.to_status) == ("active", "faulty")
    assert (event.actor, event.reason) == (operator, "Dead screen")


def test_a_refused_terminal_move_raises_a_conflict_and_changes_nothing(operator: Any) -> None:
    terminal = factories.TerminalFactory(status=Terminal.Status.RETIRED)
    with pytest.raises(ConflictError):
        terminal_set_status(terminal=terminal, to=Terminal.Status.ACTIVE, actor=operator)
    terminal.refresh_from_db()
    assert terminal.status == Terminal.Status.RETIRED
    assert not TerminalEvent.objects.filter(terminal=terminal).exists()


def test_moving_a_terminal_to_its_current_status_writes_nothing(operator: Any) -> None:
    terminal = factories.TerminalFactory(status=Terminal.Status.ACTIVE)
    terminal_set_status(terminal=terminal, to=Terminal.Status.ACTIVE, actor=operator)
    assert not TerminalEvent.objects.filter(terminal=terminal).exists()


# --- The ticket transition table -------------------------------------------------------------


@pytest.fixture
def ticket(merchant_user: Any) -> Ticket:
    terminal = factories.TerminalFactory(merchant=merchant_user.merchant)
    return ticket_create(terminal=terminal, reporter=merchant_user)


def test_an_allowed_ticket_move_writes_an_event_with_actor_and_reason(
    ticket: Ticket, agent: Any
) -> None:
    ticket_transition(ticket=ticket, to=Status.IN_PROGRESS, actor=agent, reason="On it")
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    event = ticket.events.get(kind=TicketEvent.Kind.STATUS_CHANGED)
    assert (event.from_status, event.to_status) == ("new", "in_progress")
    assert (event.actor, event.reason) == (agent, "On it")


def test_a_refused_ticket_move_raises_a_conflict_and_changes_nothing(
    ticket: Ticket, agent: Any
) -> None:
    ticket_transition(ticket=ticket, to=Status.RESOLVED, actor=agent, reason="Fixed")
    ticket_transition(ticket=ticket, to=Status.CLOSED, actor=agent)
    events_before = ticket.events.count()
    with pytest.raises(ConflictError):
        ticket_transition(ticket=ticket, to=Status.IN_PROGRESS, actor=agent)
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert ticket.events.count() == events_before


def test_moving_a_ticket_to_its_current_status_writes_nothing(ticket: Ticket, agent: Any) -> None:
    ticket_transition(ticket=ticket, to=Status.NEW, actor=agent)
    assert list(ticket.events.values_list("kind", flat=True)) == [TicketEvent.Kind.CREATED]
