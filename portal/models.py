"""Organisations, people and their roles.

Every user belongs to exactly one organisation: a Merchant, a Provider, or the operator
(operator admins belong to no Merchant or Provider row). The database enforces that pairing.
"""

from __future__ import annotations

from datetime import time
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.contenttypes.models import ContentType
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.access import AccessPaths

mid_validator = RegexValidator(r"^\d{15}$", _("A merchant ID (MID) is 15 digits."))
uscc_validator = RegexValidator(
    r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$",
    _("A unified social credit code (USCC) is 18 characters: digits and capital letters."),
)
mcc_validator = RegexValidator(r"^\d{4}$", _("An MCC is 4 digits."))


class Region(models.TextChoices):
    """China's seven geographic regions; depots are chosen nearest-first by region."""

    NORTH = "north", _("North China")
    NORTHEAST = "northeast", _("Northeast China")
    EAST = "east", _("East China")
    CENTRAL = "central", _("Central China")
    SOUTH = "south", _("South China")
    SOUTHWEST = "southwest", _("Southwest China")
    NORTHWEST = "northwest", _("Northwest China")


class BusinessCalendar(models.Model):
    """Working hours and the public-holiday set that SLA clocks run on."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    timezone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    day_start = models.TimeField(_("working day starts"), default=time(9, 0))
    day_end = models.TimeField(_("working day ends"), default=time(18, 0))
    holiday_country = models.CharField(
        _("public holidays of"),
        max_length=2,
        default="CN",
        help_text=_("ISO country code; CN includes make-up working days (调休)."),
    )

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        constraints = [
            models.CheckConstraint(
                condition=Q(day_start__lt=models.F("day_end")),
                name="calendar_day_starts_before_it_ends",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Provider(models.Model):
    """An acquirer, an agent (服务商) or a terminal vendor that serves merchants."""

    class Kind(models.TextChoices):
        ACQUIRER = "acquirer", _("Acquirer")
        AGENT = "agent", _("Agent")
        VENDOR = "vendor", _("Vendor")

    access: ClassVar[AccessPaths] = AccessPaths(merchant="merchants", provider="pk")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    hotline = models.CharField(_("hotline"), max_length=40, blank=True)
    support_email = models.EmailField(_("support e-mail"), blank=True)
    calendar = models.ForeignKey(
        BusinessCalendar,
        on_delete=models.PROTECT,
        related_name="providers",
        verbose_name=_("business calendar"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("provider")
        verbose_name_plural = _("providers")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["acquirer", "agent", "vendor"]), name="provider_kind_valid"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Merchant(models.Model):
    """A shop (or chain) with a merchant ID at its acquirer, served by one provider."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        RESTRICTED = "restricted", _("Restricted")
        FROZEN = "frozen", _("Frozen")
        CLOSED = "closed", _("Closed")

    access: ClassVar[AccessPaths] = AccessPaths(merchant="pk", provider="provider")

    mid = models.CharField(
        _("merchant ID (MID)"), max_length=15, unique=True, validators=[mid_validator]
    )
    name = models.CharField(_("name"), max_length=200)
    legal_id = models.CharField(
        _("legal ID (USCC)"), max_length=18, validators=[uscc_validator], blank=True
    )
    mcc = models.CharField(_("MCC"), max_length=4, validators=[mcc_validator])
    registered_address = models.CharField(_("registered address"), max_length=300)
    region = models.CharField(_("region"), max_length=16, choices=Region.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="merchants", verbose_name=_("provider")
    )
    contact_name = models.CharField(_("contact name"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("merchant")
        verbose_name_plural = _("merchants")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["active", "restricted", "frozen", "closed"]),
                name="merchant_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(region__in=[r.value for r in Region]), name="merchant_region_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.mid})"


class Role(models.TextChoices):
    MERCHANT_OWNER = "merchant_owner", _("Merchant owner")
    MERCHANT_STAFF = "merchant_staff", _("Merchant staff")
    PROVIDER_SUPPORT = "provider_support", _("Provider support")
    PROVIDER_FIELD = "provider_field", _("Provider field service")
    PROVIDER_RISK = "provider_risk", _("Provider risk")
    PROVIDER_LEAD = "provider_lead", _("Provider lead")
    OPERATOR_ADMIN = "operator_admin", _("Operator admin")


MERCHANT_ROLES = frozenset({Role.MERCHANT_OWNER, Role.MERCHANT_STAFF})
PROVIDER_ROLES = frozenset(
    {Role.PROVIDER_SUPPORT, Role.PROVIDER_FIELD, Role.PROVIDER_RISK, Role.PROVIDER_LEAD}
)


class PortalUserManager(UserManager["User"]):
    def create_superuser(
        self,
        username: str,
        email: str | None = None,
        password: str | None = None,
        **extra_fields: Any,
    ) -> User:
        extra_fields.setdefault("role", Role.OPERATOR_ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in. Their organisation and role decide everything they may see."""

    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    merchant = models.ForeignKey(
        Merchant,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("merchant"),
    )
    provider = models.ForeignKey(
        Provider,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("provider"),
    )
    phone = models.CharField(_("mobile phone"), max_length=40, blank=True)
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=[("zh-hans", "简体中文"), ("en", "English")],
        default="zh-hans",
        help_text=_("Pages and e-mails use this language."),
    )

    objects: ClassVar[PortalUserManager] = PortalUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                name="user_belongs_to_the_organisation_of_its_role",
                violation_error_message=_(
                    "Merchant roles need a merchant, provider roles a provider, and operator "
                    "admins neither."
                ),
                condition=(
                    Q(
                        role__in=sorted(MERCHANT_ROLES),
                        merchant__isnull=False,
                        provider__isnull=True,
                    )
                    | Q(
                        role__in=sorted(PROVIDER_ROLES),
                        provider__isnull=False,
                        merchant__isnull=True,
                    )
                    | Q(role=Role.OPERATOR_ADMIN, merchant__isnull=True, provider__isnull=True)
                ),
            ),
        ]

    @property
    def is_merchant_user(self) -> bool:
        return self.role in MERCHANT_ROLES

    @property
    def is_provider_staff(self) -> bool:
        return self.role in PROVIDER_ROLES

    @property
    def is_operator_admin(self) -> bool:
        return self.role == Role.OPERATOR_ADMIN

    @property
    def organisation(self) -> Merchant | Provider | None:
        return self.merchant or self.provider


class AuditEntry(models.Model):
    """One security-relevant event: who did what to which record, from where. Never edited.

    Written only through `portal.audit`; the admin shows these rows read-only.
    """

    class Action(models.TextChoices):
        SIGN_IN = "sign_in", _("Signed in")
        SIGN_IN_FAILED = "sign_in_failed", _("Sign-in failed")
        LOCKED_OUT = "locked_out", _("Locked out")
        SIGN_OUT = "sign_out", _("Signed out")
        TOKEN_CREATED = "token_created", _("API token created")
        ROLE_CHANGED = "role_changed", _("Role changed")
        ADMIN_ADD = "admin_add", _("Added in the admin")
        ADMIN_CHANGE = "admin_change", _("Changed in the admin")
        ADMIN_DELETE = "admin_delete", _("Deleted in the admin")

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    # Kept apart from the foreign key so the entry still names someone whose account is gone.
    actor_name = models.CharField(_("actor's username"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=24, choices=Action.choices)
    target_type = models.ForeignKey(
        ContentType,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("target type"),
    )
    target_id = models.CharField(_("target ID"), max_length=64, blank=True)
    target_repr = models.CharField(_("target"), max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["action", "-at"], name="audit_action_at"),
            models.Index(fields=["target_type", "target_id"], name="audit_target"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    action__in=[
                        "sign_in",
                        "sign_in_failed",
                        "locked_out",
                        "sign_out",
                        "token_created",
                        "role_changed",
                        "admin_add",
                        "admin_change",
                        "admin_delete",
                    ]
                ),
                name="audit_action_valid",
            )
        ]

    def __str__(self) -> str:
        who = self.actor_name or "-"
        return f"{self.at:%Y-%m-%d %H:%M:%S} {who} {self.action} {self.target_repr}".rstrip()
