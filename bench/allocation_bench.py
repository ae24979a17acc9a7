"""Backup allocation under load, on PostgreSQL.

Creates (or recreates) the database `portal_bench`, migrates it, seeds 10,000 ready spares
across 3 depots plus one failing terminal per request, then fires allocation requests from
worker processes, each with its own connection, all released at once. Prints allocations per
second, p50/p95 latency and the number of double allocations (must be 0).

    .venv/bin/python bench/allocation_bench.py --requests 2000 --workers 8

`--pg` names the server (default postgres://postgres@127.0.0.1:5432); the database name is
always portal_bench, so nothing else is touched.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_NAME = "portal_bench"


def _setup(server: str) -> None:
    os.environ["DATABASE_URL"] = f"{server}/{DB_NAME}"
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()


def recreate_database(server: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")


def seed(spares: int, requests: int) -> list[tuple[int, int]]:
    """Ready spares over 3 depots; one merchant and failing terminal per request."""
    from django.core.management import call_command
    from django.utils import timezone

    from portal.models import BusinessCalendar, Merchant, Provider, Region
    from terminals.models import Depot, Terminal, TerminalModel

    call_command("migrate", verbosity=0)
    calendar = BusinessCalendar.objects.create(code="bench", name="bench")
    provider = Provider.objects.create(
        code="bench", name="Bench", kind="acquirer", calendar=calendar
    )
    model = TerminalModel.objects.create(
        manufacturer="PAX", name="A920", family="PAX", approved_firmware="9.1", has_wifi=True
    )
    regions = [Region.EAST, Region.NORTH, Region.SOUTH]
    depots = [
        Depot.objects.create(code=f"d{i}", name=f"Depot {i}", region=r, address="x")
        for i, r in enumerate(regions)
    ]
    now = timezone.now()
    Terminal.objects.bulk_create(
        [
            Terminal(
                serial_number=f"SP{i:08d}", provider=provider, is_spare=True,
                depot=depots[i % 3], model=model, firmware_version="9.1",
                connectivity="wifi", status="in_stock", tested_at=now, test_passed=True,
            )
            for i in range(spares)
        ],
        batch_size=2000,
    )  # fmt: skip
    merchants = Merchant.objects.bulk_create(
        [
            Merchant(
                mid=f"{898000000000000 + i:015d}", name=f"Shop {i}", mcc="5411",
                registered_address="x", region=regions[i % 3], provider=provider,
            )
            for i in range(requests)
        ],
        batch_size=2000,
    )  # fmt: skip
    originals = Terminal.objects.bulk_create(
        [
            Terminal(
                serial_number=f"IN{i:08d}", provider=provider, merchant=m, model=model,
                firmware_version="9.1", connectivity="wifi", status="active",
            )
            for i, m in enumerate(merchants)
        ],
        batch_size=2000,
    )  # fmt: skip
    return [(t.merchant_id, t.pk) for t in originals]  # type: ignore[misc]


def worker(server: str, jobs: list[tuple[int, int]], start: float, out: mp.Queue) -> None:
    _setup(server)
    from portal.models import Merchant
    from terminals.models import Terminal
    from terminals.services import allocate_backup

    latencies, errors = [], 0
    while time.time() < start:
        time.sleep(0.001)
    for merchant_id, terminal_id in jobs:
        began = time.perf_counter()
        try:
            allocate_backup(
                merchant=Merchant.objects.get(pk=merchant_id),
                terminal=Terminal.objects.select_related("model").get(pk=terminal_id),
                reference=f"BENCH-{terminal_id}",
                actor=None,
            )
        except Exception as exc:
            errors += 1
            sys.stderr.write(f"error: {exc!r}\n")
        latencies.append(time.perf_counter() - began)
    out.put((latencies, errors))


def say(*parts: object) -> None:
    """The bench's report goes to standard output; it is the point of the script."""
    sys.stdout.write(" ".join(str(p) for p in parts) + "\n")


def check() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM (SELECT spare_id FROM terminals_allocation "
            "WHERE spare_id IS NOT NULL AND status NOT IN ('inspected', 'cancelled') "
            "GROUP BY spare_id HAVING count(*) > 1) doubles"
        )
        doubles = cursor.fetchone()[0]
        cursor.execute("SELECT status, count(*) FROM terminals_allocation GROUP BY status")
        statuses = dict(cursor.fetchall())
        cursor.execute(
            "SELECT count(*) FROM terminals_terminal WHERE is_spare AND status = 'on_loan'"
        )
        on_loan = cursor.fetchone()[0]
    return {"double_allocations": doubles, "spares_on_loan": on_loan, **statuses}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--spares", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=2_000)
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()

    recreate_database(args.pg)
    _setup(args.pg)
    from django.db import connections

    jobs = seed(args.spares, args.requests)
    connections.close_all()
    chunks = [jobs[i :: args.workers] for i in range(args.workers)]
    out: mp.Queue = mp.Queue()
    start = time.time() + 2
    processes = [mp.Process(target=worker, args=(args.pg, chunk, start, out)) for chunk in chunks]
    for process in processes:
        process.start()
    results = [out.get() for _ in processes]
    wall = time.time() - start
    for process in processes:
        process.join()

    latencies = sorted(x for lat, _e in results for x in lat)
    errors = sum(e for _l, e in results)
    q = statistics.quantiles(latencies, n=100)
    say(f"spares {args.spares}, depots 3, requests {args.requests}, workers {args.workers}")
    say(f"wall {wall:.2f} s, allocations/s {len(latencies) / wall:.1f}")
    say(
        f"latency p50 {q[49] * 1000:.1f} ms, p95 {q[94] * 1000:.1f} ms, max {latencies[-1] * 1000:.1f} ms"
    )
    say(f"errors {errors}")
    say(check())


if __name__ == "__main__":
    main()
