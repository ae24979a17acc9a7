"""Risk-freeze appeals: the transition table, the lifecycle, deadlines, pages, API, isolation."""

from __future__ import annotations

import io
import itertools
from datetime import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image
from rest_framework.test import APIClient

from portal.errors import ConflictError, DomainError
from tests import factories
from tests.conftest import signed_in
from tickets.models import (
    AppealCase,
    AppealDecision,
    AppealStatus,
    Attachment,
    Cause,
    MaterialKind,
    Report,
    TicketEvent,
)
from tickets.services import appeals
from tickets.services.appeals import (
    APPEAL_TRANSITIONS,
    REQUIRED_MATERIALS,
    appeal_add_material,
    appeal_decide,
    appeal_open,
    appeal_open_if_risk_freeze,
    appeal_set_explanation,
    appeal_submit,
    appeal_withdraw,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def png_upload(name: str = "photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 12), (30, 90, 200)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def at(year: int, month: int, day: int, hour: int, minute: int):
    """Freeze the clock at a wall-clock time in Shanghai."""
    moment = datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)
    return mock.patch("django.utils.timezone.now", return_value=moment)


@pytest.fixture
def ticket(merchant_user):
    terminal = factories.TerminalFactory(merchant=merchant_user.merchant)
    return factories.TicketFactory(
        terminal=terminal,
        reporter=merchant_user,
        cause=Cause.MERCHANT_RESTRICTED,
        triage_rule="risk_notice",
    )


@pytest.fixture
def risk(provider):
    return factories.RiskUserFactory(provider=provider)


@pytest.fixture
def case(ticket, agent):
    return appeal_open(ticket=ticket, actor=agent, reason="Risk notice 暂缓结算")


def complete(case: AppealCase) -> AppealCase:
    """Provide every required item (files made by factory; the explanation as text)."""
    for kind in REQUIRED_MATERIALS:
        if kind != MaterialKind.EXPLANATION:
            factories.AppealMaterialFactory(case=case, kind=kind)
    AppealCase.objects.filter(pk=case.pk).update(explanation="We sell groceries.")
    case.refresh_from_db()
    return case


def in_status(case: AppealCase, status: str, risk) -> AppealCase:
    """Put a complete case into `status` with its attempts and a decision where one belongs."""
    complete(case)
    attempts = 0 if status in (AppealStatus.COLLECTING, AppealStatus.WITHDRAWN) else 1
    AppealCase.objects.filter(pk=case.pk).update(status=status, attempts=attempts)
    if status in appeals.DECISIONS:
        AppealDecision.objects.create(
            case=case, attempt=1, decision=status, note="Answer.", decided_by=risk
        )
    case.refresh_from_db()
    return case


# --- The transition table ---------------------------------------------------------------------


def test_the_transition_table_is_the_documented_one():
    s = AppealStatus
    assert {status: set(targets) for status, targets in APPEAL_TRANSITIONS.items()} == {
        s.COLLECTING: {s.SUBMITTED, s.WITHDRAWN},
        s.SUBMITTED: {s.NEED_MORE, s.APPROVED, s.REJECTED, s.REJECTED_FINAL},
        s.NEED_MORE: {s.SUBMITTED, s.WITHDRAWN},
        s.REJECTED: {s.SUBMITTED, s.WITHDRAWN},
        s.APPROVED: set(),
        s.REJECTED_FINAL: set(),
        s.WITHDRAWN: set(),
    }


def _move(case: AppealCase, to: str, merchant_user, risk) -> AppealCase:
    """Try to move the case to `to` through the one service that makes that move."""
    if to == AppealStatus.SUBMITTED:
        return appeal_submit(case=case, actor=merchant_user)
    if to == AppealStatus.WITHDRAWN:
        return appeal_withdraw(case=case, actor=merchant_user)
    if to in appeals.DECISIONS:
        appeal_decide(case=case, actor=risk, decision=to, note="Our answer.")
        return AppealCase.objects.get(pk=case.pk)
    raise AssertionError(f"no service moves a case to {to}")


@pytest.mark.parametrize(
    ("from_status", "to_status"),
    list(itertools.product(AppealStatus.values, AppealStatus.values)),
)
def test_every_pair_of_statuses_follows_the_table(
    case, merchant_user, risk, from_status, to_status
):
    case = in_status(case, from_status, risk)
    if to_status == AppealStatus.COLLECTING:
        # Nothing moves a case back to collecting: it is only where a case starts.
        assert all(
            AppealStatus.COLLECTING not in targets for targets in APPEAL_TRANSITIONS.values()
        )
        return
    allowed = to_status in APPEAL_TRANSITIONS[from_status] or to_status == from_status

    if allowed:
        moved = _move(case, to_status, merchant_user, risk)
        assert moved.status == to_status
    else:
        with pytest.raises(ConflictError):
            _move(case, to_status, merchant_user, risk)
        case.refresh_from_db()
        assert case.status == from_status


def test_repeating_a_move_changes_nothing(case, merchant_user, risk):
    complete(case)
    appeal_submit(case=case, actor=merchant_user)
    appeal_submit(case=case, actor=merchant_user)
    appeal_decide(case=case, actor=risk, decision=AppealStatus.REJECTED, note="No.")
    appeal_decide(case=case, actor=risk, decision=AppealStatus.REJECTED, note="No.")

    case.refresh_from_db()
    assert case.attempts == 1
    assert case.decisions.count() == 1


# --- The whole life of a case -----------------------------------------------------------------


def test_a_case_goes_from_materials_to_a_final_rejection(ticket, agent, merchant_user, risk):
    case = appeal_open(ticket=ticket, actor=agent, reason="Settlement held")
    for kind in REQUIRED_MATERIALS:
        if kind != MaterialKind.EXPLANATION:
            appeal_add_material(case=case, actor=merchant_user, kind=kind, file=png_upload())
    appeal_set_explanation(case=case, actor=merchant_user, text="A grocery shop since 2019.")

    case = appeal_submit(case=case, actor=merchant_user)
    assert (case.status, case.attempts) == (AppealStatus.SUBMITTED, 1)

    appeal_decide(
        case=case,
        actor=risk,
        decision=AppealStatus.NEED_MORE,
        note="Send the receipts of 3 May.",
        missing=[MaterialKind.RECEIPTS],
    )
    with pytest.raises(DomainError, match="Receipts of the disputed transactions"):
        appeal_submit(case=case, actor=merchant_user)
    appeal_add_material(
        case=case, actor=merchant_user, kind=MaterialKind.RECEIPTS, file=png_upload("r.png")
    )
    case = appeal_submit(case=case, actor=merchant_user)
    assert (case.status, case.attempts) == (AppealStatus.SUBMITTED, 2)

    appeal_decide(case=case, actor=risk, decision=AppealStatus.REJECTED, note="Not enough.")
    case = appeal_submit(case=case, actor=merchant_user)
    assert (case.status, case.attempts) == (AppealStatus.SUBMITTED, 3)

    appeal_decide(case=case, actor=risk, decision=AppealStatus.REJECTED_FINAL, note="Final.")

    case.refresh_from_db()
    assert case.status == AppealStatus.REJECTED_FINAL
    assert case.deadline is None
    assert [(d.attempt, d.decision) for d in case.decisions.order_by("attempt")] == [
        (1, AppealStatus.NEED_MORE),
        (2, AppealStatus.REJECTED),
        (3, AppealStatus.REJECTED_FINAL),
    ]
    with pytest.raises(ConflictError):
        appeal_submit(case=case, actor=merchant_user)
    actions = list(
        TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.APPEAL).values_list(
            "data__action", flat=True
        )
    )
    assert actions.count("submitted") == 3
    assert actions.count("decided") == 3
    assert actions[0] == "opened"


def test_materials_are_evidence_files_of_the_ticket(case, merchant_user):
    material = appeal_add_material(
        case=case, actor=merchant_user, kind=MaterialKind.RECEIPTS, file=png_upload("小票.png")
    )

    attachment = material.attachment
    assert attachment.ticket_id == case.ticket_id
    assert attachment.kind == Attachment.Kind.RECEIPT
    assert attachment.original_name == "小票.png"


def test_a_material_that_is_not_an_image_or_pdf_is_refused(case, merchant_user):
    fake = SimpleUploadedFile("id.png", b"MZ not an image", content_type="image/png")

    with pytest.raises(DomainError) as caught:
        appeal_add_material(case=case, actor=merchant_user, kind=MaterialKind.ID_FRONT, file=fake)

    assert caught.value.field == "file"
    assert not case.materials.exists()


def test_submitting_names_every_missing_required_item(case, merchant_user):
    factories.AppealMaterialFactory(case=case, kind=MaterialKind.ID_FRONT)

    with pytest.raises(DomainError) as caught:
        appeal_submit(case=case, actor=merchant_user)

    message = str(caught.value)
    for kind in REQUIRED_MATERIALS:
        if kind != MaterialKind.ID_FRONT:
            assert str(MaterialKind(kind).label) in message
    assert str(MaterialKind.ID_FRONT.label) not in message
    assert str(MaterialKind.BUSINESS_LICENCE.label) not in message  # optional


def test_an_explanation_given_as_a_file_counts(case, merchant_user):
    complete(case)
    AppealCase.objects.filter(pk=case.pk).update(explanation="")
    factories.AppealMaterialFactory(case=case, kind=MaterialKind.EXPLANATION)

    assert appeal_submit(case=case, actor=merchant_user).status == AppealStatus.SUBMITTED


def test_a_requested_explanation_must_be_rewritten_before_resubmitting(case, merchant_user, risk):
    complete(case)
    appeal_submit(case=case, actor=merchant_user)
    appeal_decide(
        case=case,
        actor=risk,
        decision=AppealStatus.NEED_MORE,
        note="Explain the night-time sales.",
        missing=[MaterialKind.EXPLANATION],
    )
    with pytest.raises(DomainError, match="Written explanation"):
        appeal_submit(case=case, actor=merchant_user)

    appeal_set_explanation(case=case, actor=merchant_user, text="We open until 2 am.")

    assert appeal_submit(case=case, actor=merchant_user).attempts == 2


def test_card_numbers_in_the_explanation_are_masked(case, merchant_user):
    case = appeal_set_explanation(
        case=case, actor=merchant_user, text="Card 6212-3456-7890-1232 paid twice."
    )

    assert case.explanation == "Card ****-****-****-1232 paid twice."


def test_materials_cannot_change_while_the_provider_reviews(case, merchant_user):
    complete(case)
    appeal_submit(case=case, actor=merchant_user)

    with pytest.raises(ConflictError):
        appeal_add_material(
            case=case, actor=merchant_user, kind=MaterialKind.INVOICES, file=png_upload()
        )
    with pytest.raises(ConflictError):
        appeal_set_explanation(case=case, actor=merchant_user, text="changed")


def test_only_a_request_for_more_lists_missing_materials(case, merchant_user, risk):
    complete(case)
    appeal_submit(case=case, actor=merchant_user)

    with pytest.raises(DomainError) as caught:
        appeal_decide(
            case=case,
            actor=risk,
            decision=AppealStatus.REJECTED,
            note="No.",
            missing=[MaterialKind.INVOICES],
        )
    assert caught.value.field == "missing"
    with pytest.raises(DomainError):
        appeal_decide(case=case, actor=risk, decision=AppealStatus.APPROVED, note="  ")


# --- Who may do what -------------------------------------------------------------------------


def test_merchants_cannot_decide(case, merchant_user):
    complete(case)
    appeal_submit(case=case, actor=merchant_user)

    with pytest.raises(PermissionDenied):
        appeal_decide(
            case=case, actor=merchant_user, decision=AppealStatus.APPROVED, note="Approved!"
        )


def test_support_staff_cannot_decide_but_leads_can(case, merchant_user, agent, provider):
    complete(case)
    appeal_submit(case=case, actor=merchant_user)

    with pytest.raises(PermissionDenied):
        appeal_decide(case=case, actor=agent, decision=AppealStatus.APPROVED, note="OK")
    lead = factories.ProviderUserFactory(provider=provider, role="provider_lead")
    appeal_decide(case=case, actor=lead, decision=AppealStatus.APPROVED, note="OK")

    case.refresh_from_db()
    assert case.status == AppealStatus.APPROVED


def test_risk_staff_of_another_provider_cannot_decide(case, merchant_user):
    complete(case)
    appeal_submit(case=case, actor=merchant_user)
    stranger = factories.RiskUserFactory()

    with pytest.raises(PermissionDenied):
        appeal_decide(case=case, actor=stranger, decision=AppealStatus.APPROVED, note="OK")


def test_merchants_cannot_open_a_case_and_staff_cannot_submit(ticket, merchant_user, agent):
    with pytest.raises(PermissionDenied):
        appeal_open(ticket=ticket, actor=merchant_user)
    case = complete(appeal_open(ticket=ticket, actor=agent))

    with pytest.raises(PermissionDenied):
        appeal_submit(case=case, actor=agent)


def test_another_merchant_cannot_add_materials(case):
    other = factories.MerchantUserFactory(merchant__provider=case.provider)

    with pytest.raises(PermissionDenied):
        appeal_add_material(case=case, actor=other, kind=MaterialKind.ID_FRONT, file=png_upload())


# --- Opening on a risk freeze ----------------------------------------------------------------


def test_a_risk_notice_opens_one_case_however_often_intake_asks(ticket):
    first = appeal_open_if_risk_freeze(ticket, ticket.reporter)
    second = appeal_open_if_risk_freeze(ticket, ticket.reporter)

    assert first is not None
    assert second == first
    assert first.status == AppealStatus.COLLECTING
    assert AppealCase.objects.filter(ticket=ticket).count() == 1
    assert TicketEvent.objects.filter(ticket=ticket, data__action="opened").count() == 1


def test_staff_opening_an_existing_case_returns_it(case, agent):
    assert appeal_open(ticket=case.ticket, actor=agent) == case


def test_other_causes_open_no_case(merchant_user):
    hardware = factories.TicketFactory(
        terminal=factories.TerminalFactory(merchant=merchant_user.merchant),
        cause=Cause.HARDWARE,
        triage_rule="tamper",
    )
    unregistered = factories.TicketFactory(
        terminal=factories.TerminalFactory(merchant=merchant_user.merchant),
        cause=Cause.MERCHANT_RESTRICTED,
        triage_rule="not_registered",
    )

    assert appeal_open_if_risk_freeze(hardware, merchant_user) is None
    assert appeal_open_if_risk_freeze(unregistered, merchant_user) is None
    assert not AppealCase.objects.exists()


def test_a_restriction_reported_with_a_provider_notice_opens_a_case(merchant_user):
    terminal = factories.TerminalFactory(merchant=merchant_user.merchant)
    ticket = factories.TicketFactory(
        terminal=terminal, cause=Cause.MERCHANT_RESTRICTED, triage_rule="every_card_declined"
    )
    Report.objects.create(
        merchant=ticket.merchant,
        provider=ticket.provider,
        terminal=terminal,
        reporter=merchant_user,
        outcome=Report.Outcome.FILED,
        ticket=ticket,
        notice_received=True,
    )

    assert appeal_open_if_risk_freeze(ticket, merchant_user) is not None


# --- Deadlines on the provider's business calendar -------------------------------------------


def test_deadlines_count_working_days_across_national_day_and_make_up_days(
    case, merchant_user, risk
):
    complete(case)
    # Friday 26 September 2025. Sunday 28 September is a make-up working day; 1-8 October
    # are off; Saturday 11 October is a make-up working day.
    with at(2025, 9, 26, 10, 0):
        case = appeal_submit(case=case, actor=merchant_user)
    assert case.deadline == datetime(2025, 10, 10, 10, 0, tzinfo=SHANGHAI)

    with at(2025, 10, 10, 11, 0):
        decision = appeal_decide(
            case=case,
            actor=risk,
            decision=AppealStatus.NEED_MORE,
            note="Invoices please.",
            missing=[MaterialKind.INVOICES],
        )
    assert decision.respond_by == datetime(2025, 10, 16, 11, 0, tzinfo=SHANGHAI)
    case.refresh_from_db()
    assert case.deadline == decision.respond_by


def test_a_submission_after_hours_counts_from_the_next_opening(case, merchant_user):
    complete(case)
    with at(2026, 3, 6, 20, 30):  # a Friday evening
        case = appeal_submit(case=case, actor=merchant_user)

    assert case.deadline == datetime(2026, 3, 13, 18, 0, tzinfo=SHANGHAI)


# --- Timeline: public decisions, internal notes ----------------------------------------------


def test_decisions_are_public_and_staff_notes_internal(case, merchant_user, risk):
    complete(case)
    appeal_submit(case=case, actor=merchant_user)
    appeal_decide(
        case=case,
        actor=risk,
        decision=AppealStatus.REJECTED,
        note="Trade pattern unexplained.",
        internal_note="Linked to a fraud list entry.",
    )

    public = TicketEvent.objects.get(ticket=case.ticket, data__action="decided")
    note = TicketEvent.objects.get(ticket=case.ticket, data__action="staff_note")
    assert (public.internal, public.reason) == (False, "Trade pattern unexplained.")
    assert public.data["to"] == AppealStatus.REJECTED
    assert note.internal is True

    page = signed_in(merchant_user).get(f"/tickets/{case.ticket_id}/")
    assert "Trade pattern unexplained." in page.text
    assert "Linked to a fraud list entry." not in page.text
    staff_page = signed_in(risk).get(f"/tickets/{case.ticket_id}/")
    assert "Linked to a fraud list entry." in staff_page.text


# --- Pages -----------------------------------------------------------------------------------


def test_the_ticket_page_shows_the_checklist_with_an_upload_per_item(case, merchant_user):
    factories.AppealMaterialFactory(case=case, kind=MaterialKind.ID_FRONT)

    page = signed_in(merchant_user).get(f"/tickets/{case.ticket_id}/")

    assert page.status_code == 200
    for kind in MaterialKind:
        assert f'id="appeal-item-{kind.value}"' in page.text
        assert f'id="appeal-file-{kind.value}"' in page.text
    assert "Provided" in page.text
    assert "Missing" in page.text
    assert f"/tickets/{case.ticket_id}/appeal/dossier/" in page.text
    assert "/tickets/legal-routes/" in page.text
    assert "Send the appeal to the provider" in page.text
    assert "Record the decision" not in page.text


def test_a_merchant_runs_the_appeal_through_the_pages(case, merchant_user):
    client = signed_in(merchant_user)
    url = f"/tickets/{case.ticket_id}/appeal"
    for kind in REQUIRED_MATERIALS:
        if kind != MaterialKind.EXPLANATION:
            response = client.post(f"{url}/materials/", {"kind": kind, "file": png_upload()})
            assert response.status_code == 302
    client.post(f"{url}/explanation/", {"explanation": "We sell tea."})

    response = client.post(f"{url}/submit/", follow=True)

    case.refresh_from_db()
    assert case.status == AppealStatus.SUBMITTED
    assert "Your appeal has been sent to the provider." in response.text


def test_submitting_an_incomplete_case_on_the_page_says_what_is_missing(case, merchant_user):
    response = signed_in(merchant_user).post(
        f"/tickets/{case.ticket_id}/appeal/submit/", follow=True
    )

    assert "Still missing" in response.text
    assert str(MaterialKind.COUNTER.label) in response.text


def test_risk_staff_decide_on_the_page(case, merchant_user, risk):
    complete(case)
    appeal_submit(case=case, actor=merchant_user)
    client = signed_in(risk)
    assert "Record the decision" in client.get(f"/tickets/{case.ticket_id}/").text

    client.post(
        f"/tickets/{case.ticket_id}/appeal/decisions/",
        {"decision": "need_more", "note": "Invoices please.", "missing": ["invoices"]},
    )

    case.refresh_from_db()
    assert case.status == AppealStatus.NEED_MORE
    assert case.decisions.get().missing == ["invoices"]


def test_a_merchant_posting_a_decision_is_forbidden(case, merchant_user):
    complete(case)
    appeal_submit(case=case, actor=merchant_user)

    response = signed_in(merchant_user).post(
        f"/tickets/{case.ticket_id}/appeal/decisions/", {"decision": "approved", "note": "ok"}
    )

    assert response.status_code == 403
    case.refresh_from_db()
    assert case.status == AppealStatus.SUBMITTED


def test_staff_open_a_case_from_the_ticket_page(ticket, agent):
    client = signed_in(agent)
    assert "Open an appeal case" in client.get(f"/tickets/{ticket.pk}/").text

    client.post(f"/tickets/{ticket.pk}/appeal/open/", {"reason": "Risk team asked"})

    assert AppealCase.objects.filter(ticket=ticket).exists()


def test_the_ticket_page_costs_a_fixed_number_of_queries_for_the_appeal(
    case, merchant_user, django_assert_max_num_queries
):
    client = signed_in(merchant_user)
    client.get(f"/tickets/{case.ticket_id}/")  # warm caches (session, content types)
    for kind in (MaterialKind.ID_FRONT, MaterialKind.ID_BACK, MaterialKind.RECEIPTS):
        factories.AppealMaterialFactory.create_batch(3, case=case, kind=kind)
    with django_assert_max_num_queries(40) as few:
        client.get(f"/tickets/{case.ticket_id}/")
    factories.AppealMaterialFactory.create_batch(10, case=case, kind=MaterialKind.INVOICES)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(f"/tickets/{case.ticket_id}/")


# --- API -------------------------------------------------------------------------------------


def test_the_api_shows_the_case_with_its_checklist(case, merchant_user):
    factories.AppealMaterialFactory(case=case, kind=MaterialKind.ID_FRONT)

    response = api_as(merchant_user).get(f"/api/v1/tickets/{case.ticket_id}/appeal/")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "collecting"
    items = {item["kind"]: item for item in body["checklist"]}
    assert items["id_front"]["provided"] is True
    assert items["id_back"]["missing"] is True
    assert items["business_licence"]["required"] is False
    assert items["id_front"]["files"][0]["download"].startswith("/api/v1/attachments/")
    assert body["dossier"] == f"/tickets/{case.ticket_id}/appeal/dossier/"


def test_risk_staff_decide_through_the_api(case, merchant_user, risk):
    complete(case)
    appeal_submit(case=case, actor=merchant_user)

    response = api_as(risk).post(
        f"/api/v1/tickets/{case.ticket_id}/appeal/decisions/",
        {"decision": "need_more", "note": "Invoices.", "missing": ["invoices"]},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "need_more"
    assert body["decisions"][0]["missing"] == ["invoices"]
    assert body["deadline"] is not None


def test_the_decision_api_refuses_merchants_bad_input_and_wrong_states(case, merchant_user, risk):
    url = f"/api/v1/tickets/{case.ticket_id}/appeal/decisions/"
    assert api_as(risk).post(url, {"decision": "approved", "note": "ok"}).status_code == 409
    complete(case)
    appeal_submit(case=case, actor=merchant_user)

    assert (
        api_as(merchant_user).post(url, {"decision": "approved", "note": "ok"}).status_code == 403
    )
    assert api_as(risk).post(url, {"decision": "collecting", "note": "ok"}).status_code == 400
    assert api_as(risk).post(url, {"decision": "approved"}).status_code == 400


def test_a_ticket_without_a_case_has_no_appeal_in_the_api(ticket, merchant_user):
    assert api_as(merchant_user).get(f"/api/v1/tickets/{ticket.pk}/appeal/").status_code == 404


def test_the_api_schema_documents_the_appeal_endpoints(operator):
    schema = api_as(operator).get("/api/v1/schema/", {"format": "json"}).json()

    assert "/api/v1/tickets/{id}/appeal/" in schema["paths"]
    assert "post" in schema["paths"]["/api/v1/tickets/{id}/appeal/decisions/"]


# --- Isolation -------------------------------------------------------------------------------

PAGE_POSTS = ["open/", "materials/", "explanation/", "submit/", "decisions/", "withdraw/"]


@pytest.fixture(params=["other_merchant", "other_provider_staff", "other_provider_risk"])
def outsider(request, provider):
    if request.param == "other_merchant":
        return factories.MerchantUserFactory(merchant__provider=provider)
    if request.param == "other_provider_staff":
        return factories.ProviderUserFactory()
    return factories.RiskUserFactory()


def test_outsiders_get_404_on_every_appeal_page_and_endpoint(case, merchant_user, outsider):
    complete(case)
    appeal_submit(case=case, actor=merchant_user)
    client: Client = signed_in(outsider)
    base = f"/tickets/{case.ticket_id}"

    assert client.get(f"{base}/").status_code == 404
    assert client.get(f"{base}/appeal/dossier/").status_code == 404
    for action in PAGE_POSTS:
        response = client.post(
            f"{base}/appeal/{action}", {"decision": "approved", "note": "x", "kind": "id_front"}
        )
        assert response.status_code == 404, action
    api = api_as(outsider)
    assert api.get(f"/api/v1/tickets/{case.ticket_id}/appeal/").status_code == 404
    decision = {"decision": "approved", "note": "x"}
    assert (
        api.post(f"/api/v1/tickets/{case.ticket_id}/appeal/decisions/", decision).status_code == 404
    )
    case.refresh_from_db()
    assert case.status == AppealStatus.SUBMITTED
