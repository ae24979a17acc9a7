"""The authorization matrix: every URL pattern, how to call it, and the answer per actor.

A rule names a URL pattern (its name, or for unnamed admin routes its route), a method, how to
build its arguments and body from the shared world, and the expected answer of each actor.
`tests/test_authz_matrix.py` walks the URL resolver and fails on any pattern without a rule.

Answers: an HTTP status, a set of statuses, or one of
  LOGIN        302 to the sign-in page (anonymous visitors of pages)
  ADMIN_LOGIN  302 to the admin's sign-in page (anyone but an operator admin)
  DENIED       401 or 403 (anonymous API calls)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.utils import timezone

from tests.authz.world import (
    ANONYMOUS,
    MERCHANT_B,
    MERCHANTS_A,
    OPERATOR_ADMIN,
    PROVIDER_B,
    PROVIDER_FIELD_A,
    PROVIDER_LEAD_A,
    PROVIDER_RISK_A,
    PROVIDERS_A,
    World,
)

LOGIN = "login"
ADMIN_LOGIN = "admin-login"
DENIED = "denied"

Expected = int | frozenset[int] | str
Args = Callable[[World], Mapping[str, Any]]


@dataclass(frozen=True)
class Rule:
    key: str  # the URL name ("admin:…" inside the admin), or the route of an unnamed pattern
    method: str
    expect: Mapping[str, Expected]
    kwargs: Args = lambda w: {}
    data: Args | None = None
    api: bool = False  # signed in with a token rather than a session
    json: bool = False
    # actor -> why the answer is wrong today; tested apart as strict xfails.
    known_bugs: Mapping[str, str] = field(default_factory=dict)
    path: str = ""  # set for admin rules built from the registry (no reverse needed)

    @property
    def id(self) -> str:
        return f"{self.method} {self.key}"


def answers(
    *,
    anon: Expected,
    merchant_a: Expected,
    merchant_b: Expected,
    provider_a: Expected,
    provider_b: Expected,
    operator: Expected,
    **exact: Expected,
) -> dict[str, Expected]:
    """One answer per actor: by organisation, then per actor where a role differs."""
    table: dict[str, Expected] = {
        ANONYMOUS: anon,
        MERCHANT_B: merchant_b,
        PROVIDER_B: provider_b,
        OPERATOR_ADMIN: operator,
    }
    table.update(dict.fromkeys(MERCHANTS_A, merchant_a))
    table.update(dict.fromkeys(PROVIDERS_A, provider_a))
    table.update(exact)
    return table


def everyone(status: Expected) -> dict[str, Expected]:
    return answers(
        anon=status,
        merchant_a=status,
        merchant_b=status,
        provider_a=status,
        provider_b=status,
        operator=status,
    )


def signed_in(ok: Expected, *, api: bool = False) -> dict[str, Expected]:
    """Anyone signed in; each sees only their organisation's rows (checked for leaks)."""
    return {**everyone(ok), ANONYMOUS: DENIED if api else LOGIN}


def scoped(ok: Expected, *, api: bool = False) -> dict[str, Expected]:
    """Organisation A's object: its merchant's users, its provider's staff, operator admins."""
    return answers(
        anon=DENIED if api else LOGIN,
        merchant_a=ok,
        merchant_b=404,
        provider_a=ok,
        provider_b=404,
        operator=ok,
    )


def staff_work(ok: Expected, *, api: bool = False, merchant_a: Expected = 403) -> dict[str, Any]:
    """Organisation A's object, worked by provider staff and operator admins only."""
    return {**scoped(ok, api=api), **dict.fromkeys(MERCHANTS_A, merchant_a)}


def operator_only(ok: Expected) -> dict[str, Expected]:
    return answers(
        anon=LOGIN, merchant_a=403, merchant_b=403, provider_a=403, provider_b=403, operator=ok
    )


def ticket(w: World) -> dict[str, int]:
    return {"pk": w.a.ticket.pk}


def dispatch(w: World) -> dict[str, Any]:
    start = timezone.localtime() + timedelta(days=1)
    return {
        "engineer": w.users[PROVIDER_FIELD_A].pk,
        "window_start": start.strftime("%Y-%m-%dT%H:%M"),
        "window_end": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
    }


def dispatch_api(w: World) -> dict[str, Any]:
    start = timezone.now() + timedelta(days=1)
    return {
        "engineer": w.users[PROVIDER_FIELD_A].pk,
        "window_start": start.isoformat(),
        "window_end": (start + timedelta(hours=2)).isoformat(),
    }


DECIDERS = {PROVIDER_RISK_A: 302, PROVIDER_LEAD_A: 302}

PAGES: list[Rule] = [
    # --- portal --------------------------------------------------------------------------
    Rule("home", "GET", signed_in(200)),
    Rule("login", "GET", {**everyone(302), ANONYMOUS: 200}),
    Rule("logout", "POST", everyone(302)),
    Rule("set_language", "POST", everyone(302), data=lambda w: {"language": "en", "next": "/"}),
    Rule("health", "GET", everyone(200)),
    # --- terminals: registry, spare pool, backups ------------------------------------------
    Rule("terminal-list", "GET", signed_in(200)),
    Rule("terminal-detail", "GET", scoped(200), kwargs=lambda w: {"pk": w.a.terminal.pk}),
    Rule(
        "spare-test",
        "POST",
        operator_only(302),
        kwargs=lambda w: {"pk": w.a.spare.pk},
        data=lambda w: {"passed": "1"},
    ),
    Rule(
        "spare-firmware",
        "POST",
        operator_only(302),
        kwargs=lambda w: {"pk": w.a.spare.pk},
        data=lambda w: {"version": "PayDroid 9.1"},
    ),
    Rule("pool", "GET", operator_only(200)),
    Rule(
        "pool-bulk",
        "POST",
        operator_only(302),
        data=lambda w: {"action": "test_passed", "spares": [w.a.spare.pk]},
    ),
    Rule("pool-import", "GET", operator_only(200)),
    Rule("pool-import-confirm", "POST", operator_only(302)),
    Rule("allocation-list", "GET", signed_in(200)),
    Rule("allocation-detail", "GET", scoped(200), kwargs=lambda w: {"pk": w.a.allocation.pk}),
    Rule(
        "allocation-action",
        "POST",
        staff_work(302),
        kwargs=lambda w: {"pk": w.a.allocation.pk, "action": "ship"},
        data=lambda w: {"carrier": "SF Express", "tracking_number": "SF123"},
    ),
    # --- tickets: the guided report -------------------------------------------------------
    Rule(
        "report-begin",
        "GET",
        answers(
            anon=LOGIN, merchant_a=200, merchant_b=200, provider_a=403, provider_b=403, operator=403
        ),
    ),
    Rule(
        "report-fixed",
        "POST",
        answers(
            anon=LOGIN, merchant_a=302, merchant_b=404, provider_a=403, provider_b=403, operator=403
        ),
        kwargs=lambda w: {"pk": w.a.draft_report.pk},  # type: ignore[union-attr]
        data=lambda w: {"step": "screen"},
    ),
    Rule(
        "report-deflected",
        "GET",
        scoped(200),
        kwargs=lambda w: {"pk": w.a.deflected_report.pk},  # type: ignore[union-attr]
    ),
    Rule(
        "report-step",
        "GET",
        answers(
            anon=LOGIN, merchant_a=200, merchant_b=404, provider_a=403, provider_b=403, operator=403
        ),
        kwargs=lambda w: {"pk": w.a.draft_report.pk, "step": "screen"},  # type: ignore[union-attr]
    ),
    # --- tickets: the ticket page and its forms ------------------------------------------
    Rule("ticket-list", "GET", signed_in(200)),
    Rule("ticket-detail", "GET", scoped(200), kwargs=ticket),
    Rule("ticket-comment", "POST", scoped(302), kwargs=ticket, data=lambda w: {"body": "Hello"}),
    Rule(  # an internal note: staff only
        "ticket-comment",
        "POST",
        staff_work(302),
        kwargs=ticket,
        data=lambda w: {"body": "Note", "internal": "on"},
    ),
    Rule("ticket-attach", "POST", scoped(302), kwargs=ticket, data=lambda w: {}),
    Rule(
        "ticket-override",
        "POST",
        staff_work(302),
        kwargs=ticket,
        data=lambda w: {"cause": "hardware", "priority": "p1", "reason": "Checked on the phone"},
    ),
    Rule(
        "ticket-move",
        "POST",
        scoped(302),  # merchants are refused with a message: the table forbids their move
        kwargs=ticket,
        data=lambda w: {"to": "in_progress", "reason": "Working on it"},
    ),
    Rule(
        "ticket-assign",
        "POST",
        {**staff_work(302), MERCHANT_B: 403},  # the role is checked before the ticket
        kwargs=ticket,
        data=lambda w: {"claim": "1"},
    ),
    Rule(
        "ticket-bulk",
        "POST",
        answers(
            anon=LOGIN, merchant_a=403, merchant_b=403, provider_a=302, provider_b=302, operator=302
        ),
        data=lambda w: {"tickets": [w.a.ticket.pk], "action": "claim"},
    ),
    Rule("ticket-backup", "POST", {**staff_work(302), MERCHANT_B: 403}, kwargs=ticket),
    Rule(
        "ticket-dashboard",
        "GET",
        answers(
            anon=LOGIN,
            merchant_a=403,
            merchant_b=403,
            provider_a=403,
            provider_b=403,
            operator=200,
            **{PROVIDER_LEAD_A: 200},
        ),
    ),
    Rule("attachment-download", "GET", scoped(200), kwargs=lambda w: {"pk": w.a.attachment.pk}),
    # --- tickets: appeals ----------------------------------------------------------------
    Rule("legal-routes", "GET", signed_in(200)),
    Rule(
        "appeal-open",
        "POST",
        staff_work(302),
        kwargs=ticket,
        data=lambda w: {"reason": "Risk notice received"},
    ),
    Rule("appeal-material-add", "POST", scoped(302), kwargs=ticket, data=lambda w: {}),
    Rule(
        "appeal-explanation",
        "POST",
        scoped(302),
        kwargs=ticket,
        data=lambda w: {"explanation": "We sell medicine; the spike was a promotion."},
    ),
    Rule(
        "appeal-submit",
        "POST",
        answers(
            anon=LOGIN, merchant_a=302, merchant_b=404, provider_a=403, provider_b=404, operator=403
        ),
        kwargs=ticket,
    ),
    Rule(
        "appeal-decide",
        "POST",
        {**staff_work(403), **DECIDERS},
        kwargs=ticket,
        data=lambda w: {"decision": "approved", "note": "Restriction lifted"},
    ),
    Rule(
        "appeal-withdraw",
        "POST",
        scoped(302),
        kwargs=ticket,
        data=lambda w: {"reason": "Resolved by phone"},
    ),
    Rule("appeal-dossier", "GET", scoped(200), kwargs=ticket),
    # --- tickets: escalations and engineer visits ----------------------------------------
    Rule(
        "my-visits",
        "GET",
        answers(
            anon=LOGIN, merchant_a=403, merchant_b=403, provider_a=200, provider_b=200, operator=403
        ),
    ),
    Rule(
        "visit-update",
        "POST",
        staff_work(302),
        kwargs=lambda w: {"pk": w.a.visit.pk},
        data=lambda w: {"to": "on_site"},
    ),
    Rule("ticket-dispatch", "POST", staff_work(302), kwargs=ticket, data=dispatch),
    Rule(
        "ticket-escalate",
        "POST",
        staff_work(302),
        kwargs=ticket,
        data=lambda w: {"to": "team:risk", "reason": "Risk notice"},
    ),
    Rule(
        "escalation-update",
        "POST",
        staff_work(302, merchant_a=404),  # escalations are never the merchant's rows
        kwargs=lambda w: {"pk": w.a.escalation.pk},
        data=lambda w: {"to": "acknowledged"},
    ),
    Rule(
        "escalation-evidence",
        "GET",
        staff_work(200, merchant_a=404),
        kwargs=lambda w: {"pk": w.a.escalation.pk},
    ),
]


def api(key: str, method: str, expect: Mapping[str, Expected], **options: Any) -> Rule:
    return Rule(key, method, expect, api=True, json=method == "POST", **options)


API: list[Rule] = [
    api("api-token", "POST", everyone(400), data=lambda w: {"username": "", "password": ""}),
    # Served to anyone: tests/test_openapi.py reads it signed out (API.md: "anyone signed in").
    api("api-schema", "GET", everyone(200)),
    api("api-docs", "GET", everyone(200)),
    api("api-terminal-list", "GET", signed_in(200, api=True)),
    api(
        "api-terminal-detail",
        "GET",
        scoped(200, api=True),
        kwargs=lambda w: {"pk": w.a.terminal.pk},
    ),
    api("api-allocation-list", "GET", signed_in(200, api=True)),
    api(
        "api-allocation-detail",
        "GET",
        scoped(200, api=True),
        kwargs=lambda w: {"pk": w.a.allocation.pk},
    ),
    api(
        "api-spare-list",
        "GET",
        answers(
            anon=DENIED,
            merchant_a=403,
            merchant_b=403,
            provider_a=200,
            provider_b=200,
            operator=200,
        ),
    ),
    api("api-ticket-list", "GET", signed_in(200, api=True)),
    api(
        "api-ticket-list",
        "POST",
        # Merchant B names A's terminal: 400 "no such terminal in your registry", as if absent.
        answers(
            anon=DENIED,
            merchant_a=201,
            merchant_b=400,
            provider_a=403,
            provider_b=400,
            operator=403,
        ),
        data=lambda w: {"terminal": w.a.terminal.pk, "error_code": "97", "scheme": "cup"},
    ),
    api("api-ticket-detail", "GET", scoped(200, api=True), kwargs=ticket),
    api(
        "api-ticket-bulk",
        "POST",
        # Another provider's ticket is reported per row as not found, never as someone's.
        answers(
            anon=DENIED,
            merchant_a=403,
            merchant_b=403,
            provider_a=200,
            provider_b=200,
            operator=200,
        ),
        data=lambda w: {"tickets": [w.a.ticket.pk], "action": "assign", "assignee": "me"},
    ),
    api("api-ticket-transitions", "GET", scoped(200, api=True), kwargs=ticket),
    api(
        "api-ticket-transitions",
        "POST",
        staff_work(200, api=True, merchant_a=409),  # the table has no such move for merchants
        kwargs=ticket,
        data=lambda w: {"to": "in_progress", "reason": "On it"},
    ),
    api(
        "api-ticket-assignment",
        "POST",
        # Operator admins are nobody's colleague: "me" is refused as an assignee.
        {**staff_work(200, api=True), OPERATOR_ADMIN: 400},
        kwargs=ticket,
        data=lambda w: {"assignee": "me"},
    ),
    api("api-ticket-backup", "POST", staff_work(201, api=True), kwargs=ticket),
    api("api-ticket-comments", "GET", scoped(200, api=True), kwargs=ticket),
    api(
        "api-ticket-comments",
        "POST",
        scoped(201, api=True),
        kwargs=ticket,
        data=lambda w: {"body": "Any news?"},
    ),
    api(
        "api-ticket-comments",
        "POST",
        staff_work(201, api=True),
        kwargs=ticket,
        data=lambda w: {"body": "Staff only", "internal": True},
    ),
    api("api-ticket-attachments", "GET", scoped(200, api=True), kwargs=ticket),
    Rule(  # multipart; without a file it is a 400 for those who may see the ticket
        "api-ticket-attachments",
        "POST",
        scoped(400, api=True),
        kwargs=ticket,
        data=lambda w: {"kind": "other"},
        api=True,
    ),
    api(
        "api-attachment-download",
        "GET",
        scoped(200, api=True),
        kwargs=lambda w: {"pk": w.a.attachment.pk},
    ),
    api("api-ticket-appeal", "GET", scoped(200, api=True), kwargs=ticket),
    api(
        "api-ticket-appeal-decisions",
        "POST",
        {**staff_work(403, api=True), PROVIDER_RISK_A: 201, PROVIDER_LEAD_A: 201},
        kwargs=ticket,
        data=lambda w: {"decision": "approved", "note": "Restriction lifted"},
    ),
    api("api-ticket-escalations", "GET", staff_work(200, api=True), kwargs=ticket),
    api(
        "api-ticket-escalations",
        "POST",
        staff_work(201, api=True),
        kwargs=ticket,
        data=lambda w: {"team": "risk", "reason": "Risk notice"},
    ),
    api(
        "api-escalation",
        "GET",
        staff_work(200, api=True, merchant_a=404),
        kwargs=lambda w: {"pk": w.a.escalation.pk},
    ),
    api(
        "api-escalation-transitions",
        "POST",
        staff_work(200, api=True, merchant_a=404),
        kwargs=lambda w: {"pk": w.a.escalation.pk},
        data=lambda w: {"to": "acknowledged"},
    ),
    api("api-ticket-visits", "GET", scoped(200, api=True), kwargs=ticket),
    api("api-ticket-visits", "POST", staff_work(201, api=True), kwargs=ticket, data=dispatch_api),
    api(
        "api-visit-transitions",
        "POST",
        staff_work(200, api=True),
        kwargs=lambda w: {"pk": w.a.visit.pk},
        data=lambda w: {"to": "on_site"},
    ),
    # Signed by the provider's system, not by a user: unsigned is refused whoever sends it.
    api(
        "api-webhook-escalations",
        "POST",
        everyone(frozenset({401, 403})),
        kwargs=lambda w: {"provider": w.a.merchant.provider.code},
        data=lambda w: {"escalation": w.a.escalation.pk, "status": "acknowledged"},
    ),
]

# --- The Django admin: operator admins only ----------------------------------------------

NOT_OPERATOR = answers(
    anon=ADMIN_LOGIN,
    merchant_a=ADMIN_LOGIN,
    merchant_b=ADMIN_LOGIN,
    provider_a=ADMIN_LOGIN,
    provider_b=ADMIN_LOGIN,
    operator=200,
)


def admin_only(ok: Expected) -> dict[str, Expected]:
    return {**NOT_OPERATOR, OPERATOR_ADMIN: ok}


def _admin_ticket_ct(w: World) -> dict[str, str]:
    from django.contrib.contenttypes.models import ContentType

    from tickets.models import Ticket

    ct = ContentType.objects.get_for_model(Ticket)
    return {"content_type_id": str(ct.pk), "object_id": str(w.a.ticket.pk)}


ADMIN_SITE: list[Rule] = [
    Rule("admin:index", "GET", admin_only(200)),
    # Signed-in people who are not operator admins see the form with "not authorised".
    Rule("admin:login", "GET", {**everyone(200), OPERATOR_ADMIN: 302}),
    Rule("admin:logout", "POST", everyone(302)),
    Rule("admin:password_change", "GET", admin_only(200)),
    Rule("admin:password_change_done", "GET", admin_only(200)),
    Rule("admin:autocomplete", "GET", admin_only(403)),  # no field named: refused
    Rule("admin:jsi18n", "GET", admin_only(200)),
    Rule("admin:view_on_site", "GET", admin_only(frozenset({302, 404})), kwargs=_admin_ticket_ct),
    Rule(
        "admin:auth_user_password_change",
        "GET",
        admin_only(200),
        kwargs=lambda w: {"id": str(w.users[OPERATOR_ADMIN].pk)},
    ),
    # The admin's catch-all: an unknown admin address is no hint to outsiders.
    Rule("admin/(?P<url>.*)$", "GET", admin_only(404), path="/admin/no-such-page/"),
]


def _object_id(model: type[Model]) -> str:
    row = model._default_manager.order_by("pk").first()
    return str(row.pk) if row is not None else "999999999"


def admin_model_rules() -> list[Rule]:
    """Each registered ModelAdmin's standard routes; rows of every model exist in the world
    (or the admin's "no such object" redirect is the answer)."""
    rules: list[Rule] = []
    app_labels = sorted({m._meta.app_label for m in admin.site._registry})
    rules += [
        Rule(
            "admin:app_list",
            "GET",
            admin_only(200),
            kwargs=lambda w, label=label: {"app_label": label},  # type: ignore[misc]
            path=f"/admin/{label}/",
        )
        for label in app_labels
    ]
    for model in admin.site._registry:
        info = f"{model._meta.app_label}_{model._meta.model_name}"
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"

        def obj(w: World, model: type[Model] = model) -> dict[str, str]:
            return {"object_id": _object_id(model)}

        # Read-only admins (the audit log, axes' records) refuse adding, changing or deleting.
        may = frozenset({200, 302, 403})
        rules += [
            Rule(f"admin:{info}_changelist", "GET", admin_only(200), path=base),
            Rule(f"admin:{info}_add", "GET", admin_only(may), path=base + "add/"),
            Rule(f"admin:{info}_history", "GET", admin_only(frozenset({200, 302})), kwargs=obj),
            Rule(f"admin:{info}_delete", "GET", admin_only(may), kwargs=obj),
            Rule(f"admin:{info}_change", "GET", admin_only(frozenset({200, 302})), kwargs=obj),
            Rule(
                f"admin/{model._meta.app_label}/{model._meta.model_name}/<path:object_id>/",
                "GET",
                admin_only(302),  # the old-style address redirects to the change page
                kwargs=obj,
                path=base + "{object_id}/",
            ),
        ]
    return rules


ALL_RULES: list[Rule] = [*PAGES, *API, *ADMIN_SITE, *admin_model_rules()]
