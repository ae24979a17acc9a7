"""The access helpers: one function decides what every list, page and API view shows."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from portal.access import get_visible_or_404, visible_to
from portal.models import Merchant, Provider
from terminals.models import Terminal, TerminalEvent
from tests import factories
from tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """Two providers; provider A serves merchants A1 and A2, provider B serves B1."""
    provider_a, provider_b = factories.ProviderFactory(), factories.ProviderFactory()
    a1 = factories.MerchantFactory(provider=provider_a)
    a2 = factories.MerchantFactory(provider=provider_a)
    b1 = factories.MerchantFactory(provider=provider_b)
    terminals = {m: factories.TerminalFactory.create_batch(2, merchant=m) for m in (a1, a2, b1)}
    tickets = {m: factories.TicketFactory(terminal=terminals[m][0]) for m in (a1, a2, b1)}
    for terminal in Terminal.objects.all():
        TerminalEvent.objects.create(terminal=terminal, kind=TerminalEvent.Kind.REGISTERED)
    for ticket in Ticket.objects.all():
        TicketEvent.objects.create(ticket=ticket, kind=TicketEvent.Kind.CREATED)
    spare = factories.SpareFactory(provider=provider_a)
    return {
        "providers": (provider_a, provider_b),
        "merchants": (a1, a2, b1),
        "terminals": terminals,
        "tickets": tickets,
        "spare": spare,
    }


def test_a_merchant_user_sees_only_their_own_merchants_rows(world):
    a1 = world["merchants"][0]
    user = factories.MerchantUserFactory(merchant=a1)

    assert set(visible_to(user, Merchant.objects.all())) == {a1}
    assert set(visible_to(user, Terminal.objects.all())) == set(world["terminals"][a1])
    assert set(visible_to(user, Ticket.objects.all())) == {world["tickets"][a1]}
    assert {e.ticket for e in visible_to(user, TicketEvent.objects.all())} == {world["tickets"][a1]}
    assert {e.terminal.merchant for e in visible_to(user, TerminalEvent.objects.all())} == {a1}
    assert set(visible_to(user, Provider.objects.all())) == {a1.provider}


def test_merchant_staff_see_the_same_as_the_owner(world):
    a1 = world["merchants"][0]
    owner = factories.MerchantUserFactory(merchant=a1)
    staff = factories.MerchantUserFactory(merchant=a1, role="merchant_staff")

    assert set(visible_to(staff, Terminal.objects.all())) == set(
        visible_to(owner, Terminal.objects.all())
    )


def test_a_merchant_user_never_sees_pool_spares(world):
    user = factories.MerchantUserFactory(merchant=world["merchants"][0])

    assert world["spare"] not in visible_to(user, Terminal.objects.all())


def test_provider_staff_see_every_merchant_of_their_provider_and_nothing_else(world):
    provider_a, _ = world["providers"]
    a1, a2, _b1 = world["merchants"]
    staff = factories.ProviderUserFactory(provider=provider_a)

    assert set(visible_to(staff, Merchant.objects.all())) == {a1, a2}
    assert set(visible_to(staff, Ticket.objects.all())) == {
        world["tickets"][a1],
        world["tickets"][a2],
    }
    expected = {*world["terminals"][a1], *world["terminals"][a2], world["spare"]}
    assert set(visible_to(staff, Terminal.objects.all())) == expected
    assert set(visible_to(staff, Provider.objects.all())) == {provider_a}


@pytest.mark.parametrize(
    "role", ["provider_support", "provider_field", "provider_risk", "provider_lead"]
)
def test_every_provider_role_is_scoped_to_its_provider(world, role):
    provider_b = world["providers"][1]
    staff = factories.ProviderUserFactory(provider=provider_b, role=role)

    assert set(visible_to(staff, Ticket.objects.all())) == {world["tickets"][world["merchants"][2]]}


def test_operator_admins_see_everything(world):
    operator = factories.OperatorFactory()

    assert visible_to(operator, Terminal.objects.all()).count() == Terminal.objects.count()
    assert visible_to(operator, Ticket.objects.all()).count() == 3


def test_anonymous_and_deactivated_users_see_nothing(world):
    user = factories.MerchantUserFactory(merchant=world["merchants"][0], is_active=False)

    assert not visible_to(user, Terminal.objects.all()).exists()
    assert not visible_to(AnonymousUser(), Terminal.objects.all()).exists()


def test_get_visible_or_404_answers_404_for_another_organisations_row(world):
    a1, _, b1 = world["merchants"]
    user = factories.MerchantUserFactory(merchant=a1)
    own, foreign = world["tickets"][a1], world["tickets"][b1]

    assert get_visible_or_404(user, Ticket.objects.all(), pk=own.pk) == own
    with pytest.raises(Http404):
        get_visible_or_404(user, Ticket.objects.all(), pk=foreign.pk)
    with pytest.raises(Http404):
        get_visible_or_404(user, Ticket.objects.all(), pk=10**9)
    with pytest.raises(Http404):
        get_visible_or_404(user, Ticket.objects.all(), pk="not-a-number")


def test_a_model_that_does_not_say_who_owns_it_is_refused():
    from terminals.models import TerminalModel

    with pytest.raises(TypeError, match="does not declare"):
        visible_to(AnonymousUser(), TerminalModel.objects.all())
