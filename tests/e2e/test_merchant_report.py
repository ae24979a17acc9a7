"""Issue 3 in a real browser: a merchant reports a terminal that says 97, in English and Chinese.

`merchant` (seed_demo: 王丽 of 鲜丰水果, whose saved language is Chinese) signs in through the
sign-in form, walks the guided report for code 97 under China UnionPay with answers that point
at the acquirer (every card fails, the other terminals still work, power and network fine),
adds a photo of the screen, sends the report and reads the answer on the ticket page: the
probable cause, what to do now and the reference, in the page's language. Then the photo is in
the evidence and the merchant posts a public reply. Separately, "that fixed it" closes a
report with no ticket.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core import mail
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.conftest import Demo, OpenTab
from tests.e2e.support import jpeg_bytes
from tickets import triage
from tickets.models import (
    Action,
    Attachment,
    Cause,
    Comment,
    Priority,
    Report,
    ResponseCode,
    Scheme,
    Ticket,
)
from tickets.selfcheck import CHECKS_BY_NAME, STEP_ORDER

pytestmark = [
    pytest.mark.e2e,
    # live_server needs the transactional database, which is emptied after each test; the
    # serialized rollback brings back what the migrations seeded (the response-code
    # catalogue that explains "97" on the screen step) before each test.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# What the merchant answers at each self-check, as the label of the radio they pick. Power and
# network are fine, the terminal was restarted and signed on, every card fails, the other
# terminals still work, nothing moved, no notice: with CUP 97 that is "not registered".
ANSWERS = {
    "power": "Yes",
    "network": "Yes",
    "restart": "Restarted: it still fails",
    "sign_on": "Yes",
    "cards": "Every card fails",
    "others": "No",
    "moved": "No",
    "notice": "No",
}

JPEG_SIZE = (480, 320)
STEPS = len(STEP_ORDER) - 1  # "Step n of STEPS": the terminal is picked before step 1

# Independent of the translation catalogue the tests otherwise read: the words a merchant
# must see, written out, so a missing translation fails here.
CAUSE_LABEL = {"en": "Merchant restricted", "zh-hans": "商户受限"}
ADVICE_START = {
    "en": "The host does not recognise this terminal",
    "zh-hans": "主机不认可这台终端或您的商户号",
}
FILED_SUBJECT = {"en": "We have received your report", "zh-hans": "我们已收到您的故障报告"}
DESCRIPTION = {
    "en": "Every sale has said 97 since the shop opened this morning.",
    "zh-hans": "今天早上开门后每笔交易都提示97。",
}
REPLY = {
    "en": "The terminal is still at the shop's registered address. Please reactivate it.",
    "zh-hans": "终端一直在登记的店铺地址使用，请尽快帮忙重新激活。",
}


@pytest.mark.parametrize(
    ("language", "phone"),
    [pytest.param("en", False, id="en"), pytest.param("zh-hans", True, id="zh-hans")],
)
def test_merchant_reports_97_and_reads_the_answer(
    demo: Demo, open_tab: OpenTab, tmp_path: Path, language: str, phone: bool
) -> None:
    terminal = demo.terminal
    photo = tmp_path / "screen-97.jpg"
    photo.write_bytes(jpeg_bytes("97", size=JPEG_SIZE))
    tickets_before = Ticket.objects.count()

    # The browser asks for `language`; the sign-in page answers in it.
    tab = open_tab(language, phone=phone)
    page = tab.page
    tab.sign_in("merchant")
    # Signing in switches to the merchant's saved language: Chinese.
    assert tab.language == "zh-hans"
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    tab.shot("home")
    if language == "en":
        # Switched in the header; the choice is saved for the merchant (and their e-mails).
        tab.switch_language("en")
        demo.merchant.refresh_from_db()
        assert demo.merchant.language == "en"
        expect(page.get_by_role("link", name="Report a problem", exact=True)).to_be_visible()
        tab.shot("home-in-english")

    # --- Step 0: which terminal --------------------------------------------------------------
    page.get_by_role("navigation", name=tab.t("Main")).get_by_role(
        "link", name=tab.t("Report a problem")
    ).click()
    tab.expect_heading(tab.t("Report a problem"))
    page.get_by_label(f"SN {terminal.serial_number}").check()
    tab.shot("terminal")
    tab.click_button("Next")

    # --- Step 1: the screen ------------------------------------------------------------------
    tab.expect_heading(tab.t("What does the screen say?"))
    expect(
        page.get_by_text(tab.t("Step %(position)s of %(total)s", position=1, total=STEPS))
    ).to_be_visible()
    page.get_by_label(tab.t("Code on the screen")).fill("97")
    page.get_by_label(tab.t("Card network")).select_option(label=tab.lazy(Scheme.CUP.label))
    tab.shot("screen")
    tab.click_button("Next")
    # The code is explained at once, from the catalogue, under its scheme.
    entry = ResponseCode.objects.get(scheme=Scheme.CUP, code="97")
    hint = page.get_by_role("status").filter(has_text=tab.t("What this code means"))
    expect(hint).to_contain_text(entry.meaning(language))
    tab.shot("screen-hint")
    tab.click_link("Still not working — continue")

    # --- Steps 2-9: the self-checks ----------------------------------------------------------
    for position, (step, answer) in enumerate(ANSWERS.items(), start=2):
        check = CHECKS_BY_NAME[step]
        tab.expect_heading(tab.lazy(check.question))
        expect(
            page.get_by_text(
                tab.t("Step %(position)s of %(total)s", position=position, total=STEPS)
            )
        ).to_be_visible()
        page.get_by_label(tab.t(answer), exact=True).check()
        tab.shot(f"check-{step}")
        tab.click_button("Next")

    # --- Step 10: evidence -------------------------------------------------------------------
    tab.expect_heading(tab.t("Add a photo or document"))
    expect(page.get_by_text(tab.t("No files yet. This step is optional."))).to_be_visible()
    page.get_by_label(tab.t("Photo or PDF")).set_input_files(photo)
    page.get_by_label(tab.t("What is it?")).select_option(
        label=tab.lazy(Attachment.Kind.SCREEN_PHOTO.label)
    )
    tab.click_button("Upload")
    expect(page.get_by_role("status")).to_contain_text(tab.t("File added."))
    files = page.get_by_role("region", name=tab.t("Files on this report"))
    expect(files).to_contain_text(photo.name)
    tab.shot("evidence")
    tab.click_link("Continue")

    # --- Step 11: review and send ------------------------------------------------------------
    tab.expect_heading(tab.t("Check and send"))
    answers = page.get_by_role("region", name=tab.t("Your answers"))
    expect(answers).to_contain_text(terminal.serial_number)
    expect(answers).to_contain_text("97")
    expect(answers).to_contain_text(tab.lazy(Scheme.CUP.label))
    expect(answers).to_contain_text(photo.name)
    page.get_by_label(tab.t("Anything else we should know?")).fill(DESCRIPTION[language])
    tab.shot("review")
    tab.click_button("Send report")

    # --- The answer: the ticket page ---------------------------------------------------------
    # Wait for the answer before reading the database: the click only starts the request.
    expect(page).to_have_url(re.compile(r"/tickets/\d+/$"))
    report = Report.objects.select_related("ticket").get(terminal=terminal)
    assert report.outcome == Report.Outcome.FILED
    ticket = report.ticket
    assert ticket is not None
    assert Ticket.objects.count() == tickets_before + 1
    # CUP 97 on every card: the acquirer does not know the terminal. The merchant's other
    # terminals still work, so they can trade: P2, not P1.
    assert (ticket.cause, ticket.recommended_action, ticket.priority) == (
        Cause.MERCHANT_RESTRICTED,
        Action.CHECK_REGISTRATION,
        Priority.P2,
    )
    expect(page).to_have_url(f"{tab.base_url}/tickets/{ticket.pk}/")
    tab.expect_heading(ticket.reference)
    expect(page.get_by_role("status")).to_contain_text(
        tab.t("Your report %(ref)s has been filed.", ref=ticket.reference)
    )
    summary = page.get_by_role("region", name=tab.t("Summary"))
    expect(summary).to_contain_text(CAUSE_LABEL[language])
    expect(summary).to_contain_text(tab.lazy(Priority.P2.label))
    advice = page.get_by_role("region", name=tab.t("What to do now"))
    expect(advice).to_contain_text(ADVICE_START[language])
    expect(advice).to_contain_text(triage.action_advice(ticket.recommended_action, language)[-40:])
    expect(advice).to_contain_text(tab.t("Why we think so"))
    with_reason = triage.RULES_BY_NAME[ticket.triage_rule].reason
    expect(advice).to_contain_text(tab.lazy(with_reason))
    reported = page.get_by_role("region", name=tab.t("What was reported"))
    expect(reported).to_contain_text("97")
    expect(reported).to_contain_text(tab.lazy(Scheme.CUP.label))
    expect(reported).to_contain_text(DESCRIPTION[language])
    tab.shot("ticket-filed")

    # The photo is in the evidence, and downloads as that picture. Not byte for byte: uploads
    # are re-encoded to drop metadata (tickets/evidence.py).
    evidence = page.get_by_role("region", name=tab.t("Photos and documents"))
    link = evidence.get_by_role("link", name=photo.name)
    expect(link).to_be_visible()
    expect(evidence).to_contain_text(tab.lazy(Attachment.Kind.SCREEN_PHOTO.label))
    download = tab.context.request.get(tab.base_url + (link.get_attribute("href") or ""))
    assert download.status == 200
    assert download.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(download.body())) as picture:
        assert (picture.format, picture.size) == ("JPEG", JPEG_SIZE)

    # The filing e-mail reached the merchant, in the merchant's language, with the reference.
    filed = [m for m in mail.outbox if m.to == [demo.merchant.email]]
    assert len(filed) == 1, [m.subject for m in mail.outbox]
    assert ticket.reference in filed[0].subject
    assert FILED_SUBJECT[language] in filed[0].subject

    # --- A public reply ----------------------------------------------------------------------
    conversation = page.get_by_role("region", name=tab.t("Conversation"))
    expect(conversation).to_contain_text(tab.t("No messages yet."))
    # Merchants never see the staff-only switch.
    expect(page.get_by_label(tab.t("Internal note (staff only)"))).to_have_count(0)
    conversation.get_by_label(tab.t("Reply")).fill(REPLY[language])
    conversation.get_by_role("button", name=tab.t("Send"), exact=True).click()
    expect(conversation.get_by_role("listitem")).to_have_count(1)
    expect(conversation.get_by_role("listitem")).to_contain_text(REPLY[language])
    expect(conversation).to_contain_text(demo.merchant.get_full_name())
    tab.shot("ticket-reply")
    comment = Comment.objects.get(ticket=ticket)
    assert (comment.author_id, comment.internal, comment.body) == (
        demo.merchant.pk,
        False,
        REPLY[language],
    )


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_that_fixed_it_closes_the_report_without_a_ticket(
    demo: Demo, open_tab: OpenTab, language: str
) -> None:
    tickets_before = Ticket.objects.count()
    tab = open_tab(language)
    page = tab.page
    tab.sign_in("merchant")
    if tab.language != language:
        tab.switch_language(language)

    tab.goto("/tickets/report/")
    page.get_by_label(f"SN {demo.terminal.serial_number}").check()
    tab.click_button("Next")
    tab.expect_heading(tab.t("What does the screen say?"))
    tab.click_button("Next")  # nothing on the screen to copy

    tab.expect_heading(tab.lazy(CHECKS_BY_NAME["power"].question))
    page.get_by_label(tab.t("Yes"), exact=True).check()
    tab.click_button("Next")

    # No network: the advice shows at once, with "that fixed it".
    network = CHECKS_BY_NAME["network"]
    tab.expect_heading(tab.lazy(network.question))
    page.get_by_label(tab.t("No"), exact=True).check()
    tab.click_button("Next")
    advice = page.get_by_role("status").filter(has_text=tab.t("Try this now"))
    for item in network.advice:
        expect(advice).to_contain_text(tab.lazy(item))
    tab.shot("network-advice")
    advice.get_by_role("button", name=tab.t("That fixed it"), exact=True).click()

    tab.expect_heading(tab.t("Glad it works again"))
    expect(
        page.get_by_text(
            tab.t("Your terminal is taking card payments again, so no ticket was opened.")
        )
    ).to_be_visible()
    tab.shot("deflected")

    report = Report.objects.get(terminal=demo.terminal)
    assert (report.outcome, report.step, report.ticket_id) == (
        Report.Outcome.DEFLECTED,
        "network",
        None,
    )
    assert report.network_ok is False
    assert Ticket.objects.count() == tickets_before
    assert not Ticket.objects.filter(terminal=demo.terminal).exists()
    assert mail.outbox == []
