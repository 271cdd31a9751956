"""Browser tests: Playwright drives Debian's Chromium (never a downloaded browser) against a live server.

Under CI (``CI=true``) a missing Chromium fails the run; elsewhere the tests are skipped with the reason.
Screenshots of every open page are kept in ``test-artifacts/`` when a test fails; the day scenario
(test_day.py) keeps its screenshots in ``ESCALADE_SCREENSHOT_DIR`` (``test-artifacts/screenshots/``).
Accessibility checks run axe-core as the ``axe-playwright-python`` package ships it (PyPI), never a copy
in this repository.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, ViewportSize, expect

from escalade.accounts.models import User
from tests.accounts.factories import PASSWORD
from tests.tickets.conftest import at, levels, make_ticket

__all__ = ["at", "levels", "make_ticket"]

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("ESCALADE_CHROMIUM", "/usr/bin/chromium"))
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
    "--disable-dev-shm-usage",
]  # fmt: skip
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SCREENSHOTS = Path(os.environ.get("ESCALADE_SCREENSHOT_DIR") or ARTIFACTS / "screenshots")
DESKTOP: ViewportSize = {"width": 1440, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
SIGN_OUT = {"en": "Sign out", "fr": "Déconnexion"}
# WCAG 2.1 A and AA: what axe-core checks on every page it is given (colour contrast included).
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


def chromium_or_skip() -> None:
    if CHROMIUM.exists():
        return
    message = f"Chromium not found at {CHROMIUM} (apt-get install chromium; see scripts/system-packages.txt)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": FLAGS, "headless": True}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
def pages(request, browser) -> Iterator[dict[str, object]]:
    """Named pages (one browser context each, i.e. one signed-in person each); screenshots on failure."""
    opened: dict[str, object] = {}
    yield opened
    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
        for name, page in opened.items():
            page.screenshot(path=str(ARTIFACTS / f"{stem}-{name}.png"), full_page=True)  # type: ignore[attr-defined]
    for page in opened.values():
        page.context.close()  # type: ignore[attr-defined]


def sign_in(
    browser: Browser, base_url: str, user: User, *, language: str, color_scheme: str = "light"
) -> Page:
    """A new context (one person, who speaks ``language``) at 1440 x 900 in ``color_scheme``, signed
    in: the page is where the person lands."""
    User.objects.filter(pk=user.pk).update(language=language)
    context = browser.new_context(
        locale=language,
        viewport=DESKTOP,
        color_scheme=color_scheme,  # type: ignore[arg-type]
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", language)
    return page


def keep_screenshot(page: Page, name: str) -> Path:
    """A full-page screenshot kept as a test artefact: ``SCREENSHOTS/<name>.png``."""
    path = SCREENSHOTS / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path


def overflow(page: Page) -> int:
    """How many pixels the page is wider than the window (0: no sideways scrolling)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def axe_violations(page: Page) -> list[str]:
    """axe-core's WCAG A/AA violations on the page as it is now, one line each."""
    found = Axe().run(page, options=AXE_OPTIONS).response["violations"]
    return [f"{v['id']}: {[node['target'] for node in v['nodes']]}" for v in found]


def luminance(colour: str) -> float:
    """WCAG relative luminance of a computed ``rgb(r, g, b)`` colour."""
    channels = [float(part) / 255 for part in re.findall(r"[\d.]+", colour)[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(ink: str, background: str) -> float:
    """WCAG contrast ratio of two computed colours (1 to 21)."""
    high, low = sorted((luminance(ink), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)
