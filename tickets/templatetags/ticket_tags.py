"""Template filters for ticket pages."""

from __future__ import annotations

from django import template

from tickets.models import Status

register = template.Library()


@register.filter
def ticket_status_label(value: str) -> str:
    """The translated label of a stored status value, as timeline rows keep raw values."""
    try:
        return str(Status(value).label)
    except ValueError:
        return value
