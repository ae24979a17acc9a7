"""The outbox: one row per message, claimed with a lease, retried with backoff, sent once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from tests import factories
from tickets import channels, tasks
from tickets.models import Channel, NotificationPreference, OutboxMessage, OutboxStatus
from tickets.services import outbox
from tickets.services.outbox import notify, outbox_claim, outbox_drain

pytestmark = pytest.mark.django_db


class Recorder:
    def __init__(self) -> None:
        self.sent: list[channels.Delivery] = []

    def send(self, delivery: channels.Delivery) -> None:
        self.sent.append(delivery)


@pytest.fixture
def email(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    recorder = Recorder()
    monkeypatch.setitem(channels.CHANNELS, "email", recorder)
    return recorder


@pytest.fixture
def sms(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    recorder = Recorder()
    monkeypatch.setitem(channels.CHANNELS, "sms", recorder)
    return recorder


@pytest.fixture
def ticket(merchant_user: Any) -> Any:
    return factories.TicketFactory(
        reporter=merchant_user, terminal__merchant=merchant_user.merchant
    )


def test_the_same_message_written_twice_is_one_row(ticket: Any) -> None:
    assert notify("filed", ticket.pk) == 1
    assert notify("filed", ticket.pk) == 0

    (message,) = OutboxMessage.objects.all()
    assert message.dedupe_key.startswith(f"ticket_filed:t{ticket.pk}:email:")
    assert message.context == {"ticket": ticket.pk}  # ids, never rendered text


def test_a_status_flapping_within_the_window_is_sent_once_per_status(ticket: Any) -> None:
    with time_machine.travel(timezone.now(), tick=False) as clock:
        notify("status", ticket.pk, from_status="new", to_status="waiting_on_merchant")
        notify("status", ticket.pk, from_status="in_progress", to_status="waiting_on_merchant")
        notify("status", ticket.pk, from_status="waiting_on_merchant", to_status="resolved")
        assert OutboxMessage.objects.count() == 2
        clock.shift(timedelta(minutes=16))
        notify("status", ticket.pk, from_status="in_progress", to_status="waiting_on_merchant")
    assert OutboxMessage.objects.count() == 3


def test_a_message_is_sent_once_even_when_two_drains_run(ticket: Any, email: Recorder) -> None:
    notify("filed", ticket.pk)

    assert outbox_drain() == 1
    assert outbox_drain() == 0

    assert [d.to for d in email.sent] == [ticket.reporter.email]
    message = OutboxMessage.objects.get()
    assert (message.status, message.attempts) == (OutboxStatus.SENT, 1)
    assert message.sent_at is not None


def test_a_claimed_message_is_nobody_elses_until_its_lease_runs_out(ticket: Any) -> None:
    notify("filed", ticket.pk)
    now = timezone.now()

    (claimed,) = outbox_claim(now=now)
    assert claimed.status == OutboxStatus.SENDING
    assert outbox_claim(now=now + timedelta(seconds=299)) == []

    (taken_over,) = outbox_claim(now=now + timedelta(seconds=301))  # its sender died
    assert taken_over.pk == claimed.pk
    assert taken_over.attempts == 2


def test_a_message_whose_sender_died_is_sent_by_the_next_drain(
    ticket: Any, email: Recorder
) -> None:
    notify("filed", ticket.pk)
    outbox_claim()  # a worker took it and was killed before sending

    assert outbox_drain() == 0
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        assert outbox_drain() == 1
    assert len(email.sent) == 1


def test_backoff_doubles_up_to_an_hour() -> None:
    waits = [outbox.backoff(n) for n in range(1, 10)]
    assert waits[:4] == [timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert waits[-1] == timedelta(hours=1)


def test_a_refused_address_fails_at_once(ticket: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    class Refusing:
        def send(self, delivery: channels.Delivery) -> None:
            raise channels.PermanentError("550 no such user")

    monkeypatch.setitem(channels.CHANNELS, "email", Refusing())
    notify("filed", ticket.pk)
    outbox_drain()

    message = OutboxMessage.objects.get()
    assert (message.status, message.attempts) == (OutboxStatus.FAILED, 1)
    assert message.last_error == "550 no such user"


def test_email_turned_off_is_recorded_as_suppressed_and_sms_turned_on_is_sent(
    ticket: Any, email: Recorder, sms: Recorder
) -> None:
    reporter = ticket.reporter
    reporter.phone = "+8613800000000"
    reporter.save()
    NotificationPreference.objects.create(user=reporter, channel=Channel.EMAIL, enabled=False)
    NotificationPreference.objects.create(user=reporter, channel=Channel.SMS, enabled=True)

    notify("filed", ticket.pk)
    outbox_drain()

    statuses = dict(OutboxMessage.objects.values_list("channel", "status"))
    assert statuses == {"email": OutboxStatus.SUPPRESSED, "sms": OutboxStatus.SENT}
    assert email.sent == []
    (text,) = sms.sent
    assert text.to == "+8613800000000"
    assert ticket.reference in text.body
    assert f"/tickets/{ticket.pk}/" in text.body


def test_a_recipient_who_may_no_longer_see_the_ticket_is_not_sent(
    ticket: Any, email: Recorder
) -> None:
    notify("filed", ticket.pk)
    type(ticket.reporter).objects.filter(pk=ticket.reporter.pk).update(is_active=False)

    outbox_drain()

    assert OutboxMessage.objects.get().status == OutboxStatus.SUPPRESSED
    assert email.sent == []


def test_the_smtp_channel_sorts_errors_into_transient_and_permanent(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    import smtplib

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1  # nothing listens there
    delivery = channels.Delivery("a@shop.cn", "s", "b", "en", "outbox-1")
    with pytest.raises(channels.TransientError):
        channels.EmailChannel().send(delivery)

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise smtplib.SMTPRecipientsRefused({"a@shop.cn": (550, b"no such user")})

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    with pytest.raises(channels.PermanentError):
        channels.EmailChannel().send(delivery)


def test_one_drain_is_queued_per_transaction_and_a_broker_down_is_harmless(
    ticket: Any, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    def broker_down(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:1. Connection refused.")

    monkeypatch.setattr(tasks.drain_outbox, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        notify("filed", ticket.pk)
        notify("p1", ticket.pk)

    assert len(callbacks) == 1
    assert OutboxMessage.objects.filter(status=OutboxStatus.PENDING).exists()
