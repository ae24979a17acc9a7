"""Demo data for the spare pool, on top of `seed_demo` (call `seed_pool()` after it).

Gives the seeded spares functional-test dates (most recent, a few lapsed or failed, so the
pool page shows every reason), a minimum stock per depot and model, a pool policy per
provider, and two backups: one shipped, for the first faulty terminal, and one activated
(its original then has a repair order, RMA), for the second. Idempotent.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from portal.models import Provider
from terminals.models import Allocation, DepotStockLevel, PoolPolicy, Terminal
from terminals.services import (
    allocate_backup,
    allocation_activate,
    allocation_deliver,
    allocation_ship,
)

DEMO_REFERENCES = ("DEMO-BACKUP-1", "DEMO-BACKUP-2")


@transaction.atomic
def seed_pool(*, references: tuple[str, str] = DEMO_REFERENCES) -> dict[str, int]:
    """Seed the pool. The two demo backups go to the first two faulty terminals under
    `references` (pass those terminals' demo ticket references to link them)."""
    now = timezone.now()
    spares = list(Terminal.objects.filter(is_spare=True).order_by("serial_number"))
    for n, spare in enumerate(spares):
        if spare.tested_at is not None:
            continue
        # Every fifth spare has a lapsed test, every seventh a failed one; the rest are fresh.
        age = timedelta(days=45) if n % 5 == 4 else timedelta(days=n % 20, hours=3)
        spare.tested_at, spare.test_passed = now - age, n % 7 != 6
        spare.save(update_fields=["tested_at", "test_passed", "updated_at"])
    for depot_id, model_id in {(s.depot_id, s.model_id) for s in spares if s.depot_id}:
        DepotStockLevel.objects.get_or_create(
            depot_id=depot_id, model_id=model_id, defaults={"minimum": 2}
        )
    for provider in Provider.objects.all():
        PoolPolicy.objects.get_or_create(
            provider=provider, defaults={"require_same_family": False, "auto_backup": False}
        )
    _demo_backups(references)
    return {
        "spares tested": len(spares),
        "stock levels": DepotStockLevel.objects.count(),
        "allocations": Allocation.objects.count(),
    }


def _demo_backups(references: tuple[str, str]) -> None:
    faulty = list(
        Terminal.objects.select_related("merchant", "model")
        .filter(is_spare=False, status=Terminal.Status.FAULTY, merchant__isnull=False)
        .order_by("pk")[:2]
    )
    for n, (reference, original) in enumerate(zip(references, faulty, strict=False)):
        activate = n == 1
        if Allocation.objects.filter(reference=reference).exists():
            continue
        assert original.merchant is not None
        allocation = allocate_backup(
            merchant=original.merchant, terminal=original, reference=reference, actor=None
        )
        if allocation.status != Allocation.Status.RESERVED:
            continue
        allocation = allocation_ship(
            allocation=allocation,
            carrier="SF Express",
            tracking_number=f"SF14{original.pk:08d}",
            actor=None,
        )
        if activate:
            allocation = allocation_deliver(allocation=allocation, actor=None)
            allocation_activate(
                allocation=allocation,
                tid=original.tid or "99999999",
                keys_bound=True,
                address=original.installed_address or original.merchant.registered_address,
                actor=None,
            )
