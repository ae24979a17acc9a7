"""Template filters for terminal, pool and backup pages."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from terminals.models import AllocationStatus, Terminal, TerminalStatus
from terminals.readiness import not_ready_reasons

register = template.Library()

A = AllocationStatus

# What the merchant reads on their backup card, per status.
STATUS_HINTS = {
    A.WAITING: gettext_lazy(
        "No spare is free right now; you are in line and will get the next suitable one."
    ),
    A.RESERVED: gettext_lazy("A backup terminal is set aside for you and will ship soon."),
    A.SHIPPED: gettext_lazy("Your backup terminal is on its way."),
    A.DELIVERED: gettext_lazy(
        "Your backup has arrived; your provider will bind it to your shop (TID and keys)."
    ),
    A.ACTIVATED: gettext_lazy("Your backup terminal is ready to take payments."),
    A.RETURN_DUE: gettext_lazy("Please send the backup terminal back by the date below."),
    A.RETURNED: gettext_lazy("Thank you: the backup terminal is back with us."),
    A.INSPECTED: gettext_lazy("The backup terminal has come home. Nothing more to do."),
    A.CANCELLED: gettext_lazy("This backup request was cancelled."),
}

ACTION_LABELS = {
    "ship": gettext_lazy("Mark shipped"),
    "deliver": gettext_lazy("Mark delivered"),
    "activate": gettext_lazy("Confirm activation"),
    "return_due": gettext_lazy("Ask for it back"),
    "return": gettext_lazy("Mark returned"),
    "inspect": gettext_lazy("Record inspection"),
    "cancel": gettext_lazy("Cancel the backup"),
}


@register.filter
def terminal_status_label(value: str) -> str:
    """The translated label of a stored status value, as history rows keep raw values."""
    for choices in (TerminalStatus, AllocationStatus):
        try:
            return str(choices(value).label)
        except ValueError:
            continue
    return value


@register.filter
def allocation_status_label(value: str) -> str:
    try:
        return str(AllocationStatus(value).label)
    except ValueError:
        return value or _("Requested")


@register.filter
def allocation_status_hint(value: str) -> str:
    return str(STATUS_HINTS.get(value, ""))  # type: ignore[call-overload]


@register.filter
def allocation_action_label(name: str) -> str:
    return str(ACTION_LABELS.get(name, name))


@register.filter
def spare_reasons(spare: Terminal) -> list[str]:
    """Why a spare is not ready, using the readiness annotations when the row has them."""
    return not_ready_reasons(spare)
