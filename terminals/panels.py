"""Home-page panels of the terminals app (see portal.home)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from portal.home import Panel, register_panel
from portal.models import Merchant, User
from terminals.models import Allocation, Depot, Terminal
from terminals.readiness import ready_q
from terminals.selectors import pool_stock, terminal_list

S = Terminal.Status
A = Allocation.Status


def my_terminals(user: User) -> dict[str, Any] | None:
    if not user.is_merchant_user:
        return None
    terminals = terminal_list(user=user).filter(is_spare=False).order_by("serial_number")
    return {"terminals": terminals[:20]}


def registry_and_pool(user: User) -> dict[str, Any] | None:
    if not user.is_operator_admin:
        return None
    counts = Terminal.objects.aggregate(
        installed=Count("pk", filter=Q(is_spare=False)),
        spares=Count("pk", filter=Q(is_spare=True)),
        in_stock=Count("pk", filter=Q(is_spare=True, status=S.IN_STOCK)),
        on_loan=Count("pk", filter=Q(is_spare=True, status=S.ON_LOAN)),
        quarantined=Count("pk", filter=Q(is_spare=True, status=S.QUARANTINED)),
    )
    counts["merchants"] = Merchant.objects.count()
    counts["depots"] = Depot.objects.count()
    return {"counts": counts}


def pool_health(user: User) -> dict[str, Any] | None:
    """Operator admins: what the pool needs today (a fixed number of queries)."""
    if not user.is_operator_admin:
        return None
    counts = Allocation.objects.aggregate(
        waiting=Count("pk", filter=Q(status=A.WAITING)),
        to_ship=Count("pk", filter=Q(status=A.RESERVED)),
        to_inspect=Count("pk", filter=Q(status=A.RETURNED)),
        overdue=Count("pk", filter=Q(status=A.RETURN_DUE, return_due_at__lt=timezone.localdate())),
    )
    counts["ready"] = Terminal.objects.filter(ready_q()).count()
    counts["depots_short"] = sum(1 for depot in pool_stock() if depot.short)
    return {"counts": counts}


def register() -> None:
    register_panel(Panel("my_terminals", "terminals/panels/my_terminals.html", my_terminals, 20))
    register_panel(
        Panel("registry_and_pool", "terminals/panels/registry_and_pool.html", registry_and_pool, 10)
    )
    register_panel(Panel("pool_health", "terminals/panels/pool_health.html", pool_health, 11))
