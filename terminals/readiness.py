"""When a spare is ready to lend, in SQL (to choose and count) and in words (to explain).

A spare is ready when it is in stock (not lent, not quarantined), its last functional test
passed within `SPARE_TEST_VALID_DAYS` days (setting, default 30), its firmware is the model's
approved version, and no open allocation holds it. Each rule is one SQL expression below;
`not_ready_reasons` reads the same expressions when the row was annotated with them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from terminals.models import OPEN_ALLOCATION_STATUSES, Allocation, Terminal

S = Terminal.Status
FLAGS = ("rdy_in_stock", "rdy_tested", "rdy_firmware", "rdy_lent")


def functional_test_valid_days() -> int:
    """How long a passed functional test keeps a spare ready (settings.SPARE_TEST_VALID_DAYS)."""
    return int(settings.SPARE_TEST_VALID_DAYS)


def functional_test_cutoff(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=functional_test_valid_days())


def _held_by_open_allocation() -> Exists:
    return Exists(
        Allocation.objects.filter(spare=OuterRef("pk"), status__in=OPEN_ALLOCATION_STATUSES)
    )


def ready_q(now: datetime | None = None) -> Q:
    """The SQL condition of readiness, for `Terminal.objects.filter(...)`."""
    return Q(
        Q(
            is_spare=True,
            status=S.IN_STOCK,
            test_passed=True,
            tested_at__gte=functional_test_cutoff(now),
        ),
        Q(firmware_version=F("model__approved_firmware")),
        ~_held_by_open_allocation(),
    )


def ready_spares(now: datetime | None = None) -> QuerySet[Terminal]:
    return Terminal.objects.filter(ready_q(now))


def _flag(q: Q | Exists) -> Case:
    """True or False, never NULL (a NULL test date must read as "not tested")."""
    return Case(When(q, then=Value(True)), default=Value(False), output_field=BooleanField())


def with_readiness(queryset: QuerySet[Terminal], now: datetime | None = None) -> Any:
    """Annotate each rule's outcome (`rdy_*`) and `ready`, in the same query."""
    cutoff = functional_test_cutoff(now)
    return queryset.annotate(
        rdy_in_stock=_flag(Q(status=S.IN_STOCK)),
        rdy_tested=_flag(Q(test_passed=True, tested_at__gte=cutoff)),
        rdy_firmware=_flag(Q(firmware_version=F("model__approved_firmware"))),
        rdy_lent=_flag(_held_by_open_allocation()),
    ).annotate(
        ready=_flag(
            Q(is_spare=True, rdy_in_stock=True, rdy_tested=True, rdy_firmware=True, rdy_lent=False)
        )
    )


def _flags(spare: Terminal, now: datetime | None) -> dict[str, bool]:
    """The annotated rule outcomes, or the same rules worked out for an unannotated row."""
    if all(hasattr(spare, name) for name in FLAGS):
        return {name: bool(getattr(spare, name)) for name in FLAGS}
    return {
        "rdy_in_stock": spare.status == S.IN_STOCK,
        "rdy_tested": bool(
            spare.test_passed and spare.tested_at and spare.tested_at >= functional_test_cutoff(now)
        ),
        "rdy_firmware": spare.firmware_version == spare.model.approved_firmware,
        "rdy_lent": Allocation.objects.filter(
            spare=spare, status__in=OPEN_ALLOCATION_STATUSES
        ).exists(),
    }


def is_ready(spare: Terminal, now: datetime | None = None) -> bool:
    return not not_ready_reasons(spare, now)


def not_ready_reasons(spare: Terminal, now: datetime | None = None) -> list[str]:
    """Why `spare` cannot be lent now, in plain words; empty when it is ready."""
    if not spare.is_spare:
        return [_("It is installed at a merchant, not a spare in the pool.")]
    flags = _flags(spare, now)
    reasons: list[str] = []
    if flags["rdy_lent"] or spare.status == S.ON_LOAN:
        reasons.append(_("It is lent to a merchant (or back but not yet inspected)."))
    elif spare.status == S.QUARANTINED:
        reasons.append(_("It is quarantined."))
    elif not flags["rdy_in_stock"]:
        reasons.append(
            _("Its status is %(status)s, not in stock.") % {"status": S(spare.status).label}
        )
    reasons.extend(_test_reasons(spare, flags))
    if not flags["rdy_firmware"]:
        reasons.append(
            _("Firmware %(version)s is not the approved %(approved)s.")
            % {"version": spare.firmware_version, "approved": spare.model.approved_firmware}
        )
    return reasons


def _test_reasons(spare: Terminal, flags: dict[str, Any]) -> list[str]:
    if flags["rdy_tested"]:
        return []
    if spare.tested_at is None:
        return [_("It has never passed a functional test.")]
    when = formats.date_format(timezone.localtime(spare.tested_at), "SHORT_DATE_FORMAT")
    if not spare.test_passed:
        return [_("Its last functional test, on %(date)s, failed.") % {"date": when}]
    return [
        _("Its last functional test passed on %(date)s, more than %(days)s days ago.")
        % {"date": when, "days": functional_test_valid_days()}
    ]
