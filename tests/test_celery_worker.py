"""The Celery app, its broker and a real worker process work together."""

from __future__ import annotations

from portal.tasks import ping
from tests.workers import celery_worker


def test_a_real_worker_runs_a_task_sent_through_the_configured_broker():
    with celery_worker() as worker:
        result = ping.delay()
        line = worker.wait_for(f"portal.ping[{result.id}] succeeded")

    assert "'pong'" in line
