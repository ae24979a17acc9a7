"""Appeal pages: forms posted from the ticket page's appeal panel, the dossier, legal routes.

Each view fetches through the access helpers (another organisation's case is a 404), validates
a form, calls one service and returns to the ticket page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.errors import DomainError
from portal.models import User
from tickets import selectors
from tickets.appeal_forms import (
    AppealOpenForm,
    DecisionForm,
    ExplanationForm,
    MaterialForm,
    WithdrawForm,
)
from tickets.dossier import dossier_build, dossier_stream
from tickets.services import appeals
from tickets.services.appeals import appeal_get

LEGAL_ROUTES_BODIES = {
    "zh-hans": "tickets/appeal/legal_routes.zh-hans.html",
    "en": "tickets/appeal/legal_routes.en.html",
}


def _back(ticket_pk: int) -> HttpResponse:
    return redirect(reverse("ticket-detail", args=[ticket_pk]) + "#appeal")


def _act(
    request: HttpRequest, ticket_pk: int, action: Callable[[], object], done: str
) -> HttpResponse:
    try:
        action()
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return _back(ticket_pk)


def _form_errors(request: HttpRequest, form: Any, ticket_pk: int) -> HttpResponse:
    messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return _back(ticket_pk)


@login_required
@require_POST
def appeal_open(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    ticket = selectors.ticket_get(user=user, pk=pk)
    form = AppealOpenForm(request.POST)
    if not form.is_valid():
        return _form_errors(request, form, pk)
    return _act(
        request,
        pk,
        lambda: appeals.appeal_open(ticket=ticket, actor=user, **form.cleaned_data),
        _("Appeal case opened."),
    )


@login_required
@require_POST
def appeal_material_add(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    case = appeal_get(user, pk)
    form = MaterialForm(request.POST, request.FILES)
    if not form.is_valid():
        return _form_errors(request, form, pk)
    return _act(
        request,
        pk,
        lambda: appeals.appeal_add_material(
            case=case, actor=user, kind=form.cleaned_data["kind"], file=form.cleaned_data["file"]
        ),
        _("File added."),
    )


@login_required
@require_POST
def appeal_explanation(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    case = appeal_get(user, pk)
    form = ExplanationForm(request.POST)
    if not form.is_valid():
        return _form_errors(request, form, pk)
    return _act(
        request,
        pk,
        lambda: appeals.appeal_set_explanation(
            case=case, actor=user, text=form.cleaned_data["explanation"]
        ),
        _("Explanation saved."),
    )


@login_required
@require_POST
def appeal_submit(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    case = appeal_get(user, pk)
    return _act(
        request,
        pk,
        lambda: appeals.appeal_submit(case=case, actor=user),
        _("Your appeal has been sent to the provider."),
    )


@login_required
@require_POST
def appeal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    case = appeal_get(user, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _form_errors(request, form, pk)
    return _act(
        request,
        pk,
        lambda: appeals.appeal_decide(case=case, actor=user, **form.cleaned_data),
        _("Decision recorded."),
    )


@login_required
@require_POST
def appeal_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    case = appeal_get(user, pk)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        return _form_errors(request, form, pk)
    return _act(
        request,
        pk,
        lambda: appeals.appeal_withdraw(case=case, actor=user, **form.cleaned_data),
        _("Appeal withdrawn."),
    )


@login_required
@require_GET
def appeal_dossier(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """The case dossier as a ZIP, in the reader's language, written while it is sent."""
    case = appeal_get(request.user, pk)
    dossier = dossier_build(case, language=get_language() or "en")
    response = StreamingHttpResponse(dossier_stream(dossier), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{dossier.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def legal_routes(request: HttpRequest) -> HttpResponse:
    """Where a merchant can take a dispute, in order; it refers and never advises."""
    user: User = request.user  # type: ignore[assignment]
    language = get_language() or "en"
    body = LEGAL_ROUTES_BODIES.get(language, LEGAL_ROUTES_BODIES["en"])
    provider = user.provider or (user.merchant.provider if user.merchant else None)
    return render(request, "tickets/legal_routes.html", {"body": body, "provider": provider})
