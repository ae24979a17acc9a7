"""The guided report and the ticket page, through the browser-facing views."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from PIL import Image

from tests import factories
from tests.conftest import signed_in
from tickets import services
from tickets.models import Attachment, Report, Ticket
from tickets.selfcheck import CHECKS

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def png_upload(name: str = "screen.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def step_url(report: Report, step: str) -> str:
    return reverse("report-step", args=[report.pk, step])


def start_report(client, terminal) -> Report:
    response = client.post(reverse("report-begin"), {"terminal": terminal.pk})
    assert response.status_code == 302
    report = Report.objects.get(terminal=terminal)
    assert response["Location"] == step_url(report, "screen")
    return report


@pytest.fixture
def terminal(merchant):
    return factories.TerminalFactory(merchant=merchant)


@pytest.fixture
def filed_ticket(merchant_user, terminal) -> Ticket:
    client = signed_in(merchant_user)
    report = start_report(client, terminal)
    client.post(step_url(report, "screen"), {"error_code": "97", "scheme": "cup"})
    for check in CHECKS:
        answer = "no" if check.advice_when is True else "yes"
        client.post(step_url(report, check.name), {"answer": answer})
    response = client.post(step_url(report, "review"), {"description": "Declined all morning"})
    report.refresh_from_db()
    assert response.status_code == 302
    return report.ticket


def test_a_merchant_walks_the_whole_report_and_lands_on_the_ticket(merchant_user, terminal):
    client = signed_in(merchant_user)

    page = client.get(reverse("report-begin"))
    assert page.status_code == 200
    assert terminal.serial_number in page.content.decode()

    report = start_report(client, terminal)

    page = client.get(step_url(report, "screen"))
    assert "Step 1 of" in page.content.decode()
    page = client.post(step_url(report, "screen"), {"error_code": "97", "scheme": "cup"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "What this code means" in body
    assert "That fixed it" in body
    assert step_url(report, "power") in body

    answers = {
        "power": "yes",
        "network": "yes",
        "restart": "yes",
        "sign_on": "yes",
        "cards": "yes",
        "others": "none",
        "moved": "no",
        "notice": "no",
    }
    for check in CHECKS:
        page = client.get(step_url(report, check.name))
        assert page.status_code == 200
        assert str(check.question) in page.content.decode()
        response = client.post(step_url(report, check.name), {"answer": answers[check.name]})
        assert response.status_code == 302, check.name

    assert response["Location"] == step_url(report, "evidence")
    response = client.post(
        step_url(report, "evidence"), {"file": png_upload(), "kind": "screen_photo"}
    )
    assert response.status_code == 302
    page = client.get(step_url(report, "evidence"))
    assert "screen.png" in page.content.decode()
    assert step_url(report, "review") in page.content.decode()

    page = client.get(step_url(report, "review"))
    body = page.content.decode()
    assert terminal.serial_number in body
    assert "97" in body
    assert "screen.png" in body

    response = client.post(
        step_url(report, "review"), {"description": "Every sale says 97"}, follow=True
    )

    report.refresh_from_db()
    ticket = report.ticket
    assert report.outcome == Report.Outcome.FILED
    assert response.redirect_chain[-1][0] == reverse("ticket-detail", args=[ticket.pk])
    body = response.content.decode()
    assert ticket.reference in body
    assert "Merchant restricted" in body
    assert "What to do now" in body
    assert response.context["advice"]
    assert str(response.context["advice"]).split()[0] in body
    assert Attachment.objects.filter(ticket=ticket).count() == 1


def test_power_off_shows_the_advice_and_that_fixed_it_deflects(merchant_user, terminal):
    client = signed_in(merchant_user)
    report = start_report(client, terminal)
    power = next(c for c in CHECKS if c.name == "power")

    page = client.post(step_url(report, "power"), {"answer": "no"})

    body = page.content.decode()
    assert page.status_code == 200
    assert "Try this now" in body
    for item in power.advice:
        assert str(item).split()[0] in body
    assert step_url(report, "network") in body

    response = client.post(reverse("report-fixed", args=[report.pk]), {"step": "power"})

    assert response["Location"] == reverse("report-deflected", args=[report.pk])
    report.refresh_from_db()
    assert report.outcome == Report.Outcome.DEFLECTED
    assert not Ticket.objects.exists()
    assert "Glad it works again" in client.get(response["Location"]).content.decode()


def test_another_merchant_gets_404_everywhere(merchant_user, terminal, filed_ticket):
    other = signed_in(factories.MerchantUserFactory())
    draft = start_report(
        signed_in(merchant_user), factories.TerminalFactory(merchant=terminal.merchant)
    )
    attachment = services.attachment_add(
        ticket=filed_ticket, uploaded_by=merchant_user, upload=png_upload(), kind="receipt"
    )

    for step in ("screen", "power", "evidence", "review"):
        assert other.get(step_url(draft, step)).status_code == 404
        assert other.post(step_url(draft, step), {"answer": "yes"}).status_code == 404
    assert other.post(reverse("report-fixed", args=[draft.pk])).status_code == 404
    assert other.get(reverse("ticket-detail", args=[filed_ticket.pk])).status_code == 404
    assert other.get(reverse("attachment-download", args=[attachment.pk])).status_code == 404


def test_internal_notes_are_for_staff_only(merchant_user, agent, filed_ticket):
    services.comment_add(ticket=filed_ticket, author=agent, body="Check MCC first", internal=True)
    services.comment_add(ticket=filed_ticket, author=agent, body="We are on it")
    url = reverse("ticket-detail", args=[filed_ticket.pk])

    merchant_page = signed_in(merchant_user).get(url).content.decode()
    staff_page = signed_in(agent).get(url).content.decode()

    assert "We are on it" in merchant_page
    assert "Check MCC first" not in merchant_page
    assert "Internal note" not in merchant_page
    assert 'name="internal"' not in merchant_page
    assert "Change triage" not in merchant_page
    assert "Check MCC first" in staff_page
    assert "Internal note" in staff_page
    assert 'name="internal"' in staff_page
    assert "Change triage" in staff_page


def test_a_text_file_named_like_a_photo_is_refused(merchant_user, terminal):
    client = signed_in(merchant_user)
    report = start_report(client, terminal)
    fake = SimpleUploadedFile("photo.png", b"just some text\n", content_type="image/png")

    page = client.post(step_url(report, "evidence"), {"file": fake, "kind": "screen_photo"})

    assert page.status_code == 200
    errors = page.context["form"].errors["file"]
    assert errors
    body = page.content.decode()
    assert 'class="field__errors"' in body
    assert escape(errors[0]) in body
    assert not Attachment.objects.exists()


def _ticket_page_queries(client, ticket) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("ticket-detail", args=[ticket.pk]))
    assert response.status_code == 200
    return len(queries)


def test_ticket_page_queries_do_not_grow_with_comments_and_files(
    merchant_user, agent, filed_ticket
):
    def add(n: int) -> None:
        for i in range(n):
            author = agent if i % 2 else merchant_user
            services.comment_add(ticket=filed_ticket, author=author, body=f"message {i}")
            services.attachment_add(
                ticket=filed_ticket,
                uploaded_by=author,
                upload=png_upload(f"p{i}.png"),
                kind="other",
            )

    for user in (merchant_user, agent):
        client = signed_in(user)
        Attachment.objects.filter(ticket=filed_ticket).delete()
        filed_ticket.comments.all().delete()
        add(2)
        few = _ticket_page_queries(client, filed_ticket)
        add(10)
        many = _ticket_page_queries(client, filed_ticket)
        assert many == few, user
