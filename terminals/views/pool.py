"""The spare pool pages, for operator admins: stock against minimums, readiness, tests and
firmware (one spare or many), and CSV import with a preview."""

from __future__ import annotations

import base64

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.errors import DomainError
from portal.models import User
from terminals import imports, services
from terminals.forms import BulkForm, FirmwareForm, ImportForm, SpareFilterForm, TestForm
from terminals.readiness import functional_test_valid_days
from terminals.selectors import pool_stock, spare_list, terminal_get

SESSION_KEY = "terminals_import"


def _operator(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not user.is_operator_admin:
        raise PermissionDenied
    return user


@login_required
def pool_index(request: HttpRequest) -> HttpResponse:
    user = _operator(request)
    filter_form = SpareFilterForm(request.GET or None)
    spares = spare_list(user=user, filters=filter_form.filters())
    page = Paginator(spares, 50).get_page(request.GET.get("page"))
    context = {
        "stock": pool_stock(),
        "filter_form": filter_form,
        "page": page,
        "bulk_form": BulkForm(),
        "valid_days": functional_test_valid_days(),
        "query": _query_without_page(request),
    }
    return render(request, "terminals/pool.html", context)


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@login_required
@require_POST
def pool_bulk(request: HttpRequest) -> HttpResponse:
    user = _operator(request)
    form = BulkForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("pool")
    data = form.cleaned_data
    try:
        if data["action"] == "firmware":
            count = services.terminals_update_firmware(
                terminals=data["spares"], version=data["version"], actor=user
            )
        else:
            count = services.terminals_record_test(
                terminals=data["spares"], passed=data["action"] == "test_passed", actor=user
            )
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Recorded for %(count)s spares.") % {"count": count})
    return redirect("pool")


@login_required
@require_POST
def spare_test(request: HttpRequest, pk: int) -> HttpResponse:
    user = _operator(request)
    terminal = terminal_get(user=user, pk=pk)
    form = TestForm(request.POST)
    if form.is_valid():
        services.terminal_record_test(terminal=terminal, actor=user, **form.cleaned_data)
        messages.success(request, _("Functional test recorded."))
    else:
        messages.error(request, _("Say whether the test passed."))
    return redirect("terminal-detail", pk=terminal.pk)


@login_required
@require_POST
def spare_firmware(request: HttpRequest, pk: int) -> HttpResponse:
    user = _operator(request)
    terminal = terminal_get(user=user, pk=pk)
    form = FirmwareForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError(_("Give the firmware version (up to 40 characters)."))
        services.terminal_update_firmware(
            terminal=terminal, version=form.cleaned_data["version"], actor=user
        )
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Firmware update recorded."))
    return redirect("terminal-detail", pk=terminal.pk)


@login_required
def pool_import(request: HttpRequest) -> HttpResponse:
    """Upload a CSV file and see what it would do; nothing is written here."""
    _operator(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read(imports.MAX_BYTES + 1)
        preview = imports.import_preview(content=content, filename=upload.name)
        if preview.ok:
            request.session[SESSION_KEY] = {
                "name": upload.name,
                "content": base64.b64encode(content).decode("ascii"),
            }
        else:
            request.session.pop(SESSION_KEY, None)
    context = {"form": form, "preview": preview, "columns": imports.COLUMNS}
    return render(request, "terminals/import.html", context)


@login_required
@require_POST
def pool_import_confirm(request: HttpRequest) -> HttpResponse:
    """Write the previewed file: all rows, or none if any has become wrong meanwhile."""
    user = _operator(request)
    stored = request.session.pop(SESSION_KEY, None)
    if not stored:
        messages.error(request, _("Upload the file again: there is no preview to confirm."))
        return redirect("pool-import")
    result = imports.import_apply(
        content=base64.b64decode(stored["content"]), filename=stored["name"], actor=user
    )
    if not result.applied:
        return render(
            request,
            "terminals/import.html",
            {"form": ImportForm(), "preview": result, "columns": imports.COLUMNS},
        )
    messages.success(
        request,
        _("Imported: %(created)s new, %(updated)s updated, %(unchanged)s unchanged.")
        % {
            "created": result.count("create"),
            "updated": result.count("update"),
            "unchanged": result.count("unchanged"),
        },
    )
    return redirect("pool")
