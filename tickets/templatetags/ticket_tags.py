"""Template filters for ticket pages."""

from __future__ import annotations

from datetime import timedelta

from django import template
from django.utils.translation import gettext as _

from terminals.models import AllocationStatus
from tickets import triage
from tickets.models import Status, TicketEvent

register = template.Library()


@register.filter
def ticket_status_label(value: str) -> str:
    """The translated label of a stored status value, as timeline rows keep raw values."""
    try:
        return str(Status(value).label)
    except ValueError:
        return value


@register.filter
def working_duration(value: timedelta | None) -> str:
    """A target's length in words: "30 min", "4 h", "2 h 30 min"."""
    if value is None:
        return "—"
    minutes = int(value.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
    if hours:
        return _("%(h)d h") % {"h": hours}
    return _("%(m)d min") % {"m": minutes}


@register.filter
def event_reason(event: TicketEvent) -> str:
    """The reason of a timeline entry in the reader's language where the portal wrote it.

    Triage reasons are stored in English for the record; the page shows the fired rule's
    reason translated.
    """
    if event.kind == TicketEvent.Kind.TRIAGED and isinstance(event.data, dict):
        return triage.reason_for(str(event.data.get("rule", "")), default=event.reason)
    if event.kind == TicketEvent.Kind.BACKUP and isinstance(event.data, dict):
        step = str(event.data.get("to", ""))
        if step in AllocationStatus.values:
            return str(AllocationStatus(step).label)
    return event.reason
