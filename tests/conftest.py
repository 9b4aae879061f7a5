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
