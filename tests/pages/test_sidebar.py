"""The sidebar's selectors as the user reads them: Kreis with Land and AGS, years that only some Kreise have."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[2] / "app.py"


def _kreise_with_values(warehouse: Path, indicator: str) -> dict[int, int]:
    """Kreise with a value per year, read straight from the warehouse's Parquet (not through the store)."""
    facts = pq.read_table(warehouse / "facts.parquet", columns=["region", "indicator", "year", "value"]).to_pandas()
    rows = facts[(facts["indicator"] == indicator) & (facts["region"].str.len() == 5) & facts["value"].notna()]
    return {int(y): int(n) for y, n in rows.groupby("year").size().items()}


def test_year_selector_names_thin_years_and_years_without_values(real_warehouse, tmp_path, monkeypatch):
    monkeypatch.setenv("REGIOMONITOR_WAREHOUSE", str(real_warehouse))
    monkeypatch.setenv("REGIOMONITOR_USERDATA", str(tmp_path / "userdata.sqlite"))
    at = AppTest.from_file(str(APP), default_timeout=90)
    at.query_params["indikator"] = "alq_auslaender"
    at.run()
    assert not at.exception, at.exception
    counts = _kreise_with_values(Path(real_warehouse), "alq_auslaender")
    n_kreise = len(pq.read_table(Path(real_warehouse) / "districts.parquet", columns=["ags"]))
    labels = dict(zip(at.selectbox(key="jahr").options, at.selectbox(key="jahr").options, strict=True))
    for year, kreise in counts.items():
        wanted = str(year) if kreise >= 0.9 * n_kreise else f"{year} (nur {kreise} von {n_kreise} Kreisen)"
        assert wanted in labels, (year, kreise)
    missing = next(y for y in range(min(counts), max(counts)) if y not in counts)
    assert f"{missing} (für diesen Indikator keine Werte)" in labels


def test_kreis_selector_shows_name_land_and_key(real_warehouse, tmp_path, monkeypatch):
    monkeypatch.setenv("REGIOMONITOR_WAREHOUSE", str(real_warehouse))
    monkeypatch.setenv("REGIOMONITOR_USERDATA", str(tmp_path / "userdata.sqlite"))
    at = AppTest.from_file(str(APP), default_timeout=90)
    at.run()
    options = at.selectbox(key="kreis").options
    assert len(options) == 400
    assert "Mansfeld-Südharz (Sachsen-Anhalt) – 15087" in options
