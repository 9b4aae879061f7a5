"""Fixtures of the browser tests: Playwright's ``expect``, one headless Chromium per module, the warehouse to serve.

On a developer's machine a missing Chromium or Playwright skips the tests with the reason; in CI it fails them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.app_server import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import skip_or_fail


@pytest.fixture(scope="module")
def expect():
    try:
        from playwright.sync_api import expect
    except ImportError:
        skip_or_fail("Playwright not installed (pip install -r requirements-dev.txt)")
    return expect


@pytest.fixture(scope="module")
def browser(expect):
    if not Path(CHROMIUM).exists():
        skip_or_fail("Chromium not installed (Debian package chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def warehouse(request):
    """The real warehouse when the offline mirror exists, else the demo warehouse."""
    try:
        return request.getfixturevalue("real_warehouse")
    except pytest.skip.Exception:
        return request.getfixturevalue("demo_warehouse")
