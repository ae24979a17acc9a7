"""Ticket e-mails: who gets them, in which language, and only after the change commits."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from portal.celery import app as celery_app
from portal.models import Role
from tests.factories import (
    MerchantFactory,
    MerchantUserFactory,
    ProviderFactory,
    ProviderUserFactory,
    TicketFactory,
)
from tickets import channels, notifications
from tickets.models import (
    Comment,
    OutboxMessage,
    OutboxStatus,
    Priority,
    Report,
    ResponseCode,
    Status,
)
from tickets.notifications import plan_public_reply
from tickets.services.outbox import MAX_ATTEMPTS, notify, outbox_drain

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager_tasks():
    """`delay` runs the task in the test's process, as a worker would after commit."""
    celery_app.conf.task_always_eager = True
    yield
    # Forget the override rather than set False, which would outlive the Django setting.
    celery_app.conf.changes.pop("task_always_eager", None)


@pytest.fixture
def reporter(merchant):
    return MerchantUserFactory(
        merchant=merchant, role=Role.MERCHANT_STAFF, language="zh-hans", email="cashier@shop.cn"
    )


@pytest.fixture
def owner(merchant):
    return MerchantUserFactory(merchant=merchant, language="en", email="owner@shop.cn")


@pytest.fixture
def ticket(reporter):
    return TicketFactory(
        reporter=reporter,
        terminal__merchant=reporter.merchant,
        priority=Priority.P1,
        triage_reason="Every card fails with 97 under UnionPay.",
    )


def send(kind, object_id, **extra):
    """Write the messages to the outbox as a service does, then drain it as a worker does."""
    notify(kind, object_id, **extra)
    return outbox_drain()


def by_recipient(mailoutbox):
    return {message.to[0]: message for message in mailoutbox}


def test_filing_mails_the_reporter_in_their_language(ticket, mailoutbox, settings):
    settings.SITE_URL = "http://testserver.example"

    send("filed", ticket.pk)

    (message,) = mailoutbox
    assert message.to == ["cashier@shop.cn"]
    assert message.subject == f"[{ticket.reference}] 我们已收到您的故障报告"
    assert "工单编号" in message.body
    assert f"http://testserver.example/tickets/{ticket.pk}/" in message.body
    assert message.extra_headers["Content-Language"] == "zh-hans"


def test_filing_tells_an_english_reporter_what_to_do_and_what_happens_next(
    ticket, reporter, mailoutbox
):
    reporter.language = "en"
    reporter.save()

    send("filed", ticket.pk)

    (message,) = mailoutbox
    assert message.subject == f"[{ticket.reference}] We have received your report"
    assert "Probable cause: Unknown" in message.body
    assert "What to do now: Provider investigates" in message.body
    assert "Why: Every card fails with 97 under UnionPay." in message.body
    assert "What happens next" in message.body
    assert "backup terminal" in message.body


def test_filing_passes_on_the_catalogue_advice_for_the_code_on_the_screen(
    ticket, reporter, mailoutbox
):
    ResponseCode.objects.update_or_create(
        scheme="cup",
        code="97",
        defaults={
            "meaning_en": "Terminal not registered",
            "meaning_zh": "终端未登记",
            "cause": "merchant_restricted",
            "merchant_guidance_en": "Call your provider to check the registration.",
            "merchant_guidance_zh": "请联系服务商核实终端登记信息。",
        },
    )
    Report.objects.create(
        merchant=ticket.merchant,
        provider=ticket.provider,
        terminal=ticket.terminal,
        reporter=reporter,
        outcome=Report.Outcome.FILED,
        ticket=ticket,
        scheme="cup",
        error_code="97",
    )

    send("filed", ticket.pk)

    assert "请联系服务商核实终端登记信息。" in mailoutbox[0].body


def test_a_staff_reply_reaches_reporter_and_owner_each_in_their_own_language(
    ticket, owner, agent, mailoutbox
):
    MerchantUserFactory(merchant=owner.merchant, is_active=False, email="gone@shop.cn")
    MerchantUserFactory(email="someone-else@other.cn")
    reply = Comment.objects.create(ticket=ticket, author=agent, body="Please restart and sign on.")

    send("reply", reply.pk)

    mails = by_recipient(mailoutbox)
    assert set(mails) == {"cashier@shop.cn", "owner@shop.cn"}
    chinese, english = mails["cashier@shop.cn"], mails["owner@shop.cn"]
    assert chinese.subject == f"[{ticket.reference}] {ticket.provider.name} 回复了您的工单"
    assert english.subject == f"[{ticket.reference}] New reply from {ticket.provider.name}"
    assert "Please restart and sign on." in chinese.body
    assert "Please restart and sign on." in english.body


def test_a_reply_never_carries_a_card_number(ticket, agent, mailoutbox):
    reply = Comment.objects.create(ticket=ticket, author=agent, body="Card 4111 1111 1111 1111?")

    send("reply", reply.pk)

    assert "**** **** **** 1111" in mailoutbox[0].body
    assert "4111 1111" not in mailoutbox[0].body


def test_a_merchant_reply_reaches_the_assignee_only(ticket, reporter, agent, mailoutbox):
    ticket.assignee = agent
    ticket.save()
    reply = Comment.objects.create(ticket=ticket, author=reporter, body="Still 97 on every card.")

    send("reply", reply.pk)

    (message,) = mailoutbox
    assert message.to == [agent.email]
    assert message.subject == f"[{ticket.reference}] {ticket.merchant.name} replied"
    assert "Still 97 on every card." in message.body


def test_a_merchant_reply_on_an_unassigned_ticket_mails_nobody(ticket, reporter, mailoutbox):
    reply = Comment.objects.create(ticket=ticket, author=reporter, body="Hello?")

    assert send("reply", reply.pk) == 0
    assert mailoutbox == []


def test_an_assignee_who_may_no_longer_see_the_ticket_is_not_mailed(ticket, reporter):
    ticket.assignee = ProviderUserFactory()  # staff of another provider
    ticket.save()
    reply = Comment.objects.create(ticket=ticket, author=reporter, body="Hello?")

    assert plan_public_reply(reply) == []


def test_an_internal_note_mails_nobody(ticket, owner, agent, mailoutbox):
    ticket.assignee = agent
    ticket.save()
    note = Comment.objects.create(
        ticket=ticket, author=agent, body="Risk team says MID is frozen.", internal=True
    )

    assert send("reply", note.pk) == 0
    assert mailoutbox == []


def test_a_status_change_mails_the_reporter(ticket, reporter, mailoutbox):
    reporter.language = "en"
    reporter.save()

    send("status", ticket.pk, from_status=Status.IN_PROGRESS, to_status=Status.RESOLVED)

    (message,) = mailoutbox
    assert message.to == ["cashier@shop.cn"]
    assert message.subject == f"[{ticket.reference}] Status: Resolved"
    assert 'from "In progress" to "Resolved"' in message.body
    assert "reply on the ticket" in message.body


def test_a_status_change_in_chinese_uses_the_chinese_template(ticket, mailoutbox):
    send("status", ticket.pk, from_status="new", to_status="waiting_on_merchant")

    assert mailoutbox[0].subject.startswith(f"[{ticket.reference}] 工单状态：")
    assert "请打开工单回答他们的问题" in mailoutbox[0].body


def test_a_new_p1_alerts_the_providers_support_staff_and_mailbox(ticket, mailoutbox):
    provider = ticket.provider
    english = ProviderUserFactory(provider=provider, language="en")
    chinese = ProviderUserFactory(provider=provider, language="zh-hans")
    ProviderUserFactory(provider=provider, is_active=False)
    ProviderUserFactory(provider=provider, role=Role.PROVIDER_FIELD)
    ProviderUserFactory(provider=ProviderFactory())
    MerchantUserFactory(merchant=MerchantFactory(provider=provider))

    send("p1", ticket.pk)

    mails = by_recipient(mailoutbox)
    assert set(mails) == {english.email, chinese.email, provider.support_email}
    assert mails[english.email].subject == (
        f"[{ticket.reference}] P1: {ticket.merchant.name} cannot take card payments"
    )
    assert mails[chinese.email].subject == (
        f"[{ticket.reference}] P1：{ticket.merchant.name} 无法受理银行卡交易"
    )
    assert ticket.merchant.mid in mails[english.email].body


def test_a_ticket_no_longer_p1_alerts_nobody(ticket, agent, mailoutbox):
    ticket.priority = Priority.P2
    ticket.save()

    assert send("p1", ticket.pk) == 0
    assert mailoutbox == []


def test_a_ticket_gone_before_the_task_ran_mails_nobody(mailoutbox):
    assert send("filed", 987654) == 0
    assert mailoutbox == []


def test_messages_are_written_with_the_change_and_sent_after_it_commits(
    ticket, mailoutbox, eager_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        notify("filed", ticket.pk)
        notify("p1", ticket.pk)
        assert OutboxMessage.objects.filter(status=OutboxStatus.PENDING).exists()
        assert mailoutbox == []

    assert len(callbacks) == 1  # one drain for the whole transaction
    assert "cashier@shop.cn" in [m.to[0] for m in mailoutbox]
    assert not OutboxMessage.objects.exclude(status=OutboxStatus.SENT).exists()


def test_nothing_is_written_or_sent_when_the_transaction_rolls_back(
    ticket, mailoutbox, eager_tasks, django_capture_on_commit_callbacks
):
    def file_then_fail():
        with transaction.atomic():
            notify("filed", ticket.pk)
            raise RuntimeError("the service failed after writing")

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
    ):
        file_then_fail()

    assert callbacks == []
    assert not OutboxMessage.objects.exists()
    assert mailoutbox == []


def test_notify_refuses_an_unknown_kind():
    with pytest.raises(ValueError, match="unknown kind"):
        notify("birthday", 1)


class Flaky:
    """An e-mail channel that fails for some addresses a number of times first."""

    def __init__(self, failures):
        self.failures, self.sent = dict(failures), []

    def send(self, delivery):
        if self.failures.get(delivery.to, 0) > 0:
            self.failures[delivery.to] -= 1
            raise channels.TransientError("connection lost")
        self.sent.append(delivery.to)


def test_a_retry_after_a_mail_server_hiccup_does_not_mail_anyone_twice(
    ticket, owner, agent, monkeypatch
):
    flaky = Flaky({"owner@shop.cn": 1})
    monkeypatch.setitem(channels.CHANNELS, "email", flaky)
    reply = Comment.objects.create(ticket=ticket, author=agent, body="Restart, please.")

    assert send("reply", reply.pk) == 1
    waiting = OutboxMessage.objects.get(recipient="owner@shop.cn")
    assert waiting.status == OutboxStatus.PENDING
    assert waiting.last_error == "connection lost"
    assert outbox_drain() == 0  # not due yet: it backs off
    with time_machine.travel(timezone.now() + timedelta(seconds=31)):
        assert outbox_drain() == 1

    assert sorted(flaky.sent) == ["cashier@shop.cn", "owner@shop.cn"]


def test_a_mail_server_that_stays_down_fails_the_message_after_its_attempts(ticket, monkeypatch):
    flaky = Flaky({"cashier@shop.cn": 99})
    monkeypatch.setitem(channels.CHANNELS, "email", flaky)
    notify("filed", ticket.pk)

    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(MAX_ATTEMPTS + 2):
            outbox_drain()
            clock.shift(timedelta(hours=1))

    message = OutboxMessage.objects.get()
    assert message.status == OutboxStatus.FAILED
    assert message.attempts == MAX_ATTEMPTS
    assert flaky.failures["cashier@shop.cn"] == 99 - MAX_ATTEMPTS


def test_a_template_error_is_not_retried(ticket, monkeypatch):
    attempts = []

    def broken(*args, **kwargs):
        attempts.append(1)
        raise KeyError("from_status")

    monkeypatch.setattr(notifications, "render", broken)

    notify("filed", ticket.pk)
    outbox_drain()

    message = OutboxMessage.objects.get()
    assert (message.status, message.attempts) == (OutboxStatus.FAILED, 1)
    assert "KeyError" in message.last_error
    assert len(attempts) == 1
