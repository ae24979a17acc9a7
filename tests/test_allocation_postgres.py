"""Backup allocation under real concurrency, on PostgreSQL: threads, each with its own
database connection, ask at the same moment."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from terminals.models import Allocation, Terminal
from terminals.services import allocate_backup
from tests import factories

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def all_at_once(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Run each job in its own thread (its own connection), released together by a barrier."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def run(index: int, job: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[index] = job()
        except Exception as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_twenty_concurrent_requests_never_lend_one_of_eight_spares_twice():
    provider = factories.ProviderFactory()
    model = factories.TerminalModelFactory()
    depots = factories.DepotFactory.create_batch(2)
    spares = [
        factories.ReadySpareFactory(provider=provider, model=model, depot=depots[i % 2])
        for i in range(8)
    ]
    originals = [
        factories.TerminalFactory(
            merchant=factories.MerchantFactory(provider=provider), model=model
        )
        for _ in range(20)
    ]

    results = all_at_once(
        [
            lambda t=t, i=i: allocate_backup(
                merchant=t.merchant, terminal=t, reference=f"INC-{i}", actor=None
            )
            for i, t in enumerate(originals)
        ]
    )

    assert [r for r in results if isinstance(r, Exception)] == []
    statuses = Counter(Allocation.objects.values_list("status", flat=True))
    assert statuses == {"reserved": 8, "waiting": 12}
    lent = list(Allocation.objects.exclude(spare=None).values_list("spare_id", flat=True))
    assert sorted(lent) == sorted(s.pk for s in spares)
    assert Terminal.objects.filter(pk__in=lent, status="on_loan").count() == 8


def test_asking_concurrently_for_one_reference_gives_one_allocation():
    original = factories.TerminalFactory()
    for _ in range(3):
        factories.ReadySpareFactory(provider=original.provider, model=original.model)

    results = all_at_once(
        [
            lambda: allocate_backup(
                merchant=original.merchant, terminal=original, reference="INC-ONE", actor=None
            )
            for _ in range(10)
        ]
    )

    assert [r for r in results if isinstance(r, Exception)] == []
    assert {r.pk for r in results} == {Allocation.objects.get().pk}
    assert Terminal.objects.filter(status="on_loan", is_spare=True).count() == 1


def test_concurrent_tests_serve_each_waiting_request_once():
    from terminals.services import terminal_record_test

    provider = factories.ProviderFactory()
    model = factories.TerminalModelFactory()
    for i in range(6):
        original = factories.TerminalFactory(
            merchant=factories.MerchantFactory(provider=provider), model=model
        )
        allocate_backup(
            merchant=original.merchant, terminal=original, reference=f"W{i}", actor=None
        )
    spares = factories.SpareFactory.create_batch(4, provider=provider, model=model)

    results = all_at_once(
        [lambda s=s: terminal_record_test(terminal=s, passed=True, actor=None) for s in spares]
    )

    assert [r for r in results if isinstance(r, Exception)] == []
    served = Allocation.objects.filter(status="reserved").order_by("requested_at")
    assert served.count() == 4
    assert len(set(served.values_list("spare_id", flat=True))) == 4
