"""The spare pool: readiness rules (in SQL and in words), functional tests and firmware
updates one at a time and in bulk, the spares API, the pool page and the home panel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from terminals import services
from terminals.models import Terminal, TerminalEvent
from terminals.readiness import not_ready_reasons, ready_spares, with_readiness
from tests import factories
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db

S = Terminal.Status


def reasons(spare):
    """The reasons worked out from the row, and from the SQL annotations: they must agree."""
    in_python = not_ready_reasons(Terminal.objects.get(pk=spare.pk))
    annotated = with_readiness(Terminal.objects.filter(pk=spare.pk)).get()
    assert not_ready_reasons(annotated) == in_python
    assert annotated.ready is (not in_python)
    assert ready_spares().filter(pk=spare.pk).exists() is (not in_python)
    return in_python


def test_a_tested_in_stock_spare_with_approved_firmware_is_ready():
    assert reasons(factories.ReadySpareFactory()) == []


def test_a_spare_never_tested_is_not_ready():
    assert reasons(factories.SpareFactory()) == ["It has never passed a functional test."]


def test_a_spare_whose_last_test_failed_is_not_ready():
    spare = factories.ReadySpareFactory(test_passed=False)

    (reason,) = reasons(spare)
    assert "failed" in reason


def test_a_test_older_than_the_setting_no_longer_counts(settings):
    settings.SPARE_TEST_VALID_DAYS = 10
    fresh = factories.ReadySpareFactory(tested_at=timezone.now() - timedelta(days=9))
    stale = factories.ReadySpareFactory(tested_at=timezone.now() - timedelta(days=11))

    assert reasons(fresh) == []
    (reason,) = reasons(stale)
    assert "more than 10 days ago" in reason


def test_the_default_validity_is_thirty_days():
    assert reasons(factories.ReadySpareFactory(tested_at=timezone.now() - timedelta(days=29))) == []
    assert reasons(factories.ReadySpareFactory(tested_at=timezone.now() - timedelta(days=31)))


def test_firmware_other_than_the_approved_version_is_not_ready():
    spare = factories.ReadySpareFactory(firmware_version="PayDroid 8.0")

    assert reasons(spare) == ["Firmware PayDroid 8.0 is not the approved PayDroid 9.1."]


def test_a_quarantined_spare_is_not_ready():
    assert reasons(factories.ReadySpareFactory(status=S.QUARANTINED)) == ["It is quarantined."]


def test_a_lent_spare_is_not_ready():
    spare = factories.ReadySpareFactory()
    factories.AllocationFactory(status="reserved", spare=spare, depot=spare.depot)

    assert reasons(spare) == ["It is lent to a merchant (or back but not yet inspected)."]


def test_every_reason_is_listed_at_once():
    spare = factories.SpareFactory(status=S.QUARANTINED, firmware_version="old")

    assert len(reasons(spare)) == 3


# --- Recording tests and firmware -------------------------------------------------------------


def test_recording_a_passed_test_makes_a_spare_ready_and_writes_history(operator):
    spare = factories.SpareFactory()

    services.terminal_record_test(terminal=spare, passed=True, actor=operator, note="bench 3")

    assert reasons(spare) == []
    event = TerminalEvent.objects.get(terminal=spare, kind=TerminalEvent.Kind.TESTED)
    assert event.actor == operator
    assert "bench 3" in event.reason


def test_a_failed_test_quarantines_an_in_stock_spare_and_a_pass_releases_it(operator):
    spare = factories.ReadySpareFactory()

    services.terminal_record_test(terminal=spare, passed=False, actor=operator)
    spare.refresh_from_db()
    assert spare.status == S.QUARANTINED

    services.terminal_record_test(terminal=spare, passed=True, actor=operator)
    spare.refresh_from_db()
    assert spare.status == S.IN_STOCK


def test_a_firmware_update_is_recorded_once(operator):
    spare = factories.ReadySpareFactory(firmware_version="old")

    services.terminal_update_firmware(terminal=spare, version="PayDroid 9.1", actor=operator)
    services.terminal_update_firmware(terminal=spare, version="PayDroid 9.1", actor=operator)

    assert reasons(spare) == []
    assert TerminalEvent.objects.filter(kind=TerminalEvent.Kind.FIRMWARE_UPDATED).count() == 1


def test_bulk_recording_covers_every_selected_spare(operator):
    spares = factories.SpareFactory.create_batch(3, firmware_version="old")

    services.terminals_update_firmware(terminals=spares, version="PayDroid 9.1", actor=operator)
    count = services.terminals_record_test(terminals=spares, passed=True, actor=operator)

    assert count == 3
    assert ready_spares().count() == 3


def test_the_bulk_page_records_tests_for_the_ticked_spares(operator):
    ticked, untouched = factories.SpareFactory(), factories.SpareFactory()

    response = signed_in(operator).post(
        "/terminals/pool/bulk/", {"action": "test_passed", "spares": [ticked.pk]}
    )

    assert response.status_code == 302
    assert reasons(ticked) == []
    assert reasons(untouched)


def test_a_bulk_firmware_update_needs_a_version(operator):
    spare = factories.SpareFactory(firmware_version="old")

    response = signed_in(operator).post(
        "/terminals/pool/bulk/", {"action": "firmware", "spares": [spare.pk]}, follow=True
    )

    assert "Give the firmware version" in response.text
    spare.refresh_from_db()
    assert spare.firmware_version == "old"


def test_an_admin_records_a_test_from_the_spares_page(operator):
    spare = factories.SpareFactory()
    client = signed_in(operator)

    assert "never passed a functional test" in client.get(f"/terminals/{spare.pk}/").text
    client.post(f"/terminals/{spare.pk}/test/", {"passed": "1"})

    assert "ready to lend" in client.get(f"/terminals/{spare.pk}/").text


def test_provider_staff_cannot_record_tests(agent):
    spare = factories.SpareFactory(provider=agent.provider)

    response = signed_in(agent).post(f"/terminals/{spare.pk}/test/", {"passed": "1"})

    assert response.status_code == 403


# --- Spares API ---------------------------------------------------------------------------------


def test_the_spares_api_says_whether_each_spare_is_ready_and_why_not(operator):
    ready = factories.ReadySpareFactory()
    lapsed = factories.SpareFactory()

    rows = {
        row["serial_number"]: row
        for row in signed_in(operator).get("/api/v1/spares/").json()["results"]
    }

    assert rows[ready.serial_number]["ready"] is True
    assert rows[ready.serial_number]["not_ready_reasons"] == []
    assert rows[lapsed.serial_number]["ready"] is False
    assert rows[lapsed.serial_number]["not_ready_reasons"] == [
        "It has never passed a functional test."
    ]


def test_the_spares_api_filters_on_readiness(operator):
    ready = factories.ReadySpareFactory()
    factories.SpareFactory()

    rows = signed_in(operator).get("/api/v1/spares/?ready=true").json()["results"]

    assert [row["id"] for row in rows] == [ready.pk]


def test_provider_staff_see_only_their_providers_spares(agent):
    mine = factories.SpareFactory(provider=agent.provider)
    factories.SpareFactory()

    rows = signed_in(agent).get("/api/v1/spares/").json()["results"]

    assert [row["id"] for row in rows] == [mine.pk]


def test_merchants_may_not_list_the_pool(merchant_user):
    assert signed_in(merchant_user).get("/api/v1/spares/").status_code == 403


def test_the_spares_api_costs_the_same_queries_for_more_rows(operator):
    client = signed_in(operator)
    factories.SpareFactory.create_batch(2)
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/spares/")
    factories.SpareFactory.create_batch(10)
    with CaptureQueriesContext(connection) as many:
        client.get("/api/v1/spares/")

    assert len(many) == len(few)


def test_the_schema_describes_the_pool_and_allocations(operator):
    schema = signed_in(operator).get("/api/v1/schema/?format=json").json()

    spare = schema["components"]["schemas"]["SpareOutput"]["properties"]
    assert spare["not_ready_reasons"]["type"] == "array"
    assert spare["ready"]["type"] == "boolean"
    assert "/api/v1/allocations/{id}/" in schema["paths"]


# --- The pool page and the home panel -----------------------------------------------------------


def test_the_pool_page_shows_stock_against_the_minimum(operator):
    level = factories.DepotStockLevelFactory(minimum=3)
    factories.ReadySpareFactory(depot=level.depot, model=level.model)
    factories.SpareFactory(depot=level.depot, model=level.model)

    page = signed_in(operator).get("/terminals/pool/").text

    assert "2 short" in page
    assert "never passed a functional test" in page


def test_the_pool_page_is_for_operator_admins(agent, merchant_user):
    assert signed_in(agent).get("/terminals/pool/").status_code == 403
    assert signed_in(merchant_user).get("/terminals/pool/").status_code == 403


def test_the_pool_page_costs_the_same_queries_for_more_spares(operator):
    client = signed_in(operator)
    depot = factories.DepotFactory()
    factories.SpareFactory.create_batch(2, depot=depot)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/terminals/pool/").status_code == 200
    factories.SpareFactory.create_batch(12, depot=depot)
    factories.ReadySpareFactory.create_batch(3, depot=depot)
    with CaptureQueriesContext(connection) as many:
        client.get("/terminals/pool/")

    assert len(many) == len(few)


def test_the_pool_page_filters_by_readiness(operator):
    ready = factories.ReadySpareFactory()
    lapsed = factories.SpareFactory()

    page = signed_in(operator).get("/terminals/pool/?ready=0").text

    assert lapsed.serial_number in page
    assert ready.serial_number not in page


def test_the_home_page_tells_admins_about_waiting_requests(operator):
    factories.AllocationFactory()
    factories.ReadySpareFactory()

    page = signed_in(operator).get("/").text

    assert (
        'data-count="waiting"><a href="/terminals/allocations/?status=waiting"><span class="tile__value">1<'
        in page
    )


def test_the_demo_pool_seeding_is_idempotent():
    from django.core.management import call_command

    from terminals.demo import seed_pool

    call_command("seed_demo", verbosity=0)
    first = seed_pool()
    second = seed_pool()

    assert first == second
    assert first["stock levels"] > 0
    assert Terminal.objects.filter(is_spare=True, tested_at=None).count() == 0
    assert ready_spares().exists()


def test_the_demo_pool_fills_every_pool_model_the_admin_lists():
    from django.core.management import call_command

    from terminals.demo import seed_pool
    from terminals.models import Allocation, DepotStockLevel, PoolPolicy, RepairOrder

    call_command("seed_demo", verbosity=0)
    seed_pool()

    for model in (Allocation, DepotStockLevel, PoolPolicy, RepairOrder):
        assert model.objects.exists(), model
    assert set(Allocation.objects.values_list("status", flat=True)) == {"shipped", "activated"}


def test_the_admin_opens_every_pool_model_once_the_demo_pool_is_seeded():
    from django.core.management import call_command
    from django.urls import reverse

    from portal.models import User
    from terminals.demo import seed_pool
    from terminals.models import Allocation, DepotStockLevel, PoolPolicy, RepairOrder

    call_command("seed_demo", verbosity=0)
    seed_pool()
    client = signed_in(User.objects.get(username="admin"))

    for model in (Allocation, DepotStockLevel, PoolPolicy, RepairOrder):
        name = f"admin:terminals_{model._meta.model_name}"
        assert client.get(reverse(f"{name}_changelist")).status_code == 200
        row = model.objects.first()
        assert client.get(reverse(f"{name}_change", args=[row.pk])).status_code == 200
