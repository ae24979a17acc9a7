"""Risk-freeze appeals: the case, its checklist of materials and the provider's decisions."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.access import AccessPaths
from portal.models import Merchant, Provider
from tickets.models.core import Attachment, Ticket


class AppealStatus(models.TextChoices):
    COLLECTING = "collecting", _("Collecting materials")
    SUBMITTED = "submitted", _("Under review by the provider")
    NEED_MORE = "need_more", _("More materials requested")
    APPROVED = "approved", _("Approved: restriction lifted")
    REJECTED = "rejected", _("Rejected (may appeal again)")
    REJECTED_FINAL = "rejected_final", _("Rejected, final")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class MaterialKind(models.TextChoices):
    """The checklist acquirers ask for when they review a frozen merchant."""

    ID_FRONT = "id_front", _("Legal representative's ID card, front")
    ID_BACK = "id_back", _("Legal representative's ID card, back")
    BUSINESS_LICENCE = "business_licence", _("Business licence")
    SHOP_FRONT = "shop_front", _("Photo of the shop front with its sign")
    SHOP_INTERIOR = "shop_interior", _("Photo of the shop interior")
    COUNTER = "counter", _("Photo of the till with the terminal")
    RECEIPTS = "receipts", _("Receipts of the disputed transactions")
    INVOICES = "invoices", _("Purchase or sales invoices")
    DELIVERY_PROOF = "delivery_proof", _("Proof of delivery of goods or services")
    EXPLANATION = "explanation", _("Written explanation")


class AppealCase(models.Model):
    """One merchant's appeal against a risk freeze, attempt after attempt."""

    access: ClassVar[AccessPaths] = AccessPaths(merchant="merchant", provider="provider")

    ticket = models.OneToOneField(
        Ticket, on_delete=models.CASCADE, related_name="appeal", verbose_name=_("ticket")
    )
    merchant = models.ForeignKey(
        Merchant, on_delete=models.PROTECT, related_name="appeals", verbose_name=_("merchant")
    )
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="appeals", verbose_name=_("provider")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=AppealStatus.choices, default=AppealStatus.COLLECTING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    explanation = models.TextField(_("written explanation"), blank=True)
    deadline = models.DateTimeField(
        _("next deadline"),
        null=True,
        blank=True,
        help_text=_("When the provider must decide, or when the merchant must send more."),
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("last submitted"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("appeal case")
        verbose_name_plural = _("appeal cases")
        ordering = ["-opened_at", "-pk"]
        indexes = [models.Index(fields=["provider", "status"], name="appeal_queue")]

    def __str__(self) -> str:
        return f"{self.ticket_id} appeal"


class AppealMaterial(models.Model):
    """One item of the checklist, provided as a file (or, for the explanation, as text)."""

    access: ClassVar[AccessPaths] = AccessPaths(
        merchant="case__merchant", provider="case__provider"
    )

    case = models.ForeignKey(
        AppealCase, on_delete=models.CASCADE, related_name="materials", verbose_name=_("case")
    )
    kind = models.CharField(_("material"), max_length=24, choices=MaterialKind.choices)
    attachment = models.ForeignKey(
        Attachment, on_delete=models.PROTECT, related_name="+", verbose_name=_("file")
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("appeal material")
        verbose_name_plural = _("appeal materials")
        ordering = ["case_id", "kind", "added_at"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class AppealDecision(models.Model):
    """The provider's answer to one submission of the case."""

    access: ClassVar[AccessPaths] = AccessPaths(
        merchant="case__merchant", provider="case__provider"
    )

    case = models.ForeignKey(
        AppealCase, on_delete=models.CASCADE, related_name="decisions", verbose_name=_("case")
    )
    attempt = models.PositiveSmallIntegerField(_("attempt"))
    decision = models.CharField(
        _("decision"),
        max_length=16,
        choices=[
            (s.value, s.label)
            for s in (
                AppealStatus.NEED_MORE,
                AppealStatus.APPROVED,
                AppealStatus.REJECTED,
                AppealStatus.REJECTED_FINAL,
            )
        ],
    )
    note = models.TextField(_("answer to the merchant"))
    missing = models.JSONField(_("materials still needed"), default=list, blank=True)
    respond_by = models.DateTimeField(_("merchant answers by"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), auto_now_add=True)

    class Meta:
        verbose_name = _("appeal decision")
        verbose_name_plural = _("appeal decisions")
        ordering = ["case_id", "attempt", "decided_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "attempt"], name="appeal_one_decision_per_attempt"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} #{self.attempt} {self.decision}"
