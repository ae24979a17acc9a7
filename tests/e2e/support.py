"""What the browser tests share: the browser's settings, tabs that speak one language, screenshots.

A `Tab` is one browser context (its own cookies, its own locale) with one page, pointed at the
live server. Tests drive it through what a person sees: roles, labels and visible text, in the
tab's language. `tab.t("Next")` is the page's own translation of a message (Django's gettext),
so one test walks the same journey in English and in Chinese.
"""

from __future__ import annotations

import io
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils import translation
from PIL import Image, ImageDraw
from playwright.sync_api import BrowserContext, Page, Response, ViewportSize, expect

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("E2E_ARTIFACTS", str(ROOT / "test-artifacts" / "e2e")))
CHROMIUM = Path(os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium"))
# Debian's Chromium, headless, without anything that phones home or needs a GPU or a sandbox
# (containers and CI runners have neither user namespaces nor a GPU).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# How long a locator waits for what it expects. Pages here render server-side in well under a
# second; the margin is for a loaded CI runner, not for slowness we accept.
TIMEOUT_MS = 15_000

DEMO_PASSWORD = "demo-pass"  # seed_demo's published demo password

# The portal's languages and the browser locale that asks for each (Accept-Language).
LOCALES = {"en": "en-US", "zh-hans": "zh-CN"}
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}


def tr(language: str, message: str, **params: Any) -> str:
    """`message` as the portal shows it in `language` (its gettext catalogue)."""
    with translation.override(language):
        text = translation.gettext(message)
    return text % params if params else text


def in_language(language: str, lazy: Any) -> str:
    """A lazy translation (a model choice label, a self-check question) in `language`."""
    with translation.override(language):
        return str(lazy)


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "test"


def jpeg_bytes(text: str = "97", size: tuple[int, int] = (480, 320)) -> bytes:
    """A small real JPEG: a terminal screen with a code on it."""
    image = Image.new("RGB", size, (18, 32, 48))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, size[0] - 20, size[1] - 20), outline=(90, 200, 120), width=4)
    draw.text((48, 60), "TRANSACTION DECLINED", fill=(240, 240, 240))
    draw.text((48, 110), f"RESPONSE CODE {text}", fill=(255, 200, 60))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


class Screenshots:
    """Full-page PNGs of one test's steps: test-artifacts/e2e/<test>/NN-step.png."""

    def __init__(self, test_name: str) -> None:
        self.folder = ARTIFACTS / slug(test_name)
        shutil.rmtree(self.folder, ignore_errors=True)  # only this run's steps, in order
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def take(self, page: Page, step: str) -> Path:
        self.count += 1
        # Again here: another run of the same test in this tree may have just emptied it.
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{self.count:02d}-{slug(step)}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@dataclass
class Tab:
    """One person at one browser: a context with its own cookies and language, and its page."""

    context: BrowserContext
    page: Page
    base_url: str
    language: str
    shots: Screenshots
    server_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("response", self._on_response)
        self.page.on("pageerror", lambda error: self.page_errors.append(str(error)))

    def _on_response(self, response: Response) -> None:
        if response.status >= 500:
            self.server_errors.append(f"{response.status} {response.request.method} {response.url}")

    # --- language --------------------------------------------------------------------------

    def t(self, message: str, **params: Any) -> str:
        return tr(self.language, message, **params)

    def lazy(self, lazy: Any) -> str:
        return in_language(self.language, lazy)

    def switch_language(self, language: str) -> None:
        """Use the header's language switch; the pages (and the user's saved choice) follow."""
        names = {"en": "English", "zh-hans": "简体中文"}
        self.page.get_by_role("button", name=names[language], exact=True).click()
        self.language = language
        expect(self.page.locator("html")).to_have_attribute("lang", language)

    # --- navigation ------------------------------------------------------------------------

    def goto(self, path: str) -> None:
        self.page.goto(self.base_url + path)

    def shot(self, step: str) -> Path:
        return self.shots.take(self.page, step)

    def sign_in(self, username: str, password: str = DEMO_PASSWORD) -> None:
        """Through the real sign-in form, as a person would."""
        self.goto("/accounts/login/")
        page = self.page
        expect(page.get_by_role("heading", level=1)).to_have_text(self.t("Sign in"))
        page.get_by_label(self.t("Username")).fill(username)
        page.get_by_label(self.t("Password")).fill(password)
        self.shot(f"sign-in-{username}")
        page.get_by_role("button", name=self.t("Sign in"), exact=True).click()
        expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
        # The sign-in switches the pages to the user's saved language, whatever the browser asks.
        self.language = page.locator("html").get_attribute("lang") or self.language
        expect(page.get_by_role("button", name=self.t("Sign out"), exact=True)).to_be_visible()

    def click_button(self, message: str) -> None:
        self.page.get_by_role("button", name=self.t(message), exact=True).click()

    def click_link(self, message: str) -> None:
        self.page.get_by_role("link", name=self.t(message), exact=True).click()

    def expect_heading(self, text: str) -> None:
        expect(self.page.get_by_role("heading", level=1)).to_have_text(text)
