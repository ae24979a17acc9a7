"""The outbox: every message the portal sends, written with the change that causes it.

A row is written in the same transaction as the ticket change, so a message exists exactly
when its cause does. Workers send rows later (`tickets.services.outbox`); the row keeps what
to send (template, language, the ids of the objects it speaks of), to whom, and how sending
went. `dedupe_key` is unique: writing the same message twice, from two sweeps or two beats,
keeps one row.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.access import AccessPaths


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SUPPRESSED = "suppressed", _("Not sent (turned off or no longer relevant)")


# The statuses a drain looks at; `sending` only once its lease has run out.
DUE_STATUSES = (OutboxStatus.PENDING, OutboxStatus.SENDING)


class OutboxMessage(models.Model):
    """One message to one recipient on one channel."""

    access: ClassVar[AccessPaths] = AccessPaths()

    recipient = models.CharField(_("recipient"), max_length=254)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    template = models.CharField(_("template"), max_length=40)
    language = models.CharField(_("language"), max_length=10)
    context = models.JSONField(
        _("context"), default=dict, blank=True, help_text=_("Ids of what the message is about.")
    )
    dedupe_key = models.CharField(_("dedupe key"), max_length=200, unique=True)
    status = models.CharField(
        _("status"), max_length=12, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(
        _("next attempt"),
        default=timezone.now,
        help_text=_(
            "Pending: not before this time. Being sent: the sender's lease ends then, after "
            "which another drain takes the message over."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in OutboxStatus]),
                name="outbox_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(channel__in=[c.value for c in Channel]), name="outbox_channel_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False) | ~Q(status="sent"),
                name="outbox_sent_has_time",
            ),
        ]
        indexes = [
            # The drain: due rows (pending, or sending past the lease) by time.
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
        ]

    def __str__(self) -> str:
        return f"{self.template} → {self.recipient} ({self.status})"


class NotificationPreference(models.Model):
    """Whether a user gets messages on a channel. No row: e-mail on, SMS off."""

    access: ClassVar[AccessPaths] = AccessPaths()

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("user"),
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        ordering = ["user_id", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["user", "channel"], name="notification_pref_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.channel}: {'on' if self.enabled else 'off'}"
