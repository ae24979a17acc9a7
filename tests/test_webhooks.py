"""Provider webhooks: signed events out with retries, signed escalation updates in, once."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from portal.models import Role
from terminals.models import Allocation
from tests import factories
from tickets import webhooks
from tickets.models import (
    Escalation,
    EscalationStatus,
    Status,
    Ticket,
    TicketEvent,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
    WebhookReceipt,
)
from tickets.services import ticket_create, ticket_transition
from tickets.services.backup import on_allocation_changed
from tickets.services.escalation import escalate

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
SECRET = "whsec-test-0123456789"
ALL_EVENTS = ["ticket.created", "ticket.escalated", "ticket.resolved", "backup.activated"]


def reference_signature(secret: str, timestamp: int, body: bytes) -> str:
    """What a provider's receiver computes, written independently of tickets.webhooks."""
    mac = hmac.new(secret.encode("utf-8"), str(timestamp).encode() + b"." + body, "sha256")
    return f"t={timestamp},v1={mac.hexdigest()}"


def test_the_signature_matches_the_reference_implementation() -> None:
    body = json.dumps({"event": "ticket.created", "data": {"商户": "测试"}}).encode()

    header = webhooks.signature_header(SECRET, 1_795_000_000, body)

    assert header == reference_signature(SECRET, 1_795_000_000, body)
    assert header.startswith("t=1795000000,v1=")
    assert len(header.split("v1=")[1]) == hashlib.sha256().digest_size * 2


def test_backoff_doubles_from_30_seconds_up_to_an_hour() -> None:
    assert [webhooks.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert webhooks.backoff(20) == timedelta(hours=1)


# --- events written with the change ---------------------------------------------------------------


@pytest.fixture
def endpoint(provider: Any) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        provider=provider, url="http://127.0.0.1:9/hook", secret=SECRET, events=ALL_EVENTS
    )


@pytest.fixture
def terminal(merchant: Any) -> Any:
    return factories.TerminalFactory(merchant=merchant, provider=merchant.provider)


@pytest.fixture
def ticket(terminal: Any, merchant_user: Any, endpoint: WebhookEndpoint) -> Ticket:
    return ticket_create(terminal=terminal, reporter=merchant_user)


def events() -> list[str]:
    return list(WebhookDelivery.objects.order_by("pk").values_list("event", flat=True))


def test_a_new_ticket_writes_a_created_event_with_its_ids(ticket: Ticket) -> None:
    (delivery,) = WebhookDelivery.objects.all()

    assert delivery.event == "ticket.created"
    assert delivery.payload["id"] == str(delivery.delivery_id)
    assert delivery.payload["data"]["ticket"]["reference"] == ticket.reference
    assert delivery.payload["data"]["ticket"]["terminal"]["id"] == ticket.terminal_id


def test_only_endpoints_that_want_the_event_get_it(
    terminal: Any, merchant_user: Any, endpoint: WebhookEndpoint
) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(events=["ticket.resolved"])
    other = factories.ProviderFactory()
    WebhookEndpoint.objects.create(
        provider=other, url="http://127.0.0.1:9/", secret="x", events=ALL_EVENTS
    )

    ticket_create(terminal=terminal, reporter=merchant_user)

    assert events() == []


def test_escalating_and_resolving_write_their_events_once(ticket: Ticket, agent: Any) -> None:
    escalate(ticket=ticket, actor=agent, reason="Check the registration", party="acquirer")
    ticket.refresh_from_db()
    ticket_transition(ticket=ticket, to=Status.RESOLVED, actor=agent, reason="Fixed")
    webhooks.webhook_ticket_status(Ticket.objects.get(pk=ticket.pk), Status.RESOLVED)

    assert events() == ["ticket.created", "ticket.escalated", "ticket.resolved"]
    escalated = WebhookDelivery.objects.get(event="ticket.escalated")
    assert escalated.payload["data"]["escalation"]["party"] == "acquirer"


def test_an_activated_backup_writes_its_event(ticket: Ticket) -> None:
    spare = factories.SpareFactory(status="on_loan")
    allocation = factories.AllocationFactory(
        reference=ticket.reference,
        original=ticket.terminal,
        status=Allocation.Status.ACTIVATED,
        spare=spare,
        depot=spare.depot,
        activated_tid="87654321",
    )

    for to in (Allocation.Status.DELIVERED, Allocation.Status.ACTIVATED):
        on_allocation_changed(Allocation, allocation=allocation, from_status="", to_status=to)
    on_allocation_changed(
        Allocation, allocation=allocation, from_status="", to_status=Allocation.Status.ACTIVATED
    )

    activated = WebhookDelivery.objects.get(event="backup.activated")
    assert activated.payload["data"]["backup"] == {
        "id": allocation.pk,
        "tid": "87654321",
        "serial_number": spare.serial_number,
        "activated_at": None,
    }


# --- delivering over HTTP ---------------------------------------------------------------------


class Receiver:
    """A provider's endpoint on loopback: answers with the next queued status, records requests."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.requests: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/portal-events"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver([])
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def test_a_delivery_is_retried_with_backoff_after_a_500_then_delivered(
    ticket: Ticket, endpoint: WebhookEndpoint, receiver: Receiver
) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=receiver.url)
    WebhookDelivery.objects.update(next_attempt_at=at("2026-11-23 09:00"))
    receiver.statuses[:] = [500, 503]

    with time_machine.travel(at("2026-11-23 09:00"), tick=False) as clock:
        assert webhooks.webhook_drain() == 0
        delivery = WebhookDelivery.objects.get()
        assert (delivery.status, delivery.attempts) == (WebhookDeliveryStatus.PENDING, 1)
        assert delivery.next_attempt_at == at("2026-11-23 09:00:30")
        assert delivery.last_error == "HTTP 500"

        clock.move_to(at("2026-11-23 09:00:29"))
        assert webhooks.webhook_drain() == 0
        assert len(receiver.requests) == 1  # not due yet

        clock.move_to(at("2026-11-23 09:00:30"))
        assert webhooks.webhook_drain() == 0
        assert WebhookDelivery.objects.get().next_attempt_at == at("2026-11-23 09:01:30")

        clock.move_to(at("2026-11-23 09:01:30"))
        assert webhooks.webhook_drain() == 1
        assert webhooks.webhook_drain() == 0

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (WebhookDeliveryStatus.SENT, 3)
    assert len(receiver.requests) == 3
    for headers, body in receiver.requests:
        assert headers["X-Portal-Event"] == "ticket.created"
        assert headers["X-Portal-Delivery"] == str(delivery.delivery_id)
        timestamp = int(headers["X-Portal-Signature"].split(",")[0].removeprefix("t="))
        assert headers["X-Portal-Signature"] == reference_signature(SECRET, timestamp, body)
        assert json.loads(body)["data"]["ticket"]["id"] == ticket.pk
    assert receiver.requests[-1][0]["X-Portal-Signature"].startswith(
        f"t={int(at('2026-11-23 09:01:30').timestamp())},"
    )


def test_a_refusal_that_will_not_change_fails_at_once(
    ticket: Ticket, endpoint: WebhookEndpoint, receiver: Receiver
) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=receiver.url)
    receiver.statuses[:] = [410]

    assert webhooks.webhook_drain() == 0

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_error) == (WebhookDeliveryStatus.FAILED, "HTTP 410")


def test_an_endpoint_that_is_down_is_tried_again_until_the_last_attempt(
    ticket: Ticket, endpoint: WebhookEndpoint
) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url="http://127.0.0.1:9/closed")
    WebhookDelivery.objects.update(attempts=webhooks.MAX_ATTEMPTS - 1)

    assert webhooks.webhook_drain() == 0

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDeliveryStatus.FAILED
    assert delivery.attempts == webhooks.MAX_ATTEMPTS
    assert "Connection refused" in delivery.last_error or "URLError" in delivery.last_error


# --- inbound escalation updates ------------------------------------------------------------------


@pytest.fixture
def staff_account(provider: Any) -> Any:
    return factories.ProviderUserFactory(provider=provider, role=Role.PROVIDER_SUPPORT)


@pytest.fixture
def inbound(provider: Any, staff_account: Any) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        provider=provider, url="https://provider.example/hook", secret=SECRET, acts_as=staff_account
    )


@pytest.fixture
def escalation(provider: Any) -> Escalation:
    ticket = factories.TicketFactory(
        terminal=factories.TerminalFactory(merchant=factories.MerchantFactory(provider=provider))
    )
    return factories.EscalationFactory(ticket=ticket, external_reference="ACQ-7781")


def post(
    provider_code: str,
    payload: Any,
    *,
    secret: str = SECRET,
    timestamp: int | None = None,
    delivery: str = "d-1",
    body: bytes | None = None,
) -> Any:
    body = json.dumps(payload).encode() if body is None else body
    timestamp = int(datetime.now().timestamp()) if timestamp is None else timestamp
    return Client().post(
        f"/api/v1/webhooks/escalations/{provider_code}/",
        data=body,
        content_type="application/json",
        headers={
            "X-Portal-Signature": reference_signature(secret, timestamp, body),
            "X-Portal-Delivery": delivery,
        },
    )


def test_a_signed_answer_moves_the_escalation(
    inbound: WebhookEndpoint, escalation: Escalation, staff_account: Any
) -> None:
    answer = {
        "escalation": escalation.pk,
        "status": "answered",
        "answer": "Terminal re-registered.",
    }

    response = post(inbound.provider.code, answer)

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "answered"
    escalation.refresh_from_db()
    assert (escalation.status, escalation.answer) == ("answered", "Terminal re-registered.")
    event = TicketEvent.objects.get(kind=TicketEvent.Kind.ESCALATION_UPDATED)
    assert event.actor == staff_account
    assert WebhookReceipt.objects.get().delivery_id == "d-1"


def test_an_escalation_can_be_named_by_its_external_reference(
    inbound: WebhookEndpoint, escalation: Escalation
) -> None:
    response = post(
        inbound.provider.code, {"external_reference": "ACQ-7781", "status": "acknowledged"}
    )

    assert response.status_code == 200
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.ACKNOWLEDGED


def test_a_bad_signature_is_refused_with_401(
    inbound: WebhookEndpoint, escalation: Escalation
) -> None:
    response = post(
        inbound.provider.code,
        {"escalation": escalation.pk, "status": "closed"},
        secret="not-the-secret",
    )

    assert response.status_code == 401
    assert response.json()["code"] == "bad_signature"
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.OPEN


def test_a_missing_signature_is_refused_with_401(inbound: WebhookEndpoint) -> None:
    response = Client().post(
        f"/api/v1/webhooks/escalations/{inbound.provider.code}/",
        data={"status": "closed"},
        content_type="application/json",
    )

    assert response.status_code == 401
    assert response.json()["code"] == "bad_signature"


def test_a_timestamp_older_than_five_minutes_is_refused_with_401(
    inbound: WebhookEndpoint, escalation: Escalation
) -> None:
    stale = int((datetime.now() - timedelta(minutes=5, seconds=5)).timestamp())

    response = post(
        inbound.provider.code, {"escalation": escalation.pk, "status": "closed"}, timestamp=stale
    )

    assert response.status_code == 401
    assert response.json()["code"] == "stale_timestamp"


def test_a_replay_is_refused_with_409(inbound: WebhookEndpoint, escalation: Escalation) -> None:
    body = json.dumps({"escalation": escalation.pk, "status": "acknowledged"}).encode()
    now = int(datetime.now().timestamp())
    assert post(inbound.provider.code, None, body=body, timestamp=now).status_code == 200

    again = post(inbound.provider.code, None, body=body, timestamp=now)
    new_id = post(inbound.provider.code, None, body=body, timestamp=now, delivery="d-2")

    assert (again.status_code, new_id.status_code) == (409, 409)
    assert again.json()["code"] == "replay"
    assert WebhookReceipt.objects.count() == 1


def test_an_unknown_escalation_is_404(inbound: WebhookEndpoint, escalation: Escalation) -> None:
    by_id = post(inbound.provider.code, {"escalation": escalation.pk + 100, "status": "closed"})
    by_ref = post(
        inbound.provider.code, {"external_reference": "NOPE", "status": "closed"}, delivery="d-2"
    )

    assert (by_id.status_code, by_ref.status_code) == (404, 404)
    assert by_id.json()["code"] == "not_found"


def test_another_providers_escalation_is_404(inbound: WebhookEndpoint) -> None:
    theirs = factories.EscalationFactory()

    response = post(inbound.provider.code, {"escalation": theirs.pk, "status": "closed"})

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == EscalationStatus.OPEN


def test_an_unknown_provider_is_404() -> None:
    assert post("no-such-provider", {"escalation": 1, "status": "closed"}).status_code == 404


def test_bad_bodies_and_headers_are_400_with_reasons(
    inbound: WebhookEndpoint, escalation: Escalation
) -> None:
    code = inbound.provider.code
    not_json = post(code, None, body=b"{not json")
    no_target = post(code, {"status": "closed"}, delivery="d-2")
    bad_status = post(code, {"escalation": escalation.pk, "status": "open"}, delivery="d-3")
    no_answer = post(code, {"escalation": escalation.pk, "status": "answered"}, delivery="d-4")
    no_delivery = post(code, {"escalation": escalation.pk, "status": "closed"}, delivery="")

    assert not_json.json()["code"] == "bad_json"
    assert no_target.json()["code"] == "invalid"
    assert "status" in bad_status.json()["detail"]
    assert "answer" in no_answer.json()
    assert no_delivery.json()["code"] == "bad_delivery"
    statuses = {r.status_code for r in (not_json, no_target, bad_status, no_answer, no_delivery)}
    assert statuses == {400}
    assert WebhookReceipt.objects.count() == 0  # a refused update leaves no receipt


def test_a_move_the_table_refuses_is_409(inbound: WebhookEndpoint, escalation: Escalation) -> None:
    Escalation.objects.filter(pk=escalation.pk).update(status=EscalationStatus.CLOSED)

    response = post(inbound.provider.code, {"escalation": escalation.pk, "status": "acknowledged"})

    assert response.status_code == 409
    assert WebhookReceipt.objects.count() == 0


def test_an_endpoint_without_an_account_to_act_as_is_403(
    inbound: WebhookEndpoint, escalation: Escalation
) -> None:
    WebhookEndpoint.objects.filter(pk=inbound.pk).update(acts_as=None)

    response = post(inbound.provider.code, {"escalation": escalation.pk, "status": "closed"})

    assert response.status_code == 403
