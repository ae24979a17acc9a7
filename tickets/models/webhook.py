"""Provider webhooks: endpoints, the events queued for them, and inbound updates received.

Outbound: a `WebhookDelivery` is written in the same transaction as the change it reports
(ticket created, escalated, resolved; backup activated) and sent by a worker, signed with the
endpoint's secret, retried with backoff (`tickets.webhooks`). Inbound: each accepted update is
a `WebhookReceipt`; its delivery id and its signature are unique per provider, which refuses a
replay.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.access import AccessPaths
from portal.models import Provider


class WebhookEvent(models.TextChoices):
    TICKET_CREATED = "ticket.created", _("Ticket created")
    TICKET_ESCALATED = "ticket.escalated", _("Ticket escalated")
    TICKET_RESOLVED = "ticket.resolved", _("Ticket resolved")
    BACKUP_ACTIVATED = "backup.activated", _("Backup terminal activated")


class WebhookEndpoint(models.Model):
    """Where a provider wants its events, and the secret both sides sign with."""

    access: ClassVar[AccessPaths] = AccessPaths(provider="provider")

    provider = models.ForeignKey(
        Provider,
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
        verbose_name=_("provider"),
    )
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(
        _("signing secret"),
        max_length=200,
        help_text=_("Signs outbound events and verifies the provider's inbound updates."),
    )
    events = models.JSONField(
        _("events"),
        default=list,
        blank=True,
        help_text=_(
            'The events to send, a list: "ticket.created", "ticket.escalated", '
            '"ticket.resolved", "backup.activated".'
        ),
    )
    acts_as = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("inbound updates recorded as"),
        help_text=_("A staff account of the provider; without it inbound updates are refused."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["provider_id", "pk"]

    def __str__(self) -> str:
        return f"{self.provider_id} → {self.url}"

    def wants(self, event: str) -> bool:
        return self.active and event in (self.events or [])


class WebhookDeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event for one endpoint. `delivery_id` is sent as X-Portal-Delivery, the same on
    every attempt, so the receiver can drop a duplicate."""

    access: ClassVar[AccessPaths] = AccessPaths(provider="endpoint__provider")

    endpoint = models.ForeignKey(
        WebhookEndpoint,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("endpoint"),
    )
    delivery_id = models.UUIDField(_("delivery id"), default=uuid.uuid4, unique=True)
    event = models.CharField(_("event"), max_length=40, choices=WebhookEvent.choices)
    dedupe_key = models.CharField(_("dedupe key"), max_length=200, unique=True)
    payload = models.JSONField(_("payload"), default=dict)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=WebhookDeliveryStatus.choices,
        default=WebhookDeliveryStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in WebhookDeliveryStatus]),
                name="webhook_delivery_status_valid",
            ),
        ]
        indexes = [
            # The drain: deliveries still to send (pending, or sending past the lease) by time.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["pending", "sending"]),
                name="webhook_delivery_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id} ({self.status})"


class WebhookReceipt(models.Model):
    """An inbound update that was accepted; a second one with its id or signature is a replay."""

    access: ClassVar[AccessPaths] = AccessPaths(provider="provider")

    provider = models.ForeignKey(
        Provider, on_delete=models.CASCADE, related_name="+", verbose_name=_("provider")
    )
    delivery_id = models.CharField(_("delivery id"), max_length=100)
    signature = models.CharField(_("signature"), max_length=64)
    escalation = models.ForeignKey(
        "tickets.Escalation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("escalation"),
    )
    received_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        verbose_name = _("inbound webhook")
        verbose_name_plural = _("inbound webhooks")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "delivery_id"], name="webhook_receipt_delivery_once"
            ),
            models.UniqueConstraint(
                fields=["provider", "signature"], name="webhook_receipt_signature_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider_id}: {self.delivery_id}"
