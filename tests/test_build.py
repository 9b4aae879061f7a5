"""The warehouse build: contract, real numbers from the official files, harmonisation, atomicity, errors."""

import csv
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from indicators.errors import BuildError, SourceFileError
from indicators.warehouse.build import build
from indicators.warehouse.store import Store

FIXTURES = Path(__file__).parent / "fixtures"


def digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def small_raw(tmp_path) -> Path:
    """A raw folder of hand-made fixture files in official formats."""
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(FIXTURES / "genesis" / "13211-02-05-4_2023.csv", raw)
    shutil.copy(FIXTURES / "bbsr" / "kreistypen_2020.csv", raw)
    shutil.copy(FIXTURES / "bbsr" / "ref-kreise-umrech-fixture.xlsx", raw)
    return raw


def test_build_from_fixtures_writes_the_contract(small_raw, tmp_path):
    out = tmp_path / "wh"
    manifest = build(small_raw, out)
    assert manifest["demo"] is False
    districts = pd.read_parquet(out / "districts.parquet")
    assert list(districts.columns[:3]) == ["ags", "name", "display_name"]
    for col in ("ags", "name", "kind", "land_code", "land_name", "nuts3", "area_km2", "population", "kreistyp", "east"):
        assert col in districts.columns
    assert len(districts) == 400
    indicators = pd.read_parquet(out / "indicators.parquet")
    for col in ("id", "label", "unit", "polarity", "topic", "definition", "source", "licence"):
        assert col in indicators.columns
    facts = pd.read_parquet(out / "facts.parquet")
    for col in ("region", "indicator", "year", "value", "suppressed", "harmonised", "estimated", "break", "source"):
        assert col in facts.columns
    written = json.loads((out / "manifest.json").read_text())
    assert written["row_counts"]["facts"] == len(facts)
    sources = {s["file"]: s for s in written["sources"]}
    src = sources["13211-02-05-4_2023.csv"]
    assert src["sha256"] == hashlib.sha256((small_raw / "13211-02-05-4_2023.csv").read_bytes()).hexdigest()
    assert src["licence"] and src["stand"]
    assert (out / "quality.md").read_text(encoding="utf-8").startswith("# Datenqualitätsbericht")


def test_failed_build_leaves_previous_warehouse_untouched(small_raw, tmp_path):
    out = tmp_path / "wh"
    build(small_raw, out)
    before = digest(out)
    bad = small_raw / "13211-02-05-4_2024.csv"
    text = (small_raw / "13211-02-05-4_2023.csv").read_bytes().replace(b";4,9", b";abc", 1)
    assert text != (small_raw / "13211-02-05-4_2023.csv").read_bytes()
    bad.write_bytes(text)
    with pytest.raises(SourceFileError) as err:
        build(small_raw, out)
    message = str(err.value)
    assert "13211-02-05-4_2024.csv" in message and "Zeile" in message
    assert digest(out) == before
    assert not list(tmp_path.glob(".wh.building-*"))


def test_cli_reports_bad_input_in_german_and_keeps_warehouse(small_raw, tmp_path):
    out = tmp_path / "wh"
    build(small_raw, out)
    before = digest(out)
    (small_raw / "kaputt.csv").write_bytes(b"GENESIS-Tabelle: 13211-02-05-4\n;;;Arbeitslose\n2023;15087;X;12\x00\x00")
    result = subprocess.run(
        [sys.executable, "-m", "indicators", "build", "--raw", str(small_raw), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parents[1],
    )
    assert result.returncode == 2
    assert "kaputt.csv" in result.stderr and "unverändert" in result.stderr
    assert digest(out) == before


def test_missing_raw_folder_is_a_build_error(tmp_path):
    with pytest.raises(BuildError, match="nicht gefunden"):
        build(tmp_path / "gibt-es-nicht", tmp_path / "wh")


# --- integration on the offline mirror of official files ----------------------------------------------------


@pytest.fixture(scope="module")
def real(real_warehouse):
    return Store(real_warehouse)


def value(store, region, indicator, year):
    return store.value(region, indicator, year)


@pytest.mark.integration
def test_real_warehouse_holds_400_kreise_and_50_indicators_with_geometry(real):
    assert len(real.districts()) == 400
    assert real.districts()["ags"].str.len().eq(5).all()
    catalogued = real.indicators().query("catalogued")
    assert len(catalogued) >= 50
    geo = real.geometry("kreise")
    assert len({f["properties"]["ags"] for f in geo["features"]}) == 400
    assert real.manifest["demo"] is False


@pytest.mark.integration
def test_series_lengths(real):
    cov = real.coverage().set_index("indicator")
    assert cov.loc["alq", "years"] >= 10
    jugend = set(real.years("jugend_alq"))
    assert set(range(2008, 2024)) <= jugend
    for year in range(2008, 2024):
        assert real.values("jugend_alq", year)["value"].notna().sum() == 400, year


@pytest.mark.integration
@pytest.mark.parametrize(
    ("region", "indicator", "year", "expected"),
    [
        # values named in ../shared/data/README.md
        ("15087", "alq", 2020, 9.8),
        ("15087", "alq", 2023, 9.9),
        ("15087", "jugend_alq", 2020, 14.3),
        ("15087", "jugend_alq", 2023, 11.7),
        ("15087", "jugend_alq", 2022, 11.36),
        ("15087", "beschaeftigtenquote", 2021, 64.76),
        ("15087", "schulabg_ohne_hsa", 2021, 8.2),
        ("15087", "verfuegbares_einkommen", 2021, 21.41),
        ("15087", "einwohner", 2021, 132317),
        ("15087", "flaeche", 2021, 1449.05),
        # Berlin and Hamburg: Land rows of Regionalstatistik become Kreis 11000 / 02000
        ("11000", "alq", 2023, 9.1),
        ("11000", "jugend_alq", 2023, 8.7),
        ("02000", "alq", 2023, 7.4),
        ("02000", "jugend_alq", 2023, 5.7),
        ("11000", "beschaeftigtenquote", 2021, 57.87),
        ("02000", "beschaeftigtenquote", 2021, 62.63),
        # Germany as published (not the mean of the Kreise)
        ("DG", "alq", 2023, 5.7),
        ("DG", "einwohner", 2021, 83237124),
        # other Kreise read off the raw files
        ("09162", "beschaeftigtenquote", 2002, 56.48),
    ],
)
def test_values_equal_the_raw_files(real, region, indicator, year, expected):
    assert value(real, region, indicator, year) == pytest.approx(expected)


@pytest.mark.integration
def test_deutschlandatlas_values_where_no_other_source_wins(real):
    assert value(real, "15087", "schuldnerquote", 2023) is not None
    facts = real.facts(["15087"], ["wiedervermietungsmiete_klasse"], (2023, 2023))
    assert facts["value_label"].iloc[0] == "5,50 bis unter 7,00"
    assert value(real, "15087", "kreistyp", 2020) == 4


@pytest.mark.integration
def test_harmonised_counts_are_summed_from_old_kreise(real, shared_data):
    """Wartburgkreis 16063 in 2019 = Wartburgkreis + Eisenach (16056) of that year's Gebietsstand."""
    path = shared_data / "regionalstatistik" / "13211-02-05-4_2015-2020.csv"
    rows = {}
    with open(path, encoding="latin-1") as fh:
        for parts in csv.reader(fh, delimiter=";"):
            if len(parts) > 4 and parts[0] == "2019" and parts[1] in {"16063", "16056"}:
                rows[parts[1]] = int(parts[3])
    assert set(rows) == {"16063", "16056"}
    facts = real.facts(["16063"], ["arbeitslose"], (2019, 2019))
    assert facts["value"].iloc[0] == rows["16063"] + rows["16056"]
    assert bool(facts["harmonised"].iloc[0]) is True


@pytest.mark.integration
def test_pre_reform_years_are_harmonised_onto_today(real):
    """15087 was formed in 2007; BA counts of 2002 exist only through the crosswalk."""
    facts = real.facts(["15087"], ["svb_wohnort"], (2002, 2002))
    assert len(facts) == 1 and facts["value"].iloc[0] > 0


@pytest.mark.integration
def test_every_fact_names_its_source(real):
    facts = real.facts(["15087"])
    assert facts["source"].notna().all() and (facts["source"].str.len() > 10).all()
    assert set(facts["region"]) == {"15087"}
