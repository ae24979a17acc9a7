"""Time targets: policies per priority, the ticket's clock ledger and each target's due time.

The clock is a ledger of running intervals (`ClockInterval`): it runs while the provider owes
the merchant work and pauses while the ticket waits on the merchant or is resolved. Due times
are derived from the ledger and the provider's business calendar (portal.business_time) and
stored on `TicketSla` only so that queues and sweeps can filter and sort on them through an
index; `tickets.services.sla` recomputes them whenever the ledger or the priority changes.
"""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.access import AccessPaths
from portal.models import Provider
from tickets.models.core import Priority, Ticket


class SlaTarget(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    RESTORE = "restore", _("Trading restored")
    RESOLUTION = "resolution", _("Resolution")


class SlaPolicy(models.Model):
    """The three targets for one priority: the default (no provider) or a provider's contract."""

    access: ClassVar[AccessPaths] = AccessPaths(provider="provider")

    provider = models.ForeignKey(
        Provider,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sla_policies",
        verbose_name=_("provider"),
        help_text=_("Leave empty for the default that applies to every provider."),
    )
    priority = models.CharField(_("priority"), max_length=2, choices=Priority.choices)
    first_response = models.DurationField(_("first response within"))
    restore = models.DurationField(_("trading restored within"))
    resolution = models.DurationField(_("resolved within"))
    business_hours = models.BooleanField(
        _("counts business hours only"),
        default=True,
        help_text=_("Off: the clock runs day and night, every day (24×7)."),
    )

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["provider_id", "priority"]
        constraints = [
            models.UniqueConstraint(
                fields=["priority"],
                condition=Q(provider__isnull=True),
                name="sla_policy_one_default_per_priority",
            ),
            models.UniqueConstraint(
                fields=["provider", "priority"],
                condition=Q(provider__isnull=False),
                name="sla_policy_one_per_provider_priority",
            ),
            models.CheckConstraint(
                condition=Q(first_response__gt=timedelta(0))
                & Q(restore__gte=models.F("first_response"))
                & Q(resolution__gte=models.F("restore")),
                name="sla_policy_targets_in_order",
                violation_error_message=_(
                    "Targets must be positive and in order: first response ≤ trading restored ≤ resolution."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider or _('default')} {self.priority}"

    def target(self, kind: str) -> timedelta:
        return {
            SlaTarget.FIRST_RESPONSE: self.first_response,
            SlaTarget.RESTORE: self.restore,
            SlaTarget.RESOLUTION: self.resolution,
        }[SlaTarget(kind)]


class ClockInterval(models.Model):
    """One stretch of time during which the ticket's clock ran; `ended_at` empty = running."""

    access: ClassVar[AccessPaths] = AccessPaths(
        merchant="ticket__merchant", provider="ticket__provider"
    )

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="clock", verbose_name=_("ticket")
    )
    started_at = models.DateTimeField(_("started"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    class Meta:
        verbose_name = _("clock interval")
        verbose_name_plural = _("clock intervals")
        ordering = ["ticket_id", "started_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=Q(ended_at__isnull=True),
                name="clock_one_running_interval",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="clock_interval_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.started_at}–{self.ended_at or '…'}"


class TicketSla(models.Model):
    """One target of one ticket: its length, derived due time, when it was met or breached."""

    access: ClassVar[AccessPaths] = AccessPaths(
        merchant="ticket__merchant", provider="ticket__provider"
    )

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="sla_targets", verbose_name=_("ticket")
    )
    target = models.CharField(_("target"), max_length=16, choices=SlaTarget.choices)
    allowed = models.DurationField(_("allowed"))
    business_hours = models.BooleanField(_("business hours only"), default=True)
    due_at = models.DateTimeField(
        _("due"), null=True, blank=True, help_text=_("Empty while the clock is paused.")
    )
    met_at = models.DateTimeField(_("met"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached"), null=True, blank=True)
    warned_at = models.DateTimeField(_("warned"), null=True, blank=True)
    warn_at = models.DateTimeField(
        _("warn at"),
        null=True,
        blank=True,
        # xgettext:no-python-format
        help_text=_("When 80 % of the allowed time is used; empty while the clock is paused."),
    )
    breach_handled_at = models.DateTimeField(_("breach escalated"), null=True, blank=True)

    class Meta:
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        ordering = ["ticket_id", "allowed"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "target"], name="ticket_sla_one_per_target"),
        ]
        indexes = [
            # Sweeps and the "breaching soon" queue look only at unmet targets by due time.
            models.Index(
                fields=["due_at"], condition=Q(met_at__isnull=True), name="ticket_sla_open_due"
            ),
            models.Index(
                fields=["warn_at"],
                condition=Q(met_at__isnull=True, warned_at__isnull=True, breached_at__isnull=True),
                name="ticket_sla_warn_due",
            ),
            models.Index(
                fields=["breached_at"],
                condition=Q(breached_at__isnull=False, breach_handled_at__isnull=True),
                name="ticket_sla_breach_unhandled",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.target}"
