from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.management import call_command
from django.db import connection
from django.db.models import Model
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.models import User
from terminals.models import PoolDigest, Terminal, TerminalEvent
from terminals.services import terminal_set_status
from tests import factories
from tests.conftest import signed_in
from tickets.models import (
    Attachment,
    Channel,
    Comment,
    NotificationPreference,
    Report,
    Ticket,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookReceipt,
)
from tickets.services import ticket_create


@pytest.fixture
def demo(db: None) -> None:
    """The seeded demo plus one row of each model the seed leaves empty."""
    call_command("seed_demo", stdout=StringIO())
    ticket = Ticket.objects.select_related("terminal").first()
    assert ticket is not None
    reporter = ticket.reporter
    Report.objects.create(
        merchant=ticket.merchant,
        provider=ticket.provider,
        terminal=ticket.terminal,
        reporter=reporter,
        outcome=Report.Outcome.FILED,
        ticket=ticket,
        error_code="96",
    )
    Comment.objects.create(ticket=ticket, author=reporter, body="屏幕显示 96")
    NotificationPreference.objects.create(user=reporter, channel=Channel.SMS, enabled=True)
    Attachment.objects.create(
        merchant=ticket.merchant,
        provider=ticket.provider,
        ticket=ticket,
        uploaded_by=reporter,
        file="evidence/2026/01/screen.png",
        original_name="screen.png",
        content_type="image/png",
        size=1024,
        sha256="0" * 64,
    )
    # Provider webhooks and the pool digest (tickets.webhooks, terminals.sweeps).
    endpoint = WebhookEndpoint.objects.create(
        provider=ticket.provider, url="https://provider.example/hook", secret="s", events=[]
    )
    WebhookDelivery.objects.create(endpoint=endpoint, event="ticket.created", dedupe_key="k")
    WebhookReceipt.objects.create(provider=ticket.provider, delivery_id="d", signature="0" * 64)
    PoolDigest.objects.create(sequence=1, tested_before=ticket.created_at, spares=[1])


@pytest.fixture
def admin_client(demo: None) -> Client:
    return signed_in(User.objects.get(username="admin"))


def url(model: type[Model], view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


PROJECT_MODELS = [
    model
    for model in admin.site._registry
    if model._meta.app_label in {"portal", "terminals", "tickets"}
]


def test_every_project_model_is_registered() -> None:
    project = {
        m for m in apps.get_models() if m._meta.app_label in {"portal", "terminals", "tickets"}
    }
    assert project <= set(admin.site._registry)


@pytest.mark.parametrize("model", PROJECT_MODELS, ids=lambda m: m._meta.label)
def test_the_operator_admin_opens_the_changelist_and_a_change_page(
    admin_client: Client, model: type[Model]
) -> None:
    obj = model._default_manager.first()
    assert obj is not None, f"the demo has no {model._meta.label}"
    assert admin_client.get(url(model, "changelist")).status_code == 200
    assert admin_client.get(url(model, "change", obj.pk)).status_code == 200


def test_the_terminal_changelist_finds_a_terminal_by_merchant_mid(admin_client: Client) -> None:
    terminal = Terminal.objects.filter(is_spare=False).select_related("merchant").first()
    assert terminal is not None
    assert terminal.merchant is not None
    elsewhere = Terminal.objects.exclude(merchant=terminal.merchant).first()
    assert elsewhere is not None
    response = admin_client.get(url(Terminal, "changelist"), {"q": terminal.merchant.mid})
    assert response.status_code == 200
    assert terminal.serial_number in response.text
    assert elsewhere.serial_number not in response.text


def test_the_ticket_changelist_finds_a_ticket_by_terminal_serial(admin_client: Client) -> None:
    ticket = Ticket.objects.select_related("terminal").first()
    assert ticket is not None
    response = admin_client.get(url(Ticket, "changelist"), {"q": ticket.terminal.serial_number})
    assert response.status_code == 200
    assert ticket.reference in response.text


def add_faulty_terminals_with_tickets(count: int) -> None:
    for _ in range(count):
        reporter = factories.MerchantUserFactory()
        terminal = factories.TerminalFactory(merchant=reporter.merchant)
        terminal_set_status(terminal=terminal, to=Terminal.Status.FAULTY, actor=reporter)
        ticket_create(terminal=terminal, reporter=reporter)


def queries_for(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


@pytest.mark.parametrize("model", [Terminal, Ticket, TerminalEvent], ids=lambda m: m.__name__)
def test_a_changelist_costs_the_same_queries_however_long_it_is(
    admin_client: Client, model: type[Model]
) -> None:
    path = url(model, "changelist")
    before = queries_for(admin_client, path)
    add_faulty_terminals_with_tickets(5)
    assert queries_for(admin_client, path) == before


def test_the_terminal_change_form_has_no_status_field(admin_client: Client) -> None:
    terminal = Terminal.objects.first()
    response = admin_client.get(url(Terminal, "change", terminal.pk))  # type: ignore[union-attr]
    assert 'name="status"' not in response.text


def test_saving_a_terminal_in_the_admin_leaves_its_status_alone(admin_client: Client) -> None:
    terminal = Terminal.objects.filter(is_spare=True, status="in_stock").first()
    assert terminal is not None
    extra = [
        TerminalEvent(terminal=terminal, kind=TerminalEvent.Kind.STATUS_CHANGED) for _ in range(25)
    ]
    TerminalEvent.objects.bulk_create(extra)
    shown = list(terminal.events.order_by("-at", "-pk").values_list("pk", flat=True)[:20])
    data = {
        "serial_number": terminal.serial_number,
        "tid": "",
        "provider": terminal.provider_id,
        "is_spare": "on",
        "depot": terminal.depot_id,
        "model": terminal.model_id,
        "firmware_version": "custom-1.0",
        "connectivity": terminal.connectivity,
        "sim_iccid": terminal.sim_iccid,
        "installed_address": "",
        "status": "retired",
        "events-TOTAL_FORMS": len(shown),
        "events-INITIAL_FORMS": len(shown),
        "events-MIN_NUM_FORMS": 0,
        "events-MAX_NUM_FORMS": 1000,
    }
    for i, pk in enumerate(shown):
        data[f"events-{i}-id"] = pk
        data[f"events-{i}-terminal"] = terminal.pk
    response = admin_client.post(url(Terminal, "change", terminal.pk), data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    terminal.refresh_from_db()
    assert (terminal.firmware_version, terminal.status) == ("custom-1.0", "in_stock")


def test_tickets_cannot_be_added_or_changed_in_the_admin(admin_client: Client) -> None:
    ticket = Ticket.objects.first()
    assert ticket is not None
    assert admin_client.get(url(Ticket, "add")).status_code == 403
    response = admin_client.post(url(Ticket, "change", ticket.pk), {"status": "closed"})
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.status != "closed"


def test_the_user_admin_refuses_a_role_without_its_organisation(admin_client: Client) -> None:
    response = admin_client.post(
        url(User, "add"),
        {
            "username": "newowner",
            "password1": "a-long-pass-9731",
            "password2": "a-long-pass-9731",
            "usable_password": "true",
            "role": "merchant_owner",
            "language": "zh-hans",
        },
    )
    assert response.status_code == 200
    assert "Merchant roles need a merchant" in str(response.context["adminform"].form.errors)
    assert not User.objects.filter(username="newowner").exists()


def test_the_user_admin_adds_a_provider_user(admin_client: Client) -> None:
    provider = User.objects.get(username="agent").provider
    assert provider is not None
    response = admin_client.post(
        url(User, "add"),
        {
            "username": "newagent",
            "password1": "a-long-pass-9731",
            "password2": "a-long-pass-9731",
            "usable_password": "true",
            "role": "provider_support",
            "provider": provider.pk,
            "language": "en",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(username="newagent").provider == provider
