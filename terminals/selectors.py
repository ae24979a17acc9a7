"""Reads of the terminal registry, always through the access helpers."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from portal.access import get_visible_or_404, visible_to
from terminals.models import Terminal


def terminal_list(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Terminal]:
    """The terminals `user` may see, with what a list row shows joined in."""
    return visible_to(
        user, Terminal.objects.select_related("merchant", "provider", "model", "depot")
    )


def terminal_get(*, user: AbstractBaseUser | AnonymousUser, pk: int) -> Terminal:
    return get_visible_or_404(user, terminal_list(user=user), pk=pk)
