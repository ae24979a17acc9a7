from __future__ import annotations

import os
import uuid

import pytest
from django.db import connection
from django.test import Client

from tests import factories


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `postgres` skip on SQLite, but never silently in CI."""
    if connection.vendor == "postgresql":
        return
    if os.environ.get("CI"):
        raise pytest.UsageError("CI must run the suite on PostgreSQL: set DATABASE_URL")
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _english_by_default(settings: object) -> None:
    """Tests read English messages unless they switch language themselves."""
    settings.LANGUAGE_CODE = "en"  # type: ignore[attr-defined]
    # Hashing with production strength would dominate the run time of the suite.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _fresh_cache(settings: object) -> None:
    """Throttle counters live in the cache; each test starts with none.

    A key prefix of its own rather than cache.clear(): in CI the cache is one Redis database
    shared by the parallel test workers, and clearing it would reset another test's counters.
    """
    caches_setting = {name: dict(conf) for name, conf in settings.CACHES.items()}  # type: ignore[attr-defined]
    caches_setting["default"]["KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
    settings.CACHES = caches_setting  # type: ignore[attr-defined]


@pytest.fixture
def provider(db: None) -> object:
    return factories.ProviderFactory()


@pytest.fixture
def merchant(provider: object) -> object:
    return factories.MerchantFactory(provider=provider)


@pytest.fixture
def merchant_user(merchant: object) -> object:
    return factories.MerchantUserFactory(merchant=merchant)


@pytest.fixture
def agent(provider: object) -> object:
    return factories.ProviderUserFactory(provider=provider)


@pytest.fixture
def operator(db: None) -> object:
    return factories.OperatorFactory()


def signed_in(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client
