"""Strict readers for settings that come from the environment.

Every reader names the variable in its error, so a bad deployment fails at start with a
message an operator can act on instead of misbehaving later.
"""

from __future__ import annotations

import os
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, *, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}"
    )


def env_int(name: str, *, default: int, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {value}")
    return value


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(name: str, *, choices: list[str], default: str) -> str:
    value = env_str(name, default)
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}; got {value!r}")
    return value


def env_url(name: str, *, default: str, schemes: set[str]) -> str:
    """A URL whose scheme is one of `schemes`, e.g. a broker or a Redis address."""
    value = env_str(name, default)
    scheme = urlsplit(value).scheme
    if scheme not in schemes:
        raise ImproperlyConfigured(
            f"{name} must be a URL starting with one of {', '.join(sorted(schemes))}://; "
            f"got {value!r}"
        )
    return value


def parse_email_url(name: str, value: str) -> dict[str, object]:
    """`smtp://user:pass@host:587?tls=1` or `smtps://…` → Django's EMAIL_* settings."""
    parts = urlsplit(value)
    if parts.scheme not in {"smtp", "smtps", "submission"} or not parts.hostname:
        raise ImproperlyConfigured(
            f"{name} must look like smtp://user:password@host:port (or smtps://); got {value!r}"
        )
    query = parse_qs(parts.query)
    try:
        port = parts.port
    except ValueError:
        raise ImproperlyConfigured(f"{name} has a port that is not a number: {value!r}") from None
    use_ssl = parts.scheme == "smtps"
    use_tls = parts.scheme == "submission" or query.get("tls", ["0"])[0].lower() in _TRUE
    return {
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port or (465 if use_ssl else 587 if use_tls else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": use_tls,
        "EMAIL_USE_SSL": use_ssl,
    }
