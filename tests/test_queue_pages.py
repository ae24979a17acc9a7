"""The provider's queue page, bulk actions from it, and working a ticket on its page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories
from tests.conftest import signed_in
from tickets.models import Status, Ticket
from tickets.services import ticket_create, ticket_transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def terminal(merchant: Any) -> Any:
    return factories.TerminalFactory(merchant=merchant, provider=merchant.provider)


def make_tickets(terminal: Any, reporter: Any, n: int) -> None:
    """Many tickets at once (arrange only): rows as the queue reads them."""
    Ticket.objects.bulk_create(
        factories.TicketFactory.build(
            terminal=terminal,
            merchant=terminal.merchant,
            provider=terminal.provider,
            reporter=reporter,
        )
        for _ in range(n)
    )


def queue_queries(client: Any, **params: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/tickets/", params)
        assert response.status_code == 200
    return len(queries)


def test_the_queue_costs_the_same_queries_for_10_and_1000_tickets(
    terminal: Any, merchant_user: Any, agent: Any
) -> None:
    client = signed_in(agent)
    make_tickets(terminal, merchant_user, 10)
    Ticket.objects.update(assignee=agent)
    few = {view: queue_queries(client, view=view) for view in ("my_open", "all")}
    make_tickets(terminal, merchant_user, 990)
    Ticket.objects.update(assignee=agent)
    many = {view: queue_queries(client, view=view) for view in ("my_open", "all")}
    assert many == few
    assert max(many.values()) <= 12


def test_the_queue_shows_only_the_providers_tickets_with_their_due_state(
    terminal: Any, merchant_user: Any, agent: Any
) -> None:
    mine = ticket_create(terminal=terminal, reporter=merchant_user, priority="p1")
    other_terminal: Any = factories.TerminalFactory()
    other: Any = factories.MerchantUserFactory(merchant=other_terminal.merchant)
    theirs = ticket_create(terminal=other_terminal, reporter=other)
    page = signed_in(agent).get("/tickets/", {"view": "all_open"}).content.decode()
    assert mine.reference in page
    assert theirs.reference not in page
    assert "badge--sla-" in page


def test_saved_views_and_filters(terminal: Any, merchant_user: Any, agent: Any) -> None:
    p1 = ticket_create(terminal=terminal, reporter=merchant_user, priority="p1")
    p3 = ticket_create(terminal=terminal, reporter=merchant_user, priority="p3")
    client = signed_in(agent)
    unassigned_p1 = client.get("/tickets/", {"view": "unassigned_p1"}).content.decode()
    assert p1.reference in unassigned_p1
    assert p3.reference not in unassigned_p1
    found = client.get("/tickets/", {"q": p3.reference}).content.decode()
    assert p3.reference in found
    assert p1.reference not in found
    by_mid = client.get(
        "/tickets/", {"q": terminal.merchant.mid, "priority": "p3"}
    ).content.decode()
    assert p3.reference in by_mid
    assert p1.reference not in by_mid


def test_a_bad_filter_says_so_and_sorting_ignores_unknown_fields(agent: Any) -> None:
    client = signed_in(agent)
    response = client.get("/tickets/", {"assignee": "somebody"})
    assert response.status_code == 200
    assert "Use me, none, or a user id." in response.content.decode()
    assert client.get("/tickets/", {"ordering": "merchant__legal_id"}).status_code == 200


def test_bulk_from_the_page_reports_each_ticket(
    terminal: Any, merchant_user: Any, agent: Any
) -> None:
    fresh = ticket_create(terminal=terminal, reporter=merchant_user)
    closed = ticket_create(terminal=terminal, reporter=merchant_user)
    Ticket.objects.filter(pk=closed.pk).update(status=Status.CLOSED)
    response = signed_in(agent).post(
        "/tickets/bulk/",
        {"tickets": [fresh.pk, closed.pk], "action": "claim", "next": "/tickets/?view=all"},
        follow=True,
    )
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == "/tickets/?view=all"
    assert f"Done for {fresh.reference}" in page
    assert f"{closed.reference}: Only an open ticket can be assigned." in page
    assert list(Ticket.objects.filter(assignee=agent)) == [fresh]


def test_merchants_have_no_queue_or_bulk(terminal: Any, merchant_user: Any) -> None:
    client = signed_in(merchant_user)
    assert "Saved views" not in client.get("/tickets/").content.decode()
    assert client.post("/tickets/bulk/", {"tickets": [1], "action": "claim"}).status_code == 403


def test_staff_claim_and_move_a_ticket_on_its_page(
    terminal: Any, merchant_user: Any, agent: Any
) -> None:
    ticket = ticket_create(terminal=terminal, reporter=merchant_user)
    client = signed_in(agent)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Claim" in page
    assert "Time targets" in page
    client.post(f"/tickets/{ticket.pk}/assign/", {"claim": "1"})
    client.post(f"/tickets/{ticket.pk}/move/", {"to": "in_progress", "reason": ""})
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.status) == (agent, Status.IN_PROGRESS)
    refused = client.post(
        f"/tickets/{ticket.pk}/move/", {"to": "resolved", "reason": ""}, follow=True
    )
    assert "a reason is needed" in refused.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS


def test_the_merchant_confirms_the_resolution_on_the_page(
    terminal: Any, merchant_user: Any, agent: Any
) -> None:
    ticket = ticket_create(terminal=terminal, reporter=merchant_user)
    ticket_transition(ticket=ticket, to=Status.RESOLVED, actor=agent, reason="Re-signed on")
    client = signed_in(merchant_user)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Yes, it works: close the ticket" in page
    assert "Claim" not in page
    client.post(f"/tickets/{ticket.pk}/move/", {"to": "closed"})
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED


def test_another_providers_staff_get_404_on_every_ticket_action(
    terminal: Any, merchant_user: Any
) -> None:
    ticket = ticket_create(terminal=terminal, reporter=merchant_user)
    client = signed_in(factories.ProviderUserFactory())
    for url, data in [
        (f"/tickets/{ticket.pk}/", None),
        (f"/tickets/{ticket.pk}/move/", {"to": "in_progress"}),
        (f"/tickets/{ticket.pk}/assign/", {"claim": "1"}),
    ]:
        response = client.post(url, data) if data else client.get(url)
        assert response.status_code == 404, url


def test_the_dashboard_for_a_lead(terminal: Any, merchant_user: Any, agent: Any) -> None:
    from portal.models import Role

    lead: Any = factories.ProviderUserFactory(provider=terminal.provider, role=Role.PROVIDER_LEAD)
    p1 = ticket_create(terminal=terminal, reporter=merchant_user, priority="p1", cause="keys")
    ticket_create(terminal=terminal, reporter=merchant_user, priority="p3", cause="cardholder")
    ticket_transition(ticket=p1, to=Status.RESOLVED, actor=agent, reason="Signed on again")
    other_terminal: Any = factories.TerminalFactory()
    ticket_create(
        terminal=other_terminal,
        reporter=factories.MerchantUserFactory(merchant=other_terminal.merchant),
        cause="network",
    )  # type: ignore[arg-type]
    client = signed_in(lead)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/tickets/dashboard/")
    assert response.status_code == 200
    assert len(queries) <= 15
    figures = response.context
    assert figures["open_total"] == 1  # the other provider's ticket is not counted
    by_cause = {bar.label: bar.value for bar in figures["by_cause"]}
    assert (by_cause["Cardholder / card issuer"], by_cause["Network"]) == (1, 0)
    restore = next(r for r in figures["attainment"] if r["label"] == "Trading restored")
    assert (restore["kept"], restore["decided"]) == (1, 1)
    assert figures["median_restore"] is not None


def test_the_dashboard_is_for_leads_and_admins(agent: Any, merchant_user: Any) -> None:
    assert signed_in(agent).get("/tickets/dashboard/").status_code == 403
    assert signed_in(merchant_user).get("/tickets/dashboard/").status_code == 403


def test_the_dashboard_is_computed_once_a_minute(
    terminal: Any, merchant_user: Any, agent: Any, settings: Any
) -> None:
    import time_machine

    # Expiry in a local cache follows the travelled clock; Redis keeps its own time.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.utils import timezone

    from portal.models import Role

    lead: Any = factories.ProviderUserFactory(provider=terminal.provider, role=Role.PROVIDER_LEAD)
    client = signed_in(lead)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert client.get("/tickets/dashboard/").context["open_total"] == 0
    ticket_create(terminal=terminal, reporter=merchant_user)
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        assert client.get("/tickets/dashboard/").context["open_total"] == 0  # a minute old at most
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        assert client.get("/tickets/dashboard/").context["open_total"] == 1


def test_the_search_box_finds_a_ticket_whatever_the_saved_view(
    terminal: Any, merchant_user: Any, agent: Any
) -> None:
    ticket = ticket_create(terminal=terminal, reporter=merchant_user)  # unassigned
    client = signed_in(agent)
    assert ticket.reference not in client.get("/tickets/").content.decode()  # "my open"
    assert ticket.reference in client.get("/tickets/", {"q": ticket.reference}).content.decode()


def test_a_closed_ticket_gives_no_advice_to_act(
    terminal: Any, merchant_user: Any, agent: Any
) -> None:
    ticket = ticket_create(terminal=terminal, reporter=merchant_user)
    client = signed_in(merchant_user)
    assert "What to do now" in client.get(f"/tickets/{ticket.pk}/").content.decode()
    ticket_transition(ticket=ticket, to=Status.RESOLVED, actor=agent, reason="Keys reloaded")
    ticket_transition(ticket=ticket, to=Status.CLOSED, actor=agent)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "What to do now" not in page
    assert "This ticket is closed." in page


def test_the_worker_computes_the_dashboards_before_the_leads_ask(
    terminal: Any, merchant_user: Any, settings: Any
) -> None:
    from django_celery_beat.models import PeriodicTask

    from portal.models import Role
    from tickets.tasks import refresh_dashboards

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    lead: Any = factories.ProviderUserFactory(provider=terminal.provider, role=Role.PROVIDER_LEAD)
    factories.OperatorFactory()
    ticket_create(terminal=terminal, reporter=merchant_user)
    assert refresh_dashboards.apply().get() == 4  # (provider, whole portal) x 2 languages
    client = signed_in(lead)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/tickets/dashboard/")
    assert response.context["open_total"] == 1
    assert len(queries) <= 3  # session and user only: no figure computed for the page
    schedule = PeriodicTask.objects.get(task="tickets.refresh_dashboards")
    assert (schedule.interval.every, schedule.interval.period) == (1, "minutes")
