"""The HTML pages: sign-in, the role-aware home page, the terminal list and detail pages."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from portal.models import User
from terminals.models import Terminal, TerminalEvent
from tests import factories
from tests.conftest import signed_in
from tickets.models import Priority, Status

pytestmark = pytest.mark.django_db


def tile_counts(html: str) -> dict[str, int]:
    """The numbers on the home page's tiles, by their data-count name."""
    found = re.findall(r'data-count="(\w+)"><span class="tile__value">(\d+)<', html)
    return {name: int(value) for name, value in found}


@pytest.fixture
def world():
    """Provider A serves merchants A1 and A2; provider B serves B1. Each has terminals."""
    provider_a, provider_b = factories.ProviderFactory(), factories.ProviderFactory()
    a1 = factories.MerchantFactory(provider=provider_a)
    a2 = factories.MerchantFactory(provider=provider_a)
    b1 = factories.MerchantFactory(provider=provider_b)
    return {
        "providers": (provider_a, provider_b),
        "merchants": (a1, a2, b1),
        "terminals": {m: factories.TerminalFactory(merchant=m) for m in (a1, a2, b1)},
    }


# --- Signing in and out -----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/terminals/", "/terminals/1/"])
def test_anonymous_visitors_are_sent_to_sign_in(client: Client, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"


def test_sign_in_page_speaks_english(client: Client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.get("/accounts/login/")

    assert response.status_code == 200
    assert '<html lang="en">' in response.text
    assert "Sign in" in response.text
    assert "Merchant Support" in response.text


def test_sign_in_page_speaks_chinese(client: Client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"

    response = client.get("/accounts/login/")

    assert '<html lang="zh-hans">' in response.text
    assert "商户支持门户" in response.text
    assert "登录" in response.text


def test_sign_in_page_follows_accept_language(client: Client) -> None:
    response = client.get("/accounts/login/", headers={"accept-language": "zh-CN,zh;q=0.9"})

    assert "商户支持门户" in response.text


def test_signing_in_with_the_right_password_lands_on_home(client: Client, merchant_user) -> None:
    response = client.post(
        "/accounts/login/", {"username": merchant_user.username, "password": "demo-pass"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_signing_in_with_a_wrong_password_shows_the_form_with_an_error(
    client: Client, merchant_user
) -> None:
    response = client.post(
        "/accounts/login/", {"username": merchant_user.username, "password": "wrong"}
    )

    assert response.status_code == 200
    assert "The username and password did not match" in response.text
    assert 'name="password"' in response.text
    assert client.get("/").status_code == 302


def test_a_wrong_password_is_explained_in_chinese_too(client: Client, merchant_user) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"

    response = client.post(
        "/accounts/login/", {"username": merchant_user.username, "password": "wrong"}
    )

    assert "用户名或密码不正确" in response.text


def test_signing_in_without_a_username_marks_the_field(client: Client, db: None) -> None:
    response = client.post("/accounts/login/", {"username": "", "password": "x"})

    assert response.status_code == 200
    assert 'id="username-errors"' in response.text


def test_signing_out_works_with_a_post(merchant_user) -> None:
    client = signed_in(merchant_user)

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_every_page_offers_sign_out_as_a_form_not_a_link(merchant_user) -> None:
    response = signed_in(merchant_user).get("/")

    assert re.search(r'<form method="post" action="/accounts/logout/">', response.text)


# --- Home -----------------------------------------------------------------------------------


def test_merchant_sees_their_own_terminals_and_open_tickets_on_home(world) -> None:
    a1, a2, _b1 = world["merchants"]
    own, other = world["terminals"][a1], world["terminals"][a2]
    open_ticket = factories.TicketFactory(terminal=own)
    closed_ticket = factories.TicketFactory(terminal=own, status=Status.CLOSED)
    others_ticket = factories.TicketFactory(terminal=other)
    user = factories.MerchantUserFactory(merchant=a1)

    html = signed_in(user).get("/").text

    assert own.serial_number in html
    assert open_ticket.reference in html
    assert closed_ticket.reference not in html
    assert other.serial_number not in html
    assert others_ticket.reference not in html


def test_merchant_without_tickets_sees_the_empty_state(world) -> None:
    user = factories.MerchantUserFactory(merchant=world["merchants"][0])

    html = signed_in(user).get("/").text

    assert "You have no open incidents" in html


def test_provider_staff_see_queue_counts_of_their_own_provider_only(world) -> None:
    provider_a, _provider_b = world["providers"]
    a1, a2, b1 = world["merchants"]
    agent = factories.ProviderUserFactory(provider=provider_a)
    terminals = world["terminals"]
    factories.TicketFactory(terminal=terminals[a1], priority=Priority.P1)
    factories.TicketFactory(terminal=terminals[a2], assignee=agent, status=Status.IN_PROGRESS)
    factories.TicketFactory(terminal=terminals[a2], status=Status.WAITING_ON_MERCHANT)
    factories.TicketFactory(terminal=terminals[a1], status=Status.CLOSED)
    factories.TicketFactory.create_batch(
        4, terminal=terminals[b1], priority=Priority.P1, status=Status.ESCALATED
    )

    counts = tile_counts(signed_in(agent).get("/").text)

    assert counts == {
        "open": 3,
        "new": 1,
        "unassigned": 2,
        "mine": 1,
        "p1": 1,
        "waiting": 1,
        "escalated": 0,
    }


def test_provider_staff_do_not_see_merchant_panels(world) -> None:
    agent = factories.ProviderUserFactory(provider=world["providers"][0])

    html = signed_in(agent).get("/").text

    assert "My terminals" not in html
    assert "Registry and spare pool" not in html


def test_operator_sees_registry_and_pool_counts(world, operator) -> None:
    factories.SpareFactory.create_batch(2)
    factories.SpareFactory(status=Terminal.Status.ON_LOAN)

    counts = tile_counts(signed_in(operator).get("/").text)

    assert counts["installed"] == 3
    assert counts["merchants"] == 3
    assert counts["spares"] == 3
    assert counts["in_stock"] == 2
    assert counts["on_loan"] == 1
    assert counts["open"] == 0


def test_home_greets_by_role(world, operator) -> None:
    html = signed_in(operator).get("/").text

    assert "The terminal registry, the spare pool and every provider" in html
    assert 'href="/admin/"' in html


def test_merchant_home_has_no_admin_link(merchant_user) -> None:
    html = signed_in(merchant_user).get("/").text

    assert 'href="/admin/"' not in html


# --- Terminal list and detail ---------------------------------------------------------------


def test_terminal_list_shows_only_the_terminals_a_merchant_owns(world) -> None:
    a1, a2, b1 = world["merchants"]
    user = factories.MerchantUserFactory(merchant=a1)

    html = signed_in(user).get("/terminals/").text

    assert world["terminals"][a1].serial_number in html
    assert world["terminals"][a2].serial_number not in html
    assert world["terminals"][b1].serial_number not in html


def test_terminal_list_shows_provider_staff_their_providers_terminals(world) -> None:
    a1, a2, b1 = world["merchants"]
    agent = factories.ProviderUserFactory(provider=world["providers"][0])

    html = signed_in(agent).get("/terminals/").text

    assert world["terminals"][a1].serial_number in html
    assert world["terminals"][a2].serial_number in html
    assert world["terminals"][b1].serial_number not in html


def test_terminal_list_pages_through_many_terminals(merchant) -> None:
    factories.TerminalFactory.create_batch(51, merchant=merchant)
    user = factories.MerchantUserFactory(merchant=merchant)

    html = signed_in(user).get("/terminals/?page=2").text

    assert "Page 2 of 2" in html
    assert 'rel="prev"' in html


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("owner", 200),
        ("owners_provider_staff", 200),
        ("operator", 200),
        ("another_merchant", 404),
        ("another_providers_staff", 404),
    ],
)
def test_terminal_detail_is_shown_only_to_those_who_may_see_it(world, who, expected) -> None:
    a1, _a2, b1 = world["merchants"]
    provider_a, provider_b = world["providers"]
    terminal = world["terminals"][a1]
    users = {
        "owner": lambda: factories.MerchantUserFactory(merchant=a1),
        "owners_provider_staff": lambda: factories.ProviderUserFactory(provider=provider_a),
        "operator": factories.OperatorFactory,
        "another_merchant": lambda: factories.MerchantUserFactory(merchant=b1),
        "another_providers_staff": lambda: factories.ProviderUserFactory(provider=provider_b),
    }

    response = signed_in(users[who]()).get(f"/terminals/{terminal.pk}/")

    assert response.status_code == expected


def test_terminal_detail_shows_identity_provider_hotline_and_history(world) -> None:
    a1 = world["merchants"][0]
    terminal = world["terminals"][a1]
    terminal.firmware_version = "PayDroid 8.0"
    terminal.save()
    TerminalEvent.objects.create(
        terminal=terminal,
        kind=TerminalEvent.Kind.STATUS_CHANGED,
        from_status=Terminal.Status.ACTIVE,
        to_status=Terminal.Status.FAULTY,
        reason="Tamper message on screen",
    )
    user = factories.MerchantUserFactory(merchant=a1)

    html = signed_in(user).get(f"/terminals/{terminal.pk}/").text

    assert terminal.tid in html
    assert "approved is PayDroid 9.1" in html
    assert terminal.provider.hotline in html
    assert "Active → Faulty" in html
    assert "Tamper message on screen" in html


# --- Language ----------------------------------------------------------------------------------


def test_switching_language_sets_the_cookie_and_saves_the_users_choice(merchant_user) -> None:
    client = signed_in(merchant_user)

    response = client.post("/language/", {"language": "zh-hans", "next": "/terminals/"})

    assert response.status_code == 302
    assert response["Location"] == "/terminals/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    assert User.objects.get(pk=merchant_user.pk).language == "zh-hans"
    html = client.get("/terminals/").text
    assert '<html lang="zh-hans">' in html
    assert "退出登录" in html


def test_switching_language_ignores_an_outside_next_url(client: Client, db: None) -> None:
    response = client.post("/language/", {"language": "en", "next": "https://evil.example/"})

    assert response["Location"] == "/"


# --- Query counts -------------------------------------------------------------------------


def count_queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("rows", [3, 30])
def test_merchant_home_costs_the_same_queries_however_many_rows(merchant, rows) -> None:
    user = factories.MerchantUserFactory(merchant=merchant)
    client = signed_in(user)
    baseline = count_queries(client, "/")
    for terminal in factories.TerminalFactory.create_batch(rows, merchant=merchant):
        factories.TicketFactory(terminal=terminal, reporter=user)

    assert count_queries(client, "/") == baseline


@pytest.mark.parametrize("role", ["merchant", "agent", "operator"])
def test_terminal_list_costs_the_same_queries_however_many_terminals(merchant, role) -> None:
    users = {
        "merchant": lambda: factories.MerchantUserFactory(merchant=merchant),
        "agent": lambda: factories.ProviderUserFactory(provider=merchant.provider),
        "operator": factories.OperatorFactory,
    }
    client = signed_in(users[role]())
    factories.TerminalFactory.create_batch(3, merchant=merchant)
    factories.SpareFactory(provider=merchant.provider)
    few = count_queries(client, "/terminals/")
    factories.TerminalFactory.create_batch(27, merchant=merchant)
    factories.SpareFactory.create_batch(3, provider=merchant.provider)

    assert count_queries(client, "/terminals/") == few


def test_home_costs_the_same_queries_for_staff_and_operator(world, operator) -> None:
    agent = factories.ProviderUserFactory(provider=world["providers"][0])
    few = {u: count_queries(signed_in(u), "/") for u in (agent, operator)}
    for terminal in world["terminals"].values():
        factories.TicketFactory.create_batch(10, terminal=terminal)
    factories.SpareFactory.create_batch(10)

    assert {u: count_queries(signed_in(u), "/") for u in (agent, operator)} == few
