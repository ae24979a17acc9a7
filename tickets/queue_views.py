"""Provider staff's pages for working tickets: the queue, bulk actions, claim, assign, move."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rest_framework.exceptions import ValidationError

from portal.errors import DomainError
from portal.models import Role, User
from tickets import selectors, services
from tickets.dashboard import cached_dashboard
from tickets.filters import QUEUE_ORDERING, SAVED_VIEWS, SAVED_VIEWS_BY_KEY, TicketFilter
from tickets.forms import AssignForm, BulkForm, TransitionForm
from tickets.models import Status, Ticket
from tickets.services import backup
from tickets.services.sla import queue_state

PAGE_SIZE = 25


def _staff(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not (user.is_provider_staff or user.is_operator_admin):
        raise PermissionDenied
    return user


def _ordering(value: str, default: str) -> tuple[str, Any]:
    """A whitelisted order: (the parameter, the expression); nulls (paused clocks) last."""
    key = value if value.lstrip("-") in QUEUE_ORDERING else default
    name = key.lstrip("-")
    expression = (
        F(name).desc(nulls_last=True) if key.startswith("-") else F(name).asc(nulls_last=True)
    )
    return key, expression


def _flatten(detail: Any) -> str:
    if isinstance(detail, dict):
        return " ".join(_flatten(v) for v in detail.values())
    if isinstance(detail, list):
        return " ".join(_flatten(v) for v in detail)
    return str(detail)


def queue(request: HttpRequest, user: User) -> HttpResponse:
    """The provider's queue: a saved view or filters, a whitelisted order, pages without counts.

    Pages have no total count: counting a million-row queue on every page view costs more
    than it tells; "next" is known by reading one row more than a page.
    """
    view_key = request.GET.get("view", "" if request.GET else "my_open")
    saved = SAVED_VIEWS_BY_KEY.get(view_key)
    params = QueryDict(mutable=True)
    if saved is not None:
        for name, value in saved.params.items():
            params.setlist(name, value if isinstance(value, list) else [value])
    else:
        params = request.GET.copy()
    ordering, order_by = _ordering(
        request.GET.get("ordering", ""), saved.ordering if saved else "sla_due_at"
    )
    filters = TicketFilter(params, queryset=selectors.ticket_list(user=user), request=request)
    try:
        tickets = filters.qs.order_by(order_by, "-pk" if ordering.startswith("-") else "pk")
        problem = ""
    except ValidationError as error:
        tickets, problem = Ticket.objects.none(), _flatten(error.detail)
    try:
        number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        number = 1
    start = (number - 1) * PAGE_SIZE
    rows = list(tickets[start : start + PAGE_SIZE + 1])
    has_next, rows = len(rows) > PAGE_SIZE, rows[:PAGE_SIZE]
    now = timezone.now()
    for ticket in rows:
        ticket.sla_state = queue_state(ticket, now=now)
    context = {
        "rows": rows,
        "filters": filters,
        "problem": problem,
        "saved_views": SAVED_VIEWS,
        "view_key": view_key if saved else "",
        "ordering": ordering,
        "sortable": QUEUE_ORDERING,
        "page_number": number,
        "has_next": has_next,
        "has_previous": number > 1,
        "bulk_form": BulkForm(colleagues=selectors.colleagues(user)),
        "now": now,
    }
    return render(request, "tickets/queue.html", context)


@login_required
@require_POST
def ticket_bulk(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    form = BulkForm(request.POST, colleagues=selectors.colleagues(user))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(back or "ticket-list")
    data = form.cleaned_data
    ids = data["tickets"]
    try:
        if data["action"] == "claim":
            results = services.bulk_assign(actor=user, ticket_ids=ids, assignee=user)
        elif data["action"] == "assign":
            results = services.bulk_assign(actor=user, ticket_ids=ids, assignee=data["assignee"])
        else:
            results = services.bulk_transition(
                actor=user, ticket_ids=ids, to=data["to"], reason=data["reason"]
            )
    except DomainError as error:
        messages.error(request, str(error))
        return redirect(back or "ticket-list")
    done = [r.reference for r in results if r.ok]
    if done:
        messages.success(request, _("Done for %(refs)s.") % {"refs": ", ".join(done)})
    for result in results:
        if not result.ok:
            messages.error(
                request,
                _("%(ref)s: %(why)s")
                % {"ref": result.reference or f"#{result.id}", "why": result.message},
            )
    return redirect(back or "ticket-list")


@login_required
@require_POST
def ticket_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff move the ticket; merchants confirm a resolution or reopen."""
    user: User = request.user  # type: ignore[assignment]
    ticket = selectors.ticket_get(user=user, pk=pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose where to move the ticket."))
        return redirect("ticket-detail", pk=ticket.pk)
    try:
        services.ticket_transition(ticket=ticket, actor=user, **form.cleaned_data)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        label = Status(form.cleaned_data["to"]).label
        messages.success(request, _("The ticket is now: %(status)s.") % {"status": label})
    return redirect("ticket-detail", pk=ticket.pk)


@login_required
@require_POST
def ticket_assign(request: HttpRequest, pk: int) -> HttpResponse:
    user = _staff(request)
    ticket = selectors.ticket_get(user=user, pk=pk)
    if "claim" in request.POST:
        assignee: User | None = user
    else:
        form = AssignForm(request.POST, colleagues=selectors.colleagues(user, ticket.provider_id))
        if not form.is_valid():
            messages.error(request, _("Choose a colleague of this ticket's provider."))
            return redirect("ticket-detail", pk=ticket.pk)
        assignee = form.cleaned_data["assignee"]
    try:
        services.ticket_assign(ticket=ticket, actor=user, assignee=assignee)
    except (DomainError, PermissionDenied) as error:
        messages.error(request, str(error) or _("You may not do this."))
    else:
        messages.success(request, _("Assignment saved."))
    return redirect("ticket-detail", pk=ticket.pk)


@login_required
def dashboard_page(request: HttpRequest) -> HttpResponse:
    """Provider leads and operator admins: the state of the queue and the time targets."""
    user = _staff(request)
    if not (user.is_operator_admin or user.role == Role.PROVIDER_LEAD):
        raise PermissionDenied
    return render(request, "tickets/dashboard.html", cached_dashboard(user))


@login_required
@require_POST
def ticket_backup(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff ask for a backup terminal from the ticket page."""
    user = _staff(request)
    ticket = selectors.ticket_get(user=user, pk=pk)
    try:
        allocation, created = backup.ticket_request_backup(ticket=ticket, actor=user)
    except (DomainError, PermissionDenied) as error:
        messages.error(request, str(error) or _("You may not do this."))
    else:
        if not created:
            messages.info(request, _("A backup terminal is already on its way for this ticket."))
        elif allocation.spare_id:
            messages.success(request, _("A backup terminal is reserved for this ticket."))
        else:
            messages.warning(
                request,
                _(
                    "No ready spare fits this terminal now; the request waits in line and the pool admins are told."
                ),
            )
    return redirect("ticket-detail", pk=ticket.pk)
