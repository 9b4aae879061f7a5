"""AppTest runs of the benchmarking pages: every page, selection changes, URL parameters, meeting, empty, demo."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from indicators.domain import benchmark
from indicators.domain import formatting as fmt
from indicators.warehouse.store import Store
from tests import independent

APP = Path(__file__).resolve().parents[2] / "app.py"
PAGES = [
    "app_pages/profil.py",
    "app_pages/indikator.py",
    "app_pages/karte.py",
    "app_pages/vergleichsgruppen.py",
    "app_pages/sitzung.py",
]


def app(warehouse, userdata, monkeypatch, **params) -> AppTest:
    monkeypatch.setenv("REGIOMONITOR_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("REGIOMONITOR_USERDATA", str(userdata))
    at = AppTest.from_file(str(APP), default_timeout=90)
    for key, value in params.items():
        at.query_params[key] = value
    return at


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [str(m.value) for m in at.metric] + [t.value for t in at.title]
    parts += [h.value for h in at.get("html")]  # fragments put on the page by ui.html.render
    parts += [c.value for c in at.caption]
    return "\n".join(parts)


@pytest.fixture
def userdata(tmp_path):
    return tmp_path / "userdata.sqlite"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_demo_data_with_banner(demo_warehouse, userdata, monkeypatch, page):
    at = app(demo_warehouse, userdata, monkeypatch)
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception
    assert any("DEMODATEN" in w.value for w in at.warning)


def test_without_warehouse_the_setup_page_explains_how_to_load_data(tmp_path, userdata, monkeypatch):
    at = app(tmp_path / "leer", userdata, monkeypatch)
    monkeypatch.setenv("REGIOMONITOR_RAW", str(tmp_path / "raw"))
    at.run()
    assert not at.exception
    assert at.title[0].value == "RegioMonitor einrichten"
    assert "data/raw" in texts(at) or "raw" in texts(at)
    labels = [b.label for b in at.button]
    assert "Mit Demodaten starten" in labels and "Aus Rohdateien aufbauen" in labels


def test_demo_button_creates_a_marked_demo_warehouse(tmp_path, userdata, monkeypatch):
    at = app(tmp_path / "wh", userdata, monkeypatch)
    monkeypatch.setenv("REGIOMONITOR_RAW", str(tmp_path / "raw"))
    at.run()
    next(b for b in at.button if b.label == "Mit Demodaten starten").click().run()
    assert Store(tmp_path / "wh").is_demo


def test_url_parameters_select_kreis_year_group_and_indicator(demo_warehouse, userdata, monkeypatch):
    at = app(demo_warehouse, userdata, monkeypatch, kreis="01001", jahr="2015", gruppe="land", indikator="jugend_alq")
    at.run()
    assert at.session_state["kreis"] == "01001"
    assert at.session_state["jahr"] == 2015
    assert at.session_state["gruppe"] == "land"
    assert at.title[0].value == "Kreisprofil: Flensburg"
    assert "Kreise in Schleswig-Holstein" in texts(at)
    assert at.query_params["kreis"] == ["01001"] or at.query_params["kreis"] == "01001"


def test_invalid_url_parameters_fall_back_to_defaults(demo_warehouse, userdata, monkeypatch):
    at = app(
        demo_warehouse, userdata, monkeypatch, kreis="99999'; DROP", jahr="abc", gruppe="nix", indikator="<script>"
    )
    at.run()
    assert not at.exception
    assert at.session_state["kreis"] == "15087"
    assert at.session_state["indikator"] == "alq"


def test_selection_change_carries_over_to_other_pages(demo_warehouse, userdata, monkeypatch):
    at = app(demo_warehouse, userdata, monkeypatch)
    at.run()
    at.sidebar.selectbox(key="kreis").set_value("02000").run()
    at.sidebar.selectbox(key="indikator").set_value("jugend_alq").run()
    at.switch_page("app_pages/indikator.py")
    at.run()
    assert at.title[0].value == "Jugendarbeitslosenquote (15 bis unter 25 Jahre)"
    assert any(m.label == "Hamburg" for m in at.metric)
    assert at.query_params["kreis"] in ("02000", ["02000"])


def test_meeting_mode_from_url_is_a_display_mode_and_steps_through_indicators(demo_warehouse, userdata, monkeypatch):
    at = app(demo_warehouse, userdata, monkeypatch, modus="sitzung")
    at.run()
    assert not at.exception
    assert at.session_state["sitzung"] is True
    assert at.title[0].value.startswith("Kreisprofil")  # stays on the page of the link, no redirect
    assert not at.sidebar.selectbox  # the controls moved from the sidebar into one row on the page
    first = at.session_state["indikator"]
    assert first == "alq"
    next(b for b in at.button if b.label == "Weiter ▶").click().run()
    assert at.session_state["indikator"] != first
    assert at.title[0].value.startswith("Kreisprofil")
    next(b for b in at.button if b.label == "◀ Zurück").click().run()
    assert at.session_state["indikator"] == first
    next(b for b in at.button if b.label == "Beenden").click().run()
    assert at.session_state["sitzung"] is False
    assert at.sidebar.selectbox(key="kreis").value == "15087"


# --- real data --------------------------------------------------------------------------------------------

SAMPLE = ["15087", "11000", "02000", "01001", "09162", "16063", "03159", "14713", "05315", "08111", "13075", "04011"]


@pytest.mark.integration
@pytest.mark.parametrize("ags", SAMPLE)
def test_pages_render_for_kreise_on_real_data(real_warehouse, userdata, monkeypatch, ags):
    at = app(real_warehouse, userdata, monkeypatch, kreis=ags, gruppe="kreistyp")
    at.run()
    assert not at.exception, ags
    for page in PAGES[1:]:
        at.switch_page(page)
        at.run()
        assert not at.exception, (ags, page)


@pytest.mark.integration
def test_all_400_kreise_have_a_profile(real_warehouse):
    store = Store(real_warehouse)
    d = store.districts()
    meta = store.indicators()
    for ags in d["ags"]:
        peers = benchmark.peer_members(d, ags, "land")
        profile = benchmark.enrich_profile(store.profile(ags, peers, 2023), meta)
        assert len(profile) > 40, ags
        assert profile.loc[profile["indicator"] == "alq", "value"].notna().all(), ags


@pytest.mark.integration
def test_indicator_page_shows_the_numbers_of_the_official_file(real_warehouse, shared_data, userdata, monkeypatch):
    """Value, median, mean, min, max and Germany as in Regionalstatistik 13211-02-05-4 (2023), summed by hand."""
    raw = independent.raw_13211_2023(shared_data, "jugend_alq")
    stats = independent.summary(independent.kreise(raw))
    assert stats["n"] == 400 and raw["15087"] == 11.7  # the README's known value
    at = app(real_warehouse, userdata, monkeypatch, kreis="15087", jahr="2023", indikator="jugend_alq", gruppe="alle")
    at.run()
    at.switch_page("app_pages/indikator.py")
    at.run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Mansfeld-Südharz"] == "11,7 %"
    assert metrics["Median Vergleichsgruppe"] == fmt.value(stats["median"], "%") == "4,4 %"
    assert metrics["Deutschland"] == fmt.value(raw["DG"], "%") == "4,9 %"
    ref = at.table[0].value
    shown = dict(zip(ref.index, ref.iloc[:, 0], strict=True))
    assert shown["Median"] == "4,4 %"
    assert shown["Mittelwert"] == fmt.value(stats["mean"], "%") == "4,8 %"
    assert (shown["Minimum"], shown["Maximum"]) == (fmt.value(stats["min"], "%"), fmt.value(stats["max"], "%"))
    assert any("(400 Kreise)" in c.value for c in at.caption), "the peer group counts all 400 Kreise"
    # the ranking writes German numbers itself instead of leaving them to the browser's locale
    ranking = next(d.value for d in at.dataframe if "Rang" in d.value.columns)
    values = ranking.set_index("AGS")["Wert (%)"]
    assert values["15087"] == "11,7"
    assert values.to_dict() == {a: f"{x:.1f}".replace(".", ",") for a, x in raw.items() if len(a) == 5}


def profile_cells(html: str, label: str) -> list[str]:
    """The cells of one indicator's row in the Kreisprofil table, markup stripped."""
    row = next(r for r in html.split("<tr") if f"<b>{label}</b>" in r)
    return [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td(?: class=\"[^\"]*\")?>(.*?)</td>", row)]


@pytest.mark.integration
def test_profile_page_shows_the_reference_rows_of_the_official_file(real_warehouse, shared_data, userdata, monkeypatch):
    """The ALQ row of the profile for 15087 against Sachsen-Anhalt: every number recomputed from the raw CSV."""
    raw = independent.raw_13211_2023(shared_data, "alq")
    land = [a for a in raw if a.startswith("15") and len(a) == 5]
    assert len(land) == 14  # Sachsen-Anhalt since 2007
    stats = independent.summary([raw[a] for a in land])
    at = app(real_warehouse, userdata, monkeypatch, kreis="15087", jahr="2023", gruppe="land")
    at.run()
    cells = profile_cells(texts(at), "Arbeitslosenquote (alle zivilen Erwerbspersonen)")
    expected = [raw["15087"], stats["median"], stats["mean"], stats["min"], stats["max"], raw["DG"]]
    assert cells[1:8] == ["2023"] + [fmt.value(x, "%", with_unit=False) for x in expected]
    better = sum(raw[a] < raw["15087"] for a in land)  # lower unemployment is better
    assert cells[8] == f"{better + 1} von 14"
    assert "Kreise in Sachsen-Anhalt" in texts(at)
