from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.home import panels_for
from portal.models import User


class LoginView(auth_views.LoginView):
    """Django's sign-in, which also switches the pages to the user's saved language."""

    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        _set_language_cookie(response, form.get_user().language)
        return response


def _set_language_cookie(response: HttpResponseBase, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the language of the pages; a signed-in user's choice is saved for e-mails too."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = "/"
    response: HttpResponse = HttpResponse(status=302, headers={"Location": next_url})
    if language in dict(settings.LANGUAGES) and check_for_language(language):
        _set_language_cookie(response, language)
        if request.user.is_authenticated:
            User.objects.filter(pk=request.user.pk).update(language=language)
    return response


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    return render(request, "portal/home.html", {"panels": panels_for(user)})


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """For load balancers and docker-compose: 200 when the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return JsonResponse({"database": "down"}, status=503)
    return JsonResponse({"database": "ok"})


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """django-axes' answer once a user or an address has failed to sign in too often."""
    minutes = int(settings.AXES_COOLOFF_TIME * 60)
    message = _("Too many failed sign-ins. Try again in %(minutes)d minutes.") % {
        "minutes": minutes
    }
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=429)
    return render(
        request,
        "registration/locked_out.html",
        {"message": message, "minutes": minutes},
        status=429,
    )
