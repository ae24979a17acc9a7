"""The authorization matrix: every URL pattern, as every role and as another organisation.

The rules (tests/authz/matrix.py) say, for each URL pattern of the project (pages, API, the
Django admin), how to call it and what each actor must get: allowed, sent to sign in, 401/403,
or 404 for another organisation's row. A pattern without a rule fails the first test, so a new
address cannot ship without a declared access rule.

On top of the status, every answer an actor gets is searched for what that actor must never
read: another organisation's references, serials and MIDs; and, for merchants, internal notes,
escalation reasons and engineers' notes (ZIP dossiers are searched inside).

The world (tests/authz/world.py) is built once per module; each request runs in a savepoint
that is rolled back, so a POST by one actor never changes what the next one sees.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from http.cookies import SimpleCookie
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction
from django.http import HttpResponseBase
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.authz.matrix import ADMIN_LOGIN, ALL_RULES, DENIED, LOGIN, Expected, Rule
from tests.authz.world import (
    ACTORS,
    ANONYMOUS,
    MERCHANT_B,
    MERCHANTS_A,
    OPERATOR_ADMIN,
    PROVIDER_B,
    PROVIDERS_A,
    World,
    world_for_module,
)

# --- Every pattern has a rule -------------------------------------------------------------


def url_patterns(
    patterns: list[Any], prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str]]:
    """(the key a rule uses, the full route) of every URL pattern, recursively."""
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from url_patterns(entry.url_patterns, route, inner)
        elif isinstance(entry, URLPattern):
            yield (f"{namespace}{entry.name}" if entry.name else route), route


def test_every_url_pattern_has_a_declared_access_rule() -> None:
    declared = {rule.key for rule in ALL_RULES}
    found = list(url_patterns(get_resolver().url_patterns))

    missing = sorted(f"{key}  ({route})" for key, route in found if key not in declared)
    assert missing == [], "URL patterns without an access rule in tests/authz/matrix.py"
    stale = declared - {key for key, _route in found}
    assert stale == set(), "rules for URL patterns that no longer exist"


# --- The world and the callers ------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """Built once for the module, rolled back at its end."""
    with world_for_module(django_db_blocker) as built:
        yield built


@pytest.fixture(scope="module")
def sessions(world: World, django_db_blocker: Any) -> dict[str, str]:
    """A signed-in session per actor (in the module's transaction)."""
    keys: dict[str, str] = {}
    with django_db_blocker.unblock():
        for actor, user in world.users.items():
            client = Client()
            client.force_login(user)
            keys[actor] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return keys


def url_of(rule: Rule, world: World) -> str:
    kwargs = dict(rule.kwargs(world))
    if rule.path:
        return rule.path.format(**kwargs)
    return reverse(rule.key, kwargs=kwargs or None)


def body_of(response: HttpResponseBase) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return bytes(response.content)  # type: ignore[attr-defined]


# One client for all requests: each new one would load the middleware (and WhiteNoise would
# scan the static files) again, which costs more than the request.
CLIENT = Client(raise_request_exception=False)


def call(rule: Rule, actor: str, world: World, sessions: dict[str, str]) -> tuple[int, str, bytes]:
    """(status, Location, body) of one request, in a savepoint that is rolled back."""
    client = CLIENT
    client.cookies = SimpleCookie()
    headers: dict[str, str] = {}
    if actor != ANONYMOUS:
        if rule.api:
            headers["Authorization"] = f"Token {world.tokens[actor]}"
        else:
            client.cookies[settings.SESSION_COOKIE_NAME] = sessions[actor]
    url = url_of(rule, world)
    data = dict(rule.data(world)) if rule.data else {}
    with transaction.atomic():
        if rule.method == "GET":
            response = client.get(url, data, headers=headers)
        elif rule.json:
            response = client.post(url, data, content_type="application/json", headers=headers)
        else:
            response = client.post(url, data, headers=headers)
        body = body_of(response)
        transaction.set_rollback(True)
    return response.status_code, response.headers.get("Location", ""), body


def matches(expected: Expected, status: int, location: str) -> bool:
    if expected == LOGIN:
        return status == 302 and location.startswith(reverse("login"))
    if expected == ADMIN_LOGIN:
        return status == 302 and location.startswith(reverse("admin:login"))
    if expected == DENIED:
        return status in (401, 403)
    if isinstance(expected, frozenset):
        return status in expected
    return status == expected


# --- What each actor must never read -----------------------------------------------------


def forbidden_texts(world: World, actor: str) -> list[str]:
    """Another organisation's identifiers; for merchants also every staff-only text."""
    a, a2, b = world.a, world.a2, world.b
    if actor == OPERATOR_ADMIN:
        return []
    if actor in MERCHANTS_A:
        return [*a2.identifiers(), *b.identifiers(), *world.internal_texts()]
    if actor == MERCHANT_B:
        return [*a.identifiers(), *a2.identifiers(), *world.internal_texts()]
    if actor in PROVIDERS_A:
        return [*b.identifiers(), *b.secrets.values()]
    if actor == PROVIDER_B:
        return [*a.identifiers(), *a2.identifiers(), *a.secrets.values(), *a2.secrets.values()]
    return [*a.identifiers(), *a2.identifiers(), *b.identifiers(), *world.internal_texts()]


def readable(body: bytes) -> str:
    """The text of an answer, with a ZIP's members unpacked."""
    if body[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return "\n".join(
                archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
            )
    return body.decode("utf-8", "replace")


def leaks(world: World, actor: str, body: bytes) -> list[str]:
    text = readable(body)
    return [secret for secret in forbidden_texts(world, actor) if secret in text]


# --- The matrix ---------------------------------------------------------------------------


def check(rule: Rule, actor: str, world: World, sessions: dict[str, str]) -> list[str]:
    expected = rule.expect[actor]
    status, location, body = call(rule, actor, world, sessions)
    problems = []
    if not matches(expected, status, location):
        where = f" -> {location}" if location else ""
        problems.append(f"{actor}: expected {expected!r}, got {status}{where}")
    if found := leaks(world, actor, body):  # error pages and redirects included
        problems.append(f"{actor}: the answer ({status}) shows {found}")
    return problems


def test_the_matrix_declares_every_actor() -> None:
    incomplete = [rule.id for rule in ALL_RULES if set(rule.expect) != set(ACTORS)]
    assert incomplete == []


@pytest.mark.django_db
@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: f"{r.id}{r.path and ' ' + r.path}")
def test_access(rule: Rule, world: World, sessions: dict[str, str]) -> None:
    problems = [
        problem
        for actor in ACTORS
        if actor not in rule.known_bugs
        for problem in check(rule, actor, world, sessions)
    ]
    assert problems == [], "\n".join(problems)


KNOWN_BUGS = [
    pytest.param(
        rule, actor, marks=pytest.mark.xfail(strict=True, reason=reason), id=f"{rule.id} as {actor}"
    )
    for rule in ALL_RULES
    for actor, reason in rule.known_bugs.items()
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("rule", "actor"),
    KNOWN_BUGS or [pytest.param(None, None, marks=pytest.mark.skip(reason="no known access bug"))],
)
def test_known_access_bugs_answer_safely(
    rule: Rule, actor: str, world: World, sessions: dict[str, str]
) -> None:
    assert check(rule, actor, world, sessions) == []


# --- Rows of a sibling merchant of the same provider ------------------------------------

SIBLING_ROWS = [
    ("ticket-detail", False, lambda w: {"pk": w.a2.ticket.pk}),
    ("attachment-download", False, lambda w: {"pk": w.a2.attachment.pk}),
    ("terminal-detail", False, lambda w: {"pk": w.a2.terminal.pk}),
    ("api-ticket-detail", True, lambda w: {"pk": w.a2.ticket.pk}),
    ("api-ticket-comments", True, lambda w: {"pk": w.a2.ticket.pk}),
    ("api-attachment-download", True, lambda w: {"pk": w.a2.attachment.pk}),
    ("api-terminal-detail", True, lambda w: {"pk": w.a2.terminal.pk}),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "is_api", "kwargs"), SIBLING_ROWS, ids=[r[0] for r in SIBLING_ROWS]
)
def test_another_merchant_of_the_same_provider_is_404_to_merchant_a(
    name: str, is_api: bool, kwargs: Any, world: World, sessions: dict[str, str]
) -> None:
    """Provider A's staff see merchant A2's rows; merchant A's users never do."""
    expect: dict[str, Expected] = dict.fromkeys(MERCHANTS_A, 404)
    expect |= dict.fromkeys(PROVIDERS_A, 200) | {PROVIDER_B: 404, MERCHANT_B: 404}
    rule = Rule(name, "GET", expect, kwargs=kwargs, api=is_api)
    problems = [p for actor in expect for p in check(rule, actor, world, sessions)]
    assert problems == [], "\n".join(problems)


# --- The searches above find what they look for -------------------------------------------

POSITIVE = [
    ("ticket-detail", False, "internal_note"),
    ("api-ticket-comments", True, "internal_note"),
    ("api-ticket-visits", True, "visit_notes"),
    ("api-escalation", True, "escalation_reason"),
    ("ticket-detail", False, "appeal_staff_note"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "is_api", "secret"), POSITIVE, ids=[f"{n} {s}" for n, _a, s in POSITIVE]
)
def test_staff_of_the_provider_do_read_the_texts_merchants_must_not(
    name: str, is_api: bool, secret: str, world: World, sessions: dict[str, str]
) -> None:
    """A control for the leak search: the staff-only texts are where staff read them."""
    pk = world.a.escalation.pk if name == "api-escalation" else world.a.ticket.pk
    rule = Rule(name, "GET", {}, kwargs=lambda w: {"pk": pk}, api=is_api)
    status, _location, body = call(rule, PROVIDERS_A[0], world, sessions)

    assert status == 200
    assert world.a.secrets[secret] in readable(body)


@pytest.mark.django_db
def test_a_provider_user_flagged_is_staff_reads_no_rows_in_the_admin(
    world: World, sessions: dict[str, str]
) -> None:
    """The admin lets in anyone with is_staff, whatever the role; Django's model permissions
    are then what stands between a provider user wrongly flagged so and every organisation's
    rows. See docs/security.md (authorization matrix) for the hardening this calls for."""
    from portal.models import User

    User.objects.filter(pk=world.users[PROVIDER_B].pk).update(is_staff=True)
    rule = Rule("admin:tickets_ticket_changelist", "GET", {}, path="/admin/tickets/ticket/")
    status, location, body = call(rule, PROVIDER_B, world, sessions)

    assert matches(ADMIN_LOGIN, status, location) or status == 403
    assert world.a.ticket.reference not in readable(body)


@pytest.mark.django_db
def test_the_matrix_catches_an_access_helper_that_ignores_the_organisation(
    world: World, sessions: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A control for the matrix itself: break the ticket lookup, and it must complain."""
    import tickets.selectors

    def any_row(user: Any, queryset: Any, **lookup: Any) -> Any:
        return queryset.model._default_manager.get(**lookup)

    monkeypatch.setattr(tickets.selectors, "get_visible_or_404", any_row)
    rule = next(r for r in ALL_RULES if r.key == "ticket-detail")

    problems = check(rule, MERCHANT_B, world, sessions)

    assert any("expected 404, got 200" in p for p in problems)
    assert any(world.a.ticket.reference in p for p in problems)
