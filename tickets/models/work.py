"""Work beyond the first line: escalations to teams and outside parties, engineer visits."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.access import AccessPaths
from tickets.models.core import Ticket


class Team(models.TextChoices):
    """The provider's own teams."""

    FIELD_SERVICE = "field_service", _("Field service")
    RISK = "risk", _("Risk")
    HOST_OPERATIONS = "host_operations", _("Host operations")


class Party(models.TextChoices):
    """Outside parties a provider escalates to."""

    ACQUIRER = "acquirer", _("Acquirer bank")
    MANUFACTURER = "manufacturer", _("Terminal manufacturer")
    TELECOM = "telecom", _("Telecom operator")


class EscalationStatus(models.TextChoices):
    OPEN = "open", _("Waiting for an answer")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


class Escalation(models.Model):
    """A ticket handed to a team or an outside party, with its own response target."""

    access: ClassVar[AccessPaths] = AccessPaths(provider="ticket__provider")

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="escalations", verbose_name=_("ticket")
    )
    team = models.CharField(_("team"), max_length=24, choices=Team.choices, blank=True)
    party = models.CharField(_("outside party"), max_length=24, choices=Party.choices, blank=True)
    reason = models.TextField(_("reason"))
    external_reference = models.CharField(_("their reference"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=EscalationStatus.choices, default=EscalationStatus.OPEN
    )
    respond_by = models.DateTimeField(_("answer due"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    chased_at = models.DateTimeField(_("last chased"), null=True, blank=True)
    evidence_pack = models.JSONField(_("evidence pack"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("escalated by"),
    )
    created_at = models.DateTimeField(_("escalated"), auto_now_add=True)

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["ticket_id", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(team="") & ~Q(party="")) | (~Q(team="") & Q(party="")),
                name="escalation_team_or_party",
                violation_error_message=_("Escalate to one team or one outside party."),
            ),
        ]
        indexes = [
            # The chase sweep looks at unanswered escalations by due time.
            models.Index(
                fields=["respond_by"],
                condition=Q(status="open"),
                name="escalation_open_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.team or self.party}"

    @property
    def to_label(self) -> str:
        return str(Team(self.team).label if self.team else Party(self.party).label)


class VisitStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    ON_SITE = "on_site", _("Engineer on site")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class VisitOutcome(models.TextChoices):
    FIXED = "fixed", _("Fixed on site")
    SWAPPED = "swapped", _("Terminal swapped")
    NEEDS_PARTS = "needs_parts", _("Needs parts")
    NO_ACCESS = "no_access", _("No access to the shop")


class EngineerVisit(models.Model):
    """A field engineer sent to the shop within a visit window."""

    access: ClassVar[AccessPaths] = AccessPaths(
        merchant="ticket__merchant", provider="ticket__provider"
    )

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="visits", verbose_name=_("ticket")
    )
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="visits",
        verbose_name=_("engineer"),
    )
    window_start = models.DateTimeField(_("arrives from"))
    window_end = models.DateTimeField(_("arrives by"))
    status = models.CharField(
        _("status"), max_length=16, choices=VisitStatus.choices, default=VisitStatus.SCHEDULED
    )
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=VisitOutcome.choices, blank=True
    )
    notes = models.TextField(_("engineer's notes"), blank=True)
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("dispatched by"),
    )
    created_at = models.DateTimeField(_("dispatched"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    class Meta:
        verbose_name = _("engineer visit")
        verbose_name_plural = _("engineer visits")
        ordering = ["window_start", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(window_end__gt=models.F("window_start")),
                name="visit_window_ends_after_start",
                violation_error_message=_("The visit window must end after it starts."),
            ),
            models.CheckConstraint(
                condition=Q(status="done", outcome__gt="") | (~Q(status="done") & Q(outcome="")),
                name="visit_outcome_when_done",
                violation_error_message=_("A finished visit has an outcome; an open one has none."),
            ),
        ]
        indexes = [
            models.Index(fields=["engineer", "status", "window_start"], name="visit_by_engineer"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.engineer_id} {self.window_start}"
