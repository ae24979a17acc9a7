"""The queue's filters, saved views and sort orders: one definition for pages and the API."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrPromise
from rest_framework import serializers

from portal.api_filters import IdFilter
from tickets.models import OPEN_STATUSES, Cause, Priority, Status, Ticket
from tickets.services.sla import sla_state_filter

# The only fields queues and the API sort on (each is indexed or cheap within a provider).
QUEUE_ORDERING = [
    "created_at",
    "updated_at",
    "priority",
    "status",
    "reference",
    "sla_due_at",
    "level",
]

SLA_STATES = [
    ("breached", _("Breached")),
    ("due_soon", _("Due within an hour")),
    ("on_track", _("On track")),
]


def search_q(text: str) -> Q:
    """Find tickets by reference, merchant MID or name, terminal TID or serial number."""
    text = text.strip()[:100]
    if not text:
        return Q()
    return (
        Q(reference__icontains=text)
        | Q(merchant__mid=text)
        | Q(merchant__name__icontains=text)
        | Q(terminal__tid=text)
        | Q(terminal__serial_number__iexact=text)
    )


class TicketFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices, label=_("Status"), distinct=False
    )
    priority = django_filters.MultipleChoiceFilter(
        choices=Priority.choices, label=_("Priority"), distinct=False
    )
    cause = django_filters.MultipleChoiceFilter(
        choices=Cause.choices, label=_("Cause"), distinct=False
    )
    terminal = IdFilter(field_name="terminal_id", label=_("Terminal"))
    assignee = django_filters.CharFilter(
        method="filter_assignee", label=_("Assignee"), help_text="me, none, or a user id"
    )
    sla = django_filters.ChoiceFilter(
        choices=SLA_STATES,
        method="filter_sla",
        label=_("Time"),
        help_text="The state of the ticket's next time target.",
    )
    q = django_filters.CharFilter(
        method="filter_search",
        label=_("Search"),
        help_text="Reference, merchant MID or name, terminal TID or serial.",
    )

    class Meta:
        model = Ticket
        fields = ["status", "priority", "cause", "terminal", "assignee", "sla", "q"]

    def filter_assignee(self, queryset: QuerySet[Ticket], name: str, value: str) -> Any:
        if value in ("", "any"):
            return queryset
        if value == "me":
            return queryset.filter(assignee=self.request.user)
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if value.isdigit():
            return queryset.filter(assignee_id=int(value))
        raise serializers.ValidationError({"assignee": [str(_("Use me, none, or a user id."))]})

    def filter_sla(self, queryset: QuerySet[Ticket], name: str, value: str) -> Any:
        return queryset.filter(sla_state_filter(value))

    def filter_search(self, queryset: QuerySet[Ticket], name: str, value: str) -> Any:
        return queryset.filter(search_q(value))


@dataclass(frozen=True)
class SavedView:
    """A named queue: filter parameters and an order, offered as tabs."""

    key: str
    label: StrPromise
    params: dict[str, Any] = field(default_factory=dict)
    ordering: str = "sla_due_at"


OPEN = sorted(OPEN_STATUSES)
SAVED_VIEWS = [
    SavedView("my_open", _("My open"), {"assignee": "me", "status": OPEN}),
    SavedView(
        "unassigned_p1",
        _("Unassigned P1"),
        {"assignee": "none", "priority": ["p1"], "status": OPEN},
    ),
    SavedView("breaching_soon", _("Breaching soon"), {"sla": "due_soon", "status": OPEN}),
    SavedView("breached", _("Breached"), {"sla": "breached", "status": OPEN}),
    SavedView("new", _("New"), {"status": ["new"]}, ordering="created_at"),
    SavedView("waiting", _("Waiting on merchant"), {"status": ["waiting_on_merchant"]}),
    SavedView("escalated", _("Escalated"), {"status": ["escalated"]}),
    SavedView("all_open", _("All open"), {"status": OPEN}),
    SavedView("all", _("All"), {}, ordering="-created_at"),
]
SAVED_VIEWS_BY_KEY = {view.key: view for view in SAVED_VIEWS}
