"""factory_boy factories for every model; tests arrange with these."""

from __future__ import annotations

import factory
from django.contrib.auth.hashers import make_password

from portal.models import BusinessCalendar, Merchant, Provider, Region, Role, User
from terminals.models import Connectivity, Depot, Terminal, TerminalModel
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
