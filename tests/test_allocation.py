"""Backup allocation: choosing a spare, the waiting line, every lifecycle step, history,
signals, the task, e-mails to the admins, the API and the pages, and who sees what."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.errors import ConflictError, DomainError
from portal.models import Region
from terminals import services, tasks
from terminals.models import Allocation, Connectivity, RepairOrder, Terminal, TerminalEvent
from terminals.services import allocate_backup
from terminals.signals import allocation_changed
from tests import factories
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db

A = Allocation.Status
S = Terminal.Status


@pytest.fixture
def original(merchant):
    return factories.TerminalFactory(merchant=merchant, connectivity=Connectivity.WIFI)


def ready_spare(original, **kwargs):
    kwargs.setdefault("provider", original.provider)
    kwargs.setdefault("model", original.model)
    return factories.ReadySpareFactory(**kwargs)


def allocate(original, reference="INC-2026-000001", actor=None):
    return allocate_backup(
        merchant=original.merchant, terminal=original, reference=reference, actor=actor
    )


# --- Choosing a spare ---------------------------------------------------------------------------


def test_it_reserves_a_ready_spare_and_marks_it_on_loan(original, operator):
    spare = ready_spare(original)

    allocation = allocate(original, actor=operator)

    assert allocation.status == A.RESERVED
    assert allocation.spare == spare
    assert allocation.depot == spare.depot
    assert allocation.reserved_at is not None
    assert allocation.requested_by == operator
    spare.refresh_from_db()
    assert spare.status == S.ON_LOAN


def test_it_prefers_a_depot_in_the_merchants_region_then_a_neighbour(original):
    far = ready_spare(original, depot=factories.DepotFactory(region=Region.NORTHEAST))
    neighbour = ready_spare(original, depot=factories.DepotFactory(region=Region.CENTRAL))
    same = ready_spare(original, depot=factories.DepotFactory(region=Region.EAST))

    first = allocate(original, "R1")
    second = allocate(factories.TerminalFactory(merchant=original.merchant), "R2")
    third = allocate(factories.TerminalFactory(merchant=original.merchant), "R3")

    assert (first.spare, second.spare, third.spare) == (same, neighbour, far)


def test_it_never_lends_a_spare_of_another_provider(original):
    ready_spare(original, provider=factories.ProviderFactory())

    assert allocate(original).status == A.WAITING


def test_it_needs_the_connectivity_the_merchant_uses(merchant):
    original = factories.TerminalFactory(merchant=merchant, connectivity=Connectivity.ETHERNET)
    wifi_only = factories.TerminalModelFactory(name="Wifi only", has_ethernet=False)
    wired = factories.TerminalModelFactory(name="Wired", has_ethernet=True)
    ready_spare(original, model=wifi_only)
    fitting = ready_spare(original, model=wired)

    assert allocate(original).spare == fitting


def test_it_keeps_to_the_model_family_when_the_provider_requires_it(original):
    other_family = factories.TerminalModelFactory(name="V200c", family="Verifone")
    ready_spare(original, model=other_family)
    factories.PoolPolicyFactory(provider=original.provider, require_same_family=True)

    assert allocate(original).status == A.WAITING


def test_another_family_is_fine_when_the_provider_does_not_mind(original):
    other_family = factories.TerminalModelFactory(name="V200c", family="Verifone")
    spare = ready_spare(original, model=other_family)

    assert allocate(original).spare == spare


@pytest.mark.parametrize(
    "overrides",
    [
        {"tested_at": None, "test_passed": None},
        {"test_passed": False},
        {"firmware_version": "old"},
        {"status": S.QUARANTINED},
    ],
)
def test_it_never_lends_a_spare_that_is_not_ready(original, overrides):
    ready_spare(original, **overrides)

    assert allocate(original).status == A.WAITING


def test_a_reference_is_required(original):
    with pytest.raises(DomainError):
        allocate(original, reference="  ")


def test_a_backup_stands_in_only_for_the_merchants_own_terminal(original):
    other = factories.TerminalFactory()

    with pytest.raises(DomainError):
        allocate_backup(merchant=original.merchant, terminal=other, reference="R", actor=None)


# --- Asking twice -------------------------------------------------------------------------------


def test_asking_twice_for_one_reference_gives_the_same_allocation(original):
    ready_spare(original)
    ready_spare(original)

    first, second = allocate(original), allocate(original)

    assert first.pk == second.pk
    assert Allocation.objects.count() == 1
    assert Terminal.objects.filter(status=S.ON_LOAN).count() == 1


def test_running_the_task_twice_gives_the_same_allocation(original):
    ready_spare(original)
    args = (original.merchant_id, original.pk, "INC-9")

    first = tasks.allocate_backup.apply(args=args).get()
    second = tasks.allocate_backup.apply(args=args).get()

    assert first == second == Allocation.objects.get().pk


def test_a_new_request_may_follow_a_finished_one_for_the_same_reference(original):
    ready_spare(original)
    first = allocate(original)
    services.allocation_cancel(allocation=first, actor=None)

    assert allocate(original).pk != first.pk


def test_the_database_refuses_two_open_allocations_of_one_spare(original):
    spare = ready_spare(original)
    factories.AllocationFactory(status=A.RESERVED, spare=spare, depot=spare.depot)

    with pytest.raises(IntegrityError), transaction.atomic():
        factories.AllocationFactory(status=A.SHIPPED, spare=spare, depot=spare.depot)


def test_the_database_refuses_two_open_allocations_for_one_reference(original):
    factories.AllocationFactory(original=original, reference="X")

    with pytest.raises(IntegrityError), transaction.atomic():
        factories.AllocationFactory(original=original, reference="X")


# --- The waiting line ---------------------------------------------------------------------------


def test_nothing_ready_waits_and_tells_the_admins_after_commit(
    original, django_capture_on_commit_callbacks, settings
):
    admin = factories.OperatorFactory(email="pool@operator.example")
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from portal.celery import app

    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            allocation = allocate(original)
        assert mail.outbox == []
        for callback in callbacks:
            callback()
    finally:
        app.conf.changes.pop("task_always_eager", None)

    assert allocation.status == A.WAITING
    assert allocation.spare is None
    (message,) = mail.outbox
    assert message.to == [admin.email]
    assert allocation.reference in message.subject
    allocation.refresh_from_db()
    assert allocation.admins_notified_at is not None


def test_the_admins_are_told_once_even_if_the_task_runs_twice(original):
    factories.OperatorFactory(email="pool@operator.example")
    allocation = allocate(original)

    assert tasks.notify_admins_waiting.apply(args=(allocation.pk,)).get() == 1
    assert tasks.notify_admins_waiting.apply(args=(allocation.pk,)).get() == 0
    assert len(mail.outbox) == 1


def test_waiting_requests_are_served_first_come_first_served_when_a_spare_is_tested(
    original, operator
):
    later_terminal = factories.TerminalFactory(merchant=original.merchant)
    first = allocate(original, "FIRST")
    second = allocate(later_terminal, "SECOND")
    untested = factories.SpareFactory(provider=original.provider, model=original.model)

    services.terminal_record_test(terminal=untested, passed=True, actor=operator)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.spare) == (A.RESERVED, untested)
    assert second.status == A.WAITING


def test_a_firmware_update_serves_the_waiting_line(original, operator):
    waiting = allocate(original)
    spare = ready_spare(original, firmware_version="old")
    assert waiting.status == A.WAITING

    services.terminal_update_firmware(
        terminal=spare, version=original.model.approved_firmware, actor=operator
    )

    waiting.refresh_from_db()
    assert waiting.spare == spare


def test_a_cancelled_reservation_returns_its_spare_to_the_next_in_line(original):
    spare = ready_spare(original)
    first = allocate(original, "A")
    waiting = allocate(factories.TerminalFactory(merchant=original.merchant), "B")

    services.allocation_cancel(allocation=first, actor=None, reason="fixed remotely")

    waiting.refresh_from_db()
    assert (waiting.status, waiting.spare) == (A.RESERVED, spare)


# --- The lifecycle ------------------------------------------------------------------------------


def walk_to(allocation, status, actor=None):
    """Move a reserved allocation along the happy path up to `status`."""
    steps = [
        (A.SHIPPED, lambda a: services.allocation_ship(
            allocation=a, carrier="SF Express", tracking_number="SF123", actor=actor)),
        (A.DELIVERED, lambda a: services.allocation_deliver(allocation=a, actor=actor)),
        (A.ACTIVATED, lambda a: services.allocation_activate(
            allocation=a, tid="87654321", keys_bound=True, address="1 Nanjing Rd", actor=actor)),
        (A.RETURN_DUE, lambda a: services.allocation_set_return_due(
            allocation=a, due=timezone.localdate() + timedelta(days=7), actor=actor)),
        (A.RETURNED, lambda a: services.allocation_return(allocation=a, actor=actor)),
        (A.INSPECTED, lambda a: services.allocation_inspect(
            allocation=a, outcome="ready", actor=actor)),
    ]  # fmt: skip
    for to, step in steps:
        allocation = step(allocation)
        assert allocation.status == to
        if to == status:
            return allocation
    raise AssertionError(status)


def test_a_backup_goes_all_the_way_home_and_is_ready_again(original, operator):
    spare = ready_spare(original)
    allocation = allocate(original, actor=operator)

    done = walk_to(allocation, A.INSPECTED, operator)

    assert done.carrier == "SF Express"
    assert done.tracking_number == "SF123"
    assert done.activated_tid == "87654321"
    assert done.return_due_at is not None
    for stamp in ("shipped_at", "delivered_at", "activated_at", "returned_at", "inspected_at"):
        assert getattr(done, stamp) is not None
    spare.refresh_from_db()
    assert spare.status == S.IN_STOCK
    assert spare.test_passed is True
    steps = list(
        TerminalEvent.objects.filter(terminal=spare, kind=TerminalEvent.Kind.BACKUP)
        .order_by("pk")
        .values_list("to_status", flat=True)
    )
    assert steps == [
        "reserved", "shipped", "delivered", "activated", "return_due", "returned", "inspected"
    ]  # fmt: skip


def test_activation_opens_a_repair_order_for_the_original(original):
    ready_spare(original)
    allocation = walk_to(allocate(original), A.ACTIVATED)

    repair = RepairOrder.objects.get()
    assert repair.terminal == original
    assert repair.allocation == allocation
    assert repair.outcome == RepairOrder.Outcome.PENDING
    original.refresh_from_db()
    assert original.status == S.IN_REPAIR

    services.repair_close(repair=repair, outcome="repaired", actor=None)
    original.refresh_from_db()
    assert original.status == S.ACTIVE


def test_an_inspection_can_quarantine_the_spare(original):
    spare = ready_spare(original)
    allocation = walk_to(allocate(original), A.RETURNED)

    services.allocation_inspect(
        allocation=allocation, outcome="quarantined", actor=None, note="cracked screen"
    )

    spare.refresh_from_db()
    assert spare.status == S.QUARANTINED


def test_a_returned_spare_is_not_lent_before_inspection(original):
    ready_spare(original)
    walk_to(allocate(original, "A"), A.RETURNED)

    assert allocate(factories.TerminalFactory(merchant=original.merchant), "B").status == A.WAITING


def test_every_step_sends_allocation_changed(original, operator):
    ready_spare(original)
    heard = []

    def receiver(sender, allocation, from_status, to_status, actor, **kwargs):
        heard.append((sender, from_status, to_status, actor))

    allocation_changed.connect(receiver)
    try:
        walk_to(allocate(original, actor=operator), A.ACTIVATED, operator)
    finally:
        allocation_changed.disconnect(receiver)

    assert [(f, t) for _s, f, t, _a in heard] == [
        ("", "waiting"), ("waiting", "reserved"), ("reserved", "shipped"),
        ("shipped", "delivered"), ("delivered", "activated"),
    ]  # fmt: skip
    assert {s for s, *_rest in heard} == {Allocation}
    assert {a for *_rest, a in heard} == {operator}


@pytest.mark.parametrize(
    ("at", "step"),
    [
        (A.WAITING, "ship"),
        (A.RESERVED, "deliver"),
        (A.RESERVED, "activate"),
        (A.SHIPPED, "return"),
        (A.SHIPPED, "cancel"),
        (A.DELIVERED, "inspect"),
        (A.ACTIVATED, "cancel"),
        (A.RETURNED, "deliver"),
        (A.INSPECTED, "ship"),
        (A.INSPECTED, "cancel"),
    ],
)
def test_illegal_moves_are_refused_with_a_clear_message(original, at, step):
    ready_spare(original)
    allocation = allocate(original)
    if at == A.WAITING:
        allocation = allocate(factories.TerminalFactory(merchant=original.merchant), "W")
    elif at != A.RESERVED:
        allocation = walk_to(allocation, at)
    actions = {
        "ship": lambda: services.allocation_ship(
            allocation=allocation, carrier="SF", tracking_number="1", actor=None
        ),
        "deliver": lambda: services.allocation_deliver(allocation=allocation, actor=None),
        "activate": lambda: services.allocation_activate(
            allocation=allocation, tid="12345678", keys_bound=True, address="x", actor=None
        ),
        "return": lambda: services.allocation_return(allocation=allocation, actor=None),
        "inspect": lambda: services.allocation_inspect(
            allocation=allocation, outcome="ready", actor=None
        ),
        "cancel": lambda: services.allocation_cancel(allocation=allocation, actor=None),
    }

    with pytest.raises(ConflictError, match="A backup cannot go from"):
        actions[step]()
    assert Allocation.objects.get(pk=allocation.pk).status == at


def test_activation_needs_the_keys_bound_and_a_valid_tid(original):
    ready_spare(original)
    allocation = walk_to(allocate(original), A.DELIVERED)

    with pytest.raises(DomainError, match="keys"):
        services.allocation_activate(
            allocation=allocation, tid="12345678", keys_bound=False, address="x", actor=None
        )
    with pytest.raises(DomainError, match="TID"):
        services.allocation_activate(
            allocation=allocation, tid="12", keys_bound=True, address="x", actor=None
        )


def test_shipping_needs_a_carrier_and_tracking_number(original):
    ready_spare(original)
    allocation = allocate(original)

    with pytest.raises(DomainError):
        services.allocation_ship(allocation=allocation, carrier="", tracking_number="1", actor=None)


def test_the_return_date_can_move_but_not_into_the_past(original):
    ready_spare(original)
    allocation = walk_to(allocate(original), A.RETURN_DUE)
    later = timezone.localdate() + timedelta(days=30)

    moved = services.allocation_set_return_due(allocation=allocation, due=later, actor=None)

    assert (moved.status, moved.return_due_at) == (A.RETURN_DUE, later)
    with pytest.raises(DomainError):
        services.allocation_set_return_due(
            allocation=allocation, due=timezone.localdate() - timedelta(days=1), actor=None
        )


def test_a_step_already_taken_is_not_repeated(original):
    ready_spare(original)
    allocation = walk_to(allocate(original), A.DELIVERED)
    events = TerminalEvent.objects.count()

    again = services.allocation_deliver(allocation=allocation, actor=None)

    assert again.status == A.DELIVERED
    assert TerminalEvent.objects.count() == events


# --- API ----------------------------------------------------------------------------------------


def test_merchants_see_only_their_own_allocations_in_the_api(original):
    mine = factories.AllocationFactory(original=original)
    theirs = factories.AllocationFactory()
    client = signed_in(factories.MerchantUserFactory(merchant=original.merchant))

    listed = client.get("/api/v1/allocations/").json()

    assert [row["id"] for row in listed["results"]] == [mine.pk]
    assert client.get(f"/api/v1/allocations/{theirs.pk}/").status_code == 404


def test_the_allocation_api_answers_the_contract_fields(original):
    spare = ready_spare(original)
    allocation = walk_to(allocate(original, "INC-2026-000777"), A.RETURN_DUE)
    client = signed_in(factories.ProviderUserFactory(provider=original.provider))

    body = client.get(f"/api/v1/allocations/{allocation.pk}/").json()

    assert body["id"] == allocation.pk
    assert body["status"] == "return_due"
    assert body["spare"] == spare.serial_number
    assert body["ticket"] == body["reference"] == "INC-2026-000777"
    assert body["depot"]["code"] == spare.depot.code
    assert body["return_due_at"] == allocation.return_due_at.isoformat()


def test_provider_staff_of_another_provider_get_404(original):
    allocation = factories.AllocationFactory(original=original)
    client = signed_in(factories.ProviderUserFactory())

    assert client.get(f"/api/v1/allocations/{allocation.pk}/").status_code == 404


def test_the_allocation_list_costs_the_same_queries_for_more_rows(operator):
    client = signed_in(operator)
    factories.AllocationFactory.create_batch(2)
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/allocations/")
    factories.AllocationFactory.create_batch(10)
    with CaptureQueriesContext(connection) as many:
        client.get("/api/v1/allocations/")

    assert len(many) == len(few)


# --- Pages --------------------------------------------------------------------------------------


def test_merchants_follow_their_backup_but_not_another_merchants(original):
    mine = factories.AllocationFactory(original=original)
    theirs = factories.AllocationFactory()
    client = signed_in(factories.MerchantUserFactory(merchant=original.merchant))

    listing = client.get("/terminals/allocations/")

    assert mine.reference in listing.text
    assert theirs.reference not in listing.text
    assert client.get(f"/terminals/allocations/{mine.pk}/").status_code == 200
    assert client.get(f"/terminals/allocations/{theirs.pk}/").status_code == 404


def test_a_merchant_cannot_move_their_backup_along(original):
    ready_spare(original)
    allocation = allocate(original)
    client = signed_in(factories.MerchantUserFactory(merchant=original.merchant))

    response = client.post(
        f"/terminals/allocations/{allocation.pk}/ship/",
        {"carrier": "SF", "tracking_number": "1"},
    )

    assert response.status_code == 403
    allocation.refresh_from_db()
    assert allocation.status == A.RESERVED


def test_an_admin_ships_from_the_allocation_page(original, operator):
    ready_spare(original)
    allocation = allocate(original)
    client = signed_in(operator)

    response = client.post(
        f"/terminals/allocations/{allocation.pk}/ship/",
        {"carrier": "SF Express", "tracking_number": "SF999"},
    )

    assert response.status_code == 302
    allocation.refresh_from_db()
    assert (allocation.status, allocation.tracking_number) == (A.SHIPPED, "SF999")


def test_an_illegal_move_from_a_page_shows_the_message(original, operator):
    ready_spare(original)
    allocation = allocate(original)
    client = signed_in(operator)

    response = client.post(f"/terminals/allocations/{allocation.pk}/deliver/", follow=True)

    assert "A backup cannot go from Reserved to Delivered." in response.text


def test_the_allocation_card_renders_for_a_ticket_page(original):
    from django.template.loader import render_to_string

    ready_spare(original)
    allocation = walk_to(allocate(original), A.SHIPPED)

    html = render_to_string("terminals/_allocation_card.html", {"allocation": allocation})

    assert "SF123" in html
    assert "Shipped" in html


def test_the_allocation_list_page_costs_the_same_queries_for_more_rows(operator):
    client = signed_in(operator)
    factories.AllocationFactory.create_batch(2)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/terminals/allocations/").status_code == 200
    factories.AllocationFactory.create_batch(10)
    with CaptureQueriesContext(connection) as many:
        client.get("/terminals/allocations/")

    assert len(many) == len(few)


def test_the_detail_page_offers_only_the_next_legal_steps(original, operator):
    ready_spare(original)
    allocation = allocate(original)

    page = signed_in(operator).get(f"/terminals/allocations/{allocation.pk}/").text

    assert "Mark shipped" in page
    assert "Cancel the backup" in page
    assert "Mark delivered" not in page
    assert "Reserved as a backup." not in page  # terminal status rows stay on the terminal page
    assert f"{allocation.reference}" in page


def test_the_terminal_page_shows_backup_steps_in_its_history(original, operator):
    spare = ready_spare(original)
    walk_to(allocate(original), A.SHIPPED)

    page = signed_in(operator).get(f"/terminals/{spare.pk}/").text

    assert "Backup allocation" in page
    assert "Reserved → Shipped" in page


def test_auto_backup_follows_the_providers_pool_policy(provider):
    from terminals.selectors import auto_backup_enabled

    assert auto_backup_enabled(provider_id=provider.pk) is False
    factories.PoolPolicyFactory(provider=provider, auto_backup=True)
    assert auto_backup_enabled(provider_id=provider.pk) is True
