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


def _atlas_cell(shared_data, sheet: str, code: str, ags: str):
    """One cell of the Deutschlandatlas workbook, read with openpyxl (key column: 8-digit number)."""
    import openpyxl

    book = openpyxl.load_workbook(shared_data / "deutschlandatlas" / "Deutschlandatlas-Daten.xlsx", read_only=True)
    try:
        rows = book[sheet].iter_rows(values_only=True)
        header = list(next(rows))
        for row in rows:
            if row[0] is not None and f"{int(row[0]):08d}"[:5] == ags:
                return row[header.index(code)]
    finally:
        book.close()
    raise AssertionError((sheet, code, ags))


@pytest.mark.integration
def test_deutschlandatlas_values_where_no_other_source_wins(real, shared_data):
    raw = _atlas_cell(shared_data, "Deutschlandatlas_KRS1222", "schulden", "15087")
    assert value(real, "15087", "schuldnerquote", 2023) == pytest.approx(float(raw), rel=1e-12)
    rent = _atlas_cell(shared_data, "Deutschlandatlas_KRS1222", "preis_miet", "15087")
    facts = real.facts(["15087"], ["wiedervermietungsmiete_klasse"], (2023, 2023))
    assert facts["value_label"].iloc[0] == rent == "5,50 bis unter 7,00"
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
def test_pre_reform_years_are_harmonised_onto_today(real, shared_data):
    """15087 was formed in 2007 from Mansfelder Land (15260) and Sangerhausen (15266): its 2002 BA count is the
    sum of theirs, read here from the raw sheet (column B = 30.06.2002, column V: 'Ohne Berufsausbildung')."""
    import openpyxl

    book = openpyxl.load_workbook(shared_data / "ba" / "Kreise_WO_Zeitreihe.xlsx", read_only=True)
    try:
        rows = {str(r[0])[:5]: r for r in book["SvB_Kreise_WO_Anzahl"].iter_rows(values_only=True) if r[0]}
    finally:
        book.close()
    assert rows["15087"][1] == "."  # the Kreis did not exist yet
    facts = real.facts(["15087"], ["svb_ohne_berufsabschluss"], (2002, 2002))
    assert facts["value"].iloc[0] == rows["15260"][21] + rows["15266"][21]
    assert facts["harmonised"].iloc[0]


@pytest.mark.integration
def test_every_fact_names_its_source(real):
    facts = real.facts(["15087"])
    assert facts["source"].notna().all() and (facts["source"].str.len() > 10).all()
    assert set(facts["region"]) == {"15087"}


# --- data truth: the reference table stays a reference, latest years cover Germany, counts are summed ----------


def test_a_new_stand_of_the_same_table_is_no_series_break(small_raw, tmp_path):
    """The same table downloaded again (another Stand, another year) continues the series without a break."""
    text = (small_raw / "13211-02-05-4_2023.csv").read_bytes().decode("cp1252")
    assert "Stand:" in text or "Stand" in text
    again = text.replace("2023;", "2024;").replace("Stand: ", "Stand: 01.01.2030 / ", 1)
    (small_raw / "13211-02-05-4_2024.csv").write_bytes(again.encode("cp1252"))
    out = tmp_path / "wh"
    build(small_raw, out)
    facts = pd.read_parquet(out / "facts.parquet")
    alq = facts[(facts["indicator"] == "alq") & (facts["region"] == "15087")].sort_values("year")
    assert list(alq["year"]) == [2023, 2024]
    assert alq["source"].nunique() == 2  # two Stände named ...
    assert not facts["break"].any()  # ... and still one series


def test_the_reference_table_never_becomes_facts(small_raw, tmp_path):
    out = tmp_path / "wh"
    build(small_raw, out)  # the committed JUGEND STÄRKEN table is part of every build
    facts = pd.read_parquet(out / "facts.parquet")
    assert not facts["source"].str.contains("JUGEND|JUST BEst").any()
    assert 2022 not in set(facts["year"])
    published = pd.read_parquet(out / "reference_published.parquet")
    with open(Path(__file__).parents[1] / "indicators/reference/seed_indicator_table.csv", encoding="utf-8") as fh:
        raw = {r["name"]: r for r in csv.DictReader(fh)}
    bip = published[published["indicator"] == "bip_je_einwohner"].set_index("statistic")["value"]
    assert bip["germany"] == float(raw["Deutschland"]["bip_je_einwohner"]) == 82000
    assert bip["median"] == float(raw["Median"]["bip_je_einwohner"])
    kommunen = published[published["statistic"] == "kommune"]
    assert set(kommunen["region"]) == {"01001", "01055", "01059", "03101", "03159"}
    assert set(published["year"]) == {2022}
    # seed-only indicators are marked as such: no official series behind them
    sgb2 = published[published["indicator"] == "sgb2_quote_15_24"]
    assert len(sgb2) and not sgb2["official"].any()


@pytest.mark.integration
def test_germany_is_never_the_reference_tables_row(real):
    """Deutschland GDP per inhabitant: an approximation with that year's weights, never the table's 82.000."""
    assert real.latest_year("bip_je_einwohner") == 2021
    assert 2022 not in real.years("bip_je_einwohner")
    germany = real.facts(["DG"], ["bip_je_einwohner"], (2021, 2021)).iloc[0]
    assert 40_000 < germany["value"] < 46_000
    assert germany["estimated"] and "Einwohnerzahl 2021" in germany["source"]
    # municipal debt and low-income households: no 2022 from the reference table, no jump in definition
    assert real.value("DG", "kommunale_schulden_je_einwohner", 2022) is None
    assert real.value("DG", "haushalte_niedriges_einkommen", 2022) is None
    published = real.published_reference("bip_je_einwohner").set_index("statistic")
    assert published.loc["germany", "value"] == 82000


@pytest.mark.integration
def test_official_germany_rows_win_over_own_approximations(real, shared_data):
    """Regionalstatistik publishes Deutschland: that row is taken as published, not recomputed."""
    path = shared_data / "regionalstatistik" / "13211-02-05-4_2015-2020.csv"
    with open(path, encoding="latin-1") as fh:
        rows = [r for r in csv.reader(fh, delimiter=";") if len(r) > 3 and r[0] == "2020" and r[1] == "DG"]
    assert len(rows) == 1
    germany = real.facts(["DG"], ["arbeitslose"], (2020, 2020)).iloc[0]
    assert germany["value"] == float(rows[0][3])
    assert not germany["estimated"] and "eigene Berechnung" not in germany["source"]


def _crosswalk_share(shared_data, year: int, old: str, new: str) -> float:
    """The population share of the BBSR Umsteigeschlüssel, read with openpyxl (column D; new Kreis in column I)."""
    import openpyxl

    book = openpyxl.load_workbook(shared_data / "bbsr" / "ref-kreise-umrech-2021-1990-2020.xlsx", read_only=True)
    try:
        for row in book[str(year)].iter_rows(min_row=2, values_only=True):
            if row[0] and int(row[0]) == int(old + "000") and int(row[8]) == int(new + "000"):
                return float(row[3])
    finally:
        book.close()
    raise AssertionError((year, old, new))


@pytest.mark.integration
def test_uncatalogued_counts_are_summed_over_merged_kreise(real, shared_data):
    """12411-0018 (no catalogue entry): Wartburgkreis 2016, men under 3, on today's territory.

    Raw cells: Wartburgkreis 1,642, Eisenach 604. Eisenach joins whole; of the Wartburgkreis of 2016 the BBSR
    Umsteigeschlüssel gives today's Wartburgkreis its population share (a few Gemeinden went to
    Schmalkalden-Meiningen in 2019), so the value is 604 + share x 1,642 (2,246 if nothing had moved).
    """
    path = shared_data / "regionalstatistik" / "12411-0018_2015-2020.csv"
    with open(path, encoding="latin-1") as fh:
        cells = {r[1]: int(r[3]) for r in csv.reader(fh, delimiter=";") if len(r) > 3 and r[0] == "31.12.2016"}
    assert (cells["16063"], cells["16056"]) == (1642, 604)
    share = _crosswalk_share(shared_data, 2016, "16063", "16063")
    assert 0.97 < share < 0.98
    got = real.facts(["16063"], ["genesis__12411_0018__maennlich__unter_3_jahre"], (2016, 2016)).iloc[0]
    assert got["value"] == pytest.approx(604 + share * 1642)
    assert got["harmonised"]
    # 2019: both Kreise whole, the plain sum
    with open(path, encoding="latin-1") as fh:
        cells = {r[1]: int(r[3]) for r in csv.reader(fh, delimiter=";") if len(r) > 3 and r[0] == "31.12.2019"}
    got = real.facts(["16063"], ["genesis__12411_0018__maennlich__unter_3_jahre"], (2019, 2019)).iloc[0]
    assert got["value"] == cells["16063"] + cells["16056"]
    meta = real.indicator("genesis__12411_0018__maennlich__unter_3_jahre")
    assert meta["aggregation"] == "sum" and "Anzahl" in meta["aggregation_reason"]


@pytest.mark.integration
def test_profile_never_compares_in_a_year_only_a_few_kreise_have(real):
    kreise = real.districts()["ags"].tolist()
    profile = real.profile("15087", kreise, 2023).set_index("indicator")
    coverage = {i: real.year_coverage(i).set_index("year") for i in profile.index[:60]}
    for indicator, cov in coverage.items():
        year = int(profile.loc[indicator, "year"])
        assert cov.loc[year, "covering"], (indicator, year, cov.loc[year, "kreise"])
        assert profile.loc[indicator, "n"] >= 360 or not cov["covering"].any()


@pytest.mark.integration
def test_every_source_has_a_stand(real):
    """Every file names its Stand, or says plainly that it has none (GERDA, the reference table, old INKAR files)."""
    for source in real.manifest["sources"]:
        assert source["stand"].strip(), source["file"]
    stands = {s["format"]: s["stand"] for s in real.manifest["sources"]}
    assert stands["geometry"].endswith("31.12.2023")  # newest BEGINN date of VG2500 (data README)
    assert "ohne Veröffentlichungsdatum" in stands["inkar_long"]
    assert stands["bbsr"] == "Kreistypen 2020, Gebietsstand 31.12.2020"
