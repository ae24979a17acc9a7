"""A small world of two organisations, built once and shared by the access tests.

Provider A serves merchant A (owner and staff users) and a sibling merchant A2; provider B
serves merchant B. Each merchant has a terminal and a ticket with a public reply, an internal
note and an evidence file; provider A's and B's tickets also have an escalation, an engineer
visit, an appeal case with a file (its dossier) and a backup allocation. Texts that some
actors must never read are distinctive strings (`SECRET_*`), so a leak is a substring search.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from rest_framework.authtoken.models import Token

from portal.models import Role, User
from tests import factories
from tickets.models import AppealCase, AppealStatus, Comment, Report, Ticket
from tickets.services import appeal_decide, escalate, ticket_create

ANONYMOUS = "anonymous"
MERCHANT_OWNER_A = "merchant_owner_a"
MERCHANT_STAFF_A = "merchant_staff_a"
MERCHANT_B = "merchant_b"
PROVIDER_SUPPORT_A = "provider_support_a"
PROVIDER_FIELD_A = "provider_field_a"
PROVIDER_RISK_A = "provider_risk_a"
PROVIDER_LEAD_A = "provider_lead_a"
PROVIDER_B = "provider_b"
OPERATOR_ADMIN = "operator_admin"

ACTORS = (
    ANONYMOUS,
    MERCHANT_OWNER_A,
    MERCHANT_STAFF_A,
    MERCHANT_B,
    PROVIDER_SUPPORT_A,
    PROVIDER_FIELD_A,
    PROVIDER_RISK_A,
    PROVIDER_LEAD_A,
    PROVIDER_B,
    OPERATOR_ADMIN,
)
MERCHANTS_A = (MERCHANT_OWNER_A, MERCHANT_STAFF_A)
PROVIDERS_A = (PROVIDER_SUPPORT_A, PROVIDER_FIELD_A, PROVIDER_RISK_A, PROVIDER_LEAD_A)


@dataclass
class Org:
    """One merchant's objects (and its provider's, for the provider-level ones)."""

    key: str
    merchant: Any
    terminal: Any
    ticket: Ticket
    public_comment: Comment
    internal_comment: Comment
    attachment: Any
    escalation: Any = None
    visit: Any = None
    appeal: Any = None
    allocation: Any = None
    spare: Any = None
    draft_report: Report | None = None
    deflected_report: Report | None = None
    secrets: dict[str, str] = field(default_factory=dict)

    def identifiers(self) -> list[str]:
        """Strings that name this organisation's rows: nobody outside it may read them."""
        found = [self.ticket.reference, self.terminal.serial_number, self.merchant.mid]
        if self.spare is not None:
            found.append(self.spare.serial_number)
        return found


@dataclass
class World:
    users: dict[str, User]
    tokens: dict[str, str]
    a: Org
    a2: Org
    b: Org
    depot: Any

    def internal_texts(self) -> list[str]:
        """Staff-only texts of every organisation: no merchant ever reads them."""
        return [v for org in (self.a, self.a2, self.b) for v in org.secrets.values()]


def _org(
    key: str,
    provider: Any,
    *,
    full: bool,
    depot: Any,
    staff: User,
    field_user: User,
    risk_user: User,
) -> Org:
    merchant = factories.MerchantFactory(provider=provider, name=f"Shop {key}")
    owner = factories.MerchantUserFactory(
        merchant=merchant, username=f"{key.lower()}-reporter", role=Role.MERCHANT_OWNER
    )
    terminal = factories.TerminalFactory(merchant=merchant, serial_number=f"SN-ORG{key}-0001")
    ticket = ticket_create(terminal=terminal, reporter=owner)
    ticket.reference = f"REF-ORG{key}-0001"
    ticket.save(update_fields=["reference"])
    secrets = {"internal_note": f"SECRET_INTERNAL_NOTE_{key}"}
    public = Comment.objects.create(ticket=ticket, author=owner, body=f"public reply {key}")
    internal = Comment.objects.create(
        ticket=ticket, author=staff, body=secrets["internal_note"], internal=True
    )
    attachment = factories.EvidenceFactory(ticket=ticket, original_name=f"evidence-{key}.pdf")
    org = Org(
        key=key,
        merchant=merchant,
        terminal=terminal,
        ticket=ticket,
        public_comment=public,
        internal_comment=internal,
        attachment=attachment,
        secrets=secrets,
    )
    if not full:
        return org
    secrets["escalation_reason"] = f"SECRET_ESCALATION_REASON_{key}"
    secrets["visit_notes"] = f"SECRET_VISIT_NOTES_{key}"
    # Through the service, as staff do it: the escalation carries its evidence pack.
    org.escalation = escalate(
        ticket=ticket, actor=staff, party="acquirer", reason=secrets["escalation_reason"]
    )
    org.visit = factories.EngineerVisitFactory(
        ticket=ticket, engineer=field_user, dispatched_by=staff, notes=secrets["visit_notes"]
    )
    org.appeal = factories.AppealCaseFactory(
        ticket=ticket,
        status=AppealStatus.SUBMITTED,
        attempts=1,
        submitted_at=timezone.now(),
        explanation=f"appeal explanation {key}",
    )
    factories.AppealMaterialFactory(case=org.appeal)
    # A first attempt, rejected with a staff-only note; the merchant has appealed again.
    secrets["appeal_staff_note"] = f"SECRET_APPEAL_STAFF_NOTE_{key}"
    appeal_decide(
        case=org.appeal,
        actor=risk_user,
        decision=AppealStatus.REJECTED,
        note=f"Rejected, attempt 1 {key}",
        internal_note=secrets["appeal_staff_note"],
    )
    AppealCase.objects.filter(pk=org.appeal.pk).update(status=AppealStatus.SUBMITTED, attempts=2)
    org.appeal.refresh_from_db()
    org.spare = factories.ReadySpareFactory(
        provider=provider, depot=depot, serial_number=f"SN-SPARE{key}-0001"
    )
    org.allocation = factories.AllocationFactory(
        original=terminal, reference=ticket.reference, requested_by=staff
    )
    common = {"merchant": merchant, "provider": provider, "terminal": terminal, "reporter": owner}
    org.draft_report = Report.objects.create(**common, outcome=Report.Outcome.DRAFT, step="screen")
    org.deflected_report = Report.objects.create(
        **common, outcome=Report.Outcome.DEFLECTED, step="power"
    )
    return org


def build_world() -> World:
    provider_a = factories.ProviderFactory(code="provider-a", name="Provider A")
    provider_b = factories.ProviderFactory(code="provider-b", name="Provider B")
    depot = factories.DepotFactory(code="depot-east", name="Depot East")

    def staff(provider: Any, role: str, name: str) -> User:
        return factories.ProviderUserFactory(provider=provider, role=role, username=name)

    users: dict[str, User] = {
        PROVIDER_SUPPORT_A: staff(provider_a, Role.PROVIDER_SUPPORT, "support-a"),
        PROVIDER_FIELD_A: staff(provider_a, Role.PROVIDER_FIELD, "field-a"),
        PROVIDER_RISK_A: staff(provider_a, Role.PROVIDER_RISK, "risk-a"),
        PROVIDER_LEAD_A: staff(provider_a, Role.PROVIDER_LEAD, "lead-a"),
        PROVIDER_B: staff(provider_b, Role.PROVIDER_SUPPORT, "support-b"),
        OPERATOR_ADMIN: factories.OperatorFactory(
            username="operator", is_staff=True, is_superuser=True
        ),
    }
    field_b = staff(provider_b, Role.PROVIDER_FIELD, "field-b")
    a = _org(
        "A",
        provider_a,
        full=True,
        depot=depot,
        staff=users[PROVIDER_SUPPORT_A],
        field_user=users[PROVIDER_FIELD_A],
        risk_user=users[PROVIDER_RISK_A],
    )
    a2 = _org(
        "A2",
        provider_a,
        full=False,
        depot=depot,
        staff=users[PROVIDER_SUPPORT_A],
        field_user=users[PROVIDER_FIELD_A],
        risk_user=users[PROVIDER_RISK_A],
    )
    b = _org(
        "B",
        provider_b,
        full=True,
        depot=depot,
        staff=users[PROVIDER_B],
        field_user=field_b,
        risk_user=staff(provider_b, Role.PROVIDER_RISK, "risk-b"),
    )
    users[MERCHANT_OWNER_A] = factories.MerchantUserFactory(
        merchant=a.merchant, role=Role.MERCHANT_OWNER, username="owner-a"
    )
    users[MERCHANT_STAFF_A] = factories.MerchantUserFactory(
        merchant=a.merchant, role=Role.MERCHANT_STAFF, username="staff-a"
    )
    users[MERCHANT_B] = factories.MerchantUserFactory(
        merchant=b.merchant, role=Role.MERCHANT_OWNER, username="owner-b"
    )
    tokens = {name: Token.objects.create(user=user).key for name, user in users.items()}
    return World(users=users, tokens=tokens, a=a, a2=a2, b=b, depot=depot)


@contextmanager
def world_for_module(django_db_blocker: Any) -> Iterator[World]:
    """The world inside a transaction that is rolled back when the module is done.

    Tests run inside it (pytest-django's per-test transaction becomes a savepoint), so a test
    never sees another's changes and the database is left as it was.
    """
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=fast),
        transaction.atomic(),
    ):
        yield build_world()
        transaction.set_rollback(True)
