"""Browser tests: Playwright drives Debian's Chromium (never a downloaded browser) against a live server.

Under CI (``CI=true``) a missing Chromium fails the run; elsewhere the tests are skipped with the reason.
Screenshots of every open page are kept in ``test-artifacts/`` when a test fails.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

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
