"""Settings come from the environment and fail loudly, naming the variable, on bad values."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRINT = "from django.conf import settings as s; print({!r} % ({}))"


def start(
    env: dict[str, str], expr: str = "s.DEBUG", fmt: str = "%r"
) -> subprocess.CompletedProcess[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(
            ("EMAIL_", "DATABASE_", "CELERY_", "REDIS_", "PORTAL_", "SECRET", "DEBUG")
        )
    }
    base.update(
        {
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "PORTAL_VAR_DIR": tempfile.mkdtemp(prefix="portal-settings-"),
        }
    )
    base.update(env)
    code = "import django; django.setup(); " + PRINT.format(fmt, expr)
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        check=False,
    )


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off():
    result = start({})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_it_starts_in_production_shape_with_a_secret_key():
    result = start({"SECRET_KEY": "x" * 50}, "s.DEBUG, s.SESSION_COOKIE_SECURE", "%r %r")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False True"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBUG", "maybe"),
        ("EMAIL_PORT", "twenty-five"),
        ("DATABASE_URL", "mysql://x@y/z"),
        ("CELERY_BROKER_URL", "kafka://broker"),
        ("TIME_ZONE", "Mars/Olympus"),
        ("LANGUAGE_CODE", "fr"),
        ("UPLOAD_MAX_BYTES", "-5"),
        ("EMAIL_URL", "http://mail.example"),
    ],
)
def test_a_bad_value_fails_at_start_naming_the_variable(name, value):
    env = {"SECRET_KEY": "x" * 50, name: value}
    if name == "EMAIL_PORT":
        env["EMAIL_HOST"] = "mail.example"
    result = start(env)
    assert result.returncode != 0
    assert name in result.stderr.splitlines()[-1]


def test_email_goes_over_smtp_whenever_a_host_is_set_even_in_debug():
    result = start(
        {"DEBUG": "1", "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": "2525"},
        "s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT",
        "%s %s %s",
    )
    assert result.stdout.split() == [
        "django.core.mail.backends.smtp.EmailBackend",
        "127.0.0.1",
        "2525",
    ]


def test_email_url_sets_host_credentials_and_tls():
    result = start(
        {"DEBUG": "1", "EMAIL_URL": "smtp://robot:s%40cret@mail.example:587?tls=1"},
        "s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_HOST_PASSWORD, s.EMAIL_USE_TLS",
        "%s %s %s %s %s",
    )
    assert result.stdout.split() == ["mail.example", "587", "robot", "s@cret", "True"]


def test_without_an_environment_the_portal_uses_embedded_defaults():
    result = start(
        {"DEBUG": "1"},
        "s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, s.EMAIL_BACKEND, s.TIME_ZONE",
        "%s %s %s %s",
    )
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "filesystem://",
        "django.core.mail.backends.console.EmailBackend",
        "Asia/Shanghai",
    ]


def test_redis_url_is_the_broker_when_no_broker_is_named():
    result = start(
        {"DEBUG": "1", "REDIS_URL": "redis://127.0.0.1:6379/3"}, "s.CELERY_BROKER_URL", "%s"
    )
    assert result.stdout.strip() == "redis://127.0.0.1:6379/3"


def manage(*args: str) -> subprocess.CompletedProcess[str]:
    """manage.py in a bare environment: no DEBUG, no SECRET_KEY."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PORTAL_", "SECRET", "DEBUG", "DATABASE_"))
    }
    env["PORTAL_VAR_DIR"] = tempfile.mkdtemp(prefix="portal-manage-")
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_commands_that_sign_nothing_run_without_a_secret_key():
    result = manage("makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_other_commands_still_need_a_secret_key():
    result = manage("diffsettings")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
