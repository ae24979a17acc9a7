"""Reads of tickets, always through the access helpers; internal notes only for staff."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Prefetch, QuerySet

from portal.access import get_visible_or_404, visible_to
from portal.models import PROVIDER_ROLES, User
from terminals.models import Terminal
from tickets.models import Attachment, Comment, Report, Ticket, TicketEvent

AnyUser = AbstractBaseUser | AnonymousUser


def sees_internal(user: AnyUser) -> bool:
    """Provider staff and operator admins read internal notes; merchants never do."""
    role_user = user if isinstance(user, User) else None
    return role_user is not None and (role_user.is_provider_staff or role_user.is_operator_admin)


def ticket_list(*, user: AnyUser) -> QuerySet[Ticket]:
    """The tickets the user may see, with what a row shows: one query plus one for targets."""
    return visible_to(
        user,
        Ticket.objects.select_related(
            "merchant", "provider", "terminal", "terminal__model", "assignee", "reporter"
        ).prefetch_related("sla_targets"),
    )


def ticket_get(*, user: AnyUser, pk: int) -> Ticket:
    return get_visible_or_404(user, ticket_list(user=user), pk=pk)


def comment_list(*, user: AnyUser, ticket: Ticket) -> QuerySet[Comment]:
    comments = visible_to(user, Comment.objects.select_related("author")).filter(ticket=ticket)
    return comments if sees_internal(user) else comments.filter(internal=False)


def event_list(*, user: AnyUser, ticket: Ticket) -> QuerySet[TicketEvent]:
    events = visible_to(user, TicketEvent.objects.select_related("actor")).filter(ticket=ticket)
    return events if sees_internal(user) else events.filter(internal=False)


def attachment_list(*, user: AnyUser, ticket: Ticket) -> QuerySet[Attachment]:
    return visible_to(user, Attachment.objects.select_related("uploaded_by")).filter(ticket=ticket)


def attachment_get(*, user: AnyUser, pk: int) -> Attachment:
    return get_visible_or_404(user, Attachment.objects.all(), pk=pk)


def report_get(*, user: AnyUser, pk: int) -> Report:
    """A report in progress; only the merchant that started it may continue it."""
    return get_visible_or_404(
        user,
        Report.objects.select_related("terminal", "terminal__model").prefetch_related(
            Prefetch("attachments", queryset=Attachment.objects.order_by("pk"))
        ),
        pk=pk,
    )


def reportable_terminals(*, user: AnyUser) -> QuerySet[Terminal]:
    """The merchant's own installed terminals: what a merchant may report on."""
    role_user = user if isinstance(user, User) else None
    if role_user is None or not role_user.is_merchant_user:
        return Terminal.objects.none()
    return (
        visible_to(user, Terminal.objects.select_related("model"))
        .filter(is_spare=False)
        .order_by("serial_number")
    )


def colleagues(user: User, provider_id: int | None = None) -> QuerySet[User]:
    """Who tickets can be assigned to: active staff of one provider (a bounded list)."""
    provider_id = provider_id or user.provider_id
    if provider_id is None:
        return User.objects.none()
    return User.objects.filter(
        provider_id=provider_id, is_active=True, role__in=sorted(PROVIDER_ROLES)
    ).order_by("first_name", "username")
