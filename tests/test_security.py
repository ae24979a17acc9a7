"""Security settings and defences: CSP, production settings, lock-outs and throttles."""

from __future__ import annotations

import ast
import os
import re
import secrets
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.test import Client
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from tests import factories
from tests.conftest import signed_in
from tests.test_settings import ROOT

pytestmark = pytest.mark.django_db

PRODUCTION = {
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "portal.example.com",
}


def csp_of(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    directives = (part.split() for part in policy.split(";") if part.strip())
    return {name: values for name, *values in directives}


class _Assets(HTMLParser):
    """The scripts and style sheets a page loads, and any inline script or style it carries."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0
        self.inline_handlers: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.inline_handlers += [name for name, _value in attrs if name.startswith("on")]
        if tag == "script":
            self._in_script = not found.get("src")
            if found.get("src"):
                self.urls.append(str(found["src"]))
        if tag == "link" and found.get("rel") in {"stylesheet", "icon"}:
            self.urls.append(str(found["href"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_scripts += 1


def assets_of(html: str) -> _Assets:
    parser = _Assets()
    parser.feed(html)
    return parser


# --- Content-Security-Policy -------------------------------------------------------------------


def test_every_page_carries_a_strict_content_security_policy(merchant_user):
    response = signed_in(merchant_user).get("/")

    policy = csp_of(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"]


def test_the_sign_in_page_has_a_policy_and_no_inline_script():
    response = Client().get("/accounts/login/")

    assert "Content-Security-Policy" in response.headers
    assets = assets_of(response.text)
    assert (assets.inline_scripts, assets.inline_handlers) == (0, [])


def test_api_answers_carry_the_policy_too(merchant_user):
    client = APIClient()
    client.force_authenticate(merchant_user)

    response = client.get("/api/v1/terminals/")

    assert csp_of(response)["default-src"] == ["'self'"]


def test_the_api_docs_page_loads_only_its_own_scripts_and_relaxes_only_inline_styles():
    client = Client()
    response = client.get("/api/v1/docs/")

    assert response.status_code == 200
    policy = csp_of(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assets = assets_of(response.text)
    assert assets.inline_scripts == 0
    assert len(assets.urls) >= 4  # the CSS, two bundles, the start-up script (and an icon)
    for url in assets.urls:
        assert not urlsplit(url).netloc, f"{url} is not served by the portal itself"
        asset = client.get(url)
        assert asset.status_code == 200, url
        body = b"".join(asset.streaming_content) if asset.streaming else asset.content
        assert body, url


def test_the_api_docs_start_up_script_points_at_the_schema():
    response = Client().get("/api/v1/docs/", {"script": ""})

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/javascript")
    assert "/api/v1/schema/" in response.text


# --- Production settings -----------------------------------------------------------------------


def run_django(env: dict[str, str], code: str) -> subprocess.CompletedProcess[str]:
    """`code` after django.setup(), in a fresh interpreter with only `env` as configuration."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(
            ("EMAIL_", "DATABASE_", "CELERY_", "REDIS_", "PORTAL_", "SECRET", "DEBUG", "SECURE_")
        )
    }
    clean.update(
        {
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "PORTAL_VAR_DIR": tempfile.mkdtemp(prefix="portal-security-"),
            **env,
        }
    )
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_settings_pass_the_deploy_check_without_warnings():
    """`manage.py check --deploy` with a production environment has nothing to warn about.

    drf-spectacular reports schema warnings through the same check; tests/test_openapi.py
    owns those, so they are left out here.
    """
    result = run_django(
        PRODUCTION,
        "import io; from django.core.management import call_command\n"
        "out = io.StringIO()\n"
        "call_command('check', deploy=True, stdout=out, stderr=out)\n"
        "print(out.getvalue())",
    )

    assert result.returncode == 0, result.stderr
    issues = re.findall(r"\(([\w.]+)\) ", result.stdout)
    assert [i for i in issues if not i.startswith("drf_spectacular.")] == [], result.stdout


SECURITY_SETTINGS = (
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
    "SECURE_PROXY_SSL_HEADER",
)


def security_settings(env: dict[str, str]) -> dict[str, object]:
    names = ", ".join(f"{n!r}: getattr(s, {n!r}, None)" for n in SECURITY_SETTINGS)
    result = run_django(env, f"from django.conf import settings as s; print({{{names}}})")
    assert result.returncode == 0, result.stderr
    return ast.literal_eval(result.stdout.strip().splitlines()[-1])


def test_production_is_https_only_with_secure_cookies_and_a_year_of_hsts():
    assert security_settings(PRODUCTION) == {
        "SECURE_SSL_REDIRECT": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_PROXY_SSL_HEADER": None,
    }


def test_make_run_keeps_plain_http_cookies_so_local_sign_in_works():
    assert security_settings({"DEBUG": "1"}) == {
        "SECURE_SSL_REDIRECT": False,
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
        "SECURE_HSTS_SECONDS": 0,
        "SECURE_PROXY_SSL_HEADER": None,
    }


def test_behind_a_proxy_the_forwarded_protocol_header_is_trusted_only_when_named():
    found = security_settings({**PRODUCTION, "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto"})

    assert found["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")


def test_each_production_setting_can_be_overridden_from_the_environment():
    found = security_settings(
        {
            **PRODUCTION,
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_HSTS_SECONDS": "3600",
            "SESSION_COOKIE_SECURE": "0",
        }
    )

    assert (found["SECURE_SSL_REDIRECT"], found["SECURE_HSTS_SECONDS"]) == (False, 3600)
    assert found["SESSION_COOKIE_SECURE"] is False


@pytest.mark.parametrize(
    ("name", "value"),
    [("SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto: https"), ("PROXY_COUNT", "-1")],
)
def test_a_bad_security_value_fails_at_start_naming_the_variable(name, value):
    result = run_django({**PRODUCTION, name: value}, "")

    assert result.returncode != 0
    assert name in result.stderr.splitlines()[-1]


def test_signing_in_over_plain_http_works_when_not_in_production(merchant_user):
    client = Client()

    response = client.post(
        "/accounts/login/", {"username": merchant_user.username, "password": "demo-pass"}
    )

    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_pages_refuse_to_be_framed_and_keep_the_referrer_on_site():
    response = Client().get("/accounts/login/")

    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


# --- Lock-out after repeated failed sign-ins ----------------------------------------------------


def fail_page_sign_in(client: Client, username: str, address: str = "203.0.113.7"):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": "wrong-password"},
        REMOTE_ADDR=address,
    )


def fail_token_sign_in(client: APIClient, username: str, address: str = "203.0.113.7"):
    return client.post(
        "/api/v1/auth/token/",
        {"username": username, "password": "wrong-password"},
        format="json",
        REMOTE_ADDR=address,
    )


def test_the_sign_in_page_locks_a_username_out_after_five_failures_from_any_address(
    merchant_user,
):
    client = Client()
    answers = [
        fail_page_sign_in(client, merchant_user.username, f"198.51.100.{n}").status_code
        for n in range(1, 6)
    ]

    assert answers == [200, 200, 200, 200, 429]
    right = client.post(
        "/accounts/login/",
        {"username": merchant_user.username, "password": "demo-pass"},
        REMOTE_ADDR="192.0.2.99",
    )
    assert right.status_code == 429
    assert "too many failed sign-ins" in right.text.lower()
    assert "_auth_user_id" not in client.session


def test_the_sign_in_page_locks_an_address_out_after_five_failures_for_any_usernames(db):
    client = Client()
    answers = [fail_page_sign_in(client, f"nobody{n}").status_code for n in range(5)]

    assert answers[-1] == 429
    other = factories.MerchantUserFactory()
    response = client.post(
        "/accounts/login/",
        {"username": other.username, "password": "demo-pass"},
        REMOTE_ADDR="203.0.113.7",
    )
    assert response.status_code == 429
    assert "Sign-in paused" in response.text


def test_another_address_and_another_user_can_still_sign_in_during_a_lock_out(merchant_user):
    client = Client()
    for _ in range(5):
        fail_page_sign_in(client, "attacked")
    other = factories.MerchantUserFactory()

    response = client.post(
        "/accounts/login/",
        {"username": other.username, "password": "demo-pass"},
        REMOTE_ADDR="192.0.2.10",
    )

    assert response.status_code == 302


def test_the_lock_out_page_speaks_the_users_language(merchant_user):
    client = Client(headers={"accept-language": "zh-hans"})
    for _ in range(4):
        fail_page_sign_in(client, merchant_user.username)

    response = fail_page_sign_in(client, merchant_user.username)

    assert response.status_code == 429
    assert "登录失败次数过多" in response.text


def test_the_token_endpoint_locks_a_username_out_with_a_json_answer(merchant_user):
    client = APIClient()
    answers = [
        fail_token_sign_in(client, merchant_user.username, f"198.51.100.{n}") for n in range(1, 6)
    ]

    assert [a.status_code for a in answers] == [400, 400, 400, 400, 429]
    right = client.post(
        "/api/v1/auth/token/",
        {"username": merchant_user.username, "password": "demo-pass"},
        format="json",
        REMOTE_ADDR="192.0.2.99",
    )
    assert right.status_code == 429
    assert right.json() == {"detail": "Too many failed sign-ins. Try again in 15 minutes."}


def test_the_token_endpoint_locks_an_address_out_for_any_usernames(db):
    client = APIClient()
    for n in range(5):
        fail_token_sign_in(client, f"nobody{n}")
    user = factories.MerchantUserFactory()

    response = client.post(
        "/api/v1/auth/token/",
        {"username": user.username, "password": "demo-pass"},
        format="json",
        REMOTE_ADDR="203.0.113.7",
    )

    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.json()["detail"]


def test_the_token_lock_out_answer_speaks_the_callers_language(merchant_user):
    client = APIClient(headers={"accept-language": "zh-hans"})
    answers = [fail_token_sign_in(client, merchant_user.username) for _ in range(5)]

    assert answers[-1].status_code == 429
    assert answers[-1].json()["detail"] == "登录失败次数过多，请 15 分钟后再试。"


def test_behind_a_trusted_proxy_the_lock_out_counts_the_forwarded_address(settings, db):
    settings.PROXY_COUNT = 1
    client = Client()
    for _ in range(5):
        client.post(
            "/accounts/login/",
            {"username": "nobody", "password": "wrong"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.50",
        )
    user = factories.MerchantUserFactory()

    elsewhere = client.post(
        "/accounts/login/",
        {"username": user.username, "password": "demo-pass"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.51",
    )

    assert elsewhere.status_code == 302


# --- Throttles -----------------------------------------------------------------------------------


@pytest.fixture
def tight_rates(monkeypatch):
    """DRF reads the rates once, at import; the test sets small ones directly."""
    monkeypatch.setattr(
        ScopedRateThrottle, "THROTTLE_RATES", {"token": "3/min", "report": "2/hour"}
    )


def test_the_token_endpoint_is_throttled_with_a_clear_answer(tight_rates, merchant_user):
    client = APIClient()
    body = {"username": merchant_user.username, "password": "demo-pass"}
    answers = [client.post("/api/v1/auth/token/", body, format="json") for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[-1].json()["detail"].startswith("Request was throttled.")
    assert int(answers[-1].headers["Retry-After"]) > 0


def test_a_forged_forwarded_for_header_does_not_escape_the_token_throttle(
    tight_rates, merchant_user
):
    client = APIClient()
    body = {"username": merchant_user.username, "password": "demo-pass"}
    answers = [
        client.post("/api/v1/auth/token/", body, format="json", HTTP_X_FORWARDED_FOR=f"10.9.9.{n}")
        for n in range(4)
    ]

    assert answers[-1].status_code == 429


def test_filing_tickets_through_the_api_is_throttled(tight_rates, merchant_user):
    terminal = factories.TerminalFactory(merchant=merchant_user.merchant)
    client = APIClient()
    client.force_authenticate(merchant_user)
    body = {"terminal": terminal.pk, "error_code": "96", "scheme": "cup"}

    answers = [client.post("/api/v1/tickets/", body, format="json") for _ in range(3)]

    assert [a.status_code for a in answers] == [201, 201, 429]
    assert "throttled" in answers[-1].json()["detail"]
    assert client.get("/api/v1/tickets/").status_code == 200


def test_the_admin_is_for_operator_admins_even_if_someone_sets_is_staff(db):
    from tests import factories
    from tests.conftest import signed_in

    staff_by_mistake = factories.ProviderUserFactory(is_staff=True)
    response = signed_in(staff_by_mistake).get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert signed_in(factories.OperatorFactory(is_staff=True)).get("/admin/").status_code == 200
