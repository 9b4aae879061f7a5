"""Reference indicator table of the seed (JUGEND STÄRKEN / JUST BEst): fixture table and the committed table."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd
import pytest

from indicators.errors import SourceFileError
from indicators.importers import reference
from indicators.importers.base import FACT_COLUMNS

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "indicators" / "reference" / "seed_indicator_table.csv"


@pytest.fixture
def table(fixtures: Path) -> Path:
    return fixtures / "reference" / "seed_indicator_table.csv"


def _fact(result, region: str, indicator: str) -> pd.Series:
    """The published row of a Kommune (or Deutschland) for one column."""
    published = result.published
    rows = published[(published["region"] == region) & (published["indicator"] == indicator)]
    assert len(rows) == 1, (region, indicator, rows)
    return rows.iloc[0]


def _regions(result) -> list[str]:
    return sorted(result.published["region"].dropna().unique())


def _csv_cell(path: Path, name: str, column: str) -> str:
    """The raw cell as the committed file holds it (read with csv, independently of the importer)."""
    with open(path, encoding="utf-8", newline="") as fh:
        return next(r[column] for r in csv.DictReader(fh) if r["name"] == name)


# --- fixture table --------------------------------------------------------------------------------


def test_result_shape_and_metadata(table: Path):
    """A published reference, never facts: the rows travel apart, with the table's own year."""
    result = reference.read(table)
    assert list(result.facts.columns) == FACT_COLUMNS
    assert result.facts.empty
    assert list(result.published.columns) == reference.PUBLISHED_COLUMNS
    assert set(result.published["year"]) == {2022}
    assert result.publisher.startswith("JUGEND STÄRKEN / JUST BEst")
    assert result.licence == "Quelle angeben; Werte wie veröffentlicht"
    assert result.table == "seed_indicator_table"
    spec = next(s for s in result.indicators if s.id == "seed__jugendarbeitslosenquote")
    assert spec.label == "Jugendarbeitslosenquote"
    assert spec.unit == "%"
    assert spec.definition.startswith("Arbeitslosenquote der 15- bis unter 25-Jährigen")
    assert spec.scale == "ratio"


def test_names_resolve_with_kind_and_land(table: Path):
    result = reference.read(table)
    # Kassel is both a kreisfreie Stadt and a Landkreis: the prefix decides
    assert _fact(result, "06611", "seed__jugendarbeitslosenquote")["value"] == 6.2
    assert _fact(result, "06633", "seed__jugendarbeitslosenquote")["value"] == 3.9
    # spaces around the hyphen and a parenthesised addition
    assert _fact(result, "15087", "seed__jugendarbeitslosenquote")["value"] == 11.4
    assert _fact(result, "13072", "seed__einwohner")["value"] == 215000
    assert _regions(result) == ["06611", "06633", "13072", "15087", "DG"]


def test_unknown_name_is_skipped_with_note(table: Path):
    result = reference.read(table)
    notes = [p for p in result.problems if "Gotham" in p]
    assert len(notes) == 1 and notes[0].startswith("Zeile 10:") and "übersprungen" in notes[0]
    assert not (result.published["name"] == "Stadt Gotham").any()


def test_duplicate_region_is_skipped(table: Path, tmp_path: Path):
    path = _broken(table, tmp_path, "9,Stadt Gotham,Hessen", "9,Kreisfreie Stadt Kassel,Hessen")
    result = reference.read(path)
    assert _fact(result, "06611", "seed__jugendarbeitslosenquote")["value"] == 6.2
    assert any(p.startswith("Zeile 10:") and "Zeile 7" in p for p in result.problems)


def test_statistic_rows_are_no_kommunen(table: Path):
    published = reference.read(table).published
    stats = published[published["statistic"].isin(["median", "mean", "min", "max"])]
    assert stats["region"].isna().all()
    kommunen = published[published["statistic"] == "kommune"]
    assert not kommunen["value"].isin([5.1, 5.4, 1.5, 12.0]).any()


def test_germany_row(table: Path):
    result = reference.read(table)
    assert _fact(result, "DG", "seed__einwohner")["value"] == 84_000_000
    assert _fact(result, "DG", "seed__jugendarbeitslosenquote")["value"] == 4.5
    # the publisher's "no value" sentinel and empty cells give no fact
    dg = result.published[result.published["region"] == "DG"]
    assert set(dg["statistic"]) == {"germany"}
    assert set(dg["indicator"]) == {
        "seed__einwohner",
        "seed__wiedervermietungsmiete_klasse",
        "seed__jugendarbeitslosenquote",
    }


def test_rent_class_is_ordinal_over_the_full_ladder(table: Path):
    result = reference.read(table)
    spec = next(s for s in result.indicators if s.id == "seed__wiedervermietungsmiete_klasse")
    assert spec.scale == "ordinal"
    assert spec.classes == [
        "bis unter 5.50",
        "5.50 bis unter 7.00",
        "7.00 bis unter 8.50",
        "8.50 bis unter 10.00",
        "10.00 bis unter 11.50",
        "11.50 und mehr",
    ]
    stadt = _fact(result, "06611", "seed__wiedervermietungsmiete_klasse")
    assert (stadt["value"], stadt["value_label"]) == (4.0, "8.50 bis unter 10.00")
    msh = _fact(result, "15087", "seed__wiedervermietungsmiete_klasse")
    assert (msh["value"], msh["value_label"]) == (1.0, "bis unter 5.50")


def test_number_in_class_column_lands_in_its_class(table: Path):
    result = reference.read(table)
    dg = _fact(result, "DG", "seed__wiedervermietungsmiete_klasse")
    assert (dg["value"], dg["value_label"]) == (4.0, "8.50 bis unter 10.00")
    assert any("9.80" in p and "Deutschland" in p for p in result.problems)


def test_categories_are_nominal(table: Path):
    result = reference.read(table)
    spec = next(s for s in result.indicators if s.id == "seed__jobcenter")
    assert spec.scale == "nominal" and spec.classes == ["gE", "zkT"]
    zkt = _fact(result, "06633", "seed__jobcenter")
    assert (zkt["value"], zkt["value_label"]) == (2.0, "zkT")
    code = _fact(result, "15087", "seed__raumtyp")
    assert (code["value"], code["value_label"]) == (4.0, "4")


def test_published_reference(table: Path):
    published = reference.read_published_reference(table)
    assert set(published["statistic"]) == {"median", "mean", "min", "max", "germany", "kommune"}
    published = published[published["region"].isna()]
    by_key = published.set_index(["indicator", "statistic"])["value"]
    assert by_key[("seed__jugendarbeitslosenquote", "median")] == 5.1
    assert by_key[("seed__jugendarbeitslosenquote", "mean")] == 5.4
    assert by_key[("seed__leistungen_16h_sgb2", "mean")] == 250000.5
    assert by_key[("seed__verschuldung_18_21", "max")] == 3.1
    low = published[(published["indicator"] == "seed__wiedervermietungsmiete_klasse")]
    assert low.set_index("statistic")["value_label"].to_dict() == {
        "min": "bis unter 5.50",
        "max": "11.50 und mehr",
    }
    assert low.set_index("statistic")["value"].to_dict() == {"min": 1.0, "max": 6.0}


def test_without_metadata_file_ids_serve_as_labels(table: Path, tmp_path: Path):
    alone = tmp_path / "tabelle.csv"
    shutil.copyfile(table, alone)
    result = reference.read(alone)
    spec = next(s for s in result.indicators if s.id == "seed__jugendarbeitslosenquote")
    assert spec.label == "jugendarbeitslosenquote"
    assert any("seed_indicators.csv" in p for p in result.problems)
    # the scale then follows the content
    kinds = {s.id: s.scale for s in result.indicators}
    assert kinds["seed__jobcenter"] == "nominal" and kinds["seed__wiedervermietungsmiete_klasse"] == "ordinal"


def test_sniff(table: Path, fixtures: Path):
    assert reference.sniff(table)
    assert not reference.sniff(fixtures / "reference" / "seed_indicators.csv")
    assert not reference.sniff(ROOT / "indicators" / "reference" / "kreise.csv")
    assert not reference.sniff(fixtures / "geometry" / "etrs89_utm32n.prj")


# --- errors ---------------------------------------------------------------------------------------


def _broken(table: Path, tmp_path: Path, old: str, new: str) -> Path:
    folder = tmp_path / "broken"
    folder.mkdir()
    shutil.copyfile(table.with_name("seed_indicators.csv"), folder / "seed_indicators.csv")
    out = folder / "tabelle.csv"
    text = table.read_text(encoding="utf-8")
    assert old in text
    out.write_text(text.replace(old, new), encoding="utf-8")
    return out


def test_text_in_number_column(table: Path, tmp_path: Path):
    path = _broken(table, tmp_path, "1.40,6.20", "1.40,k.A.")
    with pytest.raises(SourceFileError, match="Jugendarbeitslosenquote") as err:
        reference.read(path)
    assert "tabelle.csv" in str(err.value) and "Zeile 7" in str(err.value)


def test_wrong_field_count(table: Path, tmp_path: Path):
    path = _broken(table, tmp_path, "1.40,6.20", "1.40,6.20,9")
    with pytest.raises(SourceFileError, match="Zeile 7"):
        reference.read(path)


def test_missing_name_column(table: Path, tmp_path: Path):
    path = _broken(table, tmp_path, "row,name,", "row,kommune,")
    with pytest.raises(SourceFileError, match="name"):
        reference.read(path)


def test_not_utf8(table: Path, tmp_path: Path):
    path = tmp_path / "latin.csv"
    path.write_bytes(table.read_text(encoding="utf-8").encode("latin-1"))
    with pytest.raises(SourceFileError, match="UTF-8"):
        reference.read(path)


# --- name resolution on the committed Kreis list ---------------------------------------------------


@pytest.mark.parametrize(
    ("name", "land", "ags"),
    [
        ("Stadt Flensburg", "Schleswig-Holstein", "01001"),
        ("Kreis Schleswig - Flensburg", "Schleswig-Holstein", "01059"),
        ("Landkreis Göttingen (Stadt Göttingen)", "Niedersachsen", "03159"),
        ("Region Hannover", "", "03241"),
        ("Stadt Halle (Saale)", "", "15002"),
        ("Kassel, Landkreis", "", "06633"),
        ("Regionalverband Saarbrücken", "Saarland", "10041"),
        ("Deutschland", "", "DG"),
        ("Rostock", "", None),  # Stadt and Landkreis: ambiguous
        ("Stadt Göttingen", "Niedersachsen", None),  # not a Kreis of its own
        ("Stadt Flensburg", "Niedersachsen", None),  # wrong Land
    ],
)
def test_resolve(name: str, land: str, ags: str | None):
    index = reference._KreisIndex.load(reference.KREISE_CSV, reference.LAENDER_CSV)
    assert index.resolve(name, land)[0] == ags


# --- the committed reference table ----------------------------------------------------------------


def test_committed_table_kommunen():
    result = reference.read(COMMITTED)
    assert _regions(result) == ["01001", "01055", "01059", "03101", "03159", "DG"]
    assert not [p for p in result.problems if "übersprungen" in p]
    assert len(result.indicators) == 38
    assert all(s.id.startswith("seed__") and s.label for s in result.indicators)
    expected = float(_csv_cell(COMMITTED, "Stadt Braunschweig", "jugendarbeitslosenquote"))
    assert _fact(result, "03101", "seed__jugendarbeitslosenquote")["value"] == expected == 3.5
    goe = result.published[result.published["region"] == "03159"]
    assert "seed__schulabg_ohne_hsa" not in set(goe["indicator"])  # empty cell in the table
    assert _fact(result, "03159", "seed__einwohner")["value"] == 328458


def test_committed_table_germany():
    result = reference.read(COMMITTED)
    for column in ("einwohner", "jugendarbeitslosenquote", "sgb2_quote_15_24", "hze_29_quote_18_20"):
        raw = float(_csv_cell(COMMITTED, "Deutschland", column))
        assert _fact(result, "DG", f"seed__{column}")["value"] == raw
    assert _fact(result, "DG", "seed__einwohner")["value"] == 84_358_845
    dg = set(result.published.loc[result.published["region"] == "DG", "indicator"])
    assert "seed__jobcenter" not in dg and "seed__verschuldung_18_21" not in dg


def test_committed_table_classes():
    result = reference.read(COMMITTED)
    rent = _fact(result, "01055", "seed__wiedervermietungsmiete_klasse")
    assert rent["value_label"] == "10.00 bis unter 11.50" and rent["value"] == 5.0
    assert _fact(result, "01059", "seed__jobcenter")["value_label"] == "zkT"
    assert _fact(result, "01001", "seed__jobcenter")["value_label"] == "gE"
    spec = next(s for s in result.indicators if s.id == "seed__wiedervermietungsmiete_klasse")
    assert spec.scale == "ordinal" and spec.classes[0] == "bis unter 5.50" and spec.classes[-1] == "11.50 und mehr"


def test_committed_published_reference():
    published = reference.read_published_reference(COMMITTED)
    published = published[published["region"].isna()]
    by_key = published.set_index(["indicator", "statistic"])["value"]
    assert by_key[("seed__jugendarbeitslosenquote", "median")] == 5.3
    assert by_key[("seed__jugendarbeitslosenquote", "mean")] == 5.5
    assert by_key[("seed__jugendarbeitslosenquote", "min")] == 1.7
    assert by_key[("seed__jugendarbeitslosenquote", "max")] == 11.7
    assert by_key[("seed__einwohner", "max")] == 1_173_891
    assert ("seed__jobcenter", "median") not in by_key.index
    # every published min <= median <= max where all three are given
    wide = published.pivot(index="indicator", columns="statistic", values="value").dropna()
    assert ((wide["min"] <= wide["median"]) & (wide["median"] <= wide["max"])).all()
