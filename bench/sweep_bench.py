"""Follow-up sweeps over a large table, and the outbox draining many messages, on PostgreSQL.

Creates (or recreates) the database `portal_bench_sweep`, migrates it and seeds `--tickets`
tickets of which `--due` wait on the merchant with a reminder due now, and `--due` more
were resolved longer ago than the reopen window (due to close). Then it measures:

1. each sweep with nothing due (cost of looking), then with `--due` due (cost of working),
   and again right after (idempotency: nothing more is sent);
2. the outbox draining `--messages` e-mails to a real SMTP server on loopback (aiosmtpd).

    .venv/bin/python bench/sweep_bench.py --tickets 1000000 --due 1000 --messages 10000

`--pg` names the server (default postgres://postgres@127.0.0.1:5432); only the database
portal_bench_sweep is touched.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_NAME = "portal_bench_sweep"
BATCH = 20000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


SMTP_PORT = free_port()


def setup(server: str) -> None:
    os.environ["DATABASE_URL"] = f"{server}/{DB_NAME}"
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 60)
    os.environ["ALLOWED_HOSTS"] = "localhost"
    os.environ["EMAIL_HOST"] = "127.0.0.1"
    os.environ["EMAIL_PORT"] = str(SMTP_PORT)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import logging

    import django

    django.setup()
    logging.disable(logging.WARNING)


def recreate_database(server: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")


def seed(total: int, due: int) -> None:
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from portal.models import BusinessCalendar, Merchant, Provider, Region, Role, User
    from terminals.models import Terminal, TerminalModel
    from tickets.models import Status, Ticket

    call_command("migrate", verbosity=0)
    calendar = BusinessCalendar.objects.create(
        code="bench", name="Bench 24x7", day_start="00:00", day_end="23:59", holiday_country=""
    )
    provider = Provider.objects.create(
        code="bench", name="Bench", kind="acquirer", calendar=calendar, support_email="s@b.example"
    )
    model = TerminalModel.objects.create(
        manufacturer="PAX", name="A920", family="PAX", approved_firmware="9.1", has_wifi=True
    )
    merchant = Merchant.objects.create(
        mid="898310000000001",
        name="Shop",
        mcc="5411",
        registered_address="1 Road",
        region=Region.EAST,
        provider=provider,
    )
    owner = User.objects.create(
        username="owner",
        email="owner@shop.example",
        role=Role.MERCHANT_OWNER,
        merchant=merchant,
        password=make_password("bench-pass"),
    )
    terminal = Terminal.objects.create(
        serial_number="SN1",
        tid="10000001",
        provider=provider,
        merchant=merchant,
        model=model,
        firmware_version="9.1",
        connectivity="wifi",
        status="active",
    )
    now = timezone.now()
    year = now.year
    made = 0
    while made < total:
        n = min(BATCH, total - made)
        rows = []
        for i in range(made, made + n):
            status, chase_at, waiting_since, resolved_at = Status.CLOSED, None, None, None
            if i < due:  # waiting, reminder due now
                status, waiting_since = Status.WAITING_ON_MERCHANT, now - timedelta(hours=30)
                chase_at = now - timedelta(minutes=5)
            elif i < 2 * due:  # resolved; dated a month back below (created_at is automatic)
                status = Status.RESOLVED
            elif i % 10 == 0:  # waiting, not yet due
                status, waiting_since = Status.WAITING_ON_MERCHANT, now
                chase_at = now + timedelta(hours=24)
            rows.append(
                Ticket(
                    reference=f"INC-{year}-{i + 1:07d}",
                    merchant=merchant,
                    provider=provider,
                    terminal=terminal,
                    reporter=owner,
                    status=status,
                    waiting_since=waiting_since,
                    chase_at=chase_at,
                    resolved_at=resolved_at,
                )
            )
        Ticket.objects.bulk_create(rows)
        made += n
        if made % 200000 == 0 or made == total:
            print(f"  seeded {made:,} tickets", flush=True)
    Ticket.objects.filter(status=Status.RESOLVED).update(
        created_at=now - timedelta(days=60), resolved_at=now - timedelta(days=30)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def timed(call: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    result = call()
    return result, round((time.perf_counter() - started) * 1000, 1)


def sweeps(due: int) -> list[dict[str, Any]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from tickets import sweeps
    from tickets.models import OutboxMessage

    results = []
    for name, sweep in [
        ("waiting on merchant (reminders)", sweeps.sweep_waiting_on_merchant),
        ("resolved (close after the window)", sweeps.sweep_resolved),
    ]:
        early = timezone.now() - timedelta(days=400)  # nothing is due this early
        (_, idle_ms) = timed(lambda s=sweep, e=early: s(now=e))
        with CaptureQueriesContext(connection) as idle_queries:
            sweep(now=early)
        before = OutboxMessage.objects.count()
        worked = 0
        started = time.perf_counter()
        while True:  # a sweep takes at most its limit per run, as beat would run it again
            done = sweep()
            worked += done
            if not done:
                break
        work_ms = round((time.perf_counter() - started) * 1000, 1)
        messages = OutboxMessage.objects.count() - before
        again, again_ms = timed(sweep)
        results.append(
            {
                "sweep": name,
                "nothing due: ms": idle_ms,
                "nothing due: queries": len(idle_queries),
                f"{due} due: ms": work_ms,
                "tickets handled": worked,
                "messages written": messages,
                "run again: handled": again,
                "run again: ms": again_ms,
            }
        )
        print(f"  {results[-1]}", flush=True)
    return results


def drain(messages: int) -> dict[str, Any]:
    """Write `messages` e-mails to the outbox and drain them into a real SMTP server."""
    from aiosmtpd.controller import Controller
    from django.utils import timezone

    from tickets.models import OutboxMessage, Ticket
    from tickets.services.outbox import outbox_drain

    class Sink:
        received = 0

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            Sink.received += 1
            return "250 OK"

    controller = Controller(Sink(), hostname="127.0.0.1", port=SMTP_PORT)
    controller.start()
    try:
        OutboxMessage.objects.all().delete()
        ticket = Ticket.objects.order_by("pk").first()
        assert ticket is not None
        now = timezone.now()
        OutboxMessage.objects.bulk_create(
            OutboxMessage(
                recipient="owner@shop.example",
                user=ticket.reporter,
                channel="email",
                template="status_changed",
                language="en",
                context={
                    "ticket": ticket.pk,
                    "from_status": "in_progress",
                    "to_status": "resolved",
                },
                dedupe_key=f"bench:{i}",
                status="pending",
                next_attempt_at=now,
            )
            for i in range(messages)
        )
        started = time.perf_counter()
        sent = 0
        while sent < messages:
            done = outbox_drain(budget=30)
            if not done:
                break
            sent += done
        seconds = time.perf_counter() - started
        return {
            "messages": messages,
            "sent": sent,
            "received by SMTP": Sink.received,
            "seconds": round(seconds, 1),
            "messages/s": round(sent / seconds, 1),
        }
    finally:
        controller.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    if not args.reuse:
        recreate_database(args.pg)
    setup(args.pg)
    if not args.reuse:
        started = time.perf_counter()
        seed(args.tickets, args.due)
        print(f"seeded in {time.perf_counter() - started:.0f} s", flush=True)
    results = {"tickets": args.tickets, "sweeps": sweeps(args.due), "outbox": drain(args.messages)}
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
