"""The staff queue, the tickets API, the ticket page, filing and the dashboard under volume.

Creates (or recreates) the PostgreSQL database `portal_bench_queue`, migrates it, seeds
`--tickets` tickets (about 3 comments each, SLA targets, clock intervals) for one provider,
then measures each request:

1. one at a time, in-process through Django's test client: p50/p95 and queries per request;
2. under concurrent load through gunicorn (`--gunicorn-workers` processes) from
   `--clients` threads over HTTP: p50/p95 and requests per second.

    .venv/bin/python bench/queue_bench.py --tickets 20000
    .venv/bin/python bench/queue_bench.py --tickets 1000000 --reuse   # keep the seeded db

`--pg` names the server (default postgres://postgres@127.0.0.1:5432); only the database
portal_bench_queue is touched.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_NAME = "portal_bench_queue"
BATCH = 5000


def setup(server: str) -> None:
    os.environ["DATABASE_URL"] = f"{server}/{DB_NAME}"
    # Production-like: DEBUG off (no query log, cached templates).
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 60)
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ["SECURE_SSL_REDIRECT"] = "0"  # plain http on loopback
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import logging

    import django

    django.setup()
    logging.getLogger("axes").setLevel(logging.WARNING)


def recreate_database(server: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")


def seed(total: int) -> None:
    """One provider, 200 merchants with a terminal each, `total` tickets in bulk."""
    import random
    from datetime import timedelta

    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.utils import timezone

    from portal.models import BusinessCalendar, Merchant, Provider, Region, Role, User
    from terminals.models import Terminal, TerminalModel
    from tickets.models import (
        OPEN_STATUSES,
        ClockInterval,
        Comment,
        Priority,
        SlaPolicy,
        SlaTarget,
        Status,
        Ticket,
        TicketSla,
    )

    call_command("migrate", verbosity=0)
    rng = random.Random(7)
    calendar = BusinessCalendar.objects.create(code="bench", name="Bench 9-18")
    provider = Provider.objects.create(
        code="bench", name="Bench", kind="acquirer", calendar=calendar
    )
    model = TerminalModel.objects.create(
        manufacturer="PAX", name="A920", family="PAX", approved_firmware="9.1", has_wifi=True
    )
    password = make_password("bench-pass")
    agent = User.objects.create(
        username="agent", role=Role.PROVIDER_SUPPORT, provider=provider, password=password
    )
    User.objects.create(
        username="lead", role=Role.PROVIDER_LEAD, provider=provider, password=password
    )
    merchants = Merchant.objects.bulk_create(
        Merchant(
            mid=f"{898310000000000 + i:015d}",
            name=f"Shop {i}",
            mcc="5411",
            registered_address="1 Road",
            region=Region.EAST,
            provider=provider,
        )
        for i in range(200)
    )
    owners = User.objects.bulk_create(
        User(
            username=f"owner{i}",
            role=Role.MERCHANT_OWNER,
            merchant=m,
            password=password,
        )
        for i, m in enumerate(merchants)
    )
    terminals = Terminal.objects.bulk_create(
        Terminal(
            serial_number=f"SN{i:08d}",
            tid=f"{10000000 + i}",
            provider=provider,
            merchant=m,
            model=model,
            firmware_version="9.1",
            connectivity="wifi",
            status="active",
        )
        for i, m in enumerate(merchants)
    )
    policies = {p.priority: p for p in SlaPolicy.objects.filter(provider__isnull=True)}
    open_statuses = sorted(OPEN_STATUSES)

    now = timezone.now()
    year = now.year
    made = 0
    while made < total:
        n = min(BATCH, total - made)
        rows = []
        for i in range(made, made + n):
            k = rng.randrange(len(terminals))
            created = now - timedelta(minutes=rng.randrange(60 * 24 * 365))
            draw = rng.random()
            status = (
                rng.choice(open_statuses)
                if draw < 0.02
                else Status.RESOLVED
                if draw < 0.05
                else Status.CLOSED
            )
            rows.append(
                Ticket(
                    reference=f"INC-{year}-{i + 1:07d}",
                    merchant=merchants[k],
                    provider=provider,
                    terminal=terminals[k],
                    reporter=owners[k],
                    status=status,
                    priority=rng.choice(Priority.values),
                    cause=rng.choice(["keys", "network", "hardware", "merchant_restricted"]),
                    assignee=agent if rng.random() < 0.2 else None,
                    created_at=created,
                    sla_due_at=now + timedelta(minutes=rng.randrange(-120, 48 * 60))
                    if status in OPEN_STATUSES
                    else None,
                    sla_due_target="first_response" if status in OPEN_STATUSES else "",
                )
            )
        tickets = Ticket.objects.bulk_create(rows)
        Ticket.objects.filter(pk__in=[t.pk for t in tickets]).update(updated_at=now)
        Comment.objects.bulk_create(
            Comment(ticket=t, author=t.reporter, body="Every card fails since this morning.")
            for t in tickets
            for _ in range(3)
        )
        ClockInterval.objects.bulk_create(
            ClockInterval(ticket=t, started_at=t.created_at) for t in tickets
        )
        TicketSla.objects.bulk_create(
            TicketSla(
                ticket=t,
                target=target,
                allowed=policies[t.priority].target(target),
                due_at=t.sla_due_at,
            )
            for t in tickets
            for target in SlaTarget
        )
        made += n
        print(f"  seeded {made:,} tickets", flush=True)
    from django.db import connection

    with connection.cursor() as cursor:
        # created_at is set on insert; spread the tickets over the past year as in real life.
        cursor.execute(
            "UPDATE tickets_ticket SET created_at = now() - random() * interval '365 days',"
            " updated_at = now() - random() * interval '30 days'"
        )
        cursor.execute("VACUUM ANALYZE")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def in_process(repeat: int) -> list[dict[str, Any]]:
    """Each request `repeat` times through the test client: p50/p95 ms and queries."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from portal.models import User
    from tickets.models import Ticket

    agent = User.objects.get(username="agent")
    lead = User.objects.get(username="lead")
    owner = User.objects.get(username="owner0")
    ticket = Ticket.objects.filter(provider=agent.provider).order_by("-pk").first()
    assert ticket is not None
    staff, boss, merchant = Client(), Client(), Client()
    staff.force_login(agent)
    boss.force_login(lead)
    merchant.force_login(owner)
    terminal_id = owner.merchant.terminals.first().pk  # type: ignore[union-attr]
    cases: list[tuple[str, Callable[[], Any]]] = [
        ("queue page (all open, 25 rows)", lambda: staff.get("/tickets/", {"view": "all_open"})),
        ("queue page (my open)", lambda: staff.get("/tickets/", {"view": "my_open"})),
        (
            "GET /api/v1/tickets/ (p1, 25 rows)",
            lambda: staff.get("/api/v1/tickets/", {"priority": "p1", "page_size": 25}),
        ),
        (
            "GET /api/v1/tickets/ (page 200)",
            lambda: staff.get("/api/v1/tickets/", {"page": 200, "page_size": 25}),
        ),
        ("ticket page", lambda: staff.get(f"/tickets/{ticket.pk}/")),
        (
            "POST /api/v1/tickets/ (file a report)",
            lambda: merchant.post(
                "/api/v1/tickets/",
                json.dumps({"terminal": terminal_id, "error_code": "97", "scheme": "cup"}),
                content_type="application/json",
            ),
        ),
        ("dashboard page (figures from the worker)", lambda: boss.get("/tickets/dashboard/")),
        (
            "dashboard figures computed (the worker, once a minute)",
            lambda: (cache.clear(), boss.get("/tickets/dashboard/"))[1],
        ),
    ]
    results = []
    for name, call in cases:
        cache.clear()
        call()  # warm
        timings, queries = [], 0
        for _ in range(repeat):
            if name.startswith("POST"):
                cache.clear()  # filing is throttled per user (30 an hour); the bench files more
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = call()
                timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code in (200, 201), (name, response.status_code)
            queries = len(captured)
        results.append(
            {
                "request": name,
                "p50_ms": round(statistics.median(timings), 1),
                "p95_ms": round(percentile(timings, 95), 1),
                "queries": queries,
            }
        )
        print(f"  {name}: {results[-1]}", flush=True)
    return results


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def under_load(server: str, workers: int, clients: int, seconds: float) -> list[dict[str, Any]]:
    """Token-authenticated API and session pages through gunicorn from concurrent clients."""
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from portal.models import User
    from tickets.models import Ticket

    agent = User.objects.get(username="agent")
    session = SessionStore()
    session[SESSION_KEY] = str(agent.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = agent.get_session_auth_hash()
    session.create()
    ticket = Ticket.objects.filter(provider=agent.provider).order_by("-pk").first()
    assert ticket is not None
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"{server}/{DB_NAME}",
        "DEBUG": "0",
        "SECRET_KEY": "bench-" + "x" * 60,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
    }
    process = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "gunicorn",
            "portal.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        headers = {"Cookie": f"sessionid={session.session_key}", "Host": "127.0.0.1"}
        paths = {
            "queue page": "/tickets/?view=all_open",
            "GET /api/v1/tickets/?priority=p1": "/api/v1/tickets/?priority=p1&page_size=25",
            "ticket page": f"/tickets/{ticket.pk}/",
            "dashboard (as agent: 403 page)": None,
        }
        results = []
        for name, path in paths.items():
            if path is None:
                continue
            timings: list[float] = []
            errors = 0
            stop = time.monotonic() + seconds
            lock = threading.Lock()

            def client(
                path: str = path,
                stop: float = stop,
                timings: list[float] = timings,
                lock: threading.Lock = lock,
            ) -> None:
                nonlocal errors
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                while time.monotonic() < stop:
                    started = time.perf_counter()
                    conn.request("GET", path, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    took = (time.perf_counter() - started) * 1000
                    with lock:
                        timings.append(took)
                        if response.status != 200:
                            errors += 1
                conn.close()

            threads = [threading.Thread(target=client) for _ in range(clients)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            results.append(
                {
                    "request": name,
                    "clients": clients,
                    "rps": round(len(timings) / seconds, 1),
                    "p50_ms": round(statistics.median(timings), 1),
                    "p95_ms": round(percentile(timings, 95), 1),
                    "errors": errors,
                }
            )
            print(f"  {name}: {results[-1]}", flush=True)
        return results
    finally:
        process.terminate()
        process.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--tickets", type=int, default=20000)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded database")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--gunicorn-workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    if not args.reuse:
        recreate_database(args.pg)
    setup(args.pg)
    if not args.reuse:
        started = time.perf_counter()
        seed(args.tickets)
        print(f"seeded in {time.perf_counter() - started:.0f} s")
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG off serves the manifest
    print("one request at a time (in process):")
    single = in_process(args.repeat)
    print(f"under load ({args.clients} clients, gunicorn {args.gunicorn_workers} workers):")
    loaded = under_load(args.pg, args.gunicorn_workers, args.clients, args.seconds)
    print(json.dumps({"tickets": args.tickets, "single": single, "load": loaded}, indent=2))


if __name__ == "__main__":
    main()
