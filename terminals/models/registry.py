"""The terminal registry: models of terminal, terminals themselves, depots, and history."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.access import AccessPaths
from portal.models import Merchant, Provider, Region

tid_validator = RegexValidator(r"^[0-9A-Z]{8}$", _("A terminal ID (TID) is 8 digits or capitals."))
iccid_validator = RegexValidator(r"^\d{19,20}$", _("A SIM ICCID is 19 or 20 digits."))


class Connectivity(models.TextChoices):
    ETHERNET = "ethernet", _("Ethernet")
    WIFI = "wifi", _("Wi-Fi")
    CELLULAR = "cellular", _("4G / cellular")
    DIALUP = "dialup", _("Dial-up (PSTN)")


class TerminalStatus(models.TextChoices):
    PENDING = "pending", _("Pending setup")
    ACTIVE = "active", _("Active")
    DORMANT = "dormant", _("Dormant")
    FAULTY = "faulty", _("Faulty")
    IN_REPAIR = "in_repair", _("In repair")
    IN_STOCK = "in_stock", _("In stock")
    ON_LOAN = "on_loan", _("On loan")
    QUARANTINED = "quarantined", _("Quarantined")
    RETIRED = "retired", _("Retired")
    LOST = "lost", _("Lost or stolen")


class TerminalModel(models.Model):
    """A model of terminal (PAX A920 Pro, Verifone V200c…) and what it supports."""

    manufacturer = models.CharField(_("manufacturer"), max_length=60)
    name = models.CharField(_("model"), max_length=60)
    family = models.CharField(
        _("family"),
        max_length=60,
        help_text=_(
            "Models of one family can stand in for each other where a provider requires it."
        ),
    )
    approved_firmware = models.CharField(_("approved firmware version"), max_length=40)
    has_ethernet = models.BooleanField(_("Ethernet"), default=False)
    has_wifi = models.BooleanField(_("Wi-Fi"), default=False)
    has_cellular = models.BooleanField(_("4G / cellular"), default=False)
    has_dialup = models.BooleanField(_("dial-up"), default=False)

    class Meta:
        verbose_name = _("terminal model")
        verbose_name_plural = _("terminal models")
        ordering = ["manufacturer", "name"]
        constraints = [
            models.UniqueConstraint(fields=["manufacturer", "name"], name="terminal_model_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.manufacturer} {self.name}"

    def supports(self, connectivity: str) -> bool:
        return bool(getattr(self, f"has_{connectivity}", False))

    @property
    def connectivity_options(self) -> list[str]:
        return [c.value for c in Connectivity if self.supports(c.value)]


class Depot(models.Model):
    """A stock room of spare terminals, run by the operator."""

    access: ClassVar[AccessPaths] = AccessPaths()

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    region = models.CharField(_("region"), max_length=16, choices=Region.choices)
    address = models.CharField(_("address"), max_length=300)

    class Meta:
        verbose_name = _("depot")
        verbose_name_plural = _("depots")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(region__in=[r.value for r in Region]), name="depot_region_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Terminal(models.Model):
    """One physical terminal: installed at a merchant, or a spare in a depot's pool."""

    Status = TerminalStatus

    access: ClassVar[AccessPaths] = AccessPaths(merchant="merchant", provider="provider")

    serial_number = models.CharField(_("serial number (SN)"), max_length=40, unique=True)
    tid = models.CharField(
        _("terminal ID (TID)"), max_length=8, null=True, blank=True, validators=[tid_validator]
    )
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="terminals", verbose_name=_("provider")
    )
    merchant = models.ForeignKey(
        Merchant,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="terminals",
        verbose_name=_("merchant"),
    )
    is_spare = models.BooleanField(_("spare (pool)"), default=False)
    depot = models.ForeignKey(
        Depot,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="terminals",
        verbose_name=_("depot"),
    )
    model = models.ForeignKey(
        TerminalModel, on_delete=models.PROTECT, related_name="terminals", verbose_name=_("model")
    )
    firmware_version = models.CharField(_("firmware version"), max_length=40)
    connectivity = models.CharField(_("connectivity"), max_length=16, choices=Connectivity.choices)
    sim_iccid = models.CharField(
        _("SIM ICCID"), max_length=20, blank=True, validators=[iccid_validator]
    )
    installed_address = models.CharField(_("installed at"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    last_sign_on_at = models.DateTimeField(_("last sign-on"), null=True, blank=True)
    last_good_txn_at = models.DateTimeField(_("last good transaction"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    tested_at = models.DateTimeField(_("last functional test"), null=True, blank=True)
    test_passed = models.BooleanField(_("last functional test passed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("terminal")
        verbose_name_plural = _("terminals")
        ordering = ["serial_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "tid"], name="terminal_tid_unique_per_provider"
            ),
            models.UniqueConstraint(
                fields=["sim_iccid"], condition=~Q(sim_iccid=""), name="terminal_sim_unique"
            ),
            models.CheckConstraint(
                name="terminal_is_a_merchants_or_a_depots",
                condition=Q(is_spare=True, depot__isnull=False)
                | Q(is_spare=False, merchant__isnull=False),
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in TerminalStatus]),
                name="terminal_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(connectivity__in=[c.value for c in Connectivity]),
                name="terminal_connectivity_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["merchant", "status"], name="terminal_merchant_status"),
            models.Index(fields=["provider", "is_spare", "status"], name="terminal_provider_pool"),
            # The allocator walks one depot's in-stock spares in key order (see allocate_backup).
            models.Index(
                fields=["depot", "id"],
                condition=Q(is_spare=True, status="in_stock"),
                name="terminal_spare_in_stock",
            ),
            # The pool sweep: in-stock spares whose passed test lapses, by test time.
            models.Index(
                fields=["tested_at"],
                condition=Q(is_spare=True, status="in_stock", test_passed=True),
                name="terminal_spare_test_lapse",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.model} {self.serial_number}" + (f" / {self.tid}" if self.tid else "")


class TerminalEvent(models.Model):
    """The terminal's history: every status change, with who and why."""

    class Kind(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        STATUS_CHANGED = "status_changed", _("Status changed")
        TESTED = "tested", _("Functional test")
        FIRMWARE_UPDATED = "firmware_updated", _("Firmware updated")
        IMPORTED = "imported", _("Updated by import")
        BACKUP = "backup", _("Backup allocation")
        REPAIR = "repair", _("Repair (RMA)")

    access: ClassVar[AccessPaths] = AccessPaths(
        merchant="terminal__merchant", provider="terminal__provider"
    )

    terminal = models.ForeignKey(
        Terminal, on_delete=models.CASCADE, related_name="events", verbose_name=_("terminal")
    )
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    from_status = models.CharField(_("from"), max_length=16, blank=True)
    to_status = models.CharField(_("to"), max_length=16, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("terminal event")
        verbose_name_plural = _("terminal history")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["terminal", "-at"], name="terminal_event_by_terminal")]

    def __str__(self) -> str:
        return f"{self.terminal_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"
