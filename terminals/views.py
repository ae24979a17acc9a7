from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from terminals.selectors import terminal_get, terminal_list


@login_required
def terminal_index(request: HttpRequest) -> HttpResponse:
    page = Paginator(terminal_list(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "terminals/terminal_list.html", {"page": page})


@login_required
def terminal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    terminal = terminal_get(user=request.user, pk=pk)
    history = terminal.events.select_related("actor")[:50]
    return render(
        request, "terminals/terminal_detail.html", {"terminal": terminal, "history": history}
    )
