"""Ticket references under concurrency, on PostgreSQL: each filing its own number, no gaps."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from tests import factories
from tests.test_allocation_postgres import all_at_once
from tickets.models import Ticket
from tickets.services import ticket_create

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_filings_get_consecutive_references_and_a_rollback_gives_its_back() -> None:
    terminal: Any = factories.TerminalFactory()
    reporter: Any = factories.MerchantUserFactory(merchant=terminal.merchant)

    def file() -> str:
        return ticket_create(terminal=terminal, reporter=reporter).reference

    def file_then_fail() -> str:
        with transaction.atomic():
            ticket_create(terminal=terminal, reporter=reporter)
            raise RuntimeError("the filing fails after its number was taken")

    results = all_at_once([file] * 12 + [file_then_fail] * 3)

    references = sorted(r for r in results if isinstance(r, str))
    assert len(references) == 12
    numbers = sorted(int(ref.rsplit("-", 1)[1]) for ref in references)
    assert numbers == list(range(1, 13))  # unique and without gaps
    assert sum(isinstance(r, RuntimeError) for r in results) == 3
    assert Ticket.objects.count() == 12
