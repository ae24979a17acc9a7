"""Filters shared by the API's lists."""

from __future__ import annotations

import django_filters
from django import forms

# The largest id PostgreSQL's bigint (and SQLite's INTEGER) can hold.
MAX_ID = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    """A whole, positive id within the database's range: anything else is a 400, never a 500."""

    field_class = forms.IntegerField

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)
