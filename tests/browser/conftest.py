"""Browser tests: Playwright (Python, sync API) driving Debian's Chromium against live_server.

`playwright install` is never used: the browser is the system's /usr/bin/chromium
(.ci/run installs it). Without it the tests skip with the reason on a laptop and fail
under CI=true, like the real-service tests (tests/services.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.compliance.conftest import rules_loaded  # noqa: F401  (shared fixture)
from tests.services import IN_CI

CHROMIUM = Path(os.environ.get("GRANTCHECK_CHROMIUM", "/usr/bin/chromium"))
PASSWORD = "correct-horse-battery"  # tests/factories.py UserFactory


def _missing(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(f"{reason} (apt-get install chromium, or run .ci/run)")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium per test module, closed afterwards: Playwright's event loop and the
    DJANGO_ALLOW_ASYNC_UNSAFE it needs never outlive the browser tests."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package is not installed (make install adds it)")
    if not CHROMIUM.exists():
        _missing(f"the browser tests need Chromium and {CHROMIUM} does not exist")
    # Playwright's sync API keeps an event loop running in this thread; Django refuses
    # ORM calls from a thread with a running loop unless told that this is deliberate.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        yield chromium
        chromium.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_page(browser: Any) -> Iterator[Any]:
    """Open a fresh browser context (own cookies) per call; all are closed after the test."""
    contexts: list[Any] = []

    def make() -> Any:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def sign_in(page: Any, base_url: str, username: str, password: str = PASSWORD) -> None:
    """Sign in through the real login page, as a person would."""
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert "/accounts/login/" not in page.url, f"sign-in failed for {username}: {page.url}"
