from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from terminals.forms import FirmwareForm, TestForm
from terminals.readiness import not_ready_reasons
from terminals.selectors import terminal_get, terminal_list


@login_required
def terminal_index(request: HttpRequest) -> HttpResponse:
    page = Paginator(terminal_list(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "terminals/terminal_list.html", {"page": page})


@login_required
def terminal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    terminal = terminal_get(user=request.user, pk=pk)
    history = terminal.events.select_related("actor")[:50]
    context: dict[str, Any] = {"terminal": terminal, "history": history}
    if terminal.is_spare and not request.user.is_merchant_user:  # type: ignore[union-attr]
        context["not_ready_reasons"] = not_ready_reasons(terminal)
        context["test_form"], context["firmware_form"] = TestForm(), FirmwareForm()
    return render(request, "terminals/terminal_detail.html", context)
