"""Import of official files: inspect before storing, apply atomically, a bad file changes nothing."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from indicators.errors import BuildError, SourceFileError
from indicators.importers import generic_csv, recognise
from indicators.warehouse import ingest
from indicators.warehouse.build import build
from indicators.warehouse.store import Store

GENESIS_2023 = "regionalstatistik/13211-02-05-4_2023.csv"
GENESIS_2015_2020 = "regionalstatistik/13211-02-05-4_2015-2020.csv"
CROSSWALK = "bbsr/ref-kreise-umrech-2021-1990-2020.xlsx"


def tree_digest(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder`` (hidden ones included), by relative path."""
    if not folder.exists():
        return {}
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def broken_copy(shared_data: Path, target: Path) -> Path:
    """The real 2023 table with ``abc`` in the ALQ cell of Mansfeld-Südharz."""
    lines = (shared_data / GENESIS_2023).read_bytes().decode("latin-1").split("\n")
    for i, line in enumerate(lines):
        if line.startswith("2023;15087;"):
            fields = line.split(";")
            fields[-5] = "abc"
            lines[i] = ";".join(fields)
    target.write_bytes("\n".join(lines).encode("latin-1"))
    return target


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """The real 2023 unemployment table imported into an empty warehouse (2023 needs no crosswalk)."""
    from tests.conftest import SHARED_DATA

    if not (SHARED_DATA / "README.md").exists():
        pytest.skip(f"offline mirror of official files not found at {SHARED_DATA}")
    base = tmp_path_factory.mktemp("ingest")
    staging, raw, warehouse = base / "upload", base / "raw", base / "warehouse"
    ingest.stage([(Path(GENESIS_2023).name, (SHARED_DATA / GENESIS_2023).read_bytes())], staging)
    reports = ingest.inspect_folder(staging, raw)
    before = (raw.exists(), warehouse.exists())
    steps: list[float] = []
    result = ingest.apply(reports, raw, warehouse, progress=lambda f, m: steps.append(f))
    return {"reports": reports, "before": before, "result": result, "steps": steps, "raw": raw, "warehouse": warehouse}


def test_inspection_shows_what_a_real_file_holds_before_anything_is_stored(imported):
    reports = {r.name: r for r in imported["reports"]}
    table = reports["13211-02-05-4_2023.csv"]
    assert table.ok and table.format == "genesis"
    assert table.table == "13211-02-05-4"
    assert table.years == [2023]
    assert table.kreise == 400 and table.laender == 16 and table.germany
    labels = {i.id: i.label for i in table.indicators}
    assert labels["alq"] == "Arbeitslosenquote (alle zivilen Erwerbspersonen)"
    assert labels["jugend_alq"] == "Jugendarbeitslosenquote (15 bis unter 25 Jahre)"
    assert table.stand and table.licence == "dl-de/by-2-0"
    assert not table.needs_crosswalk
    assert imported["before"] == (False, False), "inspection stores nothing"


def test_apply_copies_into_the_raw_folder_and_builds_the_warehouse(imported):
    raw, warehouse = imported["raw"], imported["warehouse"]
    assert imported["result"].copied == [GENESIS_2023]
    assert (raw / GENESIS_2023).is_file()
    store = Store(warehouse)
    assert store.value("15087", "alq", 2023) == pytest.approx(9.9)
    assert store.value("15087", "jugend_alq", 2023) == pytest.approx(11.7)
    assert GENESIS_2023 in {s["file"] for s in store.manifest["sources"]}
    assert imported["steps"][-1] == pytest.approx(1.0)
    assert imported["steps"] == sorted(imported["steps"])


def test_same_file_again_is_recognised_as_already_present(imported, shared_data, tmp_path):
    ingest.stage([("kopie.csv", (shared_data / GENESIS_2023).read_bytes())], tmp_path)
    [report] = ingest.inspect_folder(tmp_path, imported["raw"])
    assert report.ok and report.already_present == GENESIS_2023


def test_broken_file_gets_the_german_error_and_cannot_be_applied(imported, shared_data, tmp_path):
    raw, warehouse = imported["raw"], imported["warehouse"]
    before = tree_digest(raw), tree_digest(warehouse)
    broken_copy(shared_data, tmp_path / "13211-02-05-4_2023.csv")
    [report] = ingest.inspect_folder(tmp_path, raw)
    assert not report.ok
    assert "Datei „13211-02-05-4_2023.csv“, Zeile" in report.error
    assert "erwartet wurde eine Zahl" in report.error and "„abc“" in report.error
    with pytest.raises(BuildError, match="Import nicht möglich"):
        ingest.apply([report], raw, warehouse)
    assert (tree_digest(raw), tree_digest(warehouse)) == before


def test_failed_rebuild_restores_raw_folder_and_keeps_the_warehouse_byte_identical(imported, shared_data, tmp_path):
    """Even if a bad file got past the inspection, the rebuild fails and the replaced original comes back."""
    raw, warehouse = imported["raw"], imported["warehouse"]
    before = tree_digest(raw), tree_digest(warehouse)
    path = broken_copy(shared_data, tmp_path / "13211-02-05-4_2023.csv")
    forced = ingest.FileReport(path=path, sha256=hashlib.sha256(path.read_bytes()).hexdigest(), format="genesis")
    with pytest.raises(SourceFileError) as caught:
        ingest.apply([forced], raw, warehouse)
    assert "13211-02-05-4_2023.csv" in str(caught.value) and "abc" in str(caught.value)
    assert (tree_digest(raw), tree_digest(warehouse)) == before
    assert Store(warehouse).value("15087", "alq", 2023) == pytest.approx(9.9)


def test_truncated_genesis_file_names_the_line(shared_data, tmp_path):
    data = (shared_data / GENESIS_2023).read_bytes()
    (tmp_path / "13211-02-05-4_2023.csv").write_bytes(data[: len(data) // 2])
    [report] = ingest.inspect_folder(tmp_path, None)
    assert report.format == "genesis" and not report.ok
    assert "Zeile" in report.error and "erwartet wurde" in report.error


def test_a_table_from_earlier_territories_needs_the_crosswalk(shared_data, tmp_path):
    older = (Path(GENESIS_2015_2020).name, (shared_data / GENESIS_2015_2020).read_bytes())
    ingest.stage([older], tmp_path / "alone")
    [report] = ingest.inspect_folder(tmp_path / "alone", tmp_path / "raw")
    assert report.needs_crosswalk and not report.ok and "BBSR-Umsteigeschlüssel" in report.error
    ingest.stage([older, (Path(CROSSWALK).name, (shared_data / CROSSWALK).read_bytes())], tmp_path / "with")
    reports = {r.name: r for r in ingest.inspect_folder(tmp_path / "with", tmp_path / "raw")}
    assert all(r.ok for r in reports.values())
    assert reports[Path(CROSSWALK).name].format == "bbsr_crosswalk"
    assert reports[Path(CROSSWALK).name].years[-1] == 2020


def test_unknown_files_are_refused_and_csv_tables_can_be_mapped(tmp_path):
    (tmp_path / "notiz.docx").write_bytes(b"PK\x03\x04 kein Excel")
    (tmp_path / "eigene.csv").write_text("AGS;Jahr;Quote\n15087;2023;4,2\n", encoding="utf-8")
    reports = {r.name: r for r in ingest.inspect_folder(tmp_path, None)}
    docx = reports["notiz.docx"]
    assert docx.error.startswith("Datei „notiz.docx“ wurde nicht erkannt") and not docx.mappable
    assert "Bekannte Formate:" in docx.error
    own = reports["eigene.csv"]
    assert own.mappable and "zuordnen" in own.error
    assert "Kreisspalte „AGS“ gefunden" in own.error and "Jahresspalte „Jahr“" in own.error
    assert ingest.blocking(list(reports.values()))


def test_only_one_import_at_a_time(tmp_path):
    fcntl = pytest.importorskip("fcntl")
    raw = tmp_path / "raw"
    raw.mkdir()
    with ingest._import_lock(raw):
        with pytest.raises(ingest.ImportBusy):
            with ingest._import_lock(raw):
                pass
    assert fcntl  # the lock is released again:
    with ingest._import_lock(raw):
        pass


@pytest.mark.parametrize(
    "name, expected",
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Daten\\quote.csv", "quote.csv"),
        (".versteckt", "versteckt"),
        ("...", "datei"),
        ("a:b?.csv", "a_b_.csv"),
    ],
)
def test_upload_names_cannot_leave_the_folder(name, expected):
    assert ingest.safe_name(name) == expected


# -- own tables (generic CSV with mapping) ---------------------------------------------------------------------

OWN_CSV = (
    "Schlüssel;Jahr;Quote U25;Fälle;Bemerkung\n"
    '15087000;2022;12,5;1.234;=HYPERLINK("x")\n'
    "15087;2023;11,8;1.102;\n"
    "1001;2023;.;-;\n"
    "15087001;2023;1,0;3;Gemeinde wird übersprungen\n"
)


def own_mapping(**changes) -> dict:
    mapping = {
        "encoding": "utf-8",
        "delimiter": ";",
        "decimal": ",",
        "thousands": ".",
        "key_column": "Schlüssel",
        "year_column": "Jahr",
        "title": "U25-Auswertung",
        "publisher": "Jobcenter Mansfeld-Südharz",
        "stand": "31.03.2024",
        "licence": "intern",
        "values": [
            {"column": "Quote U25", "id": "quote_u25", "label": "Quote U25 im Bestand", "unit": "%"},
            {"column": "Fälle", "id": "faelle_u25", "label": "Fälle U25", "unit": "Anzahl"},
        ],
    }
    mapping.update(changes)
    return mapping


def test_mapped_csv_is_recognised_and_rebuilds_like_an_official_file(tmp_path):
    raw = tmp_path / "raw" / "eigene"
    raw.mkdir(parents=True)
    path = raw / "u25.csv"
    path.write_text(OWN_CSV, encoding="utf-8")
    assert recognise(path) is None
    guess = generic_csv.guess_layout(path)
    assert (guess["delimiter"], guess["decimal"], guess["key_column"], guess["year_column"]) == (
        ";",
        ",",
        "Schlüssel",
        "Jahr",
    )
    sidecar = generic_csv.write_mapping(path, own_mapping())
    assert (
        sidecar.name == "u25.mapping.json"
        and json.loads(sidecar.read_text(encoding="utf-8"))["format"] == generic_csv.MAPPING_FORMAT
    )
    assert recognise(path) == "generic_csv"

    result = generic_csv.read(path)
    assert any("übersprungen" in p for p in result.problems)
    build(tmp_path / "raw", tmp_path / "warehouse")
    store = Store(tmp_path / "warehouse")
    assert store.value("15087", "eigene__quote_u25", 2022) == pytest.approx(12.5)
    assert store.value("15087", "eigene__faelle_u25", 2022) == pytest.approx(1234)
    assert store.value("15087", "eigene__quote_u25", 2023) == pytest.approx(11.8)
    withheld = store.facts(["01001"], ["eigene__quote_u25"], (2023, 2023))
    assert withheld["suppressed"].tolist() == [True]
    meta = store.indicator("eigene__quote_u25")
    assert meta["label"] == "Quote U25 im Bestand" and meta["polarity"] == 0
    assert "Jobcenter Mansfeld-Südharz" in meta["source"]


def test_mapped_csv_with_text_in_a_value_cell_names_line_and_column(tmp_path):
    path = tmp_path / "u25.csv"
    path.write_text(OWN_CSV.replace("11,8", "abc"), encoding="utf-8")
    generic_csv.write_mapping(path, own_mapping())
    [report] = ingest.inspect_folder(tmp_path, None)
    assert report.format == "generic_csv" and not report.ok
    assert report.error.startswith("Datei „u25.csv“, Zeile 3, Spalte „Quote U25“: erwartet wurde eine Zahl")
    assert [c.name for c in report.companions] == ["u25.mapping.json"]


def test_mapping_must_name_existing_columns(tmp_path):
    path = tmp_path / "u25.csv"
    path.write_text(OWN_CSV, encoding="utf-8")
    with pytest.raises(SourceFileError, match="Spalte „Quote“ gibt es in der Datei nicht"):
        generic_csv.write_mapping(path, own_mapping(values=[{"column": "Quote", "id": "q", "label": "Quote"}]))
    assert not generic_csv.mapping_path(path).exists()


def test_rebuild_notes_warn_about_demo_data_and_another_raw_folder(imported, demo_warehouse, tmp_path):
    assert ingest.rebuild_notes(imported["raw"], imported["warehouse"]) == []
    [other] = ingest.rebuild_notes(tmp_path / "anderer-ordner", imported["warehouse"])
    assert "anderer-ordner" in other and "fehlen danach" in other
    [demo] = ingest.rebuild_notes(tmp_path, demo_warehouse)
    assert "Demodaten" in demo
    assert ingest.rebuild_notes(tmp_path, tmp_path / "gibt-es-nicht") == []


def test_companion_files_travel_with_their_main_file(shared_data, tmp_path):
    folder = shared_data / "inkar_gerda"
    files = [(p.name, p.read_bytes()) for p in sorted(folder.glob("*.csv"))]
    ingest.stage(files, tmp_path / "up")
    [report] = ingest.inspect_folder(tmp_path / "up", None)
    assert report.ok and report.format == "inkar_long"
    assert [c.name for c in report.companions] == ["gerda_county_covariates_codebook.csv"]
    assert not any("Codebuch" in p for p in report.problems), "the codebook was found beside the data"
    ingest.stage([files[0]], tmp_path / "alone")
    [lonely] = ingest.inspect_folder(tmp_path / "alone", None)
    assert "codebook" in lonely.name and "Begleitdatei" in lonely.error


WIDE_CSV = (
    "Kennziffer;Name;2021;2022\n15087;Mansfeld-Südharz;1.234;1.301\n15002;Halle;2.010;.\n01001;Flensburg;877;901\n"
)


def test_plain_table_with_years_as_columns_imports_with_the_unit_asked_for(tmp_path):
    """A plain Kreis table in the wide layout: the import page proposes years as columns and asks for the unit."""
    raw = tmp_path / "raw" / "eigene"
    raw.mkdir(parents=True)
    path = raw / "faelle_breit.csv"
    path.write_text(WIDE_CSV, encoding="utf-8")
    report = ingest.inspect(path)
    assert report.mappable and "Jahre als Spalten (2021–2022)" in report.error
    guess = generic_csv.guess_layout(path)
    assert (
        guess["years_in_columns"] and guess["year_columns"] == ["2021", "2022"] and guess["key_column"] == "Kennziffer"
    )
    mapping = {
        "encoding": "utf-8",
        "delimiter": ";",
        "decimal": ",",
        "thousands": ".",
        "key_column": "Kennziffer",
        "year_column": None,
        "year": None,
        "years_in_columns": True,
        "title": "Fälle",
        "publisher": "Jobcenter",
        "values": [{"column": y, "id": "faelle", "label": "Fälle", "unit": "Anzahl"} for y in ("2021", "2022")],
    }
    generic_csv.write_mapping(path, mapping)
    build(tmp_path / "raw", tmp_path / "warehouse")
    store = Store(tmp_path / "warehouse")
    assert store.value("15087", "eigene__faelle", 2021) == 1234  # "1.234" with thousands separator
    assert store.value("15087", "eigene__faelle", 2022) == 1301
    assert store.value("01001", "eigene__faelle", 2022) == 901
    assert store.facts(["15002"], ["eigene__faelle"], (2022, 2022))["suppressed"].tolist() == [True]
    meta = store.indicator("eigene__faelle")
    assert meta["unit"] == "Anzahl" and meta["aggregation"] == "sum"


def test_plain_xlsx_table_imports_through_the_generic_importer(tmp_path):
    import openpyxl

    raw = tmp_path / "raw" / "eigene"
    raw.mkdir(parents=True)
    path = raw / "quoten.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Quoten"
    for row in (["AGS", "Jahr", "Quote"], ["15087", 2023, 4.25], ["15002", 2023, 7.5], ["01001", 2022, 3.125]):
        sheet.append(row)
    book.save(path)
    report = ingest.inspect(path)
    assert report.mappable and "Excel-Arbeitsmappe" in report.error and "Kreisspalte „AGS“ gefunden" in report.error
    mapping = {
        "key_column": "AGS",
        "year_column": "Jahr",
        "year": None,
        "sheet": "Quoten",
        "values": [{"column": "Quote", "id": "quote", "label": "Quote", "unit": "%"}],
    }
    generic_csv.write_mapping(path, mapping)
    assert recognise(path) == "generic_csv"
    build(tmp_path / "raw", tmp_path / "warehouse")
    store = Store(tmp_path / "warehouse")
    assert store.value("15087", "eigene__quote", 2023) == 4.25
    assert store.value("01001", "eigene__quote", 2022) == 3.125
    assert store.indicator("eigene__quote")["aggregation"] == "mean"


def test_mirror_holds_what_the_uploader_shows_and_the_mappings_of_uploaded_tables(tmp_path):
    folder = tmp_path / "staging"
    folder.mkdir()
    (folder / "quoten.csv").write_bytes(b"alt")
    (folder / "quoten.mapping.json").write_text("{}")
    (folder / "weg.csv").write_bytes(b"weg")
    (folder / "weg.mapping.json").write_text("{}")
    (folder / "gleich.txt").write_bytes(b"gleich")
    before = (folder / "gleich.txt").stat().st_mtime_ns
    files = [("quoten.csv", b"neu"), ("unter/../gleich.txt", b"gleich"), ("karte.xlsx", b"x")]
    staged = ingest.mirror(files, folder)
    assert [p.name for p in staged] == ["gleich.txt", "karte.xlsx", "quoten.csv", "quoten.mapping.json"]
    assert (folder / "quoten.csv").read_bytes() == b"neu"
    assert (folder / "gleich.txt").stat().st_mtime_ns == before  # unchanged content is not written again
    assert ingest.mirror([], folder) == []
