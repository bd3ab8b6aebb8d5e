"""A real headless Chromium (Debian's package) driven by Playwright, with a screenshot per page.

CI installs Chromium (`.ci/run`) and sets `CI`: there a missing browser fails the run; on a developer's
machine without one the browser tests skip. Screenshots go to `test-artifacts/screenshots/` (or
WIJKBRUG_TEST_SCREENSHOTS) so that a person can look at every page the tests saw.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
ROOT = Path(__file__).resolve().parents[2]


def chromium_path() -> str:
    """The Chromium executable (WIJKBRUG_TEST_CHROMIUM or on PATH); skips, or fails in CI, without one."""
    configured = os.environ.get("WIJKBRUG_TEST_CHROMIUM")
    found = configured or next((path for name in CANDIDATES if (path := shutil.which(name))), None)
    if found is None or not Path(found).exists():
        message = "no Chromium: install Debian's `chromium` (.ci/run does) or set WIJKBRUG_TEST_CHROMIUM"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def screenshot_dir() -> Path:
    directory = Path(os.environ.get("WIJKBRUG_TEST_SCREENSHOTS", ROOT / "test-artifacts" / "screenshots"))
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def screenshot(page: Page, name: str) -> Path:
    """Save the whole page as `<name>.png` and return the file."""
    path = screenshot_dir() / f"{re.sub(r'[^a-z0-9-]+', '-', name.lower())}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@contextmanager
def headless_chromium() -> Iterator[Browser]:
    """One browser for a test module; each test opens its own context (own cookies)."""
    executable = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def browser_page(browser: Browser, base_url: str, *, width: int = 1366, height: int = 900) -> Iterator[Page]:
    """A fresh page (no cookies) on `base_url`, laptop-sized unless told otherwise; Dutch locale."""
    context = browser.new_context(
        base_url=base_url, viewport={"width": width, "height": height}, locale="nl-NL"
    )
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def log_in(page: Page, name: str, password: str) -> None:
    """Log in through the login form, as a person would."""
    page.goto("/login")
    page.get_by_label("Gebruikersnaam").fill(name)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_load_state()
