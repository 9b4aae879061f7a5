"""The importer registry: one declaration per format drives build, import page, messages and README."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from indicators import importers
from indicators.domain.safe_text import markdown_escape
from indicators.importers import unknown
from indicators.warehouse import build as build_mod
from indicators.warehouse import ingest

ROOT = Path(__file__).resolve().parents[2]
FIX = Path(__file__).resolve().parents[1] / "fixtures"


def test_readme_table_is_the_registry():
    assert importers.formats_markdown() in (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_format_declares_how_it_recognises_reads_and_what_it_yields():
    assert len(importers.FORMATS) >= 10
    for name, fmt in importers.FORMATS.items():
        assert fmt.name == name and fmt.label and fmt.folder and fmt.reads and fmt.yields
        assert callable(fmt.sniff) and callable(fmt.load)
    assert ingest.FORMAT_FOLDERS == {n: f.folder for n, f in importers.FORMATS.items()}


@pytest.mark.parametrize(
    ("path", "name"),
    [
        (FIX / "genesis" / "13211-02-05-4_2023.csv", "genesis"),
        (FIX / "bbsr" / "kreistypen_2020.csv", "bbsr"),
        (FIX / "bbsr" / "ref-kreise-umrech-fixture.xlsx", "bbsr_crosswalk"),
        (FIX / "ba" / "Kreise_WO_fixture.xlsx", "ba"),
        (FIX / "inkar" / "inkar_export.xlsx", "inkar"),
        (FIX / "destatis" / "04-kreise_31122021.xlsx", "destatis"),
        (FIX / "deutschlandatlas" / "Deutschlandatlas-Daten.xlsx", "deutschlandatlas"),
        (FIX / "reference" / "seed_indicator_table.csv", "reference"),
        (FIX / "inkar_long" / "county_covariates_sample_1995-2022.csv", "inkar_long"),
        (FIX / "reference" / "seed_indicators.csv", None),
        (FIX / "deutschlandatlas" / "Indikatoren_Deutschlandatlas_Stand_2024-12-12.pdf", None),
    ],
)
def test_files_are_routed_by_their_content(path, name, tmp_path):
    renamed = tmp_path / ("datei" + path.suffix)  # the name does not matter
    shutil.copyfile(path, renamed)
    for companion in path.parent.iterdir():
        if companion != path:
            shutil.copyfile(companion, tmp_path / companion.name)
    assert importers.recognise(renamed) == name


def test_the_build_parses_each_file_once(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    raw.mkdir()
    for path in (
        FIX / "genesis" / "13211-02-05-4_2023.csv",
        FIX / "bbsr" / "kreistypen_2020.csv",
        FIX / "bbsr" / "ref-kreise-umrech-fixture.xlsx",
        FIX / "destatis" / "04-kreise_31122021.xlsx",
    ):
        shutil.copyfile(path, raw / path.name)
    calls: list[str] = []
    original = importers.load

    def counting(path, name):
        calls.append(Path(path).name)
        return original(path, name)

    monkeypatch.setattr(importers, "load", counting)
    for module in ("bbsr", "destatis", "genesis", "reference"):  # no second reader behind the registry's back
        for reader in ("read_kreistypen", "read_kreis_list", "read_published_reference"):
            if hasattr(importers.module(module), reader):
                monkeypatch.setattr(importers.module(module), reader, _forbidden)
    manifest = build_mod.build(raw, tmp_path / "wh")
    assert sorted(calls) == sorted({*calls}) and len(calls) == 5  # 4 files + the committed reference table
    assert manifest["counts"]["districts"] == 400


def _forbidden(*_args, **_kwargs):
    raise AssertionError("a file was read a second time outside the registry's load")


def test_import_page_and_build_read_through_the_same_load(tmp_path):
    path = FIX / "destatis" / "04-kreise_31122021.xlsx"
    result = importers.load(path, "destatis")
    report = ingest.inspect(path)
    assert (report.format, report.table, report.rows) == ("destatis", result.table, result.rows)
    assert report.kreise == len(result.extras["kreis_list"])


def test_an_unknown_table_is_named_and_described_in_build_output_and_on_the_import_page(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copyfile(FIX / "genesis" / "13211-02-05-4_2023.csv", raw / "13211-02-05-4_2023.csv")
    (raw / "quoten_breit.csv").write_text(
        "Kennziffer;Name;2021;2022\n15087;Mansfeld-Südharz;1,5;2,5\n15002;Halle;3,0;4,0\n01001;Flensburg;5;6\n",
        encoding="utf-8",
    )
    manifest = build_mod.build(raw, tmp_path / "wh")
    (item,) = manifest["unrecognised"]
    message = item["message"]
    assert message.startswith("Datei „quoten_breit.csv“ wurde nicht erkannt")
    assert "Trennzeichen Semikolon" in message and "Kennziffer | Name | 2021 | 2022" in message
    assert "Kreisspalte „Kennziffer“ gefunden" in message and "Jahre als Spalten (2021–2022)" in message
    assert all(fmt.label in message for fmt in importers.FORMATS.values())
    # the report is Markdown: the file's text in it is escaped (a header like "a | b" would start a table)
    assert markdown_escape(message) in (tmp_path / "wh" / "quality.md").read_text(encoding="utf-8")
    report = ingest.inspect(raw / "quoten_breit.csv")
    assert report.error.startswith(message.split(" Bekannte Formate")[0])


def test_a_column_of_small_numbers_is_no_kreis_column(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("foo,bar\n1,2\n3,4\n", encoding="utf-8")
    text = unknown.describe(path)
    assert "keine Spalte mit Kreisschlüsseln" in text and "Trennzeichen Komma" in text
