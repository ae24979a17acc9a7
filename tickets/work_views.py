"""Pages for escalations and engineer visits.

The forms live in the ticket page's work panel (tickets/templatetags/work_tags.py); these
views take their posts, call one service each and go back with a message. The engineer's
own page lists their visits.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.errors import DomainError
from portal.models import User
from tickets import selectors
from tickets.evidence_pack import render_evidence_pack_text
from tickets.models import VisitOutcome
from tickets.services import escalation as escalations
from tickets.services import visits
from tickets.templatetags.work_tags import visit_rows
from tickets.work_forms import (
    DispatchForm,
    EscalateForm,
    EscalationUpdateForm,
    VisitUpdateForm,
    form_errors,
)

VISITS_PER_PAGE = 50


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


def _back(request: HttpRequest, ticket_id: int) -> HttpResponse:
    return redirect("ticket-detail", pk=ticket_id)


@login_required
@require_POST
def ticket_escalate(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    ticket = selectors.ticket_get(user=user, pk=pk)
    form = EscalateForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return _back(request, ticket.pk)
    try:
        escalation = escalations.escalate(ticket=ticket, actor=user, **form.service_kwargs())
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Escalated to %(to)s.") % {"to": escalation.to_label})
    return _back(request, ticket.pk)


@login_required
@require_POST
def escalation_update(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    escalation = escalations.escalation_get(user=user, pk=pk)
    form = EscalationUpdateForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return _back(request, escalation.ticket_id)
    try:
        escalations.escalation_update(escalation=escalation, actor=user, **form.service_kwargs())
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Escalation updated."))
    return _back(request, escalation.ticket_id)


@login_required
@require_GET
def escalation_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """The evidence pack as a text file, to attach to an e-mail to the outside party."""
    escalation = escalations.escalation_get(user=request.user, pk=pk)
    response = HttpResponse(
        render_evidence_pack_text(escalation.evidence_pack),
        content_type="text/plain; charset=utf-8",
    )
    name = f"{escalation.ticket.reference}-evidence-{escalation.pk}.txt"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_POST
def ticket_dispatch(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    ticket = selectors.ticket_get(user=user, pk=pk)
    form = DispatchForm(request.POST, engineers=visits.field_engineers(ticket=ticket))
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return _back(request, ticket.pk)
    try:
        visits.visit_dispatch(ticket=ticket, actor=user, **form.cleaned_data)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Engineer visit booked."))
    return _back(request, ticket.pk)


@login_required
@require_POST
def visit_update(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    visit = visits.visit_get(user=user, pk=pk)
    form = VisitUpdateForm(request.POST)
    if form.is_valid():
        try:
            visits.visit_update(
                visit=visit,
                actor=user,
                to=form.cleaned_data["to"],
                outcome=form.cleaned_data["outcome"],
                notes=form.cleaned_data["notes"],
            )
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Visit updated."))
    else:
        messages.error(request, form_errors(form))
    if request.POST.get("return_to") == "visits":
        return redirect("my-visits")
    return _back(request, visit.ticket_id)


@login_required
@require_GET
def my_visits(request: HttpRequest) -> HttpResponse:
    """The engineer's own visits: today's and upcoming, and any left open from before."""
    user = _user(request)
    if not user.is_provider_staff:
        raise PermissionDenied
    page = Paginator(visits.engineer_visits(user=user), VISITS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "visits": visit_rows(page),
        "today": timezone.localdate(),
        "outcome_choices": VisitOutcome.choices,
        "is_staff_user": True,
    }
    return render(request, "tickets/work/my_visits.html", context)
