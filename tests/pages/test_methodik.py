"""Methodik page: catalogue with definition, polarity and coverage; quality report; sources and licences."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest
from streamlit.testing.v1 import AppTest

from indicators.domain.catalog import load_catalogue
from indicators.warehouse.store import Store
from tests import independent
from tests.conftest import ROOT


@pytest.fixture
def methodik_page(demo_warehouse, tmp_path, monkeypatch):
    monkeypatch.setenv("REGIOMONITOR_WAREHOUSE", str(demo_warehouse))
    monkeypatch.setenv("REGIOMONITOR_USERDATA", str(tmp_path / "userdata.sqlite"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("app_pages/methodik.py")
    at.run()
    assert not at.exception
    return at, Store(demo_warehouse)


def test_catalogue_entry_shows_definition_polarity_reason_and_coverage(methodik_page):
    at, store = methodik_page
    alq = load_catalogue()["alq"]
    assert at.selectbox(key="methodik_detail").value == "alq", "details of the indicator chosen in the sidebar"
    text = "\n".join(m.value for m in at.markdown)
    assert f"##### {alq.label} (`alq`)" in text
    assert alq.definition in text
    assert "▼ niedriger ist günstiger" in text and alq.polarity_reason in text
    cov = independent.coverage(store.path, "alq")  # the facts file counted in plain Python, not the store's SQL
    assert cov == {"first_year": 2010, "last_year": 2023, "years": 14, "kreise": 400}  # demo: 400 Kreise, 2010-2023
    assert "Jahre 2010–2023 (14 Jahre)" in text
    assert "Kreise mit Werten: 400 von 400" in text


def test_search_filters_the_catalogue(methodik_page):
    at, store = methodik_page
    at.text_input(key="methodik_suche").set_value("jugendarbeitslos").run()
    overview = at.dataframe[0].value
    assert len(overview) and overview["Indikator"].str.lower().str.contains("jugend").all()
    assert set(at.selectbox(key="methodik_detail").options) == {
        f"{label} ({i})" for i, label in zip(overview["Kennung"], overview["Indikator"], strict=True)
    }


def open_tab(at: AppTest, label: str) -> AppTest:
    """A click on a tab: only the open tab's content is computed and sent (st.tabs with on_change="rerun")."""
    at.session_state["methodik_tab"] = label
    at.run()
    assert not at.exception
    return at


def test_quality_and_sources_tabs(methodik_page):
    at, store = methodik_page
    open_tab(at, "Datenqualität")
    metrics = {m.label: m.value for m in at.metric}
    quality = pq.read_table(store.path / "quality.parquet", columns=["indicator"]).column("indicator").to_pylist()
    assert metrics["Indikatoren"] == str(len(set(quality)))
    assert [b.label for b in at.download_button] == ["Qualitätsbericht herunterladen (Markdown)"]
    open_tab(at, "Quellen und Lizenzen")
    texts = "\n".join(m.value for m in at.markdown)
    assert "Demodaten ohne Aussagekraft" in texts
    assert any("DEMODATEN" in w.value for w in at.warning)


def test_closed_tabs_are_not_computed(methodik_page):
    at, _ = methodik_page  # the catalogue is the tab that opens first
    assert at.selectbox(key="methodik_detail").value == "alq"
    assert "Indikatoren" not in {m.label for m in at.metric}, "the quality tab ran although closed"
    assert not at.download_button, "the quality tab ran although closed"
    assert not any("Namensnennung" in m.value for m in at.markdown), "the sources tab ran although closed"
    open_tab(at, "Datenqualität")
    assert [b.label for b in at.download_button] == ["Qualitätsbericht herunterladen (Markdown)"]
    assert not any(s.key == "methodik_detail" for s in at.selectbox), "the catalogue ran although closed"


def test_overview_table_gives_years_and_kreise_of_every_indicator(methodik_page):
    """Each row's coverage, counted from the facts file in plain Python, for every indicator of the warehouse."""
    at, store = methodik_page
    overview = next(d.value for d in at.dataframe if "Kreise mit Werten" in d.value.columns)
    rows = overview.set_index("Kennung")
    assert len(rows) == len(store.indicators())
    for indicator in rows.index:
        cov = independent.coverage(store.path, indicator)
        first, last = cov["first_year"], cov["last_year"]
        years = f"{first}–{last} ({cov['years']} Jahre)" if first != last else str(first)
        assert rows.at[indicator, "Jahre"] == years, indicator
        assert rows.at[indicator, "Kreise mit Werten"] == f"{cov['kreise']} von 400", indicator
