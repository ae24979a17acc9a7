"""Who may see what: the one place that turns (user, queryset) into the rows a user may see.

Every list, detail page, API view, download and export goes through `visible_to` (or
`get_visible_or_404`). A model says how it is owned with a class attribute `access`:

    access = AccessPaths(merchant="merchant", provider="provider")

`merchant` and `provider` are lookup paths from the model to the owning Merchant and
Provider. A path left out means that kind of organisation sees none of these rows.
Operator admins see everything; an inactive or anonymous user sees nothing. Outside the
scope the answer is 404, so nobody learns that a row they may not see exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, QuerySet
from django.http import Http404

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


@dataclass(frozen=True)
class AccessPaths:
    merchant: str | None = None
    provider: str | None = None
    operator: bool = True


def visible_to[M: Model](
    user: AbstractBaseUser | AnonymousUser, queryset: QuerySet[M]
) -> QuerySet[M]:
    """The part of `queryset` that `user`'s organisation owns."""
    paths: AccessPaths | None = getattr(queryset.model, "access", None)
    if paths is None:
        raise TypeError(f"{queryset.model.__name__} does not declare who may see it (access)")
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    role_user: Any = user
    if role_user.is_operator_admin:
        return queryset if paths.operator else queryset.none()
    if role_user.is_merchant_user and paths.merchant and role_user.merchant_id:
        return queryset.filter(**{paths.merchant: role_user.merchant_id})
    if role_user.is_provider_staff and paths.provider and role_user.provider_id:
        return queryset.filter(**{paths.provider: role_user.provider_id})
    return queryset.none()


def get_visible_or_404[M: Model](
    user: AbstractBaseUser | AnonymousUser, queryset: QuerySet[M], **lookup: object
) -> M:
    """One row the user may see, or 404 whether it is missing or merely not theirs."""
    try:
        return visible_to(user, queryset).get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise Http404 from None
