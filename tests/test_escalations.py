"""Escalations: the service's rules, the transition table, due times on the business
calendar, who sees what on the ticket page, and the API."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from portal.errors import ConflictError, DomainError
from tests import factories
from tests.conftest import signed_in
from tickets.models import (
    Escalation,
    EscalationStatus,
    Party,
    Status,
    Team,
    Ticket,
    TicketEvent,
)
from tickets.services import (
    ESCALATION_TRANSITIONS,
    RESPONSE_TARGETS,
    escalate,
    escalation_update,
    ticket_transition,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)  # type: ignore[misc]


def frozen(moment: datetime) -> Any:
    return mock.patch("django.utils.timezone.now", return_value=moment)


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def ticket(merchant_user):
    terminal = factories.TerminalFactory(merchant=merchant_user.merchant)
    return factories.TicketFactory(terminal=terminal, reporter=merchant_user)


@pytest.fixture
def other_agent(db):
    return factories.ProviderUserFactory()


def escalate_to_acquirer(ticket, agent, **extra) -> Escalation:
    return escalate(ticket=ticket, actor=agent, party="acquirer", reason="Check the MID", **extra)


# --- The service -----------------------------------------------------------------------------


def test_escalating_to_an_outside_party_records_it_and_moves_the_ticket(ticket, agent):
    escalation = escalate(
        ticket=ticket,
        actor=agent,
        party="acquirer",
        reason="Terminal not registered at the host",
        external_reference="ACQ-1",
    )

    assert escalation.party == Party.ACQUIRER
    assert escalation.team == ""
    assert escalation.status == EscalationStatus.OPEN
    assert escalation.external_reference == "ACQ-1"
    assert escalation.created_by == agent
    assert escalation.evidence_pack["ticket"]["reference"] == ticket.reference
    ticket.refresh_from_db()
    assert ticket.status == Status.ESCALATED
    event = TicketEvent.objects.get(ticket=ticket, kind=TicketEvent.Kind.ESCALATED)
    assert event.internal is False
    assert event.reason == ""
    assert event.data["party"] == "acquirer"
    assert event.data["escalation"] == escalation.pk
    assert event.actor == agent


def test_escalating_to_a_team_writes_an_internal_event_with_the_reason(ticket, agent):
    escalate(ticket=ticket, actor=agent, team="risk", reason="Looks like a risk freeze")

    event = TicketEvent.objects.get(ticket=ticket, kind=TicketEvent.Kind.ESCALATED)
    assert event.internal is True
    assert event.reason == "Looks like a risk freeze"
    assert event.data["team"] == "risk"


def test_the_status_change_event_carries_no_staff_text(ticket, agent):
    escalate_to_acquirer(ticket, agent)

    change = TicketEvent.objects.get(ticket=ticket, kind=TicketEvent.Kind.STATUS_CHANGED)
    assert (change.from_status, change.to_status) == (Status.NEW, Status.ESCALATED)
    assert change.reason == "Escalated to Acquirer bank."  # who, never the staff's reason
    assert change.internal is False


def test_a_team_escalation_does_not_name_the_team_to_the_merchant(ticket, agent):
    escalate(ticket=ticket, actor=agent, team="risk", reason="Looks like a risk freeze")

    change = TicketEvent.objects.get(ticket=ticket, kind=TicketEvent.Kind.STATUS_CHANGED)
    assert change.reason == "Passed to a specialist team of the provider."


def test_escalating_an_escalated_ticket_adds_an_escalation_and_keeps_the_status(ticket, agent):
    escalate_to_acquirer(ticket, agent)
    escalate(ticket=ticket, actor=agent, team="host_operations", reason="Host logs please")

    ticket.refresh_from_db()
    assert ticket.status == Status.ESCALATED
    assert ticket.escalations.count() == 2
    assert TicketEvent.objects.filter(ticket=ticket, kind="status_changed").count() == 1


@pytest.mark.parametrize("status", [Status.RESOLVED, Status.CLOSED])
def test_a_resolved_or_closed_ticket_cannot_be_escalated(ticket, agent, status):
    Ticket.objects.filter(pk=ticket.pk).update(status=status)

    with pytest.raises(ConflictError):
        escalate_to_acquirer(ticket, agent)
    assert not Escalation.objects.exists()


@pytest.mark.parametrize(
    ("team", "party"),
    [("", ""), ("risk", "acquirer"), ("sales", ""), ("", "bank"), ("acquirer", "")],
)
def test_exactly_one_known_team_or_party_is_required(ticket, agent, team, party):
    with pytest.raises(DomainError) as refused:
        escalate(ticket=ticket, actor=agent, team=team, party=party, reason="why")

    assert refused.value.field in {"team", "party"}
    assert not Escalation.objects.exists()


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_reason_is_required(ticket, agent, reason):
    with pytest.raises(DomainError) as refused:
        escalate(ticket=ticket, actor=agent, party="telecom", reason=reason)

    assert refused.value.field == "reason"


def test_a_too_long_reference_is_refused(ticket, agent):
    with pytest.raises(DomainError) as refused:
        escalate_to_acquirer(ticket, agent, external_reference="x" * 101)

    assert refused.value.field == "external_reference"


def test_card_numbers_in_the_reason_are_masked(ticket, agent):
    escalation = escalate(
        ticket=ticket, actor=agent, team="risk", reason="Card 4111 1111 1111 1111 declined"
    )

    assert escalation.reason == "Card **** **** **** 1111 declined"


def test_merchants_cannot_escalate(ticket, merchant_user):
    with pytest.raises(PermissionDenied):
        escalate_to_acquirer(ticket, merchant_user)


def test_staff_of_another_provider_cannot_escalate(ticket, other_agent):
    with pytest.raises(PermissionDenied):
        escalate_to_acquirer(ticket, other_agent)


def test_operator_admins_can_escalate(ticket, operator):
    assert escalate_to_acquirer(ticket, operator).created_by == operator


# --- Due times on the business calendar -------------------------------------------------------


def test_the_response_targets_cover_every_team_and_party():
    assert set(RESPONSE_TARGETS) == set(Team.values) | set(Party.values)
    assert RESPONSE_TARGETS[Team.FIELD_SERVICE] == timedelta(hours=4)
    assert RESPONSE_TARGETS[Party.ACQUIRER] == timedelta(hours=27)
    assert RESPONSE_TARGETS[Party.MANUFACTURER] == timedelta(hours=45)
    assert RESPONSE_TARGETS[Party.TELECOM] == timedelta(hours=9)


@pytest.mark.parametrize(
    ("now", "target", "due"),
    [
        # Friday 17:00 + 4 working hours: one hour on Friday, three on Monday.
        (at(2026, 3, 6, 17), "team:field_service", at(2026, 3, 9, 12)),
        # Evening before the National Day week: 1-7 October off, Thursday 8th is back.
        (at(2026, 9, 30, 17), "team:risk", at(2026, 10, 8, 12)),
        # Friday 9 October 2026 before Saturday 10th, a make-up working day (调休).
        (at(2026, 10, 9, 17), "team:host_operations", at(2026, 10, 10, 12)),
        # Friday 13 February 2026 before Saturday 14th, also a make-up working day.
        (at(2026, 2, 13, 17), "team:field_service", at(2026, 2, 14, 12)),
        # Three working days (27 h) from Friday 09:00: Friday, Monday, Tuesday.
        (at(2026, 3, 6, 9), "party:acquirer", at(2026, 3, 10, 18)),
        # One working day from Saturday night: all of Monday.
        (at(2026, 3, 7, 22), "party:telecom", at(2026, 3, 9, 18)),
        # Five working days from Monday 9 March 10:00: due Monday 16th 10:00.
        (at(2026, 3, 9, 10), "party:manufacturer", at(2026, 3, 16, 10)),
    ],
)
def test_the_answer_is_due_on_the_providers_business_calendar(ticket, agent, now, target, due):
    kind, _sep, value = target.partition(":")
    with frozen(now):
        escalation = escalate(ticket=ticket, actor=agent, reason="r", **{kind: value})

    assert escalation.respond_by == due


def test_an_unanswered_escalation_past_its_due_time_is_overdue(ticket, agent):
    from tickets.services.escalation import escalation_is_overdue

    with frozen(at(2026, 3, 6, 17)):
        escalation = escalate(ticket=ticket, actor=agent, team="risk", reason="r")

    assert not escalation_is_overdue(escalation, at(2026, 3, 9, 11, 59))
    assert escalation_is_overdue(escalation, at(2026, 3, 9, 12, 1))
    escalation = escalation_update(
        escalation=escalation, actor=agent, to="answered", answer="Cleared"
    )
    assert not escalation_is_overdue(escalation, at(2026, 3, 9, 12, 1))


# --- The escalation transition table ---------------------------------------------------------

ALLOWED = {
    ("open", "acknowledged"),
    ("open", "answered"),
    ("open", "closed"),
    ("acknowledged", "answered"),
    ("acknowledged", "closed"),
    ("answered", "closed"),
}


def test_the_table_is_exactly_the_documented_one():
    assert {(a, b) for a, moves in ESCALATION_TRANSITIONS.items() for b in moves} == ALLOWED


@pytest.mark.parametrize(
    ("from_status", "to"),
    [p for p in itertools.product(EscalationStatus.values, repeat=2) if p[0] != p[1]],
)
def test_every_pair_of_escalation_statuses_against_the_table(ticket, agent, from_status, to):
    escalation = factories.EscalationFactory(ticket=ticket, status=from_status)

    if (from_status, to) in ALLOWED:
        updated = escalation_update(escalation=escalation, actor=agent, to=to, answer="Done")
        assert updated.status == to
        event = TicketEvent.objects.get(kind=TicketEvent.Kind.ESCALATION_UPDATED)
        assert (event.data["from"], event.data["to"]) == (from_status, to)
    else:
        with pytest.raises(ConflictError):
            escalation_update(escalation=escalation, actor=agent, to=to, answer="Done")
        escalation.refresh_from_db()
        assert escalation.status == from_status
        assert not TicketEvent.objects.filter(kind="escalation_updated").exists()


def test_moving_to_the_same_status_changes_nothing(ticket, agent):
    escalation = factories.EscalationFactory(ticket=ticket, status="acknowledged")

    escalation_update(escalation=escalation, actor=agent, to="acknowledged")

    assert not TicketEvent.objects.filter(kind="escalation_updated").exists()


def test_answering_needs_the_answer_and_stamps_the_time(ticket, agent):
    escalation = factories.EscalationFactory(ticket=ticket)
    with pytest.raises(DomainError) as refused:
        escalation_update(escalation=escalation, actor=agent, to="answered", answer=" ")
    assert refused.value.field == "answer"

    with frozen(at(2026, 3, 9, 10)):
        answered = escalation_update(
            escalation=escalation, actor=agent, to="answered", answer="MID re-registered"
        )

    assert answered.answer == "MID re-registered"
    assert answered.answered_at == at(2026, 3, 9, 10)


def test_closing_stamps_the_time_and_a_reference_can_be_given_on_the_way(ticket, agent):
    escalation = factories.EscalationFactory(ticket=ticket, external_reference="")
    acknowledged = escalation_update(
        escalation=escalation, actor=agent, to="acknowledged", external_reference="CASE-77"
    )
    assert acknowledged.external_reference == "CASE-77"

    closed = escalation_update(escalation=acknowledged, actor=agent, to="closed")

    assert closed.closed_at is not None
    assert closed.external_reference == "CASE-77"


def test_an_unknown_escalation_status_is_a_field_error(ticket, agent):
    escalation = factories.EscalationFactory(ticket=ticket)

    with pytest.raises(DomainError) as refused:
        escalation_update(escalation=escalation, actor=agent, to="lost")

    assert refused.value.field == "to"


def test_updates_of_a_team_escalation_are_internal_and_of_a_party_public(ticket, agent):
    team = factories.EscalationFactory(ticket=ticket, party="", team="risk")
    party = factories.EscalationFactory(ticket=ticket)

    escalation_update(escalation=team, actor=agent, to="answered", answer="Risk: cleared")
    escalation_update(escalation=party, actor=agent, to="answered", answer="Bank: all fine")

    events = TicketEvent.objects.filter(kind="escalation_updated").order_by("pk")
    assert [(e.internal, e.reason) for e in events] == [(True, "Risk: cleared"), (False, "")]


@pytest.mark.parametrize("who", ["merchant", "other_agent"])
def test_only_staff_of_the_provider_update_escalations(ticket, merchant_user, other_agent, who):
    escalation = factories.EscalationFactory(ticket=ticket)
    actor = {"merchant": merchant_user, "other_agent": other_agent}[who]

    with pytest.raises(PermissionDenied):
        escalation_update(escalation=escalation, actor=actor, to="closed")


# --- The ticket page -------------------------------------------------------------------------


def test_staff_see_escalations_with_reason_reference_due_time_and_evidence(ticket, agent):
    escalate(
        ticket=ticket,
        actor=agent,
        party="manufacturer",
        reason="Tamper alert after firmware update",
        external_reference="PAX-991",
    )

    page = signed_in(agent).get(f"/tickets/{ticket.pk}/").content.decode()

    assert "Terminal manufacturer" in page
    assert "Tamper alert after firmware update" in page
    assert "PAX-991" in page
    assert "Evidence pack" in page
    assert ticket.terminal.serial_number in page
    assert f"/tickets/{ticket.pk}/escalations/" in page  # the form to escalate again


def test_staff_see_that_an_escalation_is_overdue(ticket, agent):
    factories.EscalationFactory(ticket=ticket, respond_by=at(2026, 1, 5, 9))

    page = signed_in(agent).get(f"/tickets/{ticket.pk}/").content.decode()

    assert "Overdue" in page


def test_merchants_see_the_outside_party_but_no_staff_text(ticket, agent, merchant_user):
    escalate(
        ticket=ticket,
        actor=agent,
        party="acquirer",
        reason="SECRET-REASON",
        external_reference="SECRET-REF",
    )
    escalate(ticket=ticket, actor=agent, team="risk", reason="SECRET-RISK-NOTE")
    escalation = ticket.escalations.get(party="acquirer")
    escalation_update(escalation=escalation, actor=agent, to="answered", answer="SECRET-ANSWER")

    page = signed_in(merchant_user).get(f"/tickets/{ticket.pk}/").content.decode()

    assert "Escalated to Acquirer bank" in page
    for secret in ("SECRET-REASON", "SECRET-REF", "SECRET-RISK-NOTE", "SECRET-ANSWER"):
        assert secret not in page
    assert "Risk" not in page.split("Who is working on it")[1].split("</section>")[0]
    assert "Evidence pack" not in page
    assert ticket.merchant.mid not in page


def test_escalating_through_the_page(ticket, agent):
    response = signed_in(agent).post(
        f"/tickets/{ticket.pk}/escalations/",
        {"to": "party:telecom", "reason": "SIM not registering", "external_reference": "CT-1"},
    )

    assert response.status_code == 302
    escalation = ticket.escalations.get()
    assert (escalation.party, escalation.external_reference) == ("telecom", "CT-1")


def test_a_refused_escalation_on_the_page_says_why(ticket, agent):
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.CLOSED)

    response = signed_in(agent).post(
        f"/tickets/{ticket.pk}/escalations/", {"to": "team:risk", "reason": "r"}, follow=True
    )

    assert "Reopen the ticket before escalating it." in response.content.decode()
    assert not Escalation.objects.exists()


def test_updating_an_escalation_through_the_page(ticket, agent):
    escalation = factories.EscalationFactory(ticket=ticket, external_reference="ACQ-9")

    response = signed_in(agent).post(
        f"/tickets/escalations/{escalation.pk}/",
        {"to": "answered", "answer": "Fixed at the host", "external_reference": ""},
    )

    assert response.status_code == 302
    escalation.refresh_from_db()
    assert escalation.status == "answered"
    assert escalation.external_reference == "ACQ-9"  # an empty box keeps their reference


def test_an_illegal_update_through_the_page_is_a_message_not_an_error(ticket, agent):
    escalation = factories.EscalationFactory(ticket=ticket, status="closed")

    response = signed_in(agent).post(
        f"/tickets/escalations/{escalation.pk}/", {"to": "open"}, follow=True
    )

    assert response.status_code == 200
    assert "cannot go from" in response.content.decode()


def test_merchants_cannot_escalate_through_the_page(ticket, merchant_user):
    response = signed_in(merchant_user).post(
        f"/tickets/{ticket.pk}/escalations/", {"to": "team:risk", "reason": "r"}
    )

    assert response.status_code == 403
    assert not Escalation.objects.exists()


def test_the_evidence_pack_downloads_as_text_for_staff(ticket, agent):
    escalation = escalate_to_acquirer(ticket, agent)

    response = signed_in(agent).get(f"/tickets/escalations/{escalation.pk}/evidence.txt")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert ticket.merchant.mid in response.content.decode()


def test_merchants_cannot_download_the_evidence_pack(ticket, agent, merchant_user):
    escalation = escalate_to_acquirer(ticket, agent)

    response = signed_in(merchant_user).get(f"/tickets/escalations/{escalation.pk}/evidence.txt")

    assert response.status_code == 404


def test_staff_of_another_provider_get_404_on_every_escalation_page(ticket, agent, other_agent):
    escalation = escalate_to_acquirer(ticket, agent)
    client = signed_in(other_agent)

    assert client.get(f"/tickets/{ticket.pk}/").status_code == 404
    assert (
        client.post(
            f"/tickets/{ticket.pk}/escalations/", {"to": "team:risk", "reason": "r"}
        ).status_code
        == 404
    )
    assert (
        client.post(f"/tickets/escalations/{escalation.pk}/", {"to": "closed"}).status_code == 404
    )
    assert client.get(f"/tickets/escalations/{escalation.pk}/evidence.txt").status_code == 404
    escalation.refresh_from_db()
    assert escalation.status == "open"


def count_queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ["agent", "merchant"])
def test_the_ticket_page_costs_the_same_queries_however_many_escalations(
    ticket, agent, merchant_user, role
):
    client = signed_in({"agent": agent, "merchant": merchant_user}[role])
    escalate_to_acquirer(ticket, agent)
    factories.EngineerVisitFactory(ticket=ticket)
    few = count_queries(client, f"/tickets/{ticket.pk}/")
    for _ in range(5):
        escalate(ticket=ticket, actor=agent, party="telecom", reason="r")
        factories.EngineerVisitFactory(ticket=ticket)

    assert count_queries(client, f"/tickets/{ticket.pk}/") == few


# --- The API ---------------------------------------------------------------------------------


def test_staff_escalate_through_the_api(ticket, agent):
    response = api_as(agent).post(
        f"/api/v1/tickets/{ticket.pk}/escalations/",
        {"party": "acquirer", "reason": "Code 97 on every card", "external_reference": "A-1"},
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["party"] == "acquirer"
    assert body["to"] == "Acquirer bank"
    assert body["status"] == "open"
    assert body["overdue"] is False
    assert body["respond_by"].endswith("+08:00")
    assert body["evidence_pack"]["merchant"]["mid"] == ticket.merchant.mid
    assert body["evidence_pack"]["terminal"]["serial_number"] == ticket.terminal.serial_number


def test_the_api_answers_field_errors(ticket, agent):
    client = api_as(agent)

    both = client.post(
        f"/api/v1/tickets/{ticket.pk}/escalations/",
        {"team": "risk", "party": "acquirer", "reason": "r"},
        format="json",
    )
    no_reason = client.post(
        f"/api/v1/tickets/{ticket.pk}/escalations/", {"team": "risk"}, format="json"
    )
    unknown = client.post(
        f"/api/v1/tickets/{ticket.pk}/escalations/",
        {"team": "sales", "reason": "r"},
        format="json",
    )

    assert both.status_code == 400
    assert "party" in both.json()
    assert no_reason.status_code == 400
    assert "reason" in no_reason.json()
    assert unknown.status_code == 400
    assert "team" in unknown.json()


def test_merchants_get_403_on_the_escalations_of_their_own_ticket(ticket, merchant_user):
    client = api_as(merchant_user)

    assert client.get(f"/api/v1/tickets/{ticket.pk}/escalations/").status_code == 403
    assert (
        client.post(
            f"/api/v1/tickets/{ticket.pk}/escalations/",
            {"team": "risk", "reason": "r"},
            format="json",
        ).status_code
        == 403
    )


def test_staff_list_a_tickets_escalations(ticket, agent):
    escalate_to_acquirer(ticket, agent)
    escalate(ticket=ticket, actor=agent, team="risk", reason="r")

    response = api_as(agent).get(f"/api/v1/tickets/{ticket.pk}/escalations/")

    assert response.status_code == 200
    assert [e["party"] or e["team"] for e in response.json()] == ["acquirer", "risk"]


def test_escalation_transitions_through_the_api(ticket, agent):
    escalation = escalate_to_acquirer(ticket, agent)
    client = api_as(agent)

    ok = client.post(
        f"/api/v1/escalations/{escalation.pk}/transitions/",
        {"to": "acknowledged", "external_reference": "BANK-5"},
        format="json",
    )
    missing_answer = client.post(
        f"/api/v1/escalations/{escalation.pk}/transitions/", {"to": "answered"}, format="json"
    )
    closed = client.post(
        f"/api/v1/escalations/{escalation.pk}/transitions/", {"to": "closed"}, format="json"
    )
    illegal = client.post(
        f"/api/v1/escalations/{escalation.pk}/transitions/", {"to": "open"}, format="json"
    )

    assert ok.status_code == 200
    assert ok.json()["external_reference"] == "BANK-5"
    assert missing_answer.status_code == 400
    assert "answer" in missing_answer.json()
    assert closed.status_code == 200
    assert illegal.status_code == 409
    assert client.get(f"/api/v1/escalations/{escalation.pk}/").json()["status"] == "closed"


def test_staff_of_another_provider_get_404_on_every_escalation_endpoint(ticket, agent, other_agent):
    escalation = escalate_to_acquirer(ticket, agent)
    client = api_as(other_agent)

    assert client.get(f"/api/v1/tickets/{ticket.pk}/escalations/").status_code == 404
    assert (
        client.post(
            f"/api/v1/tickets/{ticket.pk}/escalations/",
            {"team": "risk", "reason": "r"},
            format="json",
        ).status_code
        == 404
    )
    assert client.get(f"/api/v1/escalations/{escalation.pk}/").status_code == 404
    assert (
        client.post(
            f"/api/v1/escalations/{escalation.pk}/transitions/", {"to": "closed"}, format="json"
        ).status_code
        == 404
    )


def test_merchants_get_404_for_an_escalation_by_id(ticket, agent, merchant_user):
    escalation = escalate_to_acquirer(ticket, agent)

    assert api_as(merchant_user).get(f"/api/v1/escalations/{escalation.pk}/").status_code == 404


def test_the_openapi_document_describes_the_work_endpoints(agent):
    schema = api_as(agent).get("/api/v1/schema/?format=json").json()
    paths = schema["paths"]

    post = paths["/api/v1/tickets/{id}/escalations/"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "EscalateInputRequest"
    )
    assert set(post["responses"]) >= {"201", "400", "403", "404", "409"}
    assert "/api/v1/escalations/{id}/transitions/" in paths
    assert "/api/v1/tickets/{id}/visits/" in paths
    assert "/api/v1/visits/{id}/transitions/" in paths
    pack = schema["components"]["schemas"]["EvidencePack"]["properties"]
    assert {"merchant", "terminal", "error", "screen_photos", "steps", "triage"} <= set(pack)


def test_escalating_an_in_progress_ticket_uses_the_ticket_table(ticket, agent):
    ticket_transition(ticket=ticket, to=Status.IN_PROGRESS, actor=agent)

    escalate_to_acquirer(ticket, agent)

    ticket.refresh_from_db()
    assert ticket.status == Status.ESCALATED


def test_work_events_have_a_short_summary_for_timelines(ticket, agent):
    from tickets.templatetags.work_tags import work_event_summary

    escalation = escalate_to_acquirer(ticket, agent)
    escalation_update(escalation=escalation, actor=agent, to="acknowledged")

    created, updated = TicketEvent.objects.filter(
        kind__in=["escalated", "escalation_updated"]
    ).order_by("pk")
    assert work_event_summary(created) == "Acquirer bank"
    assert work_event_summary(updated) == "Acquirer bank: Acknowledged"
