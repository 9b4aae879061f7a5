"""Vergleichsgruppen: a group's member table is built only while its box is open, and lists that group."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

HOME = "15087"


@pytest.fixture
def groups_page(demo_warehouse, tmp_path, monkeypatch):
    monkeypatch.setenv("REGIOMONITOR_WAREHOUSE", str(demo_warehouse))
    monkeypatch.setenv("REGIOMONITOR_USERDATA", str(tmp_path / "userdata.sqlite"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params.update({"kreis": HOME, "gruppe": "land"})
    at.run()
    at.switch_page("app_pages/vergleichsgruppen.py")
    at.run()
    assert not at.exception
    return at


def member_tables(at: AppTest) -> list:
    return [d.value for d in at.dataframe if "Eigener Kreis" in d.value.columns]


def test_only_the_active_groups_members_are_built(groups_page):
    at = groups_page
    [table] = member_tables(at)  # the active group (Land) is open, the other three boxes are closed
    # the Land of a Kreis is the first two digits of its AGS: every Kreis of Sachsen-Anhalt, and no other
    assert set(table["AGS"]) and {a[:2] for a in table["AGS"]} == {"15"}
    assert table.loc[table["AGS"] == HOME, "Eigener Kreis"].tolist() == [True]


def test_opening_a_box_builds_that_groups_table(groups_page, demo_warehouse):
    at = groups_page
    at.session_state["mitglieder_alle"] = True  # a click on "Alle Kreise"
    at.run()
    assert not at.exception
    kreise = pq.read_table(demo_warehouse / "districts.parquet", columns=["ags"]).column("ags").to_pylist()
    in_land = [a for a in kreise if a.startswith("15")]
    assert sorted(len(t) for t in member_tables(at)) == sorted([len(in_land), len(kreise)])
