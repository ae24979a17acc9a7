"""The audit log: who signed in, failed to, changed a role or edited in the admin, and from where.

Writers are explicit calls (`audit_record`, `audit_role_change`, …) from the places that act:
the token sign-in, the user admin, the admin site. Sign-ins, sign-outs and failures come from
Django's authentication signals (and django-axes' lock-out signal), because Django itself
performs them; `PortalConfig.ready()` connects those receivers. See docs/decisions/0004.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.http import HttpRequest

from portal.models import AuditEntry, User

Action = AuditEntry.Action
USER_AGENT_MAX_LENGTH = 300
# The fields that decide what a user may see: a change to any of them is a role change.
ROLE_FIELDS = ("role", "merchant_id", "provider_id", "is_staff", "is_superuser", "is_active")


def client_ip(request: HttpRequest) -> str | None:
    """The caller's address; behind `PROXY_COUNT` trusted proxies, the one they saw.

    Each proxy appends the address it received from to X-Forwarded-For, so the entry
    `PROXY_COUNT` places from the end is the first one no client could have forged. Also
    django-axes' AXES_CLIENT_IP_CALLABLE, so lock-outs and the log agree on who called.
    """
    proxies: int = settings.PROXY_COUNT
    candidate = request.META.get("REMOTE_ADDR", "")
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if len(forwarded) >= proxies and forwarded[-proxies]:
            candidate = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


def audit_record(
    *,
    action: str,
    request: HttpRequest | None = None,
    actor: Any = None,
    target: Model | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Write one audit entry; `request` supplies the address and user agent."""
    entry = AuditEntry(action=action, details=details or {})
    _set_actor(entry, actor)
    if target is not None:
        _set_target(entry, target)
    if request is not None:
        entry.ip_address = client_ip(request)
        entry.user_agent = request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX_LENGTH]
    entry.save()
    return entry


def role_snapshot(user: User) -> dict[str, Any]:
    """The values of a user's role fields, to compare before and after a change."""
    return {name: getattr(user, name) for name in ROLE_FIELDS}


def stored_role_snapshot(user: User) -> dict[str, Any] | None:
    """The role fields as the database holds them now (None for a user not yet saved)."""
    if user.pk is None:
        return None
    stored = User.objects.filter(pk=user.pk).values(*ROLE_FIELDS).first()
    return dict(stored) if stored is not None else None


def audit_role_change(
    *,
    user: User,
    before: dict[str, Any] | None,
    actor: Any,
    request: HttpRequest | None = None,
) -> AuditEntry | None:
    """Record that `user`'s role fields moved from `before` to what they are now, if they did.

    Call it after saving, from every place that changes a role (today: the user admin).
    """
    after = role_snapshot(user)
    old = before or dict.fromkeys(ROLE_FIELDS)
    changed = {name: [old[name], after[name]] for name in ROLE_FIELDS if old[name] != after[name]}
    if not changed:
        return None
    return audit_record(
        action=Action.ROLE_CHANGED,
        request=request,
        actor=actor,
        target=user,
        details={"changed": changed, "new_user": before is None},
    )


def audit_admin_edit(
    *,
    action: str,
    request: HttpRequest,
    objects: Iterable[Model],
    message: Any = "",
) -> None:
    """Mirror an admin add, change or deletion (one entry per object)."""
    for obj in objects:
        audit_record(
            action=action,
            request=request,
            actor=request.user,
            target=obj,
            details={"message": message} if message else {},
        )


def _set_actor(entry: AuditEntry, actor: Any) -> None:
    if actor is not None and getattr(actor, "is_authenticated", False):
        entry.actor = actor
        entry.actor_name = actor.get_username()


def _set_target(entry: AuditEntry, target: Model) -> None:
    entry.target_type = ContentType.objects.get_for_model(target, for_concrete_model=False)
    entry.target_id = str(target.pk)
    entry.target_repr = str(target)[:200]


def _via(request: HttpRequest | None) -> str:
    path = request.path if request is not None else ""
    if path.startswith("/admin/"):
        return "admin"
    if path.startswith("/api/"):
        return "api"
    return "page"


# --- Receivers: Django performs sign-ins, so its signals are where they can be seen ------------


def on_signed_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    audit_record(
        action=Action.SIGN_IN,
        request=request,
        actor=user,
        target=user,
        details={"via": _via(request)},
    )


def on_signed_out(
    sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any
) -> None:
    audit_record(
        action=Action.SIGN_OUT,
        request=request,
        actor=user,
        target=user,
        details={"via": _via(request)},
    )


def on_sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """A wrong password, an unknown user, or an attempt refused because of a lock-out."""
    username = str(credentials.get("username", ""))[:150]
    known = User.objects.filter(username=username).first() if username else None
    audit_record(
        action=Action.SIGN_IN_FAILED,
        request=request,
        target=known,
        details={
            "username": username,
            "via": _via(request),
            "locked_out": bool(getattr(request, "axes_locked_out", False)),
        },
    )


def on_locked_out(
    sender: Any,
    request: HttpRequest | None,
    username: str | None = None,
    ip_address: str | None = None,
    **kwargs: Any,
) -> None:
    """django-axes has just locked a user or an address out."""
    known = User.objects.filter(username=username).first() if username else None
    audit_record(
        action=Action.LOCKED_OUT,
        request=request,
        target=known,
        details={"username": username or "", "address": ip_address, "via": _via(request)},
    )


def connect_receivers() -> None:
    from axes.signals import user_locked_out

    user_logged_in.connect(on_signed_in, dispatch_uid="portal.audit.signed_in")
    user_logged_out.connect(on_signed_out, dispatch_uid="portal.audit.signed_out")
    user_login_failed.connect(on_sign_in_failed, dispatch_uid="portal.audit.sign_in_failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="portal.audit.locked_out")


# --- The admin: every add, change and deletion, whichever app registered the model ----------


class AuditedAdminMixin(admin.ModelAdmin):
    """Keeps Django's LogEntry and writes the same edit, with address and agent, to the log."""

    def log_addition(self, request: HttpRequest, obj: Model, message: Any) -> Any:
        logged = super().log_addition(request, obj, message)
        audit_admin_edit(action=Action.ADMIN_ADD, request=request, objects=[obj], message=message)
        return logged

    def log_change(self, request: HttpRequest, obj: Model, message: Any) -> Any:
        logged = super().log_change(request, obj, message)
        audit_admin_edit(
            action=Action.ADMIN_CHANGE, request=request, objects=[obj], message=message
        )
        return logged

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        # Called before the rows go, so each one can still be named.
        objects = list(queryset)
        logged = super().log_deletions(request, queryset)
        audit_admin_edit(action=Action.ADMIN_DELETE, request=request, objects=objects)
        return logged


class AuditedAdminSite(admin.AdminSite):
    """The project's admin site (`PortalAdminConfig.default_site`).

    Every ModelAdmin registered here, by any app, is given `AuditedAdminMixin`, so no app can
    forget to audit its admin and none has to know about the audit log.
    """

    def register(
        self,
        model_or_iterable: Any,
        admin_class: type[admin.ModelAdmin] | None = None,
        **options: Any,
    ) -> None:
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, AuditedAdminMixin):
            admin_class = type(
                admin_class.__name__,
                (AuditedAdminMixin, admin_class),
                {"__module__": admin_class.__module__, "__doc__": admin_class.__doc__},
            )
        super().register(model_or_iterable, admin_class, **options)

    def has_permission(self, request: Any) -> bool:
        """Operator admins only: `is_staff` alone (set by mistake on a provider user) is not
        enough to open the admin."""
        user = request.user
        return bool(super().has_permission(request) and getattr(user, "is_operator_admin", False))
