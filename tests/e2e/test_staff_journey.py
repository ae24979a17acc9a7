"""Issue 7 in a real browser: a 97 report worked by staff, from the queue to a closed ticket.

Four people, each in a browser tab of their own, in English or in Chinese (their saved
language, which the sign-in switches the pages to):

1. `merchant` has reported CUP 97 on every card. The guided report itself is walked in the
   browser by test_merchant_report.py; here it is filed through the service the wizard ends
   in (`tickets.services.ticket_report`) and the merchant adds the photo of the screen on the
   ticket page, in the browser.
2. `agent` (provider support) finds the ticket in the queue by its reference, claims it,
   replies, escalates it to the risk team and asks for a backup terminal from the ticket page.
   `risk` finds it under the queue's "Escalated" view.
3. `admin` (operator admin) opens the backup from the Backups menu, ships it, marks it
   delivered and activates it.
4. `merchant` sees the activated backup and its tracking number on the ticket, and none of the
   staff's risk escalation; `agent` resolves the ticket with a reason; `merchant` confirms and
   the ticket is closed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Locator, expect

from portal.models import Merchant, User
from terminals.models import Allocation, AllocationStatus, Terminal
from tests import factories
from tests.e2e.conftest import OpenTab
from tests.e2e.support import Tab, jpeg_bytes
from tickets.models import (
    Attachment,
    Cause,
    Comment,
    Escalation,
    EscalationStatus,
    Priority,
    Scheme,
    Status,
    Team,
    Ticket,
)
from tickets.services import ticket_report

pytestmark = [
    pytest.mark.e2e,
    # live_server needs the transactional database; see test_merchant_report.py.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# The people and their shop, in the language of the run (names are data, not translations).
PEOPLE = {
    "en": {
        "merchant": ("Li", "Wang"),
        "agent": ("Chen", "Support"),
        "risk": ("Zhou", "Risk"),
        "admin": ("Ops", "Admin"),
        "shop": "Fresh Fruit Market",
        "provider": "East Pay Services",
    },
    "zh-hans": {
        "merchant": ("王丽", ""),
        "agent": ("陈客服", ""),
        "risk": ("周风控", ""),
        "admin": ("运营管理员", ""),
        "shop": "鲜丰水果",
        "provider": "东方支付服务",
    },
}
DESCRIPTION = {
    "en": "Every sale has said 97 since the shop opened this morning.",
    "zh-hans": "今天早上开门后每笔交易都提示97。",
}
REPLY = {
    "en": "We are checking the terminal's registration with the acquirer; a backup is on its way.",
    "zh-hans": "我们正在向收单机构核实终端登记信息，备用终端已在路上。",
}
ESCALATION_REASON = {
    "en": "CUP 97 on every card: please check whether the merchant is restricted.",
    "zh-hans": "银联所有卡均返回97，请核查该商户是否被限制交易。",
}
CARRIER = {"en": "SF Express", "zh-hans": "顺丰速运"}
TRACKING = "SF1400000001"
BACKUP_TID = "60000001"
RESOLVE_REASON = {
    "en": "The backup terminal is trading; the acquirer re-registered the MID.",
    "zh-hans": "备用终端已正常交易，收单机构已重新登记商户号。",
}

# Written out, independent of the catalogue the steps read: what the merchant must see.
ACTIVATED = {"en": "Activated", "zh-hans": "已激活"}
CONFIRM = {"en": "Yes, it works: close the ticket", "zh-hans": "是的，已恢复正常：关闭工单"}
CLOSED = {"en": "Closed", "zh-hans": "已关闭"}

JPEG_SIZE = (480, 320)


@dataclass(frozen=True)
class Cast:
    merchant: User
    agent: User
    risk: User
    admin: User
    shop: Merchant
    terminal: Terminal
    spare: Terminal
    ticket: Ticket


def arrange(language: str) -> Cast:
    """A provider that lends backups, a shop whose terminal says 97, a ready spare, four people."""
    people = PEOPLE[language]
    provider = factories.ProviderFactory.create(name=people["provider"])
    factories.PoolPolicyFactory.create(provider=provider)
    shop = factories.MerchantFactory.create(provider=provider, name=people["shop"])
    terminal = factories.TerminalFactory.create(merchant=shop, provider=provider)
    depot = factories.DepotFactory.create(region=shop.region)
    spare = factories.ReadySpareFactory.create(provider=provider, model=terminal.model, depot=depot)

    def person(factory: type[factories.UserFactory], username: str, **extra: object) -> User:
        first, last = people[username]
        user: User = factory.create(
            username=username, first_name=first, last_name=last, language=language, **extra
        )
        return user

    merchant = person(factories.MerchantUserFactory, "merchant", merchant=shop)
    agent = person(factories.ProviderUserFactory, "agent", provider=provider)
    risk = person(factories.RiskUserFactory, "risk", provider=provider)
    admin = person(factories.OperatorFactory, "admin")

    # What the merchant's guided report ends in (walked in the browser by the merchant test):
    # CUP 97 on every card, power and network fine, the other terminals still work.
    ticket = ticket_report(
        terminal=terminal,
        reporter=merchant,
        error_code="97",
        scheme=Scheme.CUP,
        power_ok=True,
        network_ok=True,
        restarted=True,
        signed_on=True,
        all_cards_fail=True,
        other_terminals_affected=False,
        moved_recently=False,
        notice_received=False,
        description=DESCRIPTION[language],
    )
    assert (ticket.status, ticket.cause, ticket.priority) == (
        Status.NEW,
        Cause.MERCHANT_RESTRICTED,
        Priority.P2,
    )
    assert ticket.backup_id is None  # no automatic backup: triage does not say "replace"
    return Cast(merchant, agent, risk, admin, shop, terminal, spare, ticket)


def region(tab: Tab, message: str) -> Locator:
    return tab.page.get_by_role("region", name=tab.t(message), exact=True)


def expect_message(tab: Tab, message: str, **params: str) -> None:
    """The flash message the page shows after a post."""
    expect(tab.page.get_by_role("status")).to_contain_text(tab.t(message, **params))


def sign_in(open_tab: OpenTab, language: str, username: str) -> Tab:
    tab = open_tab(language)
    tab.sign_in(username)
    assert tab.language == language  # the user's saved language
    return tab


def form_label(tab: Tab, message: str) -> str:
    """A label of a form Django renders itself (`form.as_div`): it ends in the label suffix."""
    return tab.t(message) + tab.t(":")


def nav(tab: Tab, message: str) -> None:
    main = tab.page.get_by_role("navigation", name=tab.t("Main"))
    main.get_by_role("link", name=tab.t(message), exact=True).click()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_staff_work_a_97_report_to_a_closed_ticket_with_a_backup(
    transactional_db: None, open_tab: OpenTab, tmp_path: Path, language: str
) -> None:
    cast = arrange(language)
    ticket = cast.ticket
    ref = ticket.reference
    ticket_path = f"/tickets/{ticket.pk}/"
    photo = tmp_path / "screen-97.jpg"
    photo.write_bytes(jpeg_bytes("97", size=JPEG_SIZE))

    # --- 1. The merchant adds the photo of the screen -----------------------------------------
    merchant = sign_in(open_tab, language, "merchant")
    page = merchant.page
    nav(merchant, "Tickets")
    page.get_by_role("link", name=ref, exact=True).click()
    merchant.expect_heading(ref)
    files = region(merchant, "Photos and documents")
    expect(files).to_contain_text(merchant.t("No files yet."))
    files.get_by_label(merchant.t("Photo or PDF")).set_input_files(photo)
    files.get_by_label(merchant.t("What is it?")).select_option(
        label=merchant.lazy(Attachment.Kind.SCREEN_PHOTO.label)
    )
    files.get_by_role("button", name=merchant.t("Upload"), exact=True).click()
    expect_message(merchant, "File added.")
    files = region(merchant, "Photos and documents")
    expect(files.get_by_role("link", name=photo.name)).to_be_visible()
    expect(files).to_contain_text(merchant.lazy(Attachment.Kind.SCREEN_PHOTO.label))
    merchant.shot("merchant-photo-added")
    assert Attachment.objects.filter(ticket=ticket, original_name=photo.name).exists()

    # --- 2. The agent: queue, claim, reply, escalate, backup ----------------------------------
    agent = sign_in(open_tab, language, "agent")
    page = agent.page
    nav(agent, "Queue")
    agent.expect_heading(agent.t("Queue"))
    page.get_by_text(agent.t("Filter and search"), exact=True).click()
    # The form starts from the default view, "My open" (assignee: me): a new ticket is nobody's.
    page.get_by_label(agent.t("Assignee"), exact=True).select_option(label=agent.t("Anyone"))
    page.get_by_label(agent.t("Search"), exact=True).fill(ref)
    agent.click_button("Show")
    rows = (
        page.get_by_role("table")
        .get_by_role("row")
        .filter(has=page.get_by_role("link", name=ref, exact=True))
    )
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(PEOPLE[language]["shop"])
    expect(rows).to_contain_text(agent.lazy(Status.NEW.label))
    expect(rows).to_contain_text(agent.t("nobody"))
    agent.shot("agent-queue-search")
    rows.get_by_role("link", name=ref, exact=True).click()

    agent.expect_heading(ref)
    work = region(agent, "Work on this ticket")
    expect(work).to_contain_text(f"{agent.t('Assigned to')}: {agent.t('nobody')}")
    # The merchant's photo is in the evidence the agent sees.
    expect(
        region(agent, "Photos and documents").get_by_role("link", name=photo.name)
    ).to_be_visible()
    work.get_by_role("button", name=agent.t("Claim"), exact=True).click()
    expect_message(agent, "Assignment saved.")
    work = region(agent, "Work on this ticket")
    expect(work).to_contain_text(f"{agent.t('Assigned to')}: {cast.agent.get_full_name()}")
    expect(work.get_by_role("button", name=agent.t("Claim"), exact=True)).to_have_count(0)
    agent.shot("agent-claimed")

    conversation = region(agent, "Conversation")
    conversation.get_by_label(agent.t("Reply"), exact=True).fill(REPLY[language])
    conversation.get_by_role("button", name=agent.t("Send"), exact=True).click()
    conversation = region(agent, "Conversation")
    expect(conversation.get_by_role("listitem")).to_have_count(1)
    expect(conversation.get_by_role("listitem")).to_contain_text(REPLY[language])
    expect(conversation.get_by_role("listitem")).to_contain_text(cast.agent.get_full_name())
    expect(conversation.get_by_role("listitem")).not_to_contain_text(agent.t("Internal note"))
    agent.shot("agent-replied")

    escalations = region(agent, "Escalations")
    expect(escalations).to_contain_text(agent.t("Not escalated."))
    risk_team = agent.lazy(Team.RISK.label)
    escalations.get_by_label(agent.t("Escalate to"), exact=True).select_option(label=risk_team)
    escalations.get_by_label(agent.t("Reason (staff only)"), exact=True).fill(
        ESCALATION_REASON[language]
    )
    escalations.get_by_role("button", name=agent.t("Escalate"), exact=True).click()
    expect_message(agent, "Escalated to %(to)s.", to=risk_team)
    listed = region(agent, "Escalations").get_by_role("listitem")
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text(risk_team)
    expect(listed).to_contain_text(ESCALATION_REASON[language])
    expect(listed).to_contain_text(agent.lazy(EscalationStatus.OPEN.label))
    expect(region(agent, "Summary")).to_contain_text(agent.lazy(Status.ESCALATED.label))
    agent.shot("agent-escalated")

    backup = region(agent, "Backup terminal")
    backup.get_by_role("button", name=agent.t("Request a backup terminal"), exact=True).click()
    expect_message(agent, "A backup terminal is reserved for this ticket.")
    backup = region(agent, "Backup terminal")
    expect(backup).to_contain_text(agent.lazy(AllocationStatus.RESERVED.label))
    expect(backup).to_contain_text(cast.spare.serial_number)
    agent.shot("agent-backup-reserved")

    ticket.refresh_from_db()
    assert (ticket.assignee_id, ticket.status) == (cast.agent.pk, Status.ESCALATED)
    escalation = Escalation.objects.get(ticket=ticket)
    assert (escalation.team, escalation.party, escalation.created_by_id) == (
        Team.RISK,
        "",
        cast.agent.pk,
    )
    comment = Comment.objects.get(ticket=ticket)
    assert (comment.author_id, comment.internal) == (cast.agent.pk, False)
    allocation = Allocation.objects.get(reference=ref)
    assert (allocation.status, allocation.spare_id) == (AllocationStatus.RESERVED, cast.spare.pk)

    # The risk team finds the ticket among the escalated ones.
    risk = sign_in(open_tab, language, "risk")
    nav(risk, "Queue")
    risk.page.get_by_role("navigation", name=risk.t("Saved views")).get_by_role(
        "link", name=risk.t("Escalated"), exact=True
    ).click()
    expect(risk.page.get_by_role("link", name=ref, exact=True)).to_be_visible()
    risk.shot("risk-escalated-view")

    # --- 3. The operator admin ships, delivers and activates the backup -----------------------
    admin = sign_in(open_tab, language, "admin")
    page = admin.page
    nav(admin, "Backups")
    admin.expect_heading(admin.t("Backup terminals"))
    page.get_by_role("link", name=ref, exact=True).click()
    admin.expect_heading(admin.t("Backup for %(ref)s", ref=ref))
    card = region(admin, "Backup terminal")
    expect(card).to_contain_text(admin.lazy(AllocationStatus.RESERVED.label))
    admin.shot("admin-backup-reserved")

    steps = region(admin, "Next step")
    steps.get_by_label(form_label(admin, "Carrier"), exact=True).fill(CARRIER[language])
    steps.get_by_label(form_label(admin, "Tracking number"), exact=True).fill(TRACKING)
    steps.get_by_role("button", name=admin.t("Mark shipped"), exact=True).click()
    shipped = admin.lazy(AllocationStatus.SHIPPED.label)
    expect_message(admin, "The backup is now: %(status)s.", status=shipped)
    card = region(admin, "Backup terminal")
    expect(card).to_contain_text(shipped)
    expect(card).to_contain_text(f"{CARRIER[language]} · {TRACKING}")
    admin.shot("admin-shipped")

    region(admin, "Next step").get_by_role(
        "button", name=admin.t("Mark delivered"), exact=True
    ).click()
    delivered = admin.lazy(AllocationStatus.DELIVERED.label)
    expect_message(admin, "The backup is now: %(status)s.", status=delivered)
    expect(region(admin, "Backup terminal")).to_contain_text(delivered)
    admin.shot("admin-delivered")

    steps = region(admin, "Next step")
    steps.get_by_label(form_label(admin, "TID bound to the backup"), exact=True).fill(BACKUP_TID)
    steps.get_by_label(
        form_label(admin, "The provider confirms the keys are bound to this merchant"), exact=True
    ).check()
    address = cast.shop.registered_address
    steps.get_by_label(form_label(admin, "Address it is bound to"), exact=True).fill(address)
    steps.get_by_role("button", name=admin.t("Confirm activation"), exact=True).click()
    expect_message(
        admin, "The backup is now: %(status)s.", status=admin.lazy(AllocationStatus.ACTIVATED.label)
    )
    card = region(admin, "Backup terminal")
    expect(card).to_contain_text(ACTIVATED[language])
    expect(card).to_contain_text(BACKUP_TID)
    expect(region(admin, "Steps")).to_contain_text(address)
    admin.shot("admin-activated")

    allocation.refresh_from_db()
    assert (allocation.status, allocation.tracking_number, allocation.activated_tid) == (
        AllocationStatus.ACTIVATED,
        TRACKING,
        BACKUP_TID,
    )

    # --- 4. The merchant follows the backup; the agent resolves; the merchant confirms --------
    merchant = sign_in(open_tab, language, "merchant")
    page = merchant.page
    nav(merchant, "Tickets")
    page.get_by_role("link", name=ref, exact=True).click()
    merchant.expect_heading(ref)
    card = region(merchant, "Backup terminal")
    expect(card).to_contain_text(ACTIVATED[language])
    expect(card).to_contain_text(TRACKING)
    expect(card).to_contain_text(CARRIER[language])
    expect(card).to_contain_text(BACKUP_TID)
    expect(region(merchant, "Conversation")).to_contain_text(REPLY[language])
    # The staff's escalation to their own risk team stays with the staff.
    expect(page.get_by_text(ESCALATION_REASON[language])).to_have_count(0)
    expect(page.get_by_text(merchant.lazy(Team.RISK.label), exact=True)).to_have_count(0)
    expect(page.get_by_role("region", name=merchant.t("Escalations"))).to_have_count(0)
    merchant.shot("merchant-sees-backup")

    agent.goto(ticket_path)
    work = region(agent, "Work on this ticket")
    work.get_by_label(agent.t("Reason (needed to resolve or reopen)"), exact=True).fill(
        RESOLVE_REASON[language]
    )
    resolved = agent.lazy(Status.RESOLVED.label)
    work.get_by_role("button", name=agent.t("Move to %(label)s", label=resolved)).click()
    expect_message(agent, "The ticket is now: %(status)s.", status=resolved)
    expect(region(agent, "Summary")).to_contain_text(resolved)
    agent.shot("agent-resolved")

    page.reload()
    fixed = region(merchant, "Is it fixed?")
    expect(fixed).to_contain_text(
        merchant.t(
            "The provider marked this ticket resolved. Please confirm, or reopen it if the "
            "terminal still fails."
        )
    )
    expect(region(merchant, "History")).to_contain_text(RESOLVE_REASON[language])
    merchant.shot("merchant-asked-to-confirm")
    fixed.get_by_role("button", name=CONFIRM[language], exact=True).click()
    expect_message(merchant, "The ticket is now: %(status)s.", status=CLOSED[language])
    expect(region(merchant, "Summary")).to_contain_text(CLOSED[language])
    expect(page.get_by_role("region", name=merchant.t("Is it fixed?"))).to_have_count(0)
    expect(page).to_have_url(re.compile(rf"{re.escape(ticket_path)}$"))
    merchant.shot("merchant-closed")

    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert ticket.restored_at is not None  # the activated backup restored trading
