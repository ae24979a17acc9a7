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


class Scheme(models.TextChoices):
    CUP = "cup", _("China UnionPay")
    ISO8583 = "iso8583", _("ISO 8583 (international)")


class Signal(models.TextChoices):
    """What a screen message or notice tells us, whatever its wording."""

    TAMPER = "tamper", _("Tamper / security alert")
    RISK = "risk", _("Risk control or merchant status notice")
    NOT_REGISTERED = "not_registered", _("Terminal not registered")
    RELOCATION = "relocation", _("Terminal moved / location mismatch")
    SIGN_ON_FAILED = "sign_on_failed", _("Sign-on failed")
    KEYS = "keys", _("Key or MAC error")
    TMS = "tms", _("Parameters or keys not loaded (TMS)")
    NETWORK = "network", _("Connection failure")
    SIM = "sim", _("SIM card problem")
    DORMANT = "dormant", _("Dormant terminal")


class Action(models.TextChoices):
    """What to do next; each has merchant-facing wording in tickets.triage."""

    SWAP_TERMINAL = "swap_terminal", _("Replace the terminal")
    CHECK_POWER = "check_power", _("Check the power supply")
    CHECK_NETWORK = "check_network", _("Check the network connection")
    SIGN_ON_AGAIN = "sign_on_again", _("Settle and sign on again")
    WAIT_AND_RETRY = "wait_and_retry", _("Wait and retry; the host is affected")
    RISK_REVIEW = "risk_review", _("Provider risk review")
    CHECK_REGISTRATION = "check_registration", _("Provider checks the terminal registration")
    ADDRESS_CHANGE = "address_change", _("File an address change")
    ENABLE_FUNCTION = "enable_function", _("Provider enables the function or card brand")
    ANOTHER_CARD = "another_card", _("Ask for another card")
    RELOAD_KEYS = "reload_keys", _("Reload keys or parameters")
    ESCALATE = "escalate", _("Provider investigates")


class ResponseCode(models.Model):
    """What a response code means under one scheme, and what it suggests.

    Seeded by migration from public scheme tables; admins edit it because acquirers vary.
    """

    scheme = models.CharField(_("scheme"), max_length=16, choices=Scheme.choices)
    code = models.CharField(_("code"), max_length=3)
    meaning_en = models.CharField(_("meaning (English)"), max_length=200)
    meaning_zh = models.CharField(_("meaning (Chinese)"), max_length=200)
    cause = models.CharField(_("suggested cause"), max_length=24, choices=Cause.choices)
    depends_on_cards = models.BooleanField(
        _("depends on all cards or some"),
        default=False,
        help_text=_(
            "If only some cards fail, the card is at fault; if every card does, the merchant."
        ),
    )
    merchant_guidance_en = models.TextField(_("merchant guidance (English)"), blank=True)
    merchant_guidance_zh = models.TextField(_("merchant guidance (Chinese)"), blank=True)
    support_guidance_en = models.TextField(_("support guidance (English)"), blank=True)
    support_guidance_zh = models.TextField(_("support guidance (Chinese)"), blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("response code")
        verbose_name_plural = _("response codes")
        ordering = ["scheme", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "code"], name="response_code_unique_per_scheme"
            ),
            models.CheckConstraint(
                condition=Q(scheme__in=["cup", "iso8583"]), name="response_code_scheme_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_scheme_display()} {self.code}"

    def meaning(self, language: str) -> str:
        return self.meaning_zh if language.startswith("zh") else self.meaning_en

    def merchant_guidance(self, language: str) -> str:
        return self.merchant_guidance_zh if language.startswith("zh") else self.merchant_guidance_en


class ScreenMessagePattern(models.Model):
    """A piece of screen or notice text (终端未登记, TAMPER…) and the signal it carries."""

    pattern = models.CharField(
        _("text"),
        max_length=60,
        unique=True,
        help_text=_("Matched anywhere in the message, any case."),
    )
    signal = models.CharField(_("signal"), max_length=24, choices=Signal.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("screen message pattern")
        verbose_name_plural = _("screen message patterns")
        ordering = ["signal", "pattern"]

    def __str__(self) -> str:
        return self.pattern


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
    recommended_action = models.CharField(
        _("recommended action"), max_length=32, choices=Action.choices, default=Action.ESCALATE
    )
    triage_rule = models.CharField(_("triage rule"), max_length=40, blank=True)
    triage_reason = models.TextField(_("why"), blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        verbose_name=_("assignee"),
    )
    backup = models.ForeignKey(
        "terminals.Allocation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("backup terminal"),
        help_text=_("The latest backup terminal requested for this ticket."),
    )
    level = models.PositiveSmallIntegerField(
        _("escalation level"),
        default=0,
        help_text=_("Raised each time a time target is breached; leads watch level 1 and up."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    first_response_at = models.DateTimeField(_("first answered"), null=True, blank=True)
    restored_at = models.DateTimeField(_("trading restored"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # The earliest due time of the targets not yet met, kept by tickets.services.sla so that
    # queues filter and sort on time left through an index. Empty while the clock is paused.
    sla_due_at = models.DateTimeField(_("next due"), null=True, blank=True)
    sla_due_target = models.CharField(_("next target"), max_length=16, blank=True)
    # While the ticket waits on the merchant: since when, and when the follow-up sweep looks
    # at it next (the next reminder, or resolving it). Kept by tickets.services.lifecycle.
    waiting_since = models.DateTimeField(_("waiting on the merchant since"), null=True, blank=True)
    chase_at = models.DateTimeField(_("next follow-up"), null=True, blank=True)

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
            # The open queue by time left, oldest first among equals (paused clocks last):
            # only open tickets, so a million closed ones cost nothing.
            models.Index(
                fields=["provider", "sla_due_at", "id"],
                condition=Q(status__in=["escalated", "in_progress", "new", "waiting_on_merchant"]),
                name="ticket_open_queue_by_due",
            ),
            models.Index(fields=["provider", "-created_at", "-id"], name="ticket_by_provider"),
            # The API's filtered lists count their rows: these let the count read an index only.
            models.Index(fields=["provider", "priority"], name="ticket_by_priority"),
            models.Index(fields=["provider", "cause"], name="ticket_by_cause"),
            # The follow-up sweeps: merchants to chase, resolved tickets to close.
            models.Index(
                fields=["chase_at"], condition=Q(chase_at__isnull=False), name="ticket_chase_due"
            ),
            models.Index(
                fields=["resolved_at"], condition=Q(status="resolved"), name="ticket_resolved_due"
            ),
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
        TRIAGED = "triaged", _("Triaged")
        TRIAGE_OVERRIDDEN = "triage_overridden", _("Triage changed by staff")
        COMMENTED = "commented", _("Replied")
        NOTE_ADDED = "note_added", _("Internal note")
        EVIDENCE_ADDED = "evidence_added", _("Evidence added")
        FIRST_RESPONSE = "first_response", _("First answer to the merchant")
        RESTORED = "restored", _("Trading restored")
        SLA_BREACHED = "sla_breached", _("Time target missed")
        ESCALATED = "escalated", _("Escalated")
        ESCALATION_UPDATED = "escalation_updated", _("Escalation updated")
        VISIT_SCHEDULED = "visit_scheduled", _("Engineer visit booked")
        VISIT_UPDATED = "visit_updated", _("Engineer visit updated")
        BACKUP = "backup", _("Backup terminal")
        APPEAL = "appeal", _("Appeal")

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
    data = models.JSONField(_("details"), default=dict, blank=True)
    internal = models.BooleanField(_("staff only"), default=False)

    class Meta:
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["ticket", "at"], name="ticket_event_timeline")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind}"


class Report(models.Model):
    """The merchant's guided report: answers to the self-checks, step by step.

    A report ends either deflected ("that fixed it": no ticket, counted) or filed (a ticket).
    """

    class Outcome(models.TextChoices):
        DRAFT = "draft", _("In progress")
        DEFLECTED = "deflected", _("Fixed by the merchant")
        FILED = "filed", _("Ticket filed")

    access: ClassVar[AccessPaths] = AccessPaths(merchant="merchant", provider="provider")

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="reports")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="reports")
    terminal = models.ForeignKey(Terminal, on_delete=models.PROTECT, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reports"
    )
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.DRAFT
    )
    step = models.CharField(_("last step"), max_length=24, blank=True)
    error_code = models.CharField(_("code on the screen"), max_length=3, blank=True)
    scheme = models.CharField(_("scheme"), max_length=16, choices=Scheme.choices, blank=True)
    screen_message = models.CharField(_("message on the screen"), max_length=300, blank=True)
    power_ok = models.BooleanField(_("powers on normally"), null=True)
    network_ok = models.BooleanField(_("network is working"), null=True)
    restarted = models.BooleanField(_("restarted"), null=True)
    signed_on = models.BooleanField(_("settled and signed on again"), null=True)
    all_cards_fail = models.BooleanField(_("every card fails"), null=True)
    other_terminals_affected = models.BooleanField(_("other terminals fail too"), null=True)
    moved_recently = models.BooleanField(_("moved recently"), null=True)
    notice_received = models.BooleanField(_("notice from the provider"), null=True)
    description = models.TextField(_("what happened"), blank=True)
    first_seen_at = models.DateTimeField(_("first seen"), null=True, blank=True)
    ticket = models.OneToOneField(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="report"
    )
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=["draft", "deflected", "filed"]),
                name="report_outcome_valid",
            ),
            models.CheckConstraint(
                condition=Q(outcome="filed", ticket__isnull=False) | ~Q(outcome="filed"),
                name="report_filed_has_a_ticket",
            ),
        ]
        indexes = [
            models.Index(fields=["provider", "outcome", "created_at"], name="report_outcomes")
        ]

    def __str__(self) -> str:
        return f"report {self.pk} ({self.outcome})"


class Comment(models.Model):
    """A public reply or an internal note (staff only) on a ticket."""

    access: ClassVar[AccessPaths] = AccessPaths(
        merchant="ticket__merchant", provider="ticket__provider"
    )

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ticket_comments"
    )
    body = models.TextField(_("message"))
    internal = models.BooleanField(_("internal note"), default=False)
    created_at = models.DateTimeField(_("written"), auto_now_add=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="comment_thread")]

    def __str__(self) -> str:
        return f"{self.ticket_id} comment {self.pk}"


class Attachment(models.Model):
    """Evidence: a screen photo, receipt or notice; JPEG, PNG or PDF checked by content."""

    class Kind(models.TextChoices):
        SCREEN_PHOTO = "screen_photo", _("Photo of the screen")
        RECEIPT = "receipt", _("Receipt")
        NOTICE = "notice", _("Notice from the provider")
        OTHER = "other", _("Other")

    access: ClassVar[AccessPaths] = AccessPaths(merchant="merchant", provider="provider")

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="+")
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.OTHER)
    file = models.FileField(_("file"), upload_to="evidence/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=120)
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ticket__isnull=False) | Q(report__isnull=False),
                name="attachment_belongs_to_a_ticket_or_report",
            ),
            models.CheckConstraint(
                condition=Q(content_type__in=["image/jpeg", "image/png", "application/pdf"]),
                name="attachment_type_allowed",
            ),
        ]

    def __str__(self) -> str:
        return self.original_name
