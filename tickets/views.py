"""Pages of the tickets app: the guided report and the ticket page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.errors import DomainError
from portal.models import User
from terminals.selectors import allocation_for_reference
from tickets import queue_views, selectors, services, triage
from tickets.api import attachment_response
from tickets.forms import (
    AssignForm,
    CheckForm,
    CommentForm,
    DescriptionForm,
    EvidenceForm,
    OverrideForm,
    ScreenForm,
    TerminalForm,
)
from tickets.models import Report, Status
from tickets.selfcheck import CHECKS_BY_NAME, STEP_ORDER, next_step, previous_step
from tickets.services import sla


def _merchant(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not user.is_merchant_user:
        raise PermissionDenied
    return user


@login_required
def report_begin(request: HttpRequest) -> HttpResponse:
    """Step 1: which terminal is failing."""
    user = _merchant(request)
    terminals = selectors.reportable_terminals(user=user)
    form = TerminalForm(request.POST or None, terminals=terminals)
    if request.method == "POST" and form.is_valid():
        report = services.report_start(terminal=form.cleaned_data["terminal"], reporter=user)
        return redirect("report-step", pk=report.pk, step="screen")
    return render(request, "tickets/report/terminal.html", {"form": form})


def _draft(request: HttpRequest, pk: int) -> tuple[User, Report]:
    user = _merchant(request)
    report = selectors.report_get(user=user, pk=pk)
    if report.outcome == Report.Outcome.FILED and report.ticket_id:
        raise _Done(redirect("ticket-detail", pk=report.ticket_id))
    if report.outcome != Report.Outcome.DRAFT:
        raise _Done(redirect("report-deflected", pk=report.pk))
    return user, report


class _Done(Exception):  # noqa: N818 - control flow: the report is no longer a draft
    def __init__(self, response: HttpResponse) -> None:
        self.response = response


@login_required
def report_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    if step not in STEP_ORDER[1:]:
        raise Http404
    try:
        user, report = _draft(request, pk)
    except _Done as done:
        return done.response
    handler = {"screen": _screen_step, "evidence": _evidence_step, "review": _review_step}.get(
        step, _check_step
    )
    return handler(request, user, report, step)


def _context(report: Report, step: str, **extra: Any) -> dict[str, Any]:
    position = STEP_ORDER.index(step)
    return {
        "report": report,
        "step": step,
        "previous": previous_step(step),
        "next_step": next_step(step),
        "position": position,
        "total": len(STEP_ORDER) - 1,
        **extra,
    }


def _screen_step(request: HttpRequest, user: User, report: Report, step: str) -> HttpResponse:
    initial = {k: getattr(report, k) for k in ("error_code", "scheme", "screen_message")}
    form = ScreenForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        report = services.report_update(report=report, actor=user, step=step, **form.cleaned_data)
        hint = triage.screen_hint(triage.facts_from_report(report), get_language() or "en")
        if hint:
            return render(
                request, "tickets/report/screen.html", _context(report, step, form=form, hint=hint)
            )
        return redirect("report-step", pk=report.pk, step=next_step(step))
    return render(request, "tickets/report/screen.html", _context(report, step, form=form))


def _check_step(request: HttpRequest, user: User, report: Report, step: str) -> HttpResponse:
    check = CHECKS_BY_NAME[step]
    form = CheckForm(request.POST or None, choices=check.choices)
    context = _context(report, step, form=form, check=check)
    if request.method == "POST" and form.is_valid():
        report = services.report_update(
            report=report, actor=user, step=step, **{check.field: form.value}
        )
        if check.advice and form.value == check.advice_when:
            return render(
                request,
                "tickets/report/check.html",
                {**context, "report": report, "show_advice": True},
            )
        return redirect("report-step", pk=report.pk, step=next_step(step))
    return render(request, "tickets/report/check.html", context)


def _evidence_step(request: HttpRequest, user: User, report: Report, step: str) -> HttpResponse:
    form = EvidenceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.attachment_add(
                report=report,
                uploaded_by=user,
                upload=form.cleaned_data["file"],
                kind=form.cleaned_data["kind"],
            )
        except DomainError as error:
            form.add_error("file", str(error))
        else:
            messages.success(request, _("File added."))
            return redirect("report-step", pk=report.pk, step=step)
    return render(request, "tickets/report/evidence.html", _context(report, step, form=form))


def _review_step(request: HttpRequest, user: User, report: Report, step: str) -> HttpResponse:
    form = DescriptionForm(request.POST or None, initial={"description": report.description})
    if request.method == "POST" and form.is_valid():
        report = services.report_update(report=report, actor=user, step=step, **form.cleaned_data)
        ticket = services.report_file(report=report, actor=user)
        messages.success(
            request, _("Your report %(ref)s has been filed.") % {"ref": ticket.reference}
        )
        return redirect("ticket-detail", pk=ticket.pk)
    return render(request, "tickets/report/review.html", _context(report, step, form=form))


@login_required
@require_POST
def report_fixed(request: HttpRequest, pk: int) -> HttpResponse:
    """ "That fixed it": close the report without a ticket."""
    try:
        user, report = _draft(request, pk)
    except _Done as done:
        return done.response
    step = request.POST.get("step", report.step)
    services.report_deflect(
        report=report, actor=user, step=step if step in STEP_ORDER else report.step
    )
    return redirect("report-deflected", pk=report.pk)


@login_required
def report_deflected(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_get(user=request.user, pk=pk)
    if report.outcome != Report.Outcome.DEFLECTED:
        raise Http404
    return render(request, "tickets/report/deflected.html", {"report": report})


@login_required
def ticket_index(request: HttpRequest) -> HttpResponse:
    from django.core.paginator import Paginator

    user: User = request.user  # type: ignore[assignment]
    if user.is_provider_staff or user.is_operator_admin:
        return queue_views.queue(request, user)
    tickets = selectors.ticket_list(user=request.user).order_by("-created_at")
    page = Paginator(tickets, 25).get_page(request.GET.get("page"))
    return render(request, "tickets/ticket_list.html", {"page": page})


@login_required
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = selectors.ticket_get(user=request.user, pk=pk)
    user: User = request.user  # type: ignore[assignment]
    language = get_language() or "en"
    context: dict[str, Any] = {
        "ticket": ticket,
        "events": selectors.event_list(user=user, ticket=ticket),
        "comments": selectors.comment_list(user=user, ticket=ticket),
        "attachments": selectors.attachment_list(user=user, ticket=ticket),
        "report": Report.objects.filter(ticket=ticket).first(),
        "reason": triage.reason_for(ticket.triage_rule, default=ticket.triage_reason),
        "advice": triage.action_advice(ticket.recommended_action, language),
        "comment_form": CommentForm(),
        "override_form": OverrideForm(initial={"cause": ticket.cause, "priority": ticket.priority}),
        "is_staff_user": selectors.sees_internal(user),
        "sla": sla.sla_view(list(ticket.sla_targets.all())),
        "backup": allocation_for_reference(user=user, reference=ticket.reference),
        "moves": [(to, Status(to).label) for to in services.allowed_moves(ticket, user)],
    }
    if context["is_staff_user"]:
        context["assign_form"] = AssignForm(
            initial={"assignee": ticket.assignee_id},
            colleagues=selectors.colleagues(user, ticket.provider_id),
        )
    return render(request, "tickets/ticket_detail.html", context)


@login_required
@require_POST
def ticket_comment(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = selectors.ticket_get(user=request.user, pk=pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.comment_add(ticket=ticket, author=request.user, **form.cleaned_data)  # type: ignore[arg-type]
        except DomainError as error:
            messages.error(request, str(error))
    else:
        messages.error(request, _("Write a message."))
    return redirect("ticket-detail", pk=ticket.pk)


@login_required
@require_POST
def ticket_attach(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    ticket = selectors.ticket_get(user=user, pk=pk)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attachment_add(
                ticket=ticket,
                uploaded_by=user,
                upload=form.cleaned_data["file"],
                kind=form.cleaned_data["kind"],
            )
            messages.success(request, _("File added."))
        except DomainError as error:
            messages.error(request, str(error))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("ticket-detail", pk=ticket.pk)


@login_required
@require_POST
def ticket_override(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = selectors.ticket_get(user=request.user, pk=pk)
    form = OverrideForm(request.POST)
    if form.is_valid():
        try:
            services.ticket_override_triage(ticket=ticket, actor=request.user, **form.cleaned_data)  # type: ignore[arg-type]
            messages.success(request, _("Triage updated."))
        except DomainError as error:
            messages.error(request, str(error))
    else:
        messages.error(request, _("Choose a cause and a priority, and say why."))
    return redirect("ticket-detail", pk=ticket.pk)


@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    return attachment_response(selectors.attachment_get(user=request.user, pk=pk))
