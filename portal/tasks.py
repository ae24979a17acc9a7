"""Tasks that belong to the project as a whole."""

from __future__ import annotations

from celery import shared_task
from django.db import connection


@shared_task(name="portal.ping")
def ping() -> str:
    """A round trip through the broker and the worker's database connection."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "pong"
