"""Engineer visits: dispatch rules, the visit transition table, the engineer's own page,
what merchants see, and the API."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from portal.errors import ConflictError, DomainError
from tests import factories
from tests.conftest import signed_in
from tickets.models import EngineerVisit, Status, Ticket, TicketEvent, VisitOutcome, VisitStatus
from tickets.services import VISIT_TRANSITIONS, visit_dispatch, visit_update

pytestmark = pytest.mark.django_db


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def ticket(merchant_user):
    terminal = factories.TerminalFactory(
        merchant=merchant_user.merchant, installed_address="Stall 12, Qibao Market"
    )
    return factories.TicketFactory(terminal=terminal, reporter=merchant_user)


@pytest.fixture
def engineer(provider):
    return factories.FieldEngineerFactory(provider=provider, first_name="Li", last_name="Ming")


@pytest.fixture
def other_agent(db):
    return factories.ProviderUserFactory()


def window(hours_from_now: float = 2, length: float = 2):
    start = timezone.now() + timedelta(hours=hours_from_now)
    return {"window_start": start, "window_end": start + timedelta(hours=length)}


def dispatch(ticket, agent, engineer, **extra) -> EngineerVisit:
    return visit_dispatch(ticket=ticket, actor=agent, engineer=engineer, **{**window(), **extra})


# --- Dispatch --------------------------------------------------------------------------------


def test_staff_dispatch_a_field_engineer_of_the_provider(ticket, agent, engineer):
    visit = dispatch(ticket, agent, engineer, notes="Bring a spare N910")

    assert visit.status == VisitStatus.SCHEDULED
    assert visit.engineer == engineer
    assert visit.dispatched_by == agent
    event = TicketEvent.objects.get(ticket=ticket, kind=TicketEvent.Kind.VISIT_SCHEDULED)
    assert event.internal is False
    assert event.reason == ""
    assert event.data["visit"] == visit.pk
    assert event.data["window_start"] == visit.window_start.isoformat()
    assert "Bring a spare" not in str(event.data)


def test_the_engineer_must_be_field_staff(ticket, agent):
    support = factories.ProviderUserFactory(provider=ticket.provider)

    with pytest.raises(DomainError) as refused:
        dispatch(ticket, agent, support)

    assert refused.value.field == "engineer"


def test_the_engineer_must_belong_to_the_tickets_provider(ticket, agent):
    stranger = factories.FieldEngineerFactory()

    with pytest.raises(DomainError) as refused:
        dispatch(ticket, agent, stranger)

    assert refused.value.field == "engineer"


def test_an_inactive_engineer_cannot_be_sent(ticket, agent, engineer):
    engineer.is_active = False
    engineer.save()

    with pytest.raises(DomainError):
        dispatch(ticket, agent, engineer)


@pytest.mark.parametrize("length", [0, -1])
def test_the_window_must_end_after_it_starts(ticket, agent, engineer, length):
    with pytest.raises(DomainError) as refused:
        dispatch(ticket, agent, engineer, **window(length=length))

    assert refused.value.field == "window_end"


def test_the_window_cannot_start_in_the_past(ticket, agent, engineer):
    with pytest.raises(DomainError) as refused:
        dispatch(ticket, agent, engineer, **window(hours_from_now=-1))

    assert refused.value.field == "window_start"
    assert not EngineerVisit.objects.exists()


def test_a_window_starting_right_now_is_accepted(ticket, agent, engineer):
    assert dispatch(ticket, agent, engineer, **window(hours_from_now=-0.1)).pk


@pytest.mark.parametrize("status", [Status.RESOLVED, Status.CLOSED])
def test_no_engineer_for_a_resolved_or_closed_ticket(ticket, agent, engineer, status):
    Ticket.objects.filter(pk=ticket.pk).update(status=status)

    with pytest.raises(ConflictError):
        dispatch(ticket, agent, engineer)


def test_merchants_cannot_dispatch(ticket, merchant_user, engineer):
    with pytest.raises(PermissionDenied):
        dispatch(ticket, merchant_user, engineer)


def test_staff_of_another_provider_cannot_dispatch(ticket, other_agent, engineer):
    with pytest.raises(PermissionDenied):
        dispatch(ticket, other_agent, engineer)


# --- The visit transition table --------------------------------------------------------------

ALLOWED = {
    ("scheduled", "on_site"),
    ("scheduled", "cancelled"),
    ("on_site", "done"),
    ("on_site", "cancelled"),
}


def test_the_table_is_exactly_the_documented_one():
    assert {(a, b) for a, moves in VISIT_TRANSITIONS.items() for b in moves} == ALLOWED


@pytest.mark.parametrize(
    ("from_status", "to"),
    [p for p in itertools.product(VisitStatus.values, repeat=2) if p[0] != p[1]],
)
def test_every_pair_of_visit_statuses_against_the_table(ticket, engineer, from_status, to):
    outcome_before = "fixed" if from_status == "done" else ""
    visit = factories.EngineerVisitFactory(
        ticket=ticket, engineer=engineer, status=from_status, outcome=outcome_before
    )
    outcome = "fixed" if to == "done" else ""

    if (from_status, to) in ALLOWED:
        updated = visit_update(visit=visit, actor=engineer, to=to, outcome=outcome)
        assert (updated.status, updated.outcome) == (to, outcome)
        event = TicketEvent.objects.get(kind=TicketEvent.Kind.VISIT_UPDATED)
        assert (event.data["from"], event.data["to"]) == (from_status, to)
        assert event.internal is False
    else:
        with pytest.raises(ConflictError):
            visit_update(visit=visit, actor=engineer, to=to, outcome=outcome)
        visit.refresh_from_db()
        assert visit.status == from_status
        assert not TicketEvent.objects.filter(kind="visit_updated").exists()


@pytest.mark.parametrize("outcome", ["", "repaired", None])
def test_done_needs_one_of_the_outcomes(ticket, engineer, outcome):
    visit = factories.EngineerVisitFactory(ticket=ticket, engineer=engineer, status="on_site")

    with pytest.raises(DomainError) as refused:
        visit_update(visit=visit, actor=engineer, to="done", outcome=outcome or "")

    assert refused.value.field == "outcome"


@pytest.mark.parametrize("outcome", VisitOutcome.values)
def test_every_outcome_can_be_recorded(ticket, engineer, outcome):
    visit = factories.EngineerVisitFactory(ticket=ticket, engineer=engineer, status="on_site")

    done = visit_update(visit=visit, actor=engineer, to="done", outcome=outcome)

    assert done.outcome == outcome
    assert done.completed_at is not None
    assert TicketEvent.objects.get(kind="visit_updated").data["outcome"] == outcome


def test_only_a_finished_visit_has_an_outcome(ticket, engineer):
    visit = factories.EngineerVisitFactory(ticket=ticket, engineer=engineer)

    with pytest.raises(DomainError) as refused:
        visit_update(visit=visit, actor=engineer, to="on_site", outcome="fixed")

    assert refused.value.field == "outcome"


def test_notes_are_appended_and_card_numbers_masked(ticket, engineer):
    visit = factories.EngineerVisitFactory(ticket=ticket, engineer=engineer, notes="Gate code 42")

    visit = visit_update(
        visit=visit, actor=engineer, to="on_site", notes="Card 4111 1111 1111 1111 on the desk"
    )

    assert visit.notes.startswith("Gate code 42\n\n")
    assert "4111 1111 1111 1111" not in visit.notes


def test_moving_to_the_same_status_changes_nothing(ticket, engineer):
    visit = factories.EngineerVisitFactory(ticket=ticket, engineer=engineer)

    visit_update(visit=visit, actor=engineer, to="scheduled")

    assert not TicketEvent.objects.filter(kind="visit_updated").exists()


def test_other_staff_of_the_provider_may_update_a_visit(ticket, agent, engineer):
    visit = factories.EngineerVisitFactory(ticket=ticket, engineer=engineer)

    assert visit_update(visit=visit, actor=agent, to="cancelled").status == "cancelled"


@pytest.mark.parametrize("who", ["merchant", "other_agent"])
def test_merchants_and_other_providers_cannot_update_a_visit(
    ticket, engineer, merchant_user, other_agent, who
):
    visit = factories.EngineerVisitFactory(ticket=ticket, engineer=engineer)

    with pytest.raises(PermissionDenied):
        visit_update(
            visit=visit,
            actor={"merchant": merchant_user, "other_agent": other_agent}[who],
            to="on_site",
        )


# --- Pages -----------------------------------------------------------------------------------


def test_staff_dispatch_through_the_ticket_page(ticket, agent, engineer):
    start = timezone.localtime() + timedelta(days=1)
    response = signed_in(agent).post(
        f"/tickets/{ticket.pk}/visits/",
        {
            "engineer": engineer.pk,
            "window_start": start.strftime("%Y-%m-%dT%H:%M"),
            "window_end": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "notes": "Call first",
        },
    )

    assert response.status_code == 302
    visit = EngineerVisit.objects.get()
    assert (visit.engineer, visit.notes) == (engineer, "Call first")


def test_a_bad_window_on_the_page_is_a_message(ticket, agent, engineer):
    start = timezone.localtime() + timedelta(days=1)
    response = signed_in(agent).post(
        f"/tickets/{ticket.pk}/visits/",
        {
            "engineer": engineer.pk,
            "window_start": start.strftime("%Y-%m-%dT%H:%M"),
            "window_end": start.strftime("%Y-%m-%dT%H:%M"),
        },
        follow=True,
    )

    assert "The visit window must end after it starts." in response.content.decode()
    assert not EngineerVisit.objects.exists()


def test_the_ticket_page_offers_only_the_providers_field_engineers(ticket, agent, engineer):
    stranger = factories.FieldEngineerFactory(first_name="Zhao", last_name="Stranger")

    page = signed_in(agent).get(f"/tickets/{ticket.pk}/").content.decode()

    assert "Li Ming" in page
    assert stranger.last_name not in page


def test_merchants_see_the_window_engineer_and_outcome_but_not_the_notes(
    ticket, engineer, merchant_user
):
    factories.EngineerVisitFactory(
        ticket=ticket,
        engineer=engineer,
        status="done",
        outcome="swapped",
        notes="SECRET-NOTE",
    )

    page = signed_in(merchant_user).get(f"/tickets/{ticket.pk}/").content.decode()

    assert "Engineer visits" in page
    assert "Li Ming" in page
    assert "Terminal swapped" in page
    assert "SECRET-NOTE" not in page
    assert "/tickets/visits/" not in page  # no update form


def test_the_engineer_updates_from_their_page_and_returns_to_it(ticket, engineer):
    visit = factories.EngineerVisitFactory(ticket=ticket, engineer=engineer)
    client = signed_in(engineer)

    on_site = client.post(f"/tickets/visits/{visit.pk}/", {"to": "on_site", "return_to": "visits"})
    done = client.post(
        f"/tickets/visits/{visit.pk}/",
        {"to": "done", "outcome": "fixed", "notes": "Reseated SIM"},
    )

    assert on_site.status_code == 302
    assert on_site["Location"] == "/tickets/visits/"
    assert done["Location"] == f"/tickets/{ticket.pk}/"
    visit.refresh_from_db()
    assert (visit.status, visit.outcome, visit.notes) == ("done", "fixed", "Reseated SIM")


def test_an_illegal_visit_move_on_the_page_is_a_message(ticket, engineer):
    visit = factories.EngineerVisitFactory(ticket=ticket, engineer=engineer)

    response = signed_in(engineer).post(
        f"/tickets/visits/{visit.pk}/", {"to": "done", "outcome": "fixed"}, follow=True
    )

    assert response.status_code == 200
    assert "cannot go from" in response.content.decode()


def test_my_visits_lists_only_the_engineers_own_visits(ticket, engineer, provider):
    colleague = factories.FieldEngineerFactory(provider=provider)
    mine = factories.EngineerVisitFactory(ticket=ticket, engineer=engineer)
    theirs = factories.EngineerVisitFactory(ticket=ticket, engineer=colleague)
    elsewhere = factories.EngineerVisitFactory()  # another provider's

    page = signed_in(engineer).get("/tickets/visits/").content.decode()

    assert f'id="visit-{mine.pk}"' in page
    assert f'id="visit-{theirs.pk}"' not in page
    assert f'id="visit-{elsewhere.pk}"' not in page
    assert "Stall 12, Qibao Market" in page
    assert ticket.terminal.serial_number in page
    assert ticket.reference in page


def test_my_visits_shows_today_upcoming_and_still_open_but_not_old_finished_ones(ticket, engineer):
    now = timezone.now()
    upcoming = factories.EngineerVisitFactory(ticket=ticket, engineer=engineer)
    forgotten = factories.EngineerVisitFactory(
        ticket=ticket,
        engineer=engineer,
        window_start=now - timedelta(days=3),
        window_end=now - timedelta(days=3) + timedelta(hours=2),
    )
    old_done = factories.EngineerVisitFactory(
        ticket=ticket,
        engineer=engineer,
        status="done",
        outcome="fixed",
        window_start=now - timedelta(days=3),
        window_end=now - timedelta(days=3) + timedelta(hours=2),
    )

    page = signed_in(engineer).get("/tickets/visits/").content.decode()

    assert f'id="visit-{upcoming.pk}"' in page
    assert f'id="visit-{forgotten.pk}"' in page
    assert f'id="visit-{old_done.pk}"' not in page


def test_merchants_cannot_open_my_visits(merchant_user):
    assert signed_in(merchant_user).get("/tickets/visits/").status_code == 403


def test_my_visits_costs_the_same_queries_however_many_visits(ticket, engineer):
    client = signed_in(engineer)
    factories.EngineerVisitFactory(ticket=ticket, engineer=engineer)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/tickets/visits/").status_code == 200
        return len(captured)

    few = queries()
    for _ in range(10):
        other = factories.TicketFactory(
            terminal=factories.TerminalFactory(merchant=ticket.merchant)
        )
        factories.EngineerVisitFactory(ticket=other, engineer=engineer)

    assert queries() == few


def test_the_home_page_shows_the_engineers_visits_today(ticket, engineer):
    start = timezone.localtime().replace(hour=23, minute=0, second=0, microsecond=0)
    factories.EngineerVisitFactory(
        ticket=ticket,
        engineer=engineer,
        window_start=start,
        window_end=start + timedelta(minutes=30),
    )

    page = signed_in(engineer).get("/").content.decode()

    assert "My visits today" in page
    assert ticket.reference in page


def test_the_home_page_panel_is_for_field_engineers_only(agent):
    assert "My visits today" not in signed_in(agent).get("/").content.decode()


def test_staff_of_another_provider_get_404_on_every_visit_page(ticket, engineer, other_agent):
    visit = factories.EngineerVisitFactory(ticket=ticket, engineer=engineer)
    client = signed_in(other_agent)
    start = timezone.localtime() + timedelta(days=1)

    dispatch_response = client.post(
        f"/tickets/{ticket.pk}/visits/",
        {
            "engineer": engineer.pk,
            "window_start": start.strftime("%Y-%m-%dT%H:%M"),
            "window_end": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    update_response = client.post(f"/tickets/visits/{visit.pk}/", {"to": "cancelled"})
    my_visits = client.get("/tickets/visits/").content.decode()

    assert dispatch_response.status_code == 404
    assert update_response.status_code == 404
    assert f'id="visit-{visit.pk}"' not in my_visits
    visit.refresh_from_db()
    assert visit.status == "scheduled"


# --- API -------------------------------------------------------------------------------------


def test_staff_dispatch_through_the_api(ticket, agent, engineer):
    body = {
        "engineer": engineer.pk,
        "window_start": (timezone.now() + timedelta(hours=3)).isoformat(),
        "window_end": (timezone.now() + timedelta(hours=5)).isoformat(),
        "notes": "Spare in the van",
    }

    response = api_as(agent).post(f"/api/v1/tickets/{ticket.pk}/visits/", body, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["engineer"] == "Li Ming"
    assert response.json()["status"] == "scheduled"
    assert response.json()["notes"] == "Spare in the van"


@pytest.mark.parametrize("whom", ["support", "stranger", "missing"])
def test_the_api_refuses_anyone_but_a_field_engineer_of_the_provider(ticket, agent, whom):
    engineer_id = {
        "support": lambda: factories.ProviderUserFactory(provider=ticket.provider).pk,
        "stranger": lambda: factories.FieldEngineerFactory().pk,
        "missing": lambda: 999_999,
    }[whom]()
    body = {
        "engineer": engineer_id,
        "window_start": (timezone.now() + timedelta(hours=3)).isoformat(),
        "window_end": (timezone.now() + timedelta(hours=5)).isoformat(),
    }

    response = api_as(agent).post(f"/api/v1/tickets/{ticket.pk}/visits/", body, format="json")

    assert response.status_code == 400
    assert response.json() == {"engineer": ["Choose a field engineer of the ticket's provider."]}


def test_a_bad_window_through_the_api_is_400(ticket, agent, engineer):
    start = timezone.now() + timedelta(hours=3)
    body = {
        "engineer": engineer.pk,
        "window_start": start.isoformat(),
        "window_end": start.isoformat(),
    }

    response = api_as(agent).post(f"/api/v1/tickets/{ticket.pk}/visits/", body, format="json")

    assert response.status_code == 400
    assert "window_end" in response.json()


def test_merchants_read_visits_without_notes_and_cannot_dispatch(ticket, engineer, merchant_user):
    factories.EngineerVisitFactory(ticket=ticket, engineer=engineer, notes="SECRET")
    client = api_as(merchant_user)

    listed = client.get(f"/api/v1/tickets/{ticket.pk}/visits/")
    posted = client.post(
        f"/api/v1/tickets/{ticket.pk}/visits/",
        {
            "engineer": engineer.pk,
            "window_start": (timezone.now() + timedelta(hours=3)).isoformat(),
            "window_end": (timezone.now() + timedelta(hours=5)).isoformat(),
        },
        format="json",
    )

    assert listed.status_code == 200
    assert len(listed.json()) == 1
    assert "notes" not in listed.json()[0]
    assert "SECRET" not in listed.content.decode()
    assert posted.status_code == 403


def test_visit_transitions_through_the_api(ticket, engineer):
    visit = factories.EngineerVisitFactory(ticket=ticket, engineer=engineer)
    client = api_as(engineer)
    url = f"/api/v1/visits/{visit.pk}/transitions/"

    illegal = client.post(url, {"to": "done", "outcome": "fixed"}, format="json")
    on_site = client.post(url, {"to": "on_site"}, format="json")
    no_outcome = client.post(url, {"to": "done"}, format="json")
    done = client.post(url, {"to": "done", "outcome": "needs_parts"}, format="json")

    assert illegal.status_code == 409
    assert on_site.status_code == 200
    assert no_outcome.status_code == 400
    assert "outcome" in no_outcome.json()
    assert done.json()["outcome"] == "needs_parts"


def test_merchants_get_403_updating_a_visit_through_the_api(ticket, engineer, merchant_user):
    visit = factories.EngineerVisitFactory(ticket=ticket, engineer=engineer)

    response = api_as(merchant_user).post(
        f"/api/v1/visits/{visit.pk}/transitions/", {"to": "cancelled"}, format="json"
    )

    assert response.status_code == 403


def test_staff_of_another_provider_get_404_on_every_visit_endpoint(ticket, engineer, other_agent):
    visit = factories.EngineerVisitFactory(ticket=ticket, engineer=engineer)
    client = api_as(other_agent)

    assert client.get(f"/api/v1/tickets/{ticket.pk}/visits/").status_code == 404
    assert (
        client.post(
            f"/api/v1/tickets/{ticket.pk}/visits/",
            {"engineer": engineer.pk, "window_start": "x", "window_end": "y"},
            format="json",
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/api/v1/visits/{visit.pk}/transitions/", {"to": "cancelled"}, format="json"
        ).status_code
        == 404
    )
