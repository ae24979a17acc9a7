"""`POST /api/v1/auth/token/`, `GET /api/v1/terminals/` and `GET /api/v1/terminals/{id}/`."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests import factories

pytestmark = pytest.mark.django_db


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_token_comes_back_for_a_good_username_and_password(merchant_user):
    response = APIClient().post(
        "/api/v1/auth/token/",
        {"username": merchant_user.username, "password": "demo-pass"},
        format="json",
    )

    assert response.status_code == 200
    token = response.json()["token"]
    listing = APIClient(headers={"Authorization": f"Token {token}"}).get("/api/v1/terminals/")
    assert listing.status_code == 200


def test_wrong_credentials_answer_400_with_an_error_body(merchant_user):
    response = APIClient().post(
        "/api/v1/auth/token/",
        {"username": merchant_user.username, "password": "nope"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["Unable to sign in with that username and password."]
    }


def test_a_token_request_without_fields_says_which_are_missing():
    response = APIClient().post("/api/v1/auth/token/", {}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"username", "password"}


def test_repeated_token_requests_are_throttled(merchant_user):
    good = {"username": merchant_user.username, "password": "demo-pass"}
    for _ in range(10):
        assert APIClient().post("/api/v1/auth/token/", good, format="json").status_code == 200

    response = APIClient().post("/api/v1/auth/token/", good, format="json")

    assert response.status_code == 429


def test_five_failed_token_sign_ins_lock_the_user_out_and_say_so(merchant_user):
    bad = {"username": merchant_user.username, "password": "wrong"}
    for _ in range(5):
        APIClient().post("/api/v1/auth/token/", bad, format="json")

    good = {"username": merchant_user.username, "password": "demo-pass"}
    response = APIClient().post("/api/v1/auth/token/", good, format="json")

    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.json()["detail"]


def test_the_terminal_list_needs_a_signed_in_caller():
    assert APIClient().get("/api/v1/terminals/").status_code in (401, 403)


def test_a_merchant_lists_only_their_own_terminals_in_the_documented_shape(merchant_user):
    own = factories.TerminalFactory.create_batch(3, merchant=merchant_user.merchant)
    factories.TerminalFactory.create_batch(2)

    body = api_as(merchant_user).get("/api/v1/terminals/").json()

    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 3
    assert {row["serial_number"] for row in body["results"]} == {t.serial_number for t in own}
    row = body["results"][0]
    for field in [
        "id",
        "serial_number",
        "tid",
        "merchant",
        "provider",
        "model",
        "firmware_version",
        "connectivity",
        "status",
    ]:
        assert field in row
    assert row["merchant"]["mid"] == merchant_user.merchant.mid


def test_provider_staff_list_their_providers_terminals_and_spares(agent):
    mine = factories.TerminalFactory(merchant=factories.MerchantFactory(provider=agent.provider))
    spare = factories.SpareFactory(provider=agent.provider)
    factories.TerminalFactory()

    body = api_as(agent).get("/api/v1/terminals/").json()

    assert {row["id"] for row in body["results"]} == {mine.pk, spare.pk}


def test_another_merchants_terminal_is_404_in_detail(merchant_user):
    foreign = factories.TerminalFactory()
    own = factories.TerminalFactory(merchant=merchant_user.merchant)
    client = api_as(merchant_user)

    assert client.get(f"/api/v1/terminals/{own.pk}/").json()["serial_number"] == own.serial_number
    assert client.get(f"/api/v1/terminals/{foreign.pk}/").status_code == 404


def test_another_providers_staff_get_404_for_a_terminal(agent):
    foreign = factories.TerminalFactory()

    assert api_as(agent).get(f"/api/v1/terminals/{foreign.pk}/").status_code == 404


def test_page_size_is_honoured_and_capped(operator):
    factories.TerminalFactory.create_batch(5)

    assert len(api_as(operator).get("/api/v1/terminals/?page_size=2").json()["results"]) == 2
    assert api_as(operator).get("/api/v1/terminals/?page_size=100000").status_code == 200


def test_ordering_only_on_whitelisted_fields(operator):
    factories.TerminalFactory.create_batch(3)
    client = api_as(operator)

    serials = [
        r["serial_number"]
        for r in client.get("/api/v1/terminals/?ordering=-serial_number").json()["results"]
    ]
    assert serials == sorted(serials, reverse=True)
    assert client.get("/api/v1/terminals/?ordering=merchant__legal_id").status_code == 200


def test_filters_narrow_the_list(operator):
    terminal = factories.TerminalFactory(status="faulty")
    factories.TerminalFactory.create_batch(2)

    body = api_as(operator).get("/api/v1/terminals/?status=faulty").json()
    assert [row["id"] for row in body["results"]] == [terminal.pk]
    assert api_as(operator).get("/api/v1/terminals/?status=on_fire").status_code == 400


def test_the_terminal_list_costs_the_same_queries_for_3_or_30_rows(operator):
    client = api_as(operator)
    factories.TerminalFactory.create_batch(3)
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/terminals/?page_size=50")
    factories.TerminalFactory.create_batch(27)
    with CaptureQueriesContext(connection) as many:
        client.get("/api/v1/terminals/?page_size=50")

    assert len(many) == len(few)


def test_the_schema_is_served_to_signed_in_callers(merchant_user):
    response = api_as(merchant_user).get("/api/v1/schema/")

    assert response.status_code == 200
    assert b"/api/v1/terminals/" in response.content
