from rest_framework.pagination import PageNumberPagination


class PagePagination(PageNumberPagination):
    """`?page=` and `?page_size=` (capped), answering {count, next, previous, results}."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
