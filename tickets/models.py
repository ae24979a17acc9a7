"""Incidents ("transactions blocked" tickets) and their event log."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.access import AccessPaths
from portal.models import Merchant, Provider
from terminals.models import Terminal


class Status(models.TextChoices):
    NEW = "new", _("New")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING_ON_MERCHANT = "waiting_on_merchant", _("Waiting on merchant")
    ESCALATED = "escalated", _("Escalated")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = frozenset(
    {Status.NEW, Status.IN_PROGRESS, Status.WAITING_ON_MERCHANT, Status.ESCALATED}
)


class Priority(models.TextChoices):
    P1 = "p1", _("P1 – cannot take card payments")
    P2 = "p2", _("P2 – partly trading")
    P3 = "p3", _("P3 – card-side or information")


class Cause(models.TextChoices):
    HARDWARE = "hardware", _("Hardware")
    POWER = "power", _("Power")
    NETWORK = "network", _("Network")
    HOST_OUTAGE = "host_outage", _("Host outage")
    KEYS = "keys", _("Keys / sign-on")
    MERCHANT_RESTRICTED = "merchant_restricted", _("Merchant restricted")
    CONFIG = "config", _("Configuration")
    CARDHOLDER = "cardholder", _("Cardholder / card issuer")
    UNKNOWN = "unknown", _("Unknown")


class TicketSequence(models.Model):
    """The last reference number handed out in a year (INC-2026-000123)."""

    year = models.PositiveIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("reference sequence")

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class Ticket(models.Model):
    """One incident: a merchant's terminal cannot take (some) card payments."""

    access: ClassVar[AccessPaths] = AccessPaths(merchant="merchant", provider="provider")

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    merchant = models.ForeignKey(
        Merchant, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("merchant")
    )
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("provider")
    )
    terminal = models.ForeignKey(
        Terminal, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("terminal")
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="reported_tickets",
        verbose_name=_("reported by"),
    )
    status = models.CharField(
        _("status"), max_length=24, choices=Status.choices, default=Status.NEW
    )
    priority = models.CharField(
        _("priority"), max_length=2, choices=Priority.choices, default=Priority.P2
    )
    cause = models.CharField(
        _("cause"), max_length=24, choices=Cause.choices, default=Cause.UNKNOWN
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        verbose_name=_("assignee"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in Status]), name="ticket_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(priority__in=[p.value for p in Priority]), name="ticket_priority_valid"
            ),
            models.CheckConstraint(
                condition=Q(cause__in=[c.value for c in Cause]), name="ticket_cause_valid"
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | Q(resolved_at__gte=models.F("created_at")),
                name="ticket_resolved_after_created",
            ),
        ]
        indexes = [
            models.Index(fields=["provider", "status", "-created_at"], name="ticket_queue"),
            models.Index(fields=["merchant", "-created_at"], name="ticket_by_merchant"),
            models.Index(fields=["assignee", "status"], name="ticket_by_assignee"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class TicketEvent(models.Model):
    """The ticket's timeline: every change, who made it and why."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Reported")
        STATUS_CHANGED = "status_changed", _("Status changed")
        ASSIGNED = "assigned", _("Assigned")

    access: ClassVar[AccessPaths] = AccessPaths(
        merchant="ticket__merchant", provider="ticket__provider"
    )

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="events", verbose_name=_("ticket")
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    from_status = models.CharField(_("from"), max_length=24, blank=True)
    to_status = models.CharField(_("to"), max_length=24, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["ticket", "at"], name="ticket_event_timeline")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind}"
