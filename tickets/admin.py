"""Django admin for tickets, their timeline, reports, evidence and the response-code catalogue.

Every change to a ticket (status, assignee, triage, replies) writes a ticket event through a
service, so tickets and what hangs off them are view-only here. The response-code catalogue
and the screen-message patterns are data that admins edit.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from portal.admin import HistoryInline, ViewOnlyAdmin
from tickets.models import (
    AppealCase,
    AppealDecision,
    AppealMaterial,
    Attachment,
    ClockInterval,
    Comment,
    EngineerVisit,
    Escalation,
    NotificationPreference,
    OutboxMessage,
    Report,
    ResponseCode,
    ScreenMessagePattern,
    SlaPolicy,
    Ticket,
    TicketEvent,
    TicketSequence,
    TicketSla,
)


@admin.register(ResponseCode)
class ResponseCodeAdmin(admin.ModelAdmin):
    list_display = ("scheme", "code", "meaning_en", "meaning_zh", "cause", "depends_on_cards")
    list_filter = ("scheme", "cause", "depends_on_cards")
    search_fields = ("code", "meaning_en", "meaning_zh")


@admin.register(ScreenMessagePattern)
class ScreenMessagePatternAdmin(admin.ModelAdmin):
    list_display = ("pattern", "signal", "note")
    list_filter = ("signal",)
    search_fields = ("pattern", "note")


class TicketEventInline(HistoryInline):
    model = TicketEvent
    fields = ("at", "kind", "from_status", "to_status", "actor", "internal", "reason")
    readonly_fields = fields


class CommentInline(HistoryInline):
    model = Comment
    ordering = ("-created_at", "-pk")
    fields = ("created_at", "author", "internal", "body")
    readonly_fields = fields
    verbose_name_plural = _("conversation (newest first, at most 20 messages)")
    related_fields = ("author",)


@admin.register(Ticket)
class TicketAdmin(ViewOnlyAdmin):
    list_display = (
        "reference",
        "merchant",
        "terminal",
        "provider",
        "status",
        "priority",
        "cause",
        "assignee",
        "created_at",
    )
    list_filter = ("status", "priority", "cause", "provider")
    list_select_related = ("merchant", "provider", "terminal__model", "assignee")
    search_fields = (
        "reference",
        "merchant__mid",
        "merchant__name",
        "terminal__tid",
        "terminal__serial_number",
    )
    date_hierarchy = "created_at"
    inlines = (TicketEventInline, CommentInline)


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    """Time targets are data: admins set the defaults and a provider's own contract terms.

    Changing a policy applies to tickets opened (or re-prioritised) afterwards; a ticket keeps
    the targets it was given.
    """

    list_display = (
        "priority",
        "provider",
        "first_response",
        "restore",
        "resolution",
        "business_hours",
    )
    list_filter = ("provider", "priority")
    list_select_related = ("provider",)


@admin.register(TicketSla)
class TicketSlaAdmin(ViewOnlyAdmin):
    list_display = ("ticket", "target", "allowed", "due_at", "met_at", "breached_at")
    list_filter = ("target",)
    list_select_related = ("ticket",)
    search_fields = ("ticket__reference",)


@admin.register(ClockInterval)
class ClockIntervalAdmin(ViewOnlyAdmin):
    list_display = ("ticket", "started_at", "ended_at")
    list_select_related = ("ticket",)
    search_fields = ("ticket__reference",)


@admin.register(Escalation)
class EscalationAdmin(ViewOnlyAdmin):
    list_display = ("ticket", "team", "party", "status", "respond_by", "external_reference")
    list_filter = ("status", "team", "party")
    list_select_related = ("ticket",)
    search_fields = ("ticket__reference", "external_reference")


@admin.register(EngineerVisit)
class EngineerVisitAdmin(ViewOnlyAdmin):
    list_display = ("ticket", "engineer", "window_start", "window_end", "status", "outcome")
    list_filter = ("status", "outcome")
    list_select_related = ("ticket", "engineer")
    search_fields = ("ticket__reference", "engineer__username")


@admin.register(AppealCase)
class AppealCaseAdmin(ViewOnlyAdmin):
    list_display = ("ticket", "merchant", "provider", "status", "attempts", "deadline")
    list_filter = ("status", "provider")
    list_select_related = ("ticket", "merchant", "provider")
    search_fields = ("ticket__reference", "merchant__mid", "merchant__name")


@admin.register(AppealMaterial)
class AppealMaterialAdmin(ViewOnlyAdmin):
    list_display = ("case", "kind", "added_by", "added_at")
    list_filter = ("kind",)


@admin.register(AppealDecision)
class AppealDecisionAdmin(ViewOnlyAdmin):
    list_display = ("case", "attempt", "decision", "decided_by", "decided_at")
    list_filter = ("decision",)


@admin.register(TicketEvent)
class TicketEventAdmin(ViewOnlyAdmin):
    list_display = ("at", "ticket", "kind", "from_status", "to_status", "actor", "internal")
    list_filter = ("kind", "internal")
    list_select_related = ("ticket", "actor")
    search_fields = ("ticket__reference",)
    date_hierarchy = "at"


@admin.register(Report)
class ReportAdmin(ViewOnlyAdmin):
    list_display = ("pk", "merchant", "terminal", "outcome", "error_code", "created_at")
    list_filter = ("outcome", "scheme", "provider")
    list_select_related = ("merchant", "terminal__model")
    search_fields = ("merchant__mid", "terminal__tid", "terminal__serial_number", "error_code")


@admin.register(Comment)
class CommentAdmin(ViewOnlyAdmin):
    list_display = ("ticket", "author", "internal", "created_at")
    list_filter = ("internal",)
    list_select_related = ("ticket", "author")
    search_fields = ("ticket__reference",)


@admin.register(Attachment)
class AttachmentAdmin(ViewOnlyAdmin):
    """Evidence is private: its file is served only through the access-checked views."""

    list_display = ("original_name", "kind", "content_type", "size", "ticket", "created_at")
    list_filter = ("kind", "content_type")
    list_select_related = ("ticket",)
    search_fields = ("original_name", "ticket__reference", "sha256")
    exclude = ("file",)


@admin.register(TicketSequence)
class TicketSequenceAdmin(ViewOnlyAdmin):
    list_display = ("year", "last_number")


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ViewOnlyAdmin):
    """What was sent, to whom, and why not; written and updated only by the outbox service."""

    list_display = (
        "created_at", "template", "channel", "recipient", "status", "attempts", "sent_at"
    )  # fmt: skip
    list_filter = ("status", "channel", "template")
    search_fields = ("recipient", "dedupe_key")
    readonly_fields = ("last_error",)


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "channel", "enabled")
    list_filter = ("channel", "enabled")
    list_select_related = ("user",)
    search_fields = ("user__username", "user__email")
    autocomplete_fields = ("user",)


# --- Provider webhooks (tickets.webhooks) ------------------------------------------------------
from django import forms  # noqa: E402

from tickets.models import (  # noqa: E402
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookReceipt,
)


class WebhookEndpointForm(forms.ModelForm):
    class Meta:
        model = WebhookEndpoint
        fields = ("provider", "url", "secret", "events", "acts_as", "active")
        widgets = {"secret": forms.PasswordInput(render_value=True)}

    def clean_events(self) -> list[str]:
        events = self.cleaned_data.get("events") or []
        unknown = (
            [e for e in events if e not in WebhookEvent.values]
            if isinstance(events, list)
            else events
        )
        if not isinstance(events, list) or unknown:
            raise forms.ValidationError(
                _("A list of events among: %(events)s.")
                % {"events": ", ".join(WebhookEvent.values)}
            )
        return events

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        acts_as, provider = data.get("acts_as"), data.get("provider")
        if acts_as is not None and provider is not None and acts_as.provider_id != provider.pk:
            self.add_error("acts_as", _("Choose a staff account of this provider."))
        return data


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ("provider", "url", "active", "created_at")
    list_filter = ("active", "provider")
    list_select_related = ("provider",)
    search_fields = ("url", "provider__name", "provider__code")
    autocomplete_fields = ("acts_as",)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ViewOnlyAdmin):
    """What was sent to which endpoint and how it went; written only by tickets.webhooks."""

    list_display = (
        "created_at", "event", "endpoint", "status", "attempts", "next_attempt_at", "sent_at"
    )  # fmt: skip
    list_filter = ("status", "event")
    list_select_related = ("endpoint__provider",)
    search_fields = ("delivery_id", "dedupe_key")
    readonly_fields = ("last_error",)


@admin.register(WebhookReceipt)
class WebhookReceiptAdmin(ViewOnlyAdmin):
    list_display = ("received_at", "provider", "delivery_id", "escalation")
    list_select_related = ("provider",)
    search_fields = ("delivery_id",)
