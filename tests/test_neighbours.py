"""Statistical neighbours (issue 14): never matched on the compared indicator, each explained by the three
variables on which it is closest. Gaps worked out by hand (population standard deviation)."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from indicators.domain import neighbours

APP = str(Path(__file__).resolve().parents[1] / "app.py")

# A is the home Kreis. v1: mean 3.5, SD sqrt(15.25); v2: mean 2, SD 2 (z = -1, -1, 1, 1); v3: mean 1, SD 1
# (z = -1, 1, 1, -1); v4 does not vary (left out); v5: mean 1.125, SD sqrt(0.546875).
MATRIX = pd.DataFrame(
    {
        "v1": [0.0, 1.0, 3.0, 10.0],
        "v2": [0.0, 0.0, 4.0, 4.0],
        "v3": [0.0, 2.0, 2.0, 0.0],
        "v4": [5.0, 5.0, 5.0, 5.0],
        "v5": [1.0, 1.5, 0.0, 2.0],
    },
    index=["A", "B", "C", "D"],
)
LABELS = {"v1": "Einwohner", "v2": "Quote Zwei", "v3": "Quote Drei", "v5": "Quote Fünf"}
UNITS = {"v1": "Anzahl", "v2": "%", "v3": "%", "v5": "%"}


def test_the_compared_indicator_is_never_a_matching_variable():
    assert neighbours.matching_variables(("dichte", "alq", "bip"), "alq") == ("dichte", "bip")
    assert neighbours.matching_variables(("dichte", "bip", "dichte"), "alq") == ("dichte", "bip")
    assert neighbours.matching_variables(("alq",), "alq") == ()


def test_gaps_in_standard_deviations_and_the_three_closest():
    gaps = neighbours.standardised_gaps(MATRIX, "A")
    assert list(gaps.columns) == ["v1", "v2", "v3", "v5"]  # v4 has no spread
    b = gaps.loc["B"]
    assert b["v1"] == pytest.approx(1 / math.sqrt(15.25))  # 0.256
    assert b["v2"] == pytest.approx(0.0)
    assert b["v3"] == pytest.approx(2.0)
    assert b["v5"] == pytest.approx(0.5 / math.sqrt(0.546875))  # 0.676
    assert neighbours.closest_variables(gaps, "B") == ["v2", "v1", "v5"]
    # D: v1 |10 - 0| / 3.905 = 2.56; v2 2.0; v3 0; v5 |1.183 - (-0.169)| = 1.35
    assert neighbours.closest_variables(gaps, "D") == ["v3", "v5", "v2"]


def test_reason_in_plain_german():
    text = neighbours.reason(["v2", "v1", "v5"], MATRIX, "A", "B", LABELS, UNITS)
    assert text == (
        "ähnlich bei Quote Zwei (0,0 %; eigener Kreis 0,0 %), Einwohner (1; eigener Kreis 0) "
        "und Quote Fünf (1,5 %; eigener Kreis 1,0 %)"
    )
    assert neighbours.reason([], MATRIX, "A", "B", LABELS, UNITS) == "–"


@pytest.mark.integration
def test_neighbour_page_leaves_out_the_compared_indicator(real_warehouse, tmp_path, monkeypatch):
    monkeypatch.setenv("REGIOMONITOR_WAREHOUSE", str(real_warehouse))
    monkeypatch.setenv("REGIOMONITOR_USERDATA", str(tmp_path / "ud.sqlite"))
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params.update(kreis="15087", jahr="2023", gruppe="nachbarn", indikator="alq")
    at.run()
    at.switch_page("app_pages/vergleichsgruppen.py")
    at.run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "warum Nachbar" in d.value.columns)
    assert len(table) == 10
    reasons = table["warum Nachbar"].tolist()
    assert all(r.startswith("ähnlich bei ") and r.count(" (") == 3 for r in reasons), reasons
    assert not any("Arbeitslosenquote" in r for r in reasons)
    assert any("ist der verglichene Indikator und wird bei der Suche ausgelassen" in c.value for c in at.caption)
