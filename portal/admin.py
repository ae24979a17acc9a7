"""Django admin for organisations and people, and the read-only building blocks other apps use.

The admin is the operator's back office. Anything that has a service (status changes, ticket
events) is shown read-only here, so the admin can never bypass a transition table.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import Model, QuerySet
from django.forms import ModelForm
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from portal.audit import audit_role_change, stored_role_snapshot
from portal.models import AuditEntry, BusinessCalendar, Merchant, Provider, User

_ORGANISATION_FIELDS = ("role", "merchant", "provider", "language", "phone")


class ViewOnlyAdmin(admin.ModelAdmin):
    """Records written only by services: the admin may look, never add, change or delete."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class _NewestFirstFormSet(BaseInlineFormSet):
    """Shows only the newest `limit` rows: a busy record's history would swamp the page."""

    limit: ClassVar[int] = 20

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset()[: self.limit]


class HistoryInline(admin.TabularInline):
    """A read-only, newest-first, limited inline of an event log."""

    formset = _NewestFirstFormSet
    ordering = ("-at", "-pk")
    fields: ClassVar[tuple[str, ...]] = (
        "at",
        "kind",
        "from_status",
        "to_status",
        "actor",
        "reason",
    )
    readonly_fields: ClassVar[tuple[str, ...]] = fields
    extra = 0
    can_delete = False
    show_change_link = False
    verbose_name_plural = _("latest history (newest first, at most 20 entries)")
    related_fields: ClassVar[tuple[str, ...]] = ("actor",)

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related(*self.related_fields)


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "timezone", "day_start", "day_end", "holiday_country")
    search_fields = ("code", "name")


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "hotline", "support_email", "calendar")
    list_filter = ("kind",)
    list_select_related = ("calendar",)
    search_fields = ("code", "name")
    readonly_fields = ("created_at",)


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ("name", "mid", "provider", "region", "mcc", "status")
    list_filter = ("status", "region", "provider")
    list_select_related = ("provider",)
    search_fields = ("mid", "name", "legal_id")
    autocomplete_fields = ("provider",)
    readonly_fields = ("created_at",)


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    list_display = ("username", "email", "role", "merchant", "provider", "language", "is_active")
    list_filter = ("role", "provider", "language", "is_active", "is_staff")
    list_select_related = ("merchant", "provider")
    search_fields = ("username", "email", "first_name", "last_name", "merchant__mid")
    autocomplete_fields = ("merchant", "provider")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        (_("Organisation and role"), {"fields": _ORGANISATION_FIELDS}),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        (_("Organisation and role"), {"fields": _ORGANISATION_FIELDS}),
    )

    def save_model(
        self, request: HttpRequest, obj: User, form: ModelForm[User], change: bool
    ) -> None:
        before = stored_role_snapshot(obj) if change else None
        super().save_model(request, obj, form, change)
        audit_role_change(user=obj, before=before, actor=request.user, request=request)


@admin.register(AuditEntry)
class AuditEntryAdmin(ViewOnlyAdmin):
    """The audit log: operators read it; nobody adds, edits or deletes an entry."""

    list_display = ("at", "action", "actor_name", "target_repr", "ip_address")
    list_filter = ("action", ("at", admin.DateFieldListFilter), "target_type")
    list_select_related = ("target_type",)
    search_fields = ("actor_name", "target_repr", "target_id", "ip_address")
    date_hierarchy = "at"
    ordering = ("-at", "-pk")
    readonly_fields = (
        "at",
        "action",
        "actor",
        "actor_name",
        "target_type",
        "target_id",
        "target_repr",
        "ip_address",
        "user_agent",
        "details",
    )
    fields = readonly_fields
