"""Real workers, a real broker and a real SMTP server on loopback: nothing is lost.

These run a Celery worker subprocess on the configured broker (Redis in CI) against the test
database, so they need PostgreSQL: an in-memory SQLite database cannot be shared with
another process.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.db import connection, transaction
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from portal.celery import app as celery_app
from tests import factories
from tests.workers import ROOT, celery_worker
from tickets.models import OutboxMessage, OutboxStatus, Ticket
from tickets.services import ticket_create
from tickets.services.outbox import notify

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class Mailbox:
    """An aiosmtpd handler that keeps what it receives; the first RCPT can hang (`stall`)."""

    def __init__(self, stall_first: float = 0) -> None:
        self.messages: list[Any] = []
        self.stall_first = stall_first
        self.stalled = threading.Event()

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.stall_first and not self.stalled.is_set():
            self.stalled.set()
            await asyncio.sleep(self.stall_first)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(self.messages) >= count, f"{len(self.messages)} of {count} messages arrived"


def smtp(handler: Mailbox) -> Controller:
    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    return controller


@pytest.fixture
def worker_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The worker uses the test database and a queue of this test's own."""
    db = connection.settings_dict
    queue = f"test-{uuid.uuid4().hex[:12]}"
    monkeypatch.setitem(celery_app.conf, "task_default_queue", queue)
    return {
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_QUEUE": queue,
        "OUTBOX_LEASE_SECONDS": "3",
    }


def mail_env(controller: Controller) -> dict[str, str]:
    return {
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(controller.server.sockets[0].getsockname()[1]),
    }


@pytest.fixture
def reporter(db: None) -> Any:
    return factories.MerchantUserFactory(email="cashier@shop.cn")


def file_ticket(reporter: Any) -> Ticket:
    terminal = factories.TerminalFactory(merchant=reporter.merchant)
    with transaction.atomic():
        ticket = ticket_create(terminal=terminal, reporter=reporter)
        notify("filed", ticket.pk)
    return ticket


def drain_every_second() -> None:
    """What beat does every minute in production, every second here."""
    every, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.update_or_create(
        name="Outbox: send due messages",
        defaults={"task": "tickets.drain_outbox", "interval": every},
    )


def test_a_filed_ticket_reaches_a_real_mailbox_through_a_real_worker(
    worker_env: dict[str, str], reporter: Any
) -> None:
    mailbox = Mailbox()
    controller = smtp(mailbox)
    try:
        with celery_worker({**worker_env, **mail_env(controller)}):
            ticket = file_ticket(reporter)
            mailbox.wait_for(1, timeout=20)
    finally:
        controller.stop()

    (mail,) = mailbox.messages
    assert mail["To"] == "cashier@shop.cn"
    assert ticket.reference in mail["Subject"]
    assert OutboxMessage.objects.get().status == OutboxStatus.SENT


def test_a_worker_killed_while_sending_is_replaced_and_the_mail_goes_out_once(
    worker_env: dict[str, str], reporter: Any
) -> None:
    mailbox = Mailbox(stall_first=20)
    controller = smtp(mailbox)
    env = {**worker_env, **mail_env(controller)}
    try:
        with celery_worker(env) as worker:
            file_ticket(reporter)
            assert mailbox.stalled.wait(timeout=20), "the worker never started sending"
            worker.kill()
        assert mailbox.messages == []
        assert OutboxMessage.objects.get().status == OutboxStatus.SENDING

        drain_every_second()
        with celery_worker(env, beat=True):
            mailbox.wait_for(1, timeout=25)
            time.sleep(3)  # a second delivery would have arrived by now
    finally:
        controller.stop()

    assert [m["To"] for m in mailbox.messages] == ["cashier@shop.cn"]
    message = OutboxMessage.objects.get()
    assert (message.status, message.attempts) == (OutboxStatus.SENT, 2)


FILE_WITH_THE_BROKER_DOWN = """
import json, sys, time, django
django.setup()
from django.db import transaction
from portal.models import User
from terminals.models import Terminal
from tickets.services import ticket_create
from tickets.services.outbox import notify
started = time.monotonic()
with transaction.atomic():
    ticket = ticket_create(terminal=Terminal.objects.get(pk=int(sys.argv[1])),
                           reporter=User.objects.get(pk=int(sys.argv[2])))
    notify("filed", ticket.pk)
print(json.dumps({"ticket": ticket.pk, "seconds": time.monotonic() - started}))
"""


def test_filing_with_the_broker_down_is_quick_and_the_mail_goes_out_once_it_is_back(
    worker_env: dict[str, str], reporter: Any
) -> None:
    terminal = factories.TerminalFactory(merchant=reporter.merchant)
    down = {**os.environ, **worker_env, "CELERY_BROKER_URL": "redis://127.0.0.1:1/0"}
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", FILE_WITH_THE_BROKER_DOWN, str(terminal.pk), str(reporter.pk)],
        cwd=ROOT, env={**down, "DJANGO_SETTINGS_MODULE": "portal.settings"},
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    filed = json.loads(done.stdout.strip().splitlines()[-1])
    assert filed["seconds"] < 3
    assert "could not queue the outbox drain" in done.stderr
    assert OutboxMessage.objects.get().status == OutboxStatus.PENDING

    mailbox = Mailbox()
    controller = smtp(mailbox)
    drain_every_second()
    try:
        with celery_worker({**worker_env, **mail_env(controller)}, beat=True):
            mailbox.wait_for(1, timeout=25)
    finally:
        controller.stop()

    ticket = Ticket.objects.get(pk=filed["ticket"])
    assert ticket.reference in mailbox.messages[0]["Subject"]


def test_a_follow_up_an_sla_warning_and_a_return_reminder_reach_a_real_mailbox(
    worker_env: dict[str, str],
) -> None:
    """The three sweeps of issue 6, run by a real worker, each deliver a real e-mail."""
    from datetime import timedelta

    from django.utils import timezone

    from terminals.services import (
        allocate_backup,
        allocation_activate,
        allocation_deliver,
        allocation_set_return_due,
        allocation_ship,
    )
    from tickets.models import SlaPolicy, SlaTarget, Status, TicketSla
    from tickets.services import ticket_transition

    now = timezone.now()
    # Tests that commit (transaction=True) empty every table after them, the SLA policies
    # that a migration seeds included: make sure the P2 policy exists.
    SlaPolicy.objects.get_or_create(
        provider=None,
        priority="p2",
        defaults={
            "first_response": timedelta(hours=2),
            "restore": timedelta(hours=9),
            "resolution": timedelta(hours=27),
        },
    )
    merchant_user: Any = factories.MerchantUserFactory(email="owner@shop.cn")
    merchant = merchant_user.merchant
    agent: Any = factories.ProviderUserFactory(provider=merchant.provider, email="agent@acq.cn")
    terminal: Any = factories.TerminalFactory(merchant=merchant)
    # 1. A ticket waiting on the merchant for more than a working day: a reminder is due.
    waiting = ticket_create(terminal=terminal, reporter=merchant_user)
    ticket_transition(ticket=waiting, to=Status.WAITING_ON_MERCHANT, actor=agent, reason="?")
    Ticket.objects.filter(pk=waiting.pk).update(
        waiting_since=now - timedelta(days=5), chase_at=now - timedelta(minutes=1)
    )
    # 2. An assigned ticket whose first-response target passed 80 % of its time.
    late = ticket_create(terminal=terminal, reporter=merchant_user)
    Ticket.objects.filter(pk=late.pk).update(assignee=agent)
    # 3. A backup lent to the merchant, due back tomorrow.
    spare: Any = factories.ReadySpareFactory(provider=terminal.provider, model=terminal.model)
    allocation = allocate_backup(
        merchant=merchant, terminal=terminal, reference=late.reference, actor=agent
    )
    assert allocation.spare == spare
    allocation = allocation_ship(
        allocation=allocation, carrier="SF", tracking_number="SF1", actor=agent
    )
    allocation = allocation_deliver(allocation=allocation, actor=agent)
    allocation = allocation_activate(
        allocation=allocation, tid="12345678", keys_bound=True, address="1 Road", actor=agent
    )
    allocation_set_return_due(
        allocation=allocation, due=timezone.localdate() + timedelta(days=1), actor=agent
    )
    # (After the backup's steps, which recompute the ticket's targets from its clock.)
    TicketSla.objects.filter(ticket=late, target=SlaTarget.FIRST_RESPONSE).update(
        due_at=now + timedelta(minutes=5), warn_at=now - timedelta(minutes=1)
    )
    OutboxMessage.objects.all().delete()  # only what the sweeps send

    mailbox = Mailbox()
    controller = smtp(mailbox)
    try:
        with celery_worker({**worker_env, **mail_env(controller)}):
            for task in (
                "tickets.sweep_waiting_on_merchant",
                "tickets.sweep_sla",
                "terminals.sweep_backup_returns",
            ):
                celery_app.send_task(task, queue=worker_env["CELERY_QUEUE"])
            mailbox.wait_for(3, timeout=60)
    finally:
        controller.stop()

    received = sorted((str(m["To"]), str(m["Subject"])) for m in mailbox.messages)
    assert [to for to, _ in received] == ["agent@acq.cn", "owner@shop.cn", "owner@shop.cn"]
    to_agent = received[0][1]
    to_owner = " | ".join(subject for _, subject in received[1:])
    assert late.reference in to_agent  # the SLA warning
    assert waiting.reference in to_owner  # the follow-up
    assert "return the backup terminal" in to_owner  # the return reminder
