"""Template filters for terminal pages."""

from __future__ import annotations

from django import template

from terminals.models import TerminalStatus

register = template.Library()


@register.filter
def terminal_status_label(value: str) -> str:
    """The translated label of a stored status value, as history rows keep raw values."""
    try:
        return str(TerminalStatus(value).label)
    except ValueError:
        return value
