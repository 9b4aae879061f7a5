"""Daten page: the default filter, the preview counts and a download that decodes to the store's rows."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from indicators.warehouse.store import Store
from tests.conftest import ROOT
from tests.pages.download_capture import DATEN_BUTTONS, capture_downloads


@pytest.fixture
def daten_page(demo_warehouse, tmp_path, monkeypatch):
    monkeypatch.setenv("REGIOMONITOR_WAREHOUSE", str(demo_warehouse))
    monkeypatch.setenv("REGIOMONITOR_USERDATA", str(tmp_path / "userdata.sqlite"))
    files = capture_downloads(monkeypatch)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("app_pages/daten.py")
    at.run()
    assert not at.exception
    return at, files, Store(demo_warehouse)


def read_german_csv(data: bytes) -> pd.DataFrame:
    archive = zipfile.ZipFile(io.BytesIO(data))
    member = next(n for n in archive.namelist() if n.endswith(".csv"))
    raw = archive.read(member)
    assert raw.startswith(b"\xef\xbb\xbf")
    assert "QUELLEN.txt" in archive.namelist()
    return pd.read_csv(io.BytesIO(raw), sep=";", decimal=",", dtype={"AGS": str}, encoding="utf-8-sig")


def test_default_download_holds_home_kreis_peers_headline_indicators_last_five_years(daten_page):
    at, files, store = daten_page
    metrics = {m.label: m.value for m in at.metric}
    headline = store.indicators().query("headline")["id"].tolist()
    last = max(store.years("alq"))
    expected = store.facts(store.districts()["ags"].tolist(), headline, (last - 4, last))
    assert metrics["Zeilen"] == f"{len(expected):,}".replace(",", ".")
    assert metrics["Indikatoren mit Werten"] == str(len(headline))
    assert metrics["Jahre mit Werten"] == "5"
    assert [b.label for b in at.download_button] == list(DATEN_BUTTONS.values())

    name = next(n for n in files if n.endswith("_lang_csv-excel.zip"))
    assert name.startswith("regiomonitor-demo_alle-kreise_")
    table = read_german_csv(files[name])
    assert len(table) == len(expected)
    got = table.set_index(["AGS", "Indikator-Kennung", "Jahr"])["Wert"]
    want = expected.set_index(["region", "indicator", "year"])["value"]
    assert got.loc[("15087", "alq", last)] == pytest.approx(want.loc[("15087", "alq", last)])
    assert got.sort_index().to_numpy() == pytest.approx(want.sort_index().to_numpy())


def test_plain_csv_comes_first_and_is_the_table_of_the_zip(daten_page):
    """The first button gives the bare CSV (no ZIP to unpack); it is byte for byte the CSV inside the ZIP, and
    its values are the store's facts."""
    at, files, store = daten_page
    assert at.download_button[0].label == "CSV für Excel"
    plain_name = next(n for n in files if n.endswith("_lang_excel.csv"))
    plain = files[plain_name]
    assert not plain.startswith(b"PK"), "the plain CSV is not an archive"
    assert plain.startswith(b"\xef\xbb\xbf")
    archive = zipfile.ZipFile(io.BytesIO(files[plain_name.removesuffix("_excel.csv") + "_csv-excel.zip"]))
    assert archive.read(plain_name) == plain
    table = pd.read_csv(io.BytesIO(plain), sep=";", decimal=",", dtype={"AGS": str}, encoding="utf-8-sig")
    last = max(store.years("alq"))
    got = table.set_index(["AGS", "Indikator-Kennung", "Jahr"])["Wert"]
    assert got.loc[("15087", "alq", last)] == pytest.approx(store.value("15087", "alq", last))


def test_single_kreis_wide_download(daten_page):
    at, files, store = daten_page
    at.radio(key="daten_kreis_modus").set_value("liste").run()
    at.radio(key="daten_tabellenform").set_value("breit").run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Kreise mit Werten"] == "1"
    name = next(n for n in files if n.startswith("regiomonitor-demo_15087_") and n.endswith("_breit_csv-excel.zip"))
    table = read_german_csv(files[name])
    assert table["AGS"].tolist() == ["15087"] * 5
    last = max(store.years("alq"))
    column = next(c for c in table.columns if c.endswith("(alq)"))
    assert table.loc[table["Jahr"] == last, column].iloc[0] == pytest.approx(store.value("15087", "alq", last))


def test_sources_of_the_selection_are_built_when_their_box_is_opened(daten_page):
    at, _, _ = daten_page

    def sources() -> list[pd.DataFrame]:
        return [d.value for d in at.dataframe if "Quelle" in d.value.columns and "Wert" not in d.value.columns]

    assert sources() == []  # closed: not computed, not sent
    at.session_state["daten_quellen"] = True  # a click on "Quellen und Lizenzen dieser Auswahl"
    at.run()
    assert not at.exception
    [table] = sources()
    preview = next(d.value for d in at.dataframe if "Wert" in d.value.columns)
    assert set(preview["Indikator"]) <= set(table["Indikator"])  # every indicator of the selection has its source
    assert table["Quelle"].str.len().gt(0).all()
