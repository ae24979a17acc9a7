"""factory_boy factories for every model; tests arrange with these."""

from __future__ import annotations

import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from portal.models import BusinessCalendar, Merchant, Provider, Region, Role, User
from terminals.models import (
    Allocation,
    Connectivity,
    Depot,
    DepotStockLevel,
    PoolPolicy,
    Terminal,
    TerminalModel,
)
from tickets.models import Ticket


class CalendarFactory(factory.django.DjangoModelFactory[BusinessCalendar]):
    class Meta:
        model = BusinessCalendar
        django_get_or_create = ("code",)

    code = "cn-9x5"
    name = "China 9:00-18:00"


class ProviderFactory(factory.django.DjangoModelFactory[Provider]):
    class Meta:
        model = Provider

    code = factory.Sequence(lambda n: f"provider-{n}")
    name = factory.Sequence(lambda n: f"Provider {n}")
    kind = Provider.Kind.ACQUIRER
    hotline = "400-800-0000"
    support_email = factory.LazyAttribute(lambda p: f"support@{p.code}.example")
    calendar = factory.SubFactory(CalendarFactory)


class MerchantFactory(factory.django.DjangoModelFactory[Merchant]):
    class Meta:
        model = Merchant

    mid = factory.Sequence(lambda n: f"{898310000000000 + n:015d}")
    name = factory.Sequence(lambda n: f"Shop {n}")
    mcc = "5411"
    registered_address = "1 Nanjing Road, Shanghai"
    region = Region.EAST
    provider = factory.SubFactory(ProviderFactory)
    contact_email = factory.Sequence(lambda n: f"owner{n}@shop.example")


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.LazyFunction(lambda: make_password("demo-pass"))
    language = "en"


class MerchantUserFactory(UserFactory):
    role = Role.MERCHANT_OWNER
    merchant = factory.SubFactory(MerchantFactory)


class ProviderUserFactory(UserFactory):
    role = Role.PROVIDER_SUPPORT
    provider = factory.SubFactory(ProviderFactory)


class OperatorFactory(UserFactory):
    role = Role.OPERATOR_ADMIN


class TerminalModelFactory(factory.django.DjangoModelFactory[TerminalModel]):
    class Meta:
        model = TerminalModel
        django_get_or_create = ("manufacturer", "name")

    manufacturer = "PAX"
    name = "A920 Pro"
    family = "PAX Android"
    approved_firmware = "PayDroid 9.1"
    has_wifi = True
    has_cellular = True


class DepotFactory(factory.django.DjangoModelFactory[Depot]):
    class Meta:
        model = Depot

    code = factory.Sequence(lambda n: f"depot-{n}")
    name = factory.Sequence(lambda n: f"Depot {n}")
    region = Region.EAST
    address = "Pudong, Shanghai"


class TerminalFactory(factory.django.DjangoModelFactory[Terminal]):
    class Meta:
        model = Terminal

    serial_number = factory.Sequence(lambda n: f"SN{n:010d}")
    tid = factory.Sequence(lambda n: f"{10000000 + n}")
    merchant = factory.SubFactory(MerchantFactory)
    provider = factory.LazyAttribute(lambda t: t.merchant.provider)
    model = factory.SubFactory(TerminalModelFactory)
    firmware_version = factory.LazyAttribute(lambda t: t.model.approved_firmware)
    connectivity = Connectivity.WIFI
    status = Terminal.Status.ACTIVE


class SpareFactory(TerminalFactory):
    tid = None
    merchant = None
    provider = factory.SubFactory(ProviderFactory)
    is_spare = True
    depot = factory.SubFactory(DepotFactory)
    status = Terminal.Status.IN_STOCK


class TicketFactory(factory.django.DjangoModelFactory[Ticket]):
    class Meta:
        model = Ticket

    reference = factory.Sequence(lambda n: f"TEST-{n:06d}")
    terminal = factory.SubFactory(TerminalFactory)
    merchant = factory.LazyAttribute(lambda t: t.terminal.merchant)
    provider = factory.LazyAttribute(lambda t: t.terminal.provider)
    reporter = factory.LazyAttribute(lambda t: MerchantUserFactory(merchant=t.terminal.merchant))


# --- Spare pool and backup allocations (terminals) ------------------------------------------


class ReadySpareFactory(SpareFactory):
    """A spare that passes every readiness rule: in stock, tested today, approved firmware."""

    tested_at = factory.LazyFunction(timezone.now)
    test_passed = True


class DepotStockLevelFactory(factory.django.DjangoModelFactory[DepotStockLevel]):
    class Meta:
        model = DepotStockLevel

    depot = factory.SubFactory(DepotFactory)
    model = factory.SubFactory(TerminalModelFactory)
    minimum = 2


class PoolPolicyFactory(factory.django.DjangoModelFactory[PoolPolicy]):
    class Meta:
        model = PoolPolicy
        django_get_or_create = ("provider",)

    provider = factory.SubFactory(ProviderFactory)
    require_same_family = False
    auto_backup = False


class AllocationFactory(factory.django.DjangoModelFactory[Allocation]):
    """A waiting request; pass `status`, `spare` and `depot` for later steps."""

    class Meta:
        model = Allocation

    reference = factory.Sequence(lambda n: f"INC-2026-{n:06d}")
    original = factory.SubFactory(TerminalFactory)
    merchant = factory.LazyAttribute(lambda a: a.original.merchant)
    provider = factory.LazyAttribute(lambda a: a.original.provider)


# --- Risk-freeze appeals (tickets.services.appeals) -----------------------------------------
# Imported here so this section stays appended; the module's header is shared.
import hashlib  # noqa: E402

from tickets.models import AppealCase, AppealMaterial, Attachment  # noqa: E402

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


class RiskUserFactory(ProviderUserFactory):
    role = Role.PROVIDER_RISK


class AppealCaseFactory(factory.django.DjangoModelFactory[AppealCase]):
    class Meta:
        model = AppealCase

    ticket = factory.SubFactory(TicketFactory)
    merchant = factory.LazyAttribute(lambda c: c.ticket.merchant)
    provider = factory.LazyAttribute(lambda c: c.ticket.provider)
    opened_by = factory.LazyAttribute(lambda c: c.ticket.reporter)


class EvidenceFactory(factory.django.DjangoModelFactory[Attachment]):
    """A small PDF on a ticket, stored as attachment_add would have stored it."""

    class Meta:
        model = Attachment

    ticket = factory.SubFactory(TicketFactory)
    merchant = factory.LazyAttribute(lambda a: a.ticket.merchant)
    provider = factory.LazyAttribute(lambda a: a.ticket.provider)
    uploaded_by = factory.LazyAttribute(lambda a: a.ticket.reporter)
    file = factory.django.FileField(filename="evidence.pdf", data=MINIMAL_PDF)
    original_name = "evidence.pdf"
    content_type = "application/pdf"
    size = len(MINIMAL_PDF)
    sha256 = hashlib.sha256(MINIMAL_PDF).hexdigest()


class AppealMaterialFactory(factory.django.DjangoModelFactory[AppealMaterial]):
    class Meta:
        model = AppealMaterial

    case = factory.SubFactory(AppealCaseFactory)
    kind = "id_front"
    attachment = factory.LazyAttribute(lambda m: EvidenceFactory(ticket=m.case.ticket))
    added_by = factory.LazyAttribute(lambda m: m.case.ticket.reporter)


# --- Escalations and engineer visits -------------------------------------------------------

import datetime as _dt  # noqa: E402

from tickets.models import EngineerVisit, Escalation, Report  # noqa: E402


class FieldEngineerFactory(ProviderUserFactory):
    role = Role.PROVIDER_FIELD
    first_name = "Wei"
    last_name = factory.Sequence(lambda n: f"Engineer{n}")


class FiledReportFactory(factory.django.DjangoModelFactory[Report]):
    """The guided report behind a filed ticket."""

    class Meta:
        model = Report

    ticket = factory.SubFactory(TicketFactory)
    merchant = factory.LazyAttribute(lambda r: r.ticket.merchant)
    provider = factory.LazyAttribute(lambda r: r.ticket.provider)
    terminal = factory.LazyAttribute(lambda r: r.ticket.terminal)
    reporter = factory.LazyAttribute(lambda r: r.ticket.reporter)
    outcome = Report.Outcome.FILED
    step = "review"


class EscalationFactory(factory.django.DjangoModelFactory[Escalation]):
    class Meta:
        model = Escalation

    ticket = factory.SubFactory(TicketFactory)
    party = "acquirer"
    reason = "Acquirer to check the terminal registration"
    respond_by = factory.LazyFunction(lambda: timezone.now() + _dt.timedelta(days=3))
    created_by = factory.LazyAttribute(lambda e: ProviderUserFactory(provider=e.ticket.provider))


class EngineerVisitFactory(factory.django.DjangoModelFactory[EngineerVisit]):
    class Meta:
        model = EngineerVisit

    ticket = factory.SubFactory(TicketFactory)
    engineer = factory.LazyAttribute(lambda v: FieldEngineerFactory(provider=v.ticket.provider))
    window_start = factory.LazyFunction(lambda: timezone.now() + _dt.timedelta(hours=2))
    window_end = factory.LazyAttribute(lambda v: v.window_start + _dt.timedelta(hours=2))
    dispatched_by = factory.LazyAttribute(lambda v: ProviderUserFactory(provider=v.ticket.provider))
