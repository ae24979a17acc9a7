"""Django admin for the registry and the pool: models of terminal, depots and their minimum
stock, pool policies, terminals and their history, backup allocations and repair orders.

Statuses are read-only here; they move only through the services (`terminal_set_status`,
the allocation steps), so the pages and the API keep one transition table each.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from portal.admin import HistoryInline, ViewOnlyAdmin
from terminals.models import (
    Allocation,
    Depot,
    DepotStockLevel,
    PoolPolicy,
    RepairOrder,
    Terminal,
    TerminalEvent,
    TerminalModel,
)


@admin.register(TerminalModel)
class TerminalModelAdmin(admin.ModelAdmin):
    list_display = (
        "manufacturer",
        "name",
        "family",
        "approved_firmware",
        "has_ethernet",
        "has_wifi",
        "has_cellular",
        "has_dialup",
    )
    list_filter = ("manufacturer", "family")
    search_fields = ("manufacturer", "name", "family")


class DepotStockLevelInline(admin.TabularInline):
    model = DepotStockLevel
    extra = 1
    autocomplete_fields = ("model",)


@admin.register(Depot)
class DepotAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "region", "spares_in_stock", "address")
    list_filter = ("region",)
    search_fields = ("code", "name", "address")
    inlines = (DepotStockLevelInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Depot]:
        in_stock = Q(terminals__is_spare=True, terminals__status=Terminal.Status.IN_STOCK)
        return super().get_queryset(request).annotate(_in_stock=Count("terminals", in_stock))

    @admin.display(description=_("spares in stock"), ordering="_in_stock")
    def spares_in_stock(self, depot: Depot) -> int:
        return int(getattr(depot, "_in_stock", 0))


class TerminalEventInline(HistoryInline):
    model = TerminalEvent


@admin.register(Terminal)
class TerminalAdmin(admin.ModelAdmin):
    list_display = (
        "serial_number",
        "tid",
        "model",
        "provider",
        "merchant",
        "depot",
        "is_spare",
        "status",
        "connectivity",
        "firmware_version",
        "last_seen_at",
    )
    list_filter = ("status", "is_spare", "provider", "depot", "model", "connectivity")
    list_select_related = ("model", "provider", "merchant", "depot")
    search_fields = ("serial_number", "tid", "sim_iccid", "merchant__mid", "merchant__name")
    autocomplete_fields = ("provider", "merchant", "depot", "model")
    readonly_fields = ("status", "tested_at", "test_passed", "created_at", "updated_at")
    inlines = (TerminalEventInline,)


@admin.register(TerminalEvent)
class TerminalEventAdmin(ViewOnlyAdmin):
    list_display = ("at", "terminal", "kind", "from_status", "to_status", "actor")
    list_filter = ("kind", "to_status")
    list_select_related = ("terminal__model", "actor")
    search_fields = ("terminal__serial_number", "terminal__tid")
    date_hierarchy = "at"


@admin.register(DepotStockLevel)
class DepotStockLevelAdmin(admin.ModelAdmin):
    list_display = ("depot", "model", "minimum")
    list_filter = ("depot",)
    list_select_related = ("depot", "model")
    autocomplete_fields = ("depot", "model")


@admin.register(PoolPolicy)
class PoolPolicyAdmin(admin.ModelAdmin):
    list_display = ("provider", "require_same_family", "auto_backup")
    list_select_related = ("provider",)
    autocomplete_fields = ("provider",)


@admin.register(Allocation)
class AllocationAdmin(ViewOnlyAdmin):
    """Read-only: the steps are taken on the allocation pages, through the services."""

    list_display = ("reference", "status", "merchant", "spare", "depot", "requested_at")
    list_filter = ("status", "depot")
    list_select_related = ("merchant", "spare__model", "depot")
    search_fields = ("reference", "merchant__mid", "spare__serial_number")
    date_hierarchy = "requested_at"


@admin.register(RepairOrder)
class RepairOrderAdmin(ViewOnlyAdmin):
    list_display = ("__str__", "terminal", "outcome", "opened_at", "closed_at")
    list_filter = ("outcome",)
    list_select_related = ("terminal__model",)
    search_fields = ("terminal__serial_number",)


# --- Pool digests (terminals.sweeps) -----------------------------------------------------------
from terminals.models import PoolDigest  # noqa: E402


@admin.register(PoolDigest)
class PoolDigestAdmin(ViewOnlyAdmin):
    """What the pool sweep told the operator admins; written only by the sweep."""

    list_display = ("sequence", "created_at", "tested_before", "sent_at", "__str__")
