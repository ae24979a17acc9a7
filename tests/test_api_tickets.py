"""The tickets API: report with triage, scoped lists and detail, conversation, evidence."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image
from rest_framework.test import APIClient

from tests import factories
from tickets.models import Attachment, Comment, Report, Ticket

pytestmark = pytest.mark.django_db


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def terminal(merchant_user):
    return factories.TerminalFactory(merchant=merchant_user.merchant)


def test_reporting_97_under_unionpay_on_every_card_triages_as_merchant_restricted_p1(
    merchant_user, terminal
):
    body = {
        "terminal": terminal.pk,
        "error_code": "97",
        "scheme": "cup",
        "screen_message": "终端未登记",
        "all_cards_fail": True,
        "other_terminals_affected": False,
        "network_ok": True,
        "power_ok": True,
        "restarted": True,
        "moved_recently": False,
        "description": "Since 9am every card fails",
    }

    response = api_as(merchant_user).post("/api/v1/tickets/", body, format="json")

    assert response.status_code == 201, response.json()
    ticket = response.json()
    assert ticket["cause"] == "merchant_restricted"
    assert ticket["reference"].startswith("INC-")
    assert ticket["status"] == "new"
    assert ticket["recommended_action"] == "check_registration"
    assert ticket["triage_reason"]
    assert ticket["advice"]
    assert Report.objects.get(ticket_id=ticket["id"]).outcome == "filed"


def test_only_the_terminal_is_required(merchant_user, terminal):
    response = api_as(merchant_user).post(
        "/api/v1/tickets/", {"terminal": terminal.pk}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["cause"] == "unknown"


def test_a_code_outside_the_catalogue_is_fine(merchant_user, terminal):
    response = api_as(merchant_user).post(
        "/api/v1/tickets/", {"terminal": terminal.pk, "error_code": "Z9"}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["cause"] == "unknown"


def test_reporting_on_another_merchants_terminal_is_400_as_if_it_did_not_exist(merchant_user):
    foreign = factories.TerminalFactory()

    response = api_as(merchant_user).post(
        "/api/v1/tickets/", {"terminal": foreign.pk}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"terminal": ["There is no such terminal in your registry."]}
    assert not Ticket.objects.exists()


def test_provider_staff_cannot_report(agent):
    terminal = factories.TerminalFactory(
        merchant=factories.MerchantFactory(provider=agent.provider)
    )

    response = api_as(agent).post("/api/v1/tickets/", {"terminal": terminal.pk}, format="json")

    assert response.status_code in (400, 403)
    assert not Ticket.objects.exists()


def test_card_numbers_in_the_description_are_masked_before_they_are_stored(merchant_user, terminal):
    api_as(merchant_user).post(
        "/api/v1/tickets/",
        {"terminal": terminal.pk, "description": "card 4111 1111 1111 1111 declined"},
        format="json",
    )

    assert "4111 1111 1111 1111" not in Report.objects.get().description
    assert Report.objects.get().description.endswith("1111 declined")


def test_bad_input_gets_field_errors_not_a_500(merchant_user, terminal):
    response = api_as(merchant_user).post(
        "/api/v1/tickets/",
        {"terminal": "x", "scheme": "visa", "all_cards_fail": "perhaps"},
        format="json",
    )

    assert response.status_code == 400
    assert {"terminal", "scheme", "all_cards_fail"} <= set(response.json())


def test_lists_are_scoped_and_filterable(merchant_user, agent):
    own = factories.TicketFactory(
        terminal=factories.TerminalFactory(merchant=merchant_user.merchant), priority="p1"
    )
    factories.TicketFactory(
        terminal=factories.TerminalFactory(merchant=merchant_user.merchant), priority="p3"
    )
    factories.TicketFactory()

    mine = api_as(merchant_user).get("/api/v1/tickets/?priority=p1").json()
    assert [row["id"] for row in mine["results"]] == [own.pk]
    assert api_as(merchant_user).get("/api/v1/tickets/").json()["count"] == 2
    assert api_as(agent).get("/api/v1/tickets/").json()["count"] == 2
    assert api_as(agent).get("/api/v1/tickets/?assignee=none").json()["count"] == 2
    assert api_as(agent).get("/api/v1/tickets/?ordering=secret_field").status_code == 200


def test_another_organisation_gets_404_everywhere(merchant_user):
    foreign = factories.TicketFactory()
    attachment = Attachment.objects.create(
        merchant=foreign.merchant, provider=foreign.provider, ticket=foreign,
        uploaded_by=foreign.reporter, file="evidence/x.png", original_name="x.png",
        content_type="image/png", size=1, sha256="0" * 64,
    )  # fmt: skip
    client = api_as(merchant_user)

    assert client.get(f"/api/v1/tickets/{foreign.pk}/").status_code == 404
    assert client.get(f"/api/v1/tickets/{foreign.pk}/comments/").status_code == 404
    assert client.post(f"/api/v1/tickets/{foreign.pk}/comments/", {"body": "hi"}).status_code == 404
    assert client.get(f"/api/v1/tickets/{foreign.pk}/attachments/").status_code == 404
    assert client.get(f"/api/v1/attachments/{attachment.pk}/download/").status_code == 404
    other_staff = factories.ProviderUserFactory()
    assert api_as(other_staff).get(f"/api/v1/tickets/{foreign.pk}/").status_code == 404


def test_internal_notes_are_for_staff_and_never_reach_the_merchant(merchant_user, agent):
    ticket = factories.TicketFactory(
        terminal=factories.TerminalFactory(merchant=merchant_user.merchant)
    )
    ticket.provider = agent.provider
    ticket.save()

    staff = api_as(agent)
    assert (
        staff.post(
            f"/api/v1/tickets/{ticket.pk}/comments/", {"body": "public"}, format="json"
        ).status_code
        == 201
    )
    note = staff.post(
        f"/api/v1/tickets/{ticket.pk}/comments/",
        {"body": "risk flag", "internal": True},
        format="json",
    )
    assert note.status_code == 201

    merchant_view = api_as(merchant_user).get(f"/api/v1/tickets/{ticket.pk}/comments/").json()
    assert [c["body"] for c in merchant_view] == ["public"]
    assert len(staff.get(f"/api/v1/tickets/{ticket.pk}/comments/").json()) == 2


def test_a_merchant_cannot_write_an_internal_note(merchant_user):
    ticket = factories.TicketFactory(
        terminal=factories.TerminalFactory(merchant=merchant_user.merchant)
    )

    response = api_as(merchant_user).post(
        f"/api/v1/tickets/{ticket.pk}/comments/", {"body": "psst", "internal": True}, format="json"
    )

    assert response.status_code == 403
    assert not Comment.objects.exists()


def test_evidence_is_checked_by_content_and_downloadable_by_the_owner(merchant_user):
    ticket = factories.TicketFactory(
        terminal=factories.TerminalFactory(merchant=merchant_user.merchant)
    )
    client = api_as(merchant_user)

    good = client.post(
        f"/api/v1/tickets/{ticket.pk}/attachments/",
        {
            "file": SimpleUploadedFile("screen.png", png_bytes(), "image/png"),
            "kind": "screen_photo",
        },
        format="multipart",
    )
    bad = client.post(
        f"/api/v1/tickets/{ticket.pk}/attachments/",
        {"file": SimpleUploadedFile("screen.png", b"<html>not an image</html>", "image/png")},
        format="multipart",
    )

    assert good.status_code == 201
    assert bad.status_code == 400
    assert "file" in bad.json()
    assert Attachment.objects.count() == 1
    download = client.get(good.json()["download"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == png_bytes()
    assert download["Content-Disposition"].startswith("attachment")


def test_the_ticket_list_costs_the_same_queries_for_3_or_30_tickets(operator):
    client = api_as(operator)
    factories.TicketFactory.create_batch(3)
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/tickets/?page_size=50")
    factories.TicketFactory.create_batch(27)
    with CaptureQueriesContext(connection) as many:
        client.get("/api/v1/tickets/?page_size=50")

    assert len(many) == len(few)
