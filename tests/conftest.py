"""Shared test fixtures: paths to the hand-made fixture files and to the offline mirror of real data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
#: The offline mirror of official files; override with REGIOMONITOR_SHARED_DATA.
SHARED_DATA = Path(os.environ.get("REGIOMONITOR_SHARED_DATA", ROOT.parent / "shared" / "data"))


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def shared_data() -> Path:
    """The real official files; tests that need them skip with a reason when the mirror is absent."""
    if not (SHARED_DATA / "README.md").exists():
        pytest.skip(f"offline mirror of official files not found at {SHARED_DATA}")
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
        pytest.skip(f"offline mirror of official files not found at {SHARED_DATA}")
    from indicators.warehouse.build import build

    out = tmp_path_factory.mktemp("real") / "warehouse"
    build(SHARED_DATA, out)
    return out
