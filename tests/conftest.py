"""Shared test fixtures: paths to the hand-made fixture files and to the offline mirror of real data.

Also the rules every test run follows:

* In CI (``CI=true``) a missing prerequisite (Chromium, Playwright, poppler, the offline mirror) fails the test
  instead of skipping it, and a browser test that skips for any other reason is reported as failed: CI is never
  green without the browser having been tested. On a developer's machine such tests skip and say why.
* Property tests (hypothesis) are reproducible: CI derandomises them (profile ``ci``); elsewhere every run draws
  one seed, prints it in the header and again after a failure, and ``--hypothesis-seed=N`` (or
  ``REGIOMONITOR_HYPOTHESIS_SEED=N``) replays exactly that run.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
#: The offline mirror of official files; override with REGIOMONITOR_SHARED_DATA.
SHARED_DATA = Path(os.environ.get("REGIOMONITOR_SHARED_DATA", ROOT.parent / "shared" / "data"))
IN_CI = os.environ.get("CI", "").lower() == "true"
SEED_KEY = pytest.StashKey[int]()


def skip_or_fail(reason: str) -> None:
    """Skip with ``reason`` on a developer's machine; fail in CI, where every prerequisite must be installed."""
    if IN_CI:
        pytest.fail(f"{reason} (in CI this is required, so the test fails instead of skipping)", pytrace=False)
    pytest.skip(reason)


# -- hypothesis: reproducible runs ---------------------------------------------------------------------------
def pytest_configure(config):
    from hypothesis import core, settings

    settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
    settings.register_profile("dev", print_blob=True)
    # mutation testing (python -m tests.mutation) runs the property tests once per mutant: fewer, fixed examples
    settings.register_profile("mutation", max_examples=25, derandomize=True, database=None, deadline=None)
    if os.environ.get("REGIOMONITOR_MUTATION") == "1":
        settings.load_profile("mutation")
        return
    settings.load_profile("ci" if IN_CI else "dev")
    if config.getoption("hypothesis_seed", default=None) is not None or IN_CI:
        return
    seed = int(os.environ.get("REGIOMONITOR_HYPOTHESIS_SEED") or random.SystemRandom().randrange(2**32))
    core.global_force_seed = seed
    config.stash[SEED_KEY] = seed


def pytest_report_header(config):
    if SEED_KEY in config.stash:
        seed = config.stash[SEED_KEY]
        return f"hypothesis seed {seed} (replay this run with --hypothesis-seed={seed})"
    if IN_CI:
        return "hypothesis profile ci (derandomised: the same examples on every run)"
    return None


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if SEED_KEY in config.stash and terminalreporter.stats.get("failed"):
        seed = config.stash[SEED_KEY]
        terminalreporter.write_line(
            f"hypothesis seed of this run: {seed}; replay with: python -m pytest --hypothesis-seed={seed} ..."
        )


# -- the fast lane: ``pytest -m "not slow"`` ------------------------------------------------------------------
#: Tests left out of the fast lane, by node id (without parameters) or module, and why. CI runs them all.
SLOW = {
    "tests/browser": "drives the real app in headless Chromium",
    "tests/test_hostile_input.py": "property tests over hostile files, minutes on 2 cores",
    "tests/test_load_smoke.py": "starts a server and drives sessions and editors against it",
    "tests/pages/test_dashboard.py::test_all_400_kreise_have_a_profile": "400 profiles on the real warehouse",
    "tests/pages/test_dashboard.py::test_pages_render_for_kreise_on_real_data": "every page for 12 Kreise",
    "tests/pages/test_smoke.py::test_every_routed_page_renders_on_the_real_warehouse": "every page on real data",
    "tests/test_injection.py::test_store_queries_take_hostile_text_as_data": "every store query per hostile text",
    "tests/importers/test_deutschlandatlas.py::test_real_gemeinde_level": "11,000 Gemeinden of the real workbook",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        test = item.nodeid.split("[", 1)[0]
        if item.get_closest_marker("browser") or any(
            test == k or test.startswith(k + "/") or test.startswith(k + "::") for k in SLOW
        ):
            item.add_marker(pytest.mark.slow)


# -- CI: browser tests never skip ------------------------------------------------------------------------------
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and item.get_closest_marker("browser") is not None:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"browser test skipped in CI ({reason}); CI must test the browser"


# -- fixtures ----------------------------------------------------------------------------------------------------
@pytest.fixture(autouse=True, scope="session")
def charts_checked_by_plotly():
    """Every figure a test builds goes through Plotly's property check, which the pages skip (ui.charts.VALIDATE).

    A mutation run copies only the domain code (no ``ui``), and its tests build no figures."""
    try:
        from ui import charts
    except ImportError:
        yield
        return
    charts.VALIDATE = True
    yield
    charts.VALIDATE = False


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def shared_data() -> Path:
    """The real official files; tests that need them skip with a reason when the mirror is absent."""
    if not (SHARED_DATA / "README.md").exists():
        skip_or_fail(f"offline mirror of official files not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory) -> Path:
    """A Kreis-scale demo warehouse, written once per test session."""
    from indicators.warehouse import demo

    out = tmp_path_factory.mktemp("demo") / "warehouse"
    demo.write_demo(out)
    return out


@pytest.fixture(scope="session")
def real_warehouse(tmp_path_factory) -> Path:
    """The warehouse built from the offline mirror of official files, once per test session.

    CI builds ``data/warehouse`` before the tests; set REGIOMONITOR_TEST_WAREHOUSE to reuse such a build.
    Skips with a reason when the mirror is absent.
    """
    prebuilt = os.environ.get("REGIOMONITOR_TEST_WAREHOUSE")
    if prebuilt and (Path(prebuilt) / "manifest.json").exists():
        return Path(prebuilt)
    if not (SHARED_DATA / "README.md").exists():
        skip_or_fail(f"offline mirror of official files not found at {SHARED_DATA}")
    from indicators.warehouse.build import build

    out = tmp_path_factory.mktemp("real") / "warehouse"
    build(SHARED_DATA, out)
    return out
