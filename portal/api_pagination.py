"""The API's page-number pagination, with pages read by a deferred join."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from rest_framework.pagination import PageNumberPagination


class DeferredJoinPaginator(Paginator):
    """Find the page's primary keys first, then load only those rows with their joins.

    `OFFSET 5000` over a query with joins makes the database join 5,000 rows it then throws
    away; over the primary keys alone it walks an index. Same rows, same order.
    """

    def page(self, number: Any) -> Page:
        if not isinstance(self.object_list, QuerySet):
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        rows = {row.pk: row for row in self.object_list.filter(pk__in=ids)}
        return Page([rows[pk] for pk in ids if pk in rows], number, self)


class PagePagination(PageNumberPagination):
    """`?page=` and `?page_size=` (capped), answering {count, next, previous, results}."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
    django_paginator_class = DeferredJoinPaginator
