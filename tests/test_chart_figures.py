"""The pages build their charts without Plotly's property check (``ui.charts.VALIDATE``); the figure a viewer
gets must be the one Plotly's checked construction gives, and a mistake in our dictionaries must still be caught.

Expected values come from Plotly itself: the same chart built with validation on (Plotly converts and checks every
value), compared as JSON with the chart the pages send.
"""

from __future__ import annotations

import dataclasses
import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import plotly.io as pio
import pytest

from indicators.domain.targets import Target
from ui import chart_export, charts, insight, target_widgets

REGIONS = [f"{i:05d}" for i in range(1001, 1401)]
NAMES = {r: f"Kreis <{r}> & Co" for r in REGIONS}
HOME = REGIONS[12]


def _values() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    values = pd.DataFrame({"region": REGIONS, "value": rng.normal(6, 2, 400), "source": "BA"})
    values.loc[5, "value"] = np.nan
    return values


def _time_series(show_peers: bool) -> object:
    rng = np.random.default_rng(2)
    years = [2012, 2013, 2015, 2016, 2017]  # 2014 missing: a gap
    band = pd.DataFrame(
        {
            "year": years,
            "min": rng.random(5),
            "max": rng.random(5) + 2,
            "q25": rng.random(5) + 0.5,
            "q75": rng.random(5) + 1,
            "median": rng.random(5) + 0.8,
            "germany": [1.0, np.nan, 1.2, 1.3, 1.4],
        }
    )
    peers = [r for r in REGIONS[10:17] if r != HOME]
    rows = [(r, y, float(rng.random()), y == 2016 and r == HOME) for r in [*peers, HOME] for y in years]
    series = pd.DataFrame(rows, columns=["region", "year", "value", "break"])
    breaks = pd.DataFrame({"year": [2016], "reason": ["neue Quelle <x>"]})
    return charts.time_series(band, series, HOME, NAMES, "Titel & <b>", "%", show_peers, breaks)


def _expectation(polarity: int) -> object:
    rng = np.random.default_rng(3)
    table = pd.DataFrame(
        {
            "expected": rng.random(50) * 5,
            "value": rng.random(50) * 5,
            "position": rng.choice(["im_rahmen", "ueber", "unter"], 50),
        },
        index=REGIONS[:50],
    )
    model = SimpleNamespace(table=table, half_width=0.7, level=0.9, year=2023)
    return insight.expectation_chart(model, REGIONS[3], NAMES, "%", polarity)


POINTS = [(2018, 7.5), (2019, 7.1), (2020, 7.0), (2021, 6.5), (2022, 6.4), (2023, 6.0)]
FAN = pd.DataFrame(
    {
        "year": [2024, 2025, 2026],
        "q10": [1, 2, 3.0],
        "q25": [2, 3, 4.0],
        "q50": [3, 4, 5.0],
        "q75": [4, 5, 6.0],
        "q90": [5, 6, 7.0],
    }
)


def _assessment(polarity: int, tolerance: float) -> SimpleNamespace:
    target = Target(None, HOME, "alq", 5.0, 2027, baseline_value=7.0, baseline_year=2020)
    if tolerance:
        target = dataclasses.replace(target, tolerance=tolerance)
    return SimpleNamespace(target=target, unit="%", label="Arbeitslosenquote <a>", polarity=polarity)


CHARTS = {
    "Verteilung mit Median": lambda: charts.distribution(_values(), HOME, set(REGIONS[10:30]), NAMES, "T", "%", 5.5),
    "Verteilung ohne Median": lambda: charts.distribution(_values(), HOME, set(REGIONS[10:30]), NAMES, "T", "%", None),
    "Zeitreihe mit Vergleichskreisen": lambda: _time_series(True),
    "Zeitreihe nur Band": lambda: _time_series(False),
    "Erwartungswert, hoch ist gut": lambda: _expectation(1),
    "Erwartungswert, niedrig ist gut": lambda: _expectation(-1),
    "Erwartungswert, Kontext": lambda: _expectation(0),
    "Zielprognose": lambda: insight.fan_chart(_assessment(-1, 0), POINTS, SimpleNamespace(fan=FAN), "Kreis <X>"),
    "Zielprognose ohne Werte": lambda: insight.fan_chart(_assessment(1, 0), [], SimpleNamespace(fan=FAN), "K"),
    "Ziel mit Toleranz": lambda: target_widgets.target_chart(_assessment(-1, 0.5), POINTS, "Kreis <X>"),
    "Ziel ohne Werte": lambda: target_widgets.target_chart(_assessment(0, 0), [], "K"),
}


def _sent(build, validate: bool, monkeypatch) -> dict:
    """The chart as Streamlit sends it (sources stamped in, then JSON), built with or without the check."""
    monkeypatch.setattr(charts, "VALIDATE", validate)
    fig = chart_export.stamped(build(), ["Quelle: BA <Statistik>", "Stand 05.12.2026"])
    return json.loads(pio.to_json(fig, validate=False))


@pytest.mark.parametrize("name", list(CHARTS))
def test_a_chart_built_without_the_check_is_the_chart_plotly_checks(name, monkeypatch):
    checked = _sent(CHARTS[name], True, monkeypatch)
    sent = _sent(CHARTS[name], False, monkeypatch)
    assert sent == checked
    assert sent["data"], "a chart with traces"


def test_the_tests_build_every_chart_with_the_check_on():
    assert charts.VALIDATE is True  # tests/conftest.py: every figure a test builds is checked by Plotly


def test_a_misspelt_property_is_caught_by_the_check(monkeypatch):
    monkeypatch.setattr(charts, "VALIDATE", True)
    with pytest.raises(ValueError, match="colour"):
        charts.figure([dict(type="scatter", x=[1, 2], y=[3, 4], colour="red")], {})
    with pytest.raises(ValueError, match="titel"):
        charts.figure([], {"titel": "Arbeitslosenquote"})


@pytest.mark.parametrize("validate", [True, False])
@pytest.mark.parametrize("name", list(CHARTS))
def test_the_dictionary_streamlit_sends_is_plotlys_own_and_leaves_the_figure_unchanged(name, validate, monkeypatch):
    from plotly.basedatatypes import BaseFigure

    monkeypatch.setattr(charts, "VALIDATE", validate)  # checked figures hold NumPy arrays, unchecked ones Series
    fig = chart_export.stamped(CHARTS[name](), ["Quelle: BA <Statistik>"])
    before = pio.to_json(BaseFigure.to_dict(fig), validate=False)  # Plotly's deep copy
    sent = fig.to_dict()  # what st.plotly_chart serialises
    assert json.loads(pio.to_json(sent, validate=False)) == json.loads(before)
    assert pio.to_json(BaseFigure.to_dict(fig), validate=False) == before  # nothing in the figure was changed
    assert sent["data"] is not fig._data and sent["data"][0] is not fig._data[0]  # new containers to change freely


def test_a_figure_with_another_theme_is_sent_with_its_own():
    from plotly.basedatatypes import BaseFigure

    for theme in ("plotly_white", "simple_white", "plotly_white"):
        fig = CHARTS["Zeitreihe nur Band"]()
        fig.layout.template = theme
        sent = json.loads(pio.to_json(fig.to_dict(), validate=False))
        assert sent == json.loads(pio.to_json(BaseFigure.to_dict(fig), validate=False)), theme
