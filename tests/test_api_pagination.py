"""API pages read by a deferred join: same rows, same order, whatever the page."""

from __future__ import annotations

from typing import Any

import pytest

from tests import factories
from tests.conftest import signed_in
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_every_page_holds_the_rows_of_the_order_without_gaps_or_repeats(agent: Any) -> None:
    terminal: Any = factories.TerminalFactory(merchant__provider=agent.provider)
    factories.TicketFactory.create_batch(23, terminal=terminal)
    client = signed_in(agent)
    seen: list[str] = []
    url: str | None = "/api/v1/tickets/?page_size=5&ordering=reference"
    while url:
        body = client.get(url).json()
        assert body["count"] == 23
        seen += [t["reference"] for t in body["results"]]
        url = body["next"]
    assert seen == sorted(Ticket.objects.values_list("reference", flat=True))
    last = client.get("/api/v1/tickets/?page_size=5&page=5&ordering=-reference").json()
    assert [t["reference"] for t in last["results"]] == sorted(seen, reverse=True)[20:]
