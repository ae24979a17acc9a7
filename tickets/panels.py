"""Home-page panels of the tickets app (see portal.home)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from portal.access import visible_to
from portal.home import Panel, register_panel
from portal.models import User
from tickets.models import OPEN_STATUSES, Priority, Status, Ticket


def my_open_tickets(user: User) -> dict[str, Any] | None:
    if not user.is_merchant_user:
        return None
    tickets = (
        visible_to(user, Ticket.objects.select_related("terminal", "terminal__model"))
        .filter(status__in=OPEN_STATUSES)
        .order_by("-created_at")
    )
    return {"tickets": tickets[:20]}


def queue_counts(user: User) -> dict[str, Any] | None:
    if not (user.is_provider_staff or user.is_operator_admin):
        return None
    open_q = Q(status__in=OPEN_STATUSES)
    counts = visible_to(user, Ticket.objects.all()).aggregate(
        open=Count("pk", filter=open_q),
        new=Count("pk", filter=Q(status=Status.NEW)),
        unassigned=Count("pk", filter=open_q & Q(assignee__isnull=True)),
        mine=Count("pk", filter=open_q & Q(assignee=user)),
        p1=Count("pk", filter=open_q & Q(priority=Priority.P1)),
        waiting=Count("pk", filter=Q(status=Status.WAITING_ON_MERCHANT)),
        escalated=Count("pk", filter=Q(status=Status.ESCALATED)),
    )
    return {"counts": counts}


def register() -> None:
    register_panel(
        Panel("my_open_tickets", "tickets/panels/my_open_tickets.html", my_open_tickets, 10)
    )
    register_panel(Panel("queue_counts", "tickets/panels/queue_counts.html", queue_counts, 5))


# --- Escalation and field service: the field engineer's visits today -------------------------


def my_visits_today(user: User) -> dict[str, Any] | None:
    from portal.models import Role
    from tickets.services.visits import visits_today

    if user.role != Role.PROVIDER_FIELD:
        return None
    return {"visits": list(visits_today(user=user)[:20])}


register_panel(Panel("my_visits_today", "tickets/work/panel_my_visits.html", my_visits_today, 4))
