"""Landrat page in AppTest: headline values equal the store's, target summary by name, demo marker, real data."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from indicators.domain import formatting as fmt
from indicators.domain.targets import Target
from indicators.userdata import UserData
from indicators.warehouse.store import Store
from tests import independent

APP = str(Path(__file__).resolve().parents[2] / "app.py")
HOME = "15087"
HEADLINE = ("alq", "jugend_alq", "beschaeftigtenquote", "schulabg_ohne_hsa", "mindestsicherungsquote")


def open_landrat(warehouse: Path, userdata: Path, monkeypatch, **selection) -> AppTest:
    """The Landrat page with the global selection (``kreis``, ``jahr``, ``gruppe``) set in the session.

    AppTest's ``switch_page`` runs the page file itself (not the router), so the selection is given through
    the session state that the router's sidebar widgets would fill.
    """
    monkeypatch.setenv("REGIOMONITOR_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("REGIOMONITOR_USERDATA", str(userdata))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("app_pages/landrat.py")
    for key, value in ({"kreis": HOME, "jahr": 2023, "gruppe": "alle"} | selection).items():
        at.session_state[key] = value
    at.run()
    assert not at.exception
    return at


def store_latest(store: Store, indicator: str, year: int) -> tuple[int, float]:
    """Home's latest value up to ``year``, read from the facts file in plain Python (not through the store)."""
    return independent.latest(store.path, HOME, indicator, year)


def texts(elements) -> list[str]:
    return [e.value for e in elements]


def test_headline_values_equal_the_store_on_demo_data(demo_warehouse, tmp_path, monkeypatch):
    at = open_landrat(demo_warehouse, tmp_path / "ud.sqlite", monkeypatch)
    store = Store(demo_warehouse)
    meta = store.indicators().set_index("id")
    year = 2023
    values = [m.value for m in at.metric]
    page = " ".join(texts(at.markdown))
    for indicator in HEADLINE:
        used, value = store_latest(store, indicator, year)
        assert fmt.value(value, meta.loc[indicator, "unit"]) in values
        assert f"**{meta.loc[indicator, 'label']}**" in page
        assert f"Jahr {used}" in page
    assert any(c.startswith("DEMODATEN") for c in texts(at.caption))
    assert "Lagebild Arbeitsmarkt: Mansfeld-Südharz" in texts(at.title)
    assert [b.label for b in at.get("download_button")] == ["Als PDF herunterladen"]
    assert "Für diesen Kreis sind keine Zielvereinbarungen erfasst." in texts(at.info)
    assert "**▲ Günstigste Positionen** (Alle Kreise)" in texts(at.markdown)


def test_target_summary_names_the_missed_targets(demo_warehouse, tmp_path, monkeypatch):
    store = Store(demo_warehouse)
    ud = UserData(tmp_path / "ud.sqlite")
    _, jugend = store_latest(store, "jugend_alq", 2023)
    _, quote = store_latest(store, "beschaeftigtenquote", 2023)
    ud.add_target(Target(None, HOME, "jugend_alq", round(jugend / 2, 1), 2027), "reko")
    ud.add_target(Target(None, HOME, "beschaeftigtenquote", round(quote - 5, 1), 2026), "reko")
    at = open_landrat(demo_warehouse, tmp_path / "ud.sqlite", monkeypatch)
    metrics = {m.label: m.value for m in at.metric}
    assert (
        metrics["✖ verfehlt"],
        metrics["≈ knapp verfehlt"],
        metrics["✔ erreicht"],
        metrics["– keine Bewertung"],
    ) == (
        "1",
        "0",
        "1",
        "0",
    )
    [missed] = [m for m in texts(at.markdown) if m.startswith("**Verfehlte Ziele:**")]
    assert "✖ verfehlt: Jugendarbeitslosenquote (15 bis unter 25 Jahre) – Ziel 2027" in missed
    assert "Beschäftigtenquote" not in missed


def test_headline_selection_is_configurable(demo_warehouse, tmp_path, monkeypatch):
    at = open_landrat(demo_warehouse, tmp_path / "ud.sqlite", monkeypatch)
    assert list(at.multiselect(key="landrat_kennzahlen").value) == list(
        ("alq", "jugend_alq", "beschaeftigtenquote", "schulabg_ohne_hsa", "mindestsicherungsquote")
    )
    at.multiselect(key="landrat_kennzahlen").set_value(["einwohner"]).run()
    assert not at.exception
    page = " ".join(texts(at.markdown))
    assert "**Einwohner**" in page and "**Arbeitslosenquote (alle zivilen Erwerbspersonen)**" not in page
    assert "ohne Wertung" in page  # a context indicator is compared without judgement


def test_other_kreis_and_peer_group(demo_warehouse, tmp_path, monkeypatch):
    at = open_landrat(demo_warehouse, tmp_path / "ud.sqlite", monkeypatch, kreis="01001", gruppe="land")
    assert "Lagebild Arbeitsmarkt: Flensburg" in texts(at.title)
    assert "**▲ Günstigste Positionen** (Kreise in Schleswig-Holstein)" in texts(at.markdown)
    assert "**Schleswig-Holstein:**" in " ".join(texts(at.markdown))


def test_headline_value_on_real_data_for_15087(real_warehouse, tmp_path, monkeypatch):
    at = open_landrat(real_warehouse, tmp_path / "ud.sqlite", monkeypatch)
    store = Store(real_warehouse)
    year = 2023
    used, value = store_latest(store, "alq", year)
    assert fmt.value(value, "%") in [m.value for m in at.metric]
    assert f"Jahr {used}" in " ".join(texts(at.markdown))
    assert not any("DEMODATEN" in c for c in texts(at.caption))
    assert any("Datenlizenz Deutschland – Namensnennung – Version 2.0" in c for c in texts(at.caption))


def test_pdf_download_from_the_page_carries_the_chart_and_the_map(real_warehouse, tmp_path, monkeypatch):
    """The page draws chart and map only when the PDF is asked for; the file must still carry both as figures
    whose alt text names the Kreis's Land (the map) and the indicators (the chart)."""
    import io

    from pypdf import PdfReader

    from tests.pages.download_capture import capture_downloads
    from tests.test_report_pdf_ua import struct_elements

    files = capture_downloads(monkeypatch)
    open_landrat(real_warehouse, tmp_path / "userdata.sqlite", monkeypatch)
    name = next(n for n in files if n.startswith(f"lagebild_{HOME}_") and n.endswith(".pdf"))
    reader = PdfReader(io.BytesIO(files[name]))
    assert len(reader.pages) == 1
    figures = [e for e in struct_elements(reader) if e["S"] == "/Figure"]
    assert len(figures) == 2
    alt = " ".join(str(f["Alt"]) for f in figures)
    assert "Arbeitslosenquote" in alt and "Sachsen-Anhalt" in alt
