from __future__ import annotations

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.http import HttpRequest
from django.test import Client

from portal.models import Merchant, Role, User
from terminals.models import Depot, Terminal
from tickets.models import Status as TicketStatus
from tickets.models import Ticket, TicketEvent

DEMO_USERS = {
    "merchant": Role.MERCHANT_OWNER,
    "merchant2": Role.MERCHANT_OWNER,
    "agent": Role.PROVIDER_SUPPORT,
    "agent2": Role.PROVIDER_SUPPORT,
    "engineer": Role.PROVIDER_FIELD,
    "lead": Role.PROVIDER_LEAD,
    "risk": Role.PROVIDER_RISK,
    "admin": Role.OPERATOR_ADMIN,
}


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


@pytest.fixture
def seeded(db: None) -> None:
    seed()


def test_seeding_twice_leaves_the_same_count_for_every_model(seeded: None) -> None:
    before = row_counts()
    seed()
    assert row_counts() == before


def test_reseeding_resets_a_demo_users_password(seeded: None) -> None:
    user = User.objects.get(username="agent")
    user.set_password("something-else")
    user.save()
    seed()
    assert User.objects.get(username="agent").check_password("demo-pass")


def test_the_summary_lists_the_sign_ins(db: None) -> None:
    output = seed()
    assert "demo-pass" in output
    assert all(username in output for username in DEMO_USERS)


@pytest.mark.parametrize(("username", "role"), DEMO_USERS.items())
def test_each_demo_user_signs_in_with_the_demo_password(
    seeded: None, username: str, role: str
) -> None:
    user = User.objects.get(username=username)
    assert user.role == role
    assert user.language == "zh-hans"
    # Axes guards every sign-in and insists on a request.
    assert Client().login(request=HttpRequest(), username=username, password="demo-pass")


def test_demo_users_belong_to_the_right_organisations(seeded: None) -> None:
    users = {u.username: u for u in User.objects.select_related("merchant", "provider")}
    first_provider = users["agent"].provider
    assert first_provider is not None
    assert users["agent2"].provider not in (None, first_provider)
    for username in ("engineer", "lead", "risk"):
        assert users[username].provider == first_provider
    for username in ("merchant", "merchant2"):
        merchant = users[username].merchant
        assert merchant is not None
        assert merchant.provider == first_provider
    assert users["merchant"].merchant != users["merchant2"].merchant
    admin = users["admin"]
    assert (admin.merchant, admin.provider, admin.is_staff, admin.is_superuser) == (
        None,
        None,
        True,
        True,
    )


def test_the_demo_merchants_have_enough_terminals_under_their_provider(seeded: None) -> None:
    for username, minimum in (("merchant", 3), ("merchant2", 2)):
        merchant = User.objects.get(username=username).merchant
        assert merchant is not None
        terminals = Terminal.objects.filter(merchant=merchant, is_spare=False)
        assert terminals.count() >= minimum
        assert set(terminals.values_list("provider", flat=True)) == {merchant.provider_id}


def test_the_demo_has_merchants_terminals_spares_and_depots(seeded: None) -> None:
    assert Merchant.objects.count() >= 6
    assert Merchant.objects.filter(status=Merchant.Status.RESTRICTED).exists()
    assert Terminal.objects.filter(is_spare=False).count() >= 30
    spares = Terminal.objects.filter(is_spare=True)
    assert spares.count() >= 20
    assert not spares.filter(depot=None).exists()
    assert not spares.exclude(merchant=None).exists()
    assert not spares.exclude(tid=None).exists()
    assert spares.values("provider").distinct().count() == 2
    assert spares.filter(status=Terminal.Status.QUARANTINED).exists()
    regions = Depot.objects.values_list("region", flat=True)
    assert len(regions) == 3
    assert len(set(regions)) == 3


def test_every_demo_terminal_is_consistent_with_its_model(seeded: None) -> None:
    for terminal in Terminal.objects.select_related("model"):
        assert terminal.model.supports(terminal.connectivity)
        assert bool(terminal.sim_iccid) == (terminal.connectivity == "cellular")
        assert terminal.events.filter(kind="registered").exists()
        terminal.full_clean()


def test_demo_tickets_span_several_statuses_and_each_has_a_created_event(
    seeded: None,
) -> None:
    statuses = set(Ticket.objects.values_list("status", flat=True))
    assert {TicketStatus.NEW, TicketStatus.IN_PROGRESS, TicketStatus.RESOLVED} <= statuses
    assert TicketStatus.WAITING_ON_MERCHANT in statuses
    assert not Ticket.objects.exclude(events__kind="created").exists()
    assert TicketEvent.objects.filter(kind="created").count() == Ticket.objects.count()
    moves = TicketEvent.objects.filter(kind="status_changed")
    assert moves.exists()
    assert not moves.filter(actor=None).exists()
    assert not moves.filter(reason="").exists()


def test_the_first_demo_merchant_has_tickets(seeded: None) -> None:
    merchant = User.objects.get(username="merchant").merchant
    assert Ticket.objects.filter(merchant=merchant).count() >= 2
