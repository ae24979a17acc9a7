"""Figures for provider leads and operator admins: how the queue and the time targets are doing.

Every figure is one aggregate query over the caller's tickets in a bounded period (indexes on
provider and dates), so the page costs the same number of queries however many tickets exist.
The figures of each organisation are computed ahead of its readers by a worker every minute
(`refresh_dashboards`, a beat schedule) and read from the cache by the page
(`cached_dashboard`), which computes them itself only when the cache has none (a fresh start,
or beat down). Aggregating a month of a busy provider's targets costs more than a page view
should, and a dashboard a minute old tells a lead the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, DurationField, ExpressionWrapper, F, Min, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import get_language

from portal.access import visible_to
from portal.models import Role, User
from tickets.models import (
    OPEN_STATUSES,
    Cause,
    Priority,
    Report,
    SlaTarget,
    Status,
    Ticket,
    TicketSla,
)

PERIOD_DAYS = 30
CACHE_SECONDS = 60
# What the worker computes outlives a few missed runs, so readers never wait for it.
REFRESHED_SECONDS = 5 * 60


def _key(user: User, language: str) -> str:
    scope = "all" if user.is_operator_admin else f"provider-{user.provider_id}"
    return f"dashboard:{scope}:{language}"


def cached_dashboard(user: User) -> dict[str, Any]:
    """The dashboard of the user's organisation in the active language, from the cache."""
    key = _key(user, get_language() or settings.LANGUAGE_CODE)
    figures: dict[str, Any] | None = cache.get(key)
    if figures is None:
        figures = dashboard(user)
        cache.set(key, figures, CACHE_SECONDS)
    return figures


def refresh_dashboards() -> int:
    """Compute every organisation's dashboard, in every language, before anyone asks.

    One reader per organisation stands for it (a provider's first active lead; an operator
    admin for the whole portal), since figures depend only on what the organisation may see.
    Returns how many dashboards were stored.
    """
    readers: dict[int | None, User] = {}
    for user in User.objects.filter(
        is_active=True, role__in=[Role.PROVIDER_LEAD, Role.OPERATOR_ADMIN]
    ).order_by("pk"):
        readers.setdefault(None if user.is_operator_admin else user.provider_id, user)
    stored = 0
    for user in readers.values():
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                cache.set(_key(user, language), dashboard(user), REFRESHED_SECONDS)
            stored += 1
    return stored


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    percent: int  # of the largest bar, for drawing


def _bars(pairs: list[tuple[str, int]]) -> list[Bar]:
    top = max((v for _, v in pairs), default=0) or 1
    return [Bar(label, value, round(100 * value / top)) for label, value in pairs]


def _median_duration(tickets: QuerySet[Ticket]) -> timedelta | None:
    """The median of restored_at - created_at, with two small queries on any database."""
    restored = tickets.filter(restored_at__isnull=False).annotate(
        took=ExpressionWrapper(F("restored_at") - F("created_at"), output_field=DurationField())
    )
    count = restored.count()
    if not count:
        return None
    value: timedelta = restored.order_by("took").values_list("took", flat=True)[count // 2]
    return value


def dashboard(
    user: User, *, now: datetime | None = None, days: int = PERIOD_DAYS
) -> dict[str, Any]:
    now = now or timezone.now()
    since = now - timedelta(days=days)
    tickets = visible_to(user, Ticket.objects.all())
    recent = tickets.filter(created_at__gte=since)
    open_q = Q(status__in=OPEN_STATUSES)

    by_cause = dict(
        tickets.filter(open_q)
        .values_list("cause")
        .annotate(n=Count("pk"))
        .values_list("cause", "n")
    )
    by_priority = dict(
        tickets.filter(open_q)
        .values_list("priority")
        .annotate(n=Count("pk"))
        .values_list("priority", "n")
    )
    targets = visible_to(user, TicketSla.objects.all()).filter(ticket__created_at__gte=since)
    attainment_rows = targets.values("target").annotate(
        decided=Count("pk", filter=Q(met_at__isnull=False) | Q(breached_at__isnull=False)),
        kept=Count("pk", filter=Q(met_at__isnull=False, breached_at__isnull=True)),
    )
    attainment: dict[str, dict[str, int]] = {
        row["target"]: {"decided": row["decided"], "kept": row["kept"]} for row in attainment_rows
    }
    empty = {"decided": 0, "kept": 0}
    reports = visible_to(user, Report.objects.all()).filter(created_at__gte=since)
    outcomes = reports.aggregate(
        deflected=Count("pk", filter=Q(outcome=Report.Outcome.DEFLECTED)),
        filed=Count("pk", filter=Q(outcome=Report.Outcome.FILED)),
    )
    finished = outcomes["deflected"] + outcomes["filed"]
    waiting = tickets.filter(status=Status.WAITING_ON_MERCHANT).aggregate(oldest=Min("updated_at"))
    oldest_open = (
        tickets.filter(open_q)
        .select_related("merchant")
        .order_by("created_at")
        .only("pk", "reference", "created_at", "status", "merchant__name")
        .first()
    )
    return {
        "as_of": now,
        "days": days,
        "open_total": sum(by_cause.values()),
        "by_cause": _bars([(str(c.label), by_cause.get(c.value, 0)) for c in Cause]),
        "by_priority": _bars([(str(p.label), by_priority.get(p.value, 0)) for p in Priority]),
        "attainment": [
            {
                "label": str(t.label),
                **attainment.get(t.value, empty),
                "rate": (
                    attainment[t.value]["kept"] / attainment[t.value]["decided"]
                    if attainment.get(t.value, empty)["decided"]
                    else None
                ),
            }
            for t in SlaTarget
        ],
        "median_restore": _median_duration(recent),
        "oldest_waiting_since": waiting["oldest"],
        "oldest_open": oldest_open,
        "reports_finished": finished,
        "deflected": outcomes["deflected"],
        "deflection_rate": outcomes["deflected"] / finished if finished else None,
        "opened": recent.count(),
    }
