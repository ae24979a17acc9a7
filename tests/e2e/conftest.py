"""Fixtures of the browser tests: Chromium, tabs in a language, the demo data, the settings.

How they fit together (see docs/testing.md):

- `browser`: Debian's Chromium through Playwright's sync API, one per run of this package
  (per xdist worker). Nothing downloads a browser.
- `open_tab(language)`: a fresh browser context (cookies, locale, viewport) per call, closed
  after the test; a failed test leaves a `failure` screenshot of each open tab.
- `demo`: `manage.py seed_demo`, the data `make run` shows (about 0.2 s).
- The live server is pytest-django's `live_server`, so the tests use the transactional
  database, with a serialized rollback (see `pytestmark` in the test modules).
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connections
from playwright.sync_api import Browser, expect, sync_playwright
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from portal.celery import app as celery_app
from portal.models import User
from terminals.models import Terminal
from tests.e2e.support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    LOCALES,
    PHONE,
    TIMEOUT_MS,
    Screenshots,
    Tab,
)

CALL_FAILED = pytest.StashKey[bool]()
EAGER = {"task_always_eager": True, "task_eager_propagates": True}


def pytest_configure(config: pytest.Config) -> None:
    # The marker list lives in pyproject.toml; this package registers its own marker here.
    config.addinivalue_line(
        "markers", "e2e: end-to-end test in headless Chromium against the live server"
    )


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Remember a failed test body so `open_tab` can screenshot the pages it left behind."""
    report = yield
    if report.when == "call" and report.failed:
        item.stash[CALL_FAILED] = True
    return report


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Headless Chromium for every test of this package.

    While Playwright's sync API is started, the main thread has a *running* asyncio event
    loop (Playwright drives it from a greenlet). Django reacts to that in two ways, and the
    tests, which use the ORM from the main thread (demo data, assertions), undo both for
    exactly as long as the browser lives:

    - it refuses ORM calls (SynchronousOnlyOperation): DJANGO_ALLOW_ASYNC_UNSAFE=true. Safe
      here because nothing async shares the thread; the live server runs in its own thread.
    - it keeps database connections per async context instead of per thread, so the ORM
      would silently open a *second* connection, without the test database's serialized
      contents (serialized_rollback would restore nothing) and, on in-memory SQLite, apart
      from the connection the live server shares. The thread's own connections are handed
      to the async-context storage, so the main thread keeps using them.

    Package-scoped rather than session-scoped for the same reason: when `make test` runs
    the whole suite, the browser, the loop and that switch are gone before the next
    package's tests run, so they keep Django's safety checks.
    """
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install chromium fonts-noto-cjk"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI must run the browser tests, never skip them silently
        pytest.skip(message)
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    thread_connections = {alias: connections[alias] for alias in connections}
    playwright = sync_playwright().start()
    for alias, connection in thread_connections.items():
        connections[alias] = connection  # now stored for the loop's context: the same objects
    try:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        expect.set_options(timeout=TIMEOUT_MS)
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(autouse=True)
def _e2e_settings(settings: Settings, tmp_path: Path) -> Iterator[None]:
    """Uploads in the test's own folder; e-mail tasks run in the server, into the outbox.

    Ticket e-mails are Celery tasks queued after commit. Eager tasks run them right there in
    the live server's thread, so no test waits on a broker (a folder locally, Redis in CI) and
    the e-mails land in Django's locmem outbox (`mail.outbox`), where the tests read them.
    Propagating makes an e-mail that fails to render a 500 the test sees, not a silent loss.

    Set on the Celery app's own configuration, not through Django's settings: Celery reads
    CELERY_* settings live, but a value once assigned to `app.conf` (other tests' fixtures do
    `conf.task_always_eager = False` when they finish) shadows the setting for the rest of the
    process. The previous values are put back afterwards, shadowing included.
    """
    settings.MEDIA_ROOT = tmp_path / "media"
    changes = celery_app.conf.changes
    assert changes is not None  # the app's configuration is loaded once Django is set up
    saved = {key: changes[key] for key in EAGER if key in changes}
    celery_app.conf.update(EAGER)
    try:
        yield
    finally:
        for key in EAGER:
            changes.pop(key, None)
        changes.update(saved)


@dataclass(frozen=True)
class Demo:
    merchant: User
    terminal: Terminal  # the merchant's first working terminal with no ticket on it


@pytest.fixture
def demo(transactional_db: None) -> Demo:
    """`seed_demo`: the providers, merchants, terminals, spares, users and tickets of `make run`."""
    call_command("seed_demo", stdout=io.StringIO())
    mail.outbox.clear()  # the demo's own tickets have mailed their reporters already
    merchant = User.objects.get(username="merchant")
    terminal = (
        Terminal.objects.filter(
            merchant=merchant.merchant,
            is_spare=False,
            status=Terminal.Status.ACTIVE,
            tickets__isnull=True,
        )
        .select_related("model")
        .order_by("serial_number")
        .first()
    )
    assert terminal is not None, "seed_demo gave the merchant no free working terminal"
    return Demo(merchant=merchant, terminal=terminal)


OpenTab = Callable[..., Tab]


@pytest.fixture
def open_tab(
    browser: Browser, live_server: LiveServer, request: pytest.FixtureRequest
) -> Iterator[OpenTab]:
    """`open_tab("zh-hans", phone=True)`: a new browser context asking for that language.

    Screenshots go to test-artifacts/e2e/<test name>/; every tab of the test numbers its
    steps in one sequence. After the test, no page may have answered 5xx or thrown in JS.
    """
    shots = Screenshots(request.node.name)
    tabs: list[Tab] = []

    def open_(language: str, *, phone: bool = False) -> Tab:
        context = browser.new_context(
            locale=LOCALES[language],
            timezone_id="Asia/Shanghai",
            viewport=PHONE if phone else DESKTOP,
            is_mobile=phone,
            has_touch=phone,
            accept_downloads=True,
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        tab = Tab(context, context.new_page(), live_server.url, language, shots)
        tabs.append(tab)
        return tab

    yield open_

    failed = request.node.stash.get(CALL_FAILED, False)
    for tab in tabs:
        if failed and not tab.page.is_closed():
            try:
                tab.shot("failure")
            except Exception as error:  # a dead page must not hide the test's own failure
                print(f"no failure screenshot: {error}")  # noqa: T201
        tab.context.close()
    problems = [
        *(e for t in tabs for e in t.server_errors),
        *(e for t in tabs for e in t.page_errors),
    ]
    assert not problems, f"the pages reported errors: {problems}"
