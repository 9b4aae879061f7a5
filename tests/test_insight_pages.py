"""The insight features on the pages (AppTest) with the warehouse built from the official files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from indicators.domain.targets import Target
from indicators.userdata import UserData
from indicators.userdata.editors import Editor

APP = str(Path(__file__).resolve().parents[1] / "app.py")
HOME = "15087"


@pytest.fixture
def ud(real_warehouse, tmp_path, monkeypatch) -> UserData:
    path = tmp_path / "userdata.sqlite"
    monkeypatch.setenv("REGIOMONITOR_WAREHOUSE", str(real_warehouse))
    monkeypatch.setenv("REGIOMONITOR_USERDATA", str(path))
    return UserData(path)


def open_page(page: str, **selection) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.switch_page(page)
    for key, value in ({"kreis": HOME, "jahr": 2023} | selection).items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def all_text(at: AppTest) -> str:
    parts = []
    for kind in ("markdown", "caption", "info", "warning", "success", "error", "subheader"):
        parts += [str(e.value) for e in getattr(at, kind)]
    return "\n".join(parts)


def test_indicator_page_says_where_the_kreis_stands_against_its_expected_value(ud):
    at = open_page("app_pages/indikator.py", indikator="jugend_alq")
    text = all_text(at)
    assert "Fairer Vergleich: Erwartungswert für Kreise mit dieser Struktur" in text
    # README of the official files: 15087 youth unemployment 2023 = 11,7
    sentence = next(line for line in text.splitlines() if "Erwartungswert für Kreise mit dieser Struktur (" in line)
    assert "2023" in sentence and "11,7 %" in sentence
    assert "Was den Erwartungswert dieses Kreises am stärksten prägt" in text
    assert re.search(r"R² = 0,\d\d", text)


def test_the_weights_behind_the_expected_value_are_built_when_their_box_is_opened(ud):
    from indicators.domain.expectation import CONTEXT

    at = open_page("app_pages/indikator.py", indikator="jugend_alq")

    def weights() -> list:
        return [d.value for d in at.dataframe if "Merkmal" in d.value.columns]

    assert weights() == []  # closed: not computed, not sent
    at.session_state["erwartung_erklaerung"] = True  # a click on "Wie der Erwartungswert berechnet wird"
    at.run()
    assert not at.exception
    [table] = weights()
    assert set(table["Merkmal"]) <= {c.label for c in CONTEXT} and len(table) >= 3
    assert table["mittlerer Einfluss (%)"].str.fullmatch(r"\d+,\d\d").all()  # German decimals, unit named


def test_ziele_shows_the_odds_of_every_target_and_the_landrat_summary_carries_them(ud):
    editor = Editor("test", "editor")
    # lower is better; 11,7 % in 2023: 2 % by 2027 would need a collapse no Kreis has shown
    ud.add_target(Target(None, HOME, "jugend_alq", 2.0, 2027, 11.7, 2023, 0.5, "absolut"), editor)
    # 30 % is far above anything the series has reached since 2010: met whatever happens
    ud.add_target(Target(None, HOME, "alq", 30.0, 2026, 9.9, 2023, 0.0, "absolut"), editor)
    at = open_page("app_pages/ziele.py")
    odds = [e.value for e in at.error] + [e.value for e in at.success] + [e.value for e in at.warning]
    unlikely = next(o for o in odds if "Zielerreichung unwahrscheinlich" in o)
    likely = next(o for o in odds if "Zielerreichung wahrscheinlich" in o)
    assert "2027" in unlikely and "(0 %)" in unlikely
    assert "2026" in likely and "(100 %)" in likely
    landrat = open_page("app_pages/landrat.py")
    assert "Prognose: ○ Zielerreichung unwahrscheinlich" in all_text(landrat)


def test_schwerpunkte_lists_break_away_alerts(ud):
    at = open_page("app_pages/schwerpunkte.py")
    headers = [s.value for s in at.subheader]
    assert any(h.startswith("Trendbrüche gegenüber Deutschland (") for h in headers)


def _picture_buttons(at: AppTest) -> set[str]:
    """The keys of the PNG/SVG buttons on the page (the widget id ends with the key)."""
    return {b.proto.id.rsplit("-", 1)[-1] for b in at.get("download_button") if b.proto.label.startswith("Grafik als")}


def test_expected_value_and_forecast_charts_download_as_png_and_svg_with_their_sources(ud, real_warehouse):
    at = open_page("app_pages/indikator.py", indikator="jugend_alq")
    assert {"erwartung_jugend_alq_2023_png", "erwartung_jugend_alq_2023_svg"} <= _picture_buttons(at)
    charts = [c.proto.spec for c in at.get("plotly_chart")]
    expected = next(s for s in charts if "Erwartungswert" in s and "Quelle:" in s)
    assert "Datenbestand vom" in expected or "Stand" in expected

    editor = Editor("test", "editor")
    target = ud.add_target(Target(None, HOME, "jugend_alq", 2.0, 2027, 11.7, 2023, 0.5, "absolut"), editor)
    ziele = open_page("app_pages/ziele.py")
    ziele.toggle(key=f"ziel{target.id}_fan_on").set_value(True).run()
    assert not ziele.exception, ziele.exception
    assert {f"ziel{target.id}_fan_png", f"ziel{target.id}_fan_svg"} <= _picture_buttons(ziele)


def test_every_chart_goes_through_the_picture_export():
    """A chart drawn straight with st.plotly_chart would have no PNG/SVG buttons and no sources in its picture."""
    root = Path(APP).parent
    callers = sorted(
        str(p.relative_to(root))
        for folder in ("ui", "app_pages")
        for p in (root / folder).glob("*.py")
        if "st.plotly_chart(" in p.read_text(encoding="utf-8")
    )
    assert callers == ["ui/chart_export.py"]
