"""Backup allocation pages: the list, the detail with its lifecycle forms, and the actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.errors import DomainError
from portal.models import User
from terminals import services
from terminals.forms import (
    ActivateForm,
    CancelForm,
    EmptyForm,
    InspectForm,
    ReturnDueForm,
    ShipForm,
)
from terminals.models import Allocation, AllocationStatus
from terminals.selectors import ALLOCATION_ORDERING, allocation_get, allocation_list

Perform = Callable[[Allocation, dict[str, Any], User], Allocation]

# action → (form, service call, the status it leads to). HTML and API share the services.
ACTIONS: dict[str, tuple[type[forms.Form], Perform, str]] = {
    "ship": (
        ShipForm,
        lambda a, d, u: services.allocation_ship(allocation=a, actor=u, **d),
        AllocationStatus.SHIPPED,
    ),
    "deliver": (
        EmptyForm,
        lambda a, d, u: services.allocation_deliver(allocation=a, actor=u),
        AllocationStatus.DELIVERED,
    ),
    "activate": (
        ActivateForm,
        lambda a, d, u: services.allocation_activate(allocation=a, actor=u, **d),
        AllocationStatus.ACTIVATED,
    ),
    "return_due": (
        ReturnDueForm,
        lambda a, d, u: services.allocation_set_return_due(allocation=a, actor=u, **d),
        AllocationStatus.RETURN_DUE,
    ),
    "return": (
        EmptyForm,
        lambda a, d, u: services.allocation_return(allocation=a, actor=u),
        AllocationStatus.RETURNED,
    ),
    "inspect": (
        InspectForm,
        lambda a, d, u: services.allocation_inspect(allocation=a, actor=u, **d),
        AllocationStatus.INSPECTED,
    ),
    "cancel": (
        CancelForm,
        lambda a, d, u: services.allocation_cancel(allocation=a, actor=u, **d),
        AllocationStatus.CANCELLED,
    ),
}


def _may_act(user: User) -> bool:
    return user.is_operator_admin or user.is_provider_staff


@login_required
def allocation_index(request: HttpRequest) -> HttpResponse:
    allocations = allocation_list(user=request.user)
    status = request.GET.get("status", "")
    if status in AllocationStatus.values:
        allocations = allocations.filter(status=status)
    ordering = ALLOCATION_ORDERING.get(request.GET.get("order", ""), "-requested_at")
    page = Paginator(allocations.order_by(ordering, "-pk"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "terminals/allocation_list.html",
        {"page": page, "statuses": AllocationStatus.choices, "status": status},
    )


@login_required
def allocation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    allocation = allocation_get(user=user, pk=pk)
    actions = []
    if _may_act(user):
        actions = [
            (name, form_class())
            for name, (form_class, _perform, to) in ACTIONS.items()
            if services.allocation_can_move(allocation.status, to)
            or (name == "return_due" and allocation.status == AllocationStatus.RETURN_DUE)
        ]
    history = allocation_history(allocation)
    return render(
        request,
        "terminals/allocation_detail.html",
        {"allocation": allocation, "actions": actions, "history": history},
    )


def allocation_history(allocation: Allocation) -> Any:
    from terminals.models import TerminalEvent

    terminals = [t for t in (allocation.spare_id, allocation.original_id) if t]
    return (
        TerminalEvent.objects.filter(
            terminal_id__in=terminals,
            kind=TerminalEvent.Kind.BACKUP,
            reason__startswith=f"{allocation.reference}:",
            at__gte=allocation.requested_at,
        )
        .select_related("actor")
        .order_by("at", "pk")
    )


@login_required
@require_POST
def allocation_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    user: User = request.user  # type: ignore[assignment]
    allocation = allocation_get(user=user, pk=pk)
    if not _may_act(user):
        raise PermissionDenied
    form_class, perform, _to = ACTIONS[action]
    form = form_class(request.POST)
    if not form.is_valid():
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else str(error))
        return redirect("allocation-detail", pk=allocation.pk)
    try:
        moved = perform(allocation, form.cleaned_data, user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("The backup is now: %(status)s.") % {"status": moved.get_status_display()}
        )
    return redirect("allocation-detail", pk=allocation.pk)
