"""The spare pool: minimum stock per depot, per-provider pool policy, backup allocations and
repair orders (RMA) for the terminals they stand in for."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.access import AccessPaths
from portal.models import Merchant, Provider
from terminals.models.registry import Depot, Terminal, TerminalModel


class DepotStockLevel(models.Model):
    """How many spares of one model a depot should hold at least."""

    access: ClassVar[AccessPaths] = AccessPaths()

    depot = models.ForeignKey(
        Depot, on_delete=models.CASCADE, related_name="stock_levels", verbose_name=_("depot")
    )
    model = models.ForeignKey(
        TerminalModel,
        on_delete=models.CASCADE,
        related_name="stock_levels",
        verbose_name=_("model"),
    )
    minimum = models.PositiveIntegerField(_("minimum ready spares"), default=0)
    short_since = models.DateTimeField(
        _("below minimum since"),
        null=True,
        blank=True,
        help_text=_("Set by the pool sweep when it finds fewer ready spares; cleared when back."),
    )

    class Meta:
        verbose_name = _("minimum stock level")
        verbose_name_plural = _("minimum stock levels")
        ordering = ["depot", "model"]
        constraints = [
            models.UniqueConstraint(fields=["depot", "model"], name="stock_level_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.depot} · {self.model}: {self.minimum}"


class PoolPolicy(models.Model):
    """How a provider wants backups chosen for its merchants."""

    access: ClassVar[AccessPaths] = AccessPaths(provider="provider")

    provider = models.OneToOneField(
        Provider, on_delete=models.CASCADE, related_name="pool_policy", verbose_name=_("provider")
    )
    require_same_family = models.BooleanField(
        _("backup must be of the same model family"),
        default=False,
        help_text=_("Some providers certify only one family of models for their merchants."),
    )
    auto_backup = models.BooleanField(
        _("request a backup automatically"),
        default=False,
        help_text=_("When triage recommends a backup, request one without waiting for staff."),
    )

    class Meta:
        verbose_name = _("pool policy")
        verbose_name_plural = _("pool policies")

    def __str__(self) -> str:
        return str(self.provider)


class AllocationStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting for a spare")
    RESERVED = "reserved", _("Reserved")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    ACTIVATED = "activated", _("Activated")
    RETURN_DUE = "return_due", _("Return due")
    RETURNED = "returned", _("Returned")
    INSPECTED = "inspected", _("Inspected")
    CANCELLED = "cancelled", _("Cancelled")


# An open allocation holds its reference and (from reserved until inspected) its spare.
OPEN_ALLOCATION_STATUSES: tuple[str, ...] = tuple(
    s.value
    for s in AllocationStatus
    if s not in (AllocationStatus.INSPECTED, AllocationStatus.CANCELLED)
)


class Allocation(models.Model):
    """A backup terminal lent to a merchant while their own is down.

    `reference` is the ticket's reference as a plain string: terminals never imports tickets.
    """

    Status = AllocationStatus

    class Inspection(models.TextChoices):
        READY = "ready", _("Ready again")
        QUARANTINED = "quarantined", _("Quarantined for repair")

    access: ClassVar[AccessPaths] = AccessPaths(merchant="merchant", provider="provider")

    reference = models.CharField(_("ticket reference"), max_length=64)
    merchant = models.ForeignKey(
        Merchant,
        on_delete=models.PROTECT,
        related_name="backup_allocations",
        verbose_name=_("merchant"),
    )
    provider = models.ForeignKey(
        Provider,
        on_delete=models.PROTECT,
        related_name="backup_allocations",
        verbose_name=_("provider"),
    )
    original = models.ForeignKey(
        Terminal,
        on_delete=models.PROTECT,
        related_name="backups_for",
        verbose_name=_("failing terminal"),
    )
    spare = models.ForeignKey(
        Terminal,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="loans",
        verbose_name=_("spare"),
    )
    depot = models.ForeignKey(
        Depot,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="allocations",
        verbose_name=_("depot"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.WAITING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    reserved_at = models.DateTimeField(_("reserved"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)
    return_due_set_at = models.DateTimeField(_("return asked"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned"), null=True, blank=True)
    inspected_at = models.DateTimeField(_("inspected"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    carrier = models.CharField(_("carrier"), max_length=60, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=60, blank=True)
    activated_tid = models.CharField(_("TID bound"), max_length=8, blank=True)
    activation_address = models.CharField(_("bound to address"), max_length=300, blank=True)
    return_due_at = models.DateField(_("return due"), null=True, blank=True)
    inspection_outcome = models.CharField(
        _("inspection outcome"), max_length=16, choices=Inspection.choices, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    admins_notified_at = models.DateTimeField(_("admins told"), null=True, blank=True)
    return_reminded_for = models.DateField(
        _("return reminder sent for"),
        null=True,
        blank=True,
        help_text=_(
            "The return date the merchant was last reminded of (a new date reminds again)."
        ),
    )
    overdue_chased_on = models.DateField(_("overdue return last chased"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("backup allocation")
        verbose_name_plural = _("backup allocations")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["spare"],
                condition=Q(status__in=OPEN_ALLOCATION_STATUSES),
                name="allocation_spare_lent_once",
            ),
            models.UniqueConstraint(
                fields=["reference"],
                condition=Q(status__in=OPEN_ALLOCATION_STATUSES),
                name="allocation_one_open_per_reference",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in AllocationStatus]),
                name="allocation_status_valid",
            ),
            models.CheckConstraint(
                name="allocation_has_a_spare_once_reserved",
                condition=Q(status=AllocationStatus.WAITING, spare__isnull=True)
                | Q(status=AllocationStatus.CANCELLED)
                | Q(
                    ~Q(status__in=[AllocationStatus.WAITING, AllocationStatus.CANCELLED]),
                    spare__isnull=False,
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "requested_at"], name="allocation_queue"),
            models.Index(fields=["merchant", "status"], name="allocation_merchant_status"),
            # The return sweep: backups asked back, by return date.
            models.Index(
                fields=["return_due_at"],
                condition=Q(status="return_due"),
                name="allocation_return_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} · {self.get_status_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ALLOCATION_STATUSES


class RepairOrder(models.Model):
    """A repair record (RMA) for a failing terminal, with its outcome."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("In repair")
        REPAIRED = "repaired", _("Repaired")
        REPLACED = "replaced", _("Replaced")
        WRITTEN_OFF = "written_off", _("Written off")

    access: ClassVar[AccessPaths] = AccessPaths(
        merchant="terminal__merchant", provider="terminal__provider"
    )

    terminal = models.ForeignKey(
        Terminal, on_delete=models.PROTECT, related_name="repairs", verbose_name=_("terminal")
    )
    allocation = models.ForeignKey(
        Allocation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="repairs",
        verbose_name=_("backup allocation"),
    )
    reason = models.TextField(_("reason"), blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.PENDING
    )
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opened by"),
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("repair order (RMA)")
        verbose_name_plural = _("repair orders (RMA)")
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["terminal"],
                condition=Q(outcome="pending"),
                name="repair_one_open_per_terminal",
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=["pending", "repaired", "replaced", "written_off"]),
                name="repair_outcome_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.rma_number

    @property
    def rma_number(self) -> str:
        return f"RMA-{self.pk or 0:06d}"


class PoolDigest(models.Model):
    """One message to the operator admins about spares whose test lapsed and short depots.

    `sequence` is unique: two sweeps running at once both try the next number and only one
    digest is written. `tested_before` is the test-validity cutoff the digest covered, so the
    next digest names only spares that lapsed after it. Ids, never rendered text.
    """

    access: ClassVar[AccessPaths] = AccessPaths()

    sequence = models.PositiveIntegerField(_("number"), unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    tested_before = models.DateTimeField(_("covers tests before"))
    spares = models.JSONField(_("spares whose test lapsed"), default=list, blank=True)
    stock_levels = models.JSONField(_("stock levels newly below minimum"), default=list, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("pool digest")
        verbose_name_plural = _("pool digests")
        ordering = ["-sequence"]
        indexes = [
            models.Index(
                fields=["sequence"], condition=Q(sent_at__isnull=True), name="pool_digest_unsent"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} ({len(self.spares)} spares, {len(self.stock_levels)} depots)"
