"""The evidence pack sent with an escalation: its content, exactly, and its text rendering."""

from __future__ import annotations

from datetime import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from portal.models import Region
from tests import factories
from tickets.evidence_pack import build_evidence_pack, render_evidence_pack_text
from tickets.models import Attachment, ResponseCode
from tickets.services import escalate

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def filed(db):
    """A ticket filed through the guided report, with two screen photos and a receipt."""
    merchant = factories.MerchantFactory(
        name="Lotus Noodles",
        mid="898310012345678",
        registered_address="88 Huaihai Road, Shanghai",
        region=Region.EAST,
    )
    model = factories.TerminalModelFactory(manufacturer="Newland", name="N910")
    terminal = factories.TerminalFactory(
        merchant=merchant,
        serial_number="N9100000042",
        tid="31000042",
        model=model,
        firmware_version="V2.3.1",
        connectivity="cellular",
        sim_iccid="89860012345678901234",
        installed_address="Counter 2, 88 Huaihai Road",
        last_good_txn_at=datetime(2026, 3, 5, 20, 15, tzinfo=SHANGHAI),
    )
    ticket = factories.TicketFactory(
        terminal=terminal,
        reference="INC-2026-000042",
        cause="merchant_restricted",
        priority="p1",
        triage_rule="not_registered",
        triage_reason="Terminal not registered",
    )
    report = factories.FiledReportFactory(
        ticket=ticket,
        error_code="97",
        scheme="cup",
        screen_message="终端未登记",
        power_ok=True,
        network_ok=True,
        restarted=True,
        signed_on=False,
        all_cards_fail=True,
        other_terminals_affected=False,
        moved_recently=False,
        first_seen_at=datetime(2026, 3, 6, 9, 5, tzinfo=SHANGHAI),
    )
    ResponseCode.objects.update_or_create(
        scheme="cup",
        code="97",
        defaults={
            "meaning_en": "Terminal not registered",
            "meaning_zh": "终端未登记",
            "cause": "merchant_restricted",
        },
    )
    photo_on_report = factories.EvidenceFactory(
        ticket=None,
        report=report,
        merchant=merchant,
        provider=ticket.provider,
        uploaded_by=ticket.reporter,
        kind="screen_photo",
        original_name="screen.jpg",
    )
    photo_on_ticket = factories.EvidenceFactory(
        ticket=ticket, kind="screen_photo", original_name="screen-2.png"
    )
    factories.EvidenceFactory(ticket=ticket, kind="receipt", original_name="receipt.pdf")
    factories.EvidenceFactory(kind="screen_photo", original_name="another-tickets.jpg")
    return {"ticket": ticket, "photos": [photo_on_report, photo_on_ticket]}


def test_the_pack_holds_exactly_what_the_outside_party_needs(filed):
    ticket = filed["ticket"]
    built = datetime(2026, 3, 6, 10, 0, tzinfo=SHANGHAI)
    with mock.patch("django.utils.timezone.now", return_value=built):
        pack = build_evidence_pack(ticket)

    photo_a, photo_b = filed["photos"]
    reason_en = pack["triage"].pop("reason_en")
    reason_zh = pack["triage"].pop("reason_zh")
    assert pack == {
        "version": 1,
        "built_at": "2026-03-06T10:00:00+08:00",
        "ticket": {
            "reference": "INC-2026-000042",
            "opened_at": ticket.created_at.astimezone(SHANGHAI).isoformat(),
        },
        "merchant": {
            "name": "Lotus Noodles",
            "mid": "898310012345678",
            "address": "88 Huaihai Road, Shanghai",
            "region": "east",
        },
        "terminal": {
            "serial_number": "N9100000042",
            "tid": "31000042",
            "model": "N910",
            "manufacturer": "Newland",
            "firmware_version": "V2.3.1",
            "connectivity": "cellular",
            "sim_iccid": "89860012345678901234",
            "installed_address": "Counter 2, 88 Huaihai Road",
        },
        "error": {
            "code": "97",
            "scheme": "cup",
            "meaning_en": "Terminal not registered",
            "meaning_zh": "终端未登记",
            "screen_message": "终端未登记",
        },
        "screen_photos": [
            {"id": photo_a.pk, "name": "screen.jpg"},
            {"id": photo_b.pk, "name": "screen-2.png"},
        ],
        "first_seen_at": "2026-03-06T09:05:00+08:00",
        "cards": "all",
        "steps": {"power_ok": True, "network_ok": True, "restarted": True, "signed_on": False},
        "other_terminals_affected": False,
        "moved_recently": False,
        "last_good_txn_at": "2026-03-05T20:15:00+08:00",
        "triage": {"cause": "merchant_restricted", "priority": "p1", "rule": "not_registered"},
    }
    assert reason_en
    assert reason_zh


def test_only_some_cards_failing_is_recorded_as_some(filed):
    ticket = filed["ticket"]
    ticket.report.all_cards_fail = False
    ticket.report.save()

    assert build_evidence_pack(ticket)["cards"] == "some"


def test_a_ticket_without_a_report_gets_empty_answers(db):
    ticket = factories.TicketFactory()
    factories.EvidenceFactory(ticket=ticket, kind=Attachment.Kind.SCREEN_PHOTO)

    pack = build_evidence_pack(ticket)

    assert pack["error"] == {
        "code": "",
        "scheme": "",
        "meaning_en": "",
        "meaning_zh": "",
        "screen_message": "",
    }
    assert pack["cards"] is None
    assert pack["steps"] == {
        "power_ok": None,
        "network_ok": None,
        "restarted": None,
        "signed_on": None,
    }
    assert len(pack["screen_photos"]) == 1
    assert pack["last_good_txn_at"] is None


def test_an_unknown_code_has_no_meaning_but_keeps_code_and_scheme(filed):
    ticket = filed["ticket"]
    ticket.report.error_code, ticket.report.scheme = "Z9", "iso8583"
    ticket.report.save()

    error = build_evidence_pack(ticket)["error"]

    assert (error["code"], error["scheme"], error["meaning_en"]) == ("Z9", "iso8583", "")


def test_the_pack_is_stored_on_the_escalation_when_it_is_made(filed):
    ticket = filed["ticket"]
    agent = factories.ProviderUserFactory(provider=ticket.provider)

    escalation = escalate(ticket=ticket, actor=agent, party="acquirer", reason="97 on all cards")

    escalation.refresh_from_db()
    assert escalation.evidence_pack["merchant"]["mid"] == "898310012345678"
    assert escalation.evidence_pack["error"]["code"] == "97"


def test_the_pack_does_not_change_when_the_ticket_does(filed):
    ticket = filed["ticket"]
    agent = factories.ProviderUserFactory(provider=ticket.provider)
    escalation = escalate(ticket=ticket, actor=agent, party="acquirer", reason="97")

    ticket.terminal.firmware_version = "V9"
    ticket.terminal.save()

    escalation.refresh_from_db()
    assert escalation.evidence_pack["terminal"]["firmware_version"] == "V2.3.1"


def test_the_text_rendering_lists_every_fact(filed):
    with translation.override("en"):
        text = render_evidence_pack_text(build_evidence_pack(filed["ticket"]))

    expected_lines = [
        "Evidence pack · INC-2026-000042",
        "Name: Lotus Noodles",
        "Merchant ID (MID): 898310012345678",
        "Address: 88 Huaihai Road, Shanghai",
        "Region: East China",
        "Serial number (SN): N9100000042",
        "Terminal ID (TID): 31000042",
        "Model: Newland N910",
        "Firmware: V2.3.1",
        "Connectivity: 4G / cellular",
        "SIM ICCID: 89860012345678901234",
        "Installed at: Counter 2, 88 Huaihai Road",
        "Last good transaction: 2026-03-05 20:15 +0800",
        "Response code: 97 (China UnionPay)",
        "Meaning: Terminal not registered",
        "Message on the screen: 终端未登记",
        "Photos of the screen: screen.jpg (#{}), screen-2.png (#{})".format(
            *(p.pk for p in filed["photos"])
        ),
        "First seen: 2026-03-06 09:05 +0800",
        "Cards tried: every card fails",
        "Other terminals fail too: No",
        "Moved recently: No",
        "Powers on normally: Yes",
        "Network is working: Yes",
        "Restarted: Yes",
        "Settled and signed on again: No",
        "Cause: Merchant restricted",
        "Priority: P1 – cannot take card payments",
        "Rule: not_registered",
    ]
    lines = text.splitlines()
    for line in expected_lines:
        assert line in lines, line
    assert "&" not in text  # plain text: nothing is HTML-escaped


def test_the_text_rendering_of_unanswered_questions(db):
    text = render_evidence_pack_text(build_evidence_pack(factories.TicketFactory()))

    assert "Cards tried: not answered" in text
    assert "Restarted: not answered" in text
    assert "Photos of the screen: —" in text


def test_the_text_rendering_uses_the_chinese_meaning_in_chinese(filed):
    with translation.override("zh-hans"):
        text = render_evidence_pack_text(build_evidence_pack(filed["ticket"]))

    assert "终端未登记" in text.split("97", 1)[1]
