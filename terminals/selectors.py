"""Reads of the terminal registry and the spare pool, always through the access helpers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Q, QuerySet

from portal.access import get_visible_or_404, visible_to
from terminals.models import (
    Allocation,
    Depot,
    DepotStockLevel,
    PoolPolicy,
    Terminal,
    TerminalModel,
)
from terminals.readiness import ready_q, with_readiness

AnyUser = AbstractBaseUser | AnonymousUser


def terminal_list(*, user: AnyUser) -> QuerySet[Terminal]:
    """The terminals `user` may see, with what a list row shows joined in."""
    return visible_to(
        user, Terminal.objects.select_related("merchant", "provider", "model", "depot")
    )


def terminal_get(*, user: AnyUser, pk: int) -> Terminal:
    return get_visible_or_404(user, terminal_list(user=user), pk=pk)


# --- The spare pool ------------------------------------------------------------------------------

SPARE_FILTERS = ("depot", "model", "provider", "status", "ready")


def spare_list(*, user: AnyUser, filters: dict[str, str] | None = None) -> QuerySet[Terminal]:
    """The spares `user` may see, each annotated with its readiness (`ready`, `rdy_*`).

    `filters` takes whitelisted keys only: depot, model, provider (ids), status, ready (1/0).
    """
    spares: Any = with_readiness(terminal_list(user=user).filter(is_spare=True))
    for name, value in (filters or {}).items():
        if name not in SPARE_FILTERS or value in ("", None):
            continue
        if name == "ready":
            spares = spares.filter(ready=value in ("1", "true", "True"))
        elif name == "status":
            spares = spares.filter(status=value)
        elif str(value).isdigit():
            spares = spares.filter(**{f"{name}_id": int(value)})
    return spares.order_by("depot__name", "model__name", "serial_number")


@dataclass
class StockLine:
    model: TerminalModel
    total: int = 0
    in_stock: int = 0
    ready: int = 0
    minimum: int = 0

    @property
    def short(self) -> int:
        """How many ready spares the depot lacks to reach its minimum."""
        return max(self.minimum - self.ready, 0)


@dataclass
class DepotStock:
    depot: Depot
    lines: list[StockLine] = field(default_factory=list)

    @property
    def ready(self) -> int:
        return sum(line.ready for line in self.lines)

    @property
    def short(self) -> int:
        return sum(line.short for line in self.lines)


def pool_stock() -> list[DepotStock]:
    """Each depot's spares per model against its minimum, in three queries."""
    depots = {d.pk: DepotStock(depot=d) for d in Depot.objects.order_by("name")}
    models = {m.pk: m for m in TerminalModel.objects.all()}
    lines: dict[tuple[int, int], StockLine] = {}
    counts = (
        Terminal.objects.filter(is_spare=True)
        .values("depot_id", "model_id")
        .annotate(
            total=Count("pk"),
            in_stock=Count("pk", filter=Q(status=Terminal.Status.IN_STOCK)),
            ready=Count("pk", filter=ready_q()),
        )
        .order_by()
    )
    for row in counts:
        key = (row["depot_id"], row["model_id"])
        lines[key] = StockLine(models[row["model_id"]], row["total"], row["in_stock"], row["ready"])
    for level in DepotStockLevel.objects.all():
        key = (level.depot_id, level.model_id)
        lines.setdefault(key, StockLine(models[level.model_id])).minimum = level.minimum
    for (depot_id, _model_id), line in sorted(lines.items(), key=lambda kv: str(kv[1].model)):
        if depot_id in depots:
            depots[depot_id].lines.append(line)
    return list(depots.values())


# --- Backup allocations --------------------------------------------------------------------------

ALLOCATION_ORDERING = {
    "requested": "requested_at",
    "-requested": "-requested_at",
    "status": "status",
    "reference": "reference",
}


def allocation_list(*, user: AnyUser) -> QuerySet[Allocation]:
    """The allocations `user` may see: merchants their own, provider staff their provider's."""
    return visible_to(
        user,
        Allocation.objects.select_related(
            "merchant", "provider", "original__model", "spare__model", "depot", "requested_by"
        ),
    )


def allocation_get(*, user: AnyUser, pk: int) -> Allocation:
    return get_visible_or_404(user, allocation_list(user=user), pk=pk)


def allocation_for_reference(*, user: AnyUser, reference: str) -> Allocation | None:
    """The newest allocation for a ticket reference that `user` may see (for the ticket page)."""
    return allocation_list(user=user).filter(reference=reference).order_by("-requested_at").first()


def auto_backup_enabled(*, provider_id: int) -> bool:
    """Whether the provider wants a backup requested as soon as triage recommends one."""
    return PoolPolicy.objects.filter(provider_id=provider_id, auto_backup=True).exists()
