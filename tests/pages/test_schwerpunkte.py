"""Handlungsschwerpunkte page in AppTest: the lists equal priorities() on a profile recomputed from the facts file,
the peer group comes from the global selection, context indicators never appear, each item links to the Indikator
page."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from indicators.domain import benchmark, priorities
from indicators.warehouse.store import Store
from tests import independent

APP = str(Path(__file__).resolve().parents[2] / "app.py")
HOME = "15087"


def open_schwerpunkte(warehouse: Path, tmp_path: Path, monkeypatch, **selection) -> AppTest:
    """The page with the global selection given through the session state (AppTest runs the page file itself)."""
    monkeypatch.setenv("REGIOMONITOR_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("REGIOMONITOR_USERDATA", str(tmp_path / "ud.sqlite"))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("app_pages/schwerpunkte.py")
    for key, value in ({"kreis": HOME, "jahr": 2023, "gruppe": "alle"} | selection).items():
        at.session_state[key] = value
    at.run()
    assert not at.exception
    return at


def expected(store: Store, peers: list[str]) -> tuple[list, list]:
    """The rule applied to a profile computed in plain Python from the facts file, not to the store's profile."""
    rows = pd.DataFrame(independent.profile_rows(store.path, HOME, peers, 2023))
    rows = rows.assign(value_label=None, source="", estimated=False, harmonised=False, germany_estimated=False)
    rows["break"] = False
    profile = benchmark.enrich_profile(rows, store.indicators())
    return priorities.priorities(profile), priorities.strengths(profile)


@pytest.fixture(scope="module")
def store(demo_warehouse) -> Store:
    return Store(demo_warehouse)


def texts(elements) -> list[str]:
    """The paragraphs on the page (a card shows its heading and its sentence as two paragraphs of one element)."""
    return [paragraph for e in elements for paragraph in e.value.split("\n\n")]


def test_lists_equal_the_rule_on_the_store_profile(demo_warehouse, tmp_path, monkeypatch, store):
    at = open_schwerpunkte(demo_warehouse, tmp_path, monkeypatch)
    weak, strong = expected(store, list(store.districts()["ags"]))
    assert weak, "the demo Kreis has priorities"
    shown = texts(at.markdown)
    explanations = [m for m in shown if " liegt " in m and "(Rang " in m]
    assert explanations == [i.explanation for i in weak] + [i.explanation for i in strong]
    assert f"**1. ▼ {weak[0].label}** · {weak[0].topic} · 2023 · {weak[0].score:.0f} Punkte" in shown
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["▼ Handlungsschwerpunkte"], metrics["▲ Stärken"]) == (str(len(weak)), str(len(strong)))
    assert any("Als **Handlungsschwerpunkt** gilt" in m for m in shown)  # the rule is explained


def test_context_indicators_never_listed(demo_warehouse, tmp_path, monkeypatch, store):
    at = open_schwerpunkte(demo_warehouse, tmp_path, monkeypatch)
    context = store.indicators().query("polarity == 0")["label"]
    headings = [m for m in texts(at.markdown) if m.startswith("**") and " Punkte" in m]
    assert headings
    for label in context:
        assert not any(f"▼ {label}**" in h or f"▲ {label}**" in h for h in headings)


def test_peer_group_from_the_global_selection(demo_warehouse, tmp_path, monkeypatch, store):
    at = open_schwerpunkte(demo_warehouse, tmp_path, monkeypatch, gruppe="land")
    land = store.districts().query("land_code == '15'")["ags"].tolist()
    weak, _ = expected(store, land)
    assert len(land) == 14  # Sachsen-Anhalt since 2007
    assert any("Vergleichsgruppe: Kreise in Sachsen-Anhalt (14 Kreise)" in c for c in texts(at.caption))
    assert [m for m in texts(at.markdown) if m.startswith("**1. ▼")] == [
        f"**1. ▼ {weak[0].label}** · {weak[0].topic} · 2023 · {weak[0].score:.0f} Punkte"
    ]
    assert f"(Rang {weak[0].rank} von 14;" in weak[0].explanation


def test_item_links_to_the_indicator_page(demo_warehouse, tmp_path, monkeypatch, store):
    at = open_schwerpunkte(demo_warehouse, tmp_path, monkeypatch)
    weak, _ = expected(store, list(store.districts()["ags"]))
    at.button(key=f"schwerpunkt_{weak[0].indicator}").click()
    at.run()
    assert not at.exception
    assert at.session_state["indikator"] == weak[0].indicator
    assert texts(at.title) == [weak[0].label]  # the Indikator page, on the chosen indicator


def test_csv_download_holds_both_lists_in_page_order(demo_warehouse, tmp_path, monkeypatch, store):
    """The file is written when the button is clicked (here: captured as the media store builds it)."""
    from tests.pages.download_capture import capture_downloads

    files = capture_downloads(monkeypatch)
    open_schwerpunkte(demo_warehouse, tmp_path, monkeypatch)
    weak, strong = expected(store, list(store.districts()["ags"]))
    raw = files[f"handlungsschwerpunkte_{HOME}_2023.csv"]
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: German Excel reads the umlauts
    lines = raw.decode("utf-8-sig").split("\r\n")
    table = pd.read_csv(io.StringIO("\r\n".join(lines[: 1 + len(weak) + len(strong)])), sep=";")
    assert table["Liste"].tolist() == ["Handlungsschwerpunkt"] * len(weak) + ["Stärke"] * len(strong)
    assert lines[1 + len(weak) + len(strong)].startswith('"Quelle: RegioMonitor, eigene Auswertung')
