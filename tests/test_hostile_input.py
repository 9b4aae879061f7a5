"""Importers under hostile input: every failure is a German SourceFileError naming file and position.

Files come from many portals in many states of repair. Starting from the hand-made fixtures in
tests/fixtures/<format>/, hypothesis mutates bytes (truncation, flipped, inserted and deleted bytes, other
encodings, NUL bytes), lines (deleted, duplicated, swapped and shuffled header lines, hostile cells, cut
lines, other delimiters) and cells of workbooks (hostile values, merged cells, deleted and inserted rows
and columns, renamed and deleted sheets). Each mutated file must either import into a sound result or fail
with :class:`~indicators.errors.SourceFileError` whose message names the file and a position; no other
exception type may escape. A failed build or import leaves every file of the warehouse and of the raw
folder byte-identical.

Example counts per test are fixed (``max_examples``); the module reports how many cases ran at the end
(``pytest -q -rA tests/test_hostile_input.py`` or in the terminal summary line it writes). In CI
(``CI=true``) the examples are derandomised, so a red run is reproducible; locally each run explores new
cases. ``REGIOMONITOR_HOSTILE_SCALE=4`` runs four times as many.
"""

from __future__ import annotations

import collections
import hashlib
import io
import json
import math
import os
import re
import shutil
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import openpyxl
import openpyxl.cell.cell
import pandas as pd
import pytest
import shapefile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators.errors import BuildError, SourceFileError
from indicators.importers import (
    ba,
    bbsr,
    destatis,
    deutschlandatlas,
    generic_csv,
    genesis,
    geometry,
    inkar,
    inkar_long,
    recognise,
    reference,
)
from indicators.importers.base import FACT_COLUMNS, ImportResult
from indicators.warehouse import ingest
from indicators.warehouse.build import build

FIX = Path(__file__).resolve().parent / "fixtures"
SCALE = max(1, int(os.environ.get("REGIOMONITOR_HOSTILE_SCALE", "1")))
CASES: collections.Counter[str] = collections.Counter()  # generated files per test
READS: collections.Counter[str] = collections.Counter()  # reader calls (a file may be read by several)
OUTCOMES: collections.Counter[str] = collections.Counter()

#: Words that name a position in a file: a line, a cell, a sheet, a byte, a part of a workbook or shapefile.
POSITION = re.compile(
    r"Zeile|Zelle|Blatt|Spalte|Byte|Kopf|Titel|Arbeitsmappe|Tabellenbl|Datei|Inhalt|Zuordnung|"
    r"Attributtabelle|Feldliste|Geometrie|Verzeichnis|Datensatz"
)
#: Text files must name a line (or byte) unless the file as a whole is unreadable.
TEXT_POSITION = re.compile(r"Zeile|Byte|Spalte|Kopf|Zuordnung|Inhalt|Datei$")

HOSTILE_TEXT = [
    "1e308",
    "-1e308",
    "1e309",
    "-0",
    "-0,0",
    "NaN",
    "nan",
    "inf",
    "-Infinity",
    "9" * 400,
    "x" * 20_000,
    "=cmd|' /C calc'!A0",
    "@SUMME(A1)",
    "+1+1",
    "-2+3",
    "\t=1",
    "",
    " ",
    ".",
    "x",
    "-",
    "...",
    "99999",  # unknown Kreis
    "03152",  # Göttingen before 2016 (old Kreis code)
    "16056",  # Eisenach before 2021
    "3152",  # old code that lost its leading zero
    "15087",
    "1508700000",
    "DG",
    "0",
    "12,5",
    "1.234,5",
    "1,2,3",
    "32768",
    "99999999999999999999",
    "Ä€ß\u200b",
    "\x00",
    '"',
    "a;b",
    "line\nbreak",
    "x'); DROP TABLE facts; --",
]
HOSTILE_CELLS = [*HOSTILE_TEXT, 1e308, -1e308, -0.0, 10**20, -(10**20), 0, 1, 2023, 99999, True, False, None]


def _settings(examples: int):
    return settings(
        max_examples=examples * SCALE,
        deadline=None,
        database=None,
        derandomize=os.environ.get("CI") == "true",
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.function_scoped_fixture,
        ],
    )


@pytest.fixture(scope="module", autouse=True)
def report_counts(request):
    """Say how many generated cases ran, per test, when the module is done."""
    started = time.monotonic()
    yield
    total = sum(CASES.values())
    lines = [
        f"Feindliche Eingaben: {total} erzeugte Fälle, {sum(READS.values())} Lesevorgänge, {time.monotonic() - started:.0f} s"
    ]
    lines += [
        f"  {name}: {n} Fälle, {OUTCOMES[name + ':ok']} gelesen, {OUTCOMES[name + ':err']} abgewiesen"
        + (f", {OUTCOMES[name + ':unerkannt']} nicht erkannt" if OUTCOMES[name + ":unerkannt"] else "")
        for name, n in sorted(CASES.items())
    ]
    summary = Path(tempfile.gettempdir()) / "regiomonitor-hostile-cases.json"
    summary.write_text(json.dumps({"total": total, "cases": dict(CASES), "outcomes": dict(OUTCOMES)}, indent=1))
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line("")
            for line in lines:
                reporter.write_line(line)


# --------------------------------------------------------------------------------------------- oracle


def check_error(exc: SourceFileError, names: set[str], text_file: bool) -> None:
    message = str(exc)
    assert exc.path.name in names, f"Fehler nennt eine fremde Datei: {message}"
    assert f"„{exc.path.name}“" in message, message
    assert message.startswith("Datei „") and "erwartet wurde" in message, message  # German, fixed wording
    assert exc.where and POSITION.search(exc.where), f"keine Position genannt: {exc.where!r} in {message}"
    if text_file and exc.path.suffix.lower() in {".csv", ".txt"}:
        assert TEXT_POSITION.search(exc.where), f"Textdatei ohne Zeilenangabe: {exc.where!r} in {message}"


def check_facts(facts: pd.DataFrame) -> None:
    assert list(facts.columns) == FACT_COLUMNS
    regions = facts["region"].astype(str)
    assert regions.str.fullmatch(r"DG|\d{2}|\d{5}").all(), regions[~regions.str.fullmatch(r"DG|\d{2}|\d{5}")].head()
    values = facts["value"].to_numpy(dtype="float64")
    assert not np.isinf(values).any(), "unendlicher Wert übernommen"
    years = facts["year"].dropna()
    assert years.between(1900, 2100).all(), years[~years.between(1900, 2100)].head()
    assert facts["indicator"].notna().all() and (facts["indicator"].str.len() > 0).all()
    assert facts["region"].notna().all()


def check_frame(frame: pd.DataFrame) -> None:
    for column in frame.columns:
        if frame[column].dtype.kind == "f":
            assert not np.isinf(frame[column].to_numpy()).any(), f"unendlicher Wert in {column}"


def check_result(result: object) -> None:
    if isinstance(result, ImportResult):
        check_facts(result.facts)
        ids = [spec.id for spec in result.indicators]
        assert len(ids) == len(set(ids)), "Indikatorkennung doppelt"
        assert all(isinstance(p, str) for p in result.problems)
    elif isinstance(result, pd.DataFrame):
        check_frame(result)
    elif isinstance(result, list):  # geometry features
        for feature in result:
            assert re.fullmatch(r"\d{2}|\d{5}", feature["ags"]), feature["ags"]
            coords = json.dumps(feature["geometry"]["coordinates"])
            assert "NaN" not in coords and "Infinity" not in coords


def attempt(test: str, reader: Callable[[Path], object], path: Path, names: set[str], text_file: bool) -> str:
    """Read a mutated file: a sound result or a SourceFileError; anything else fails the test."""
    READS[test] += 1
    assert recognise(path) in {None, *ingest.FORMAT_FOLDERS}  # sniffing never raises either
    try:
        result = reader(path)
    except SourceFileError as exc:
        check_error(exc, names | {path.name}, text_file)
        OUTCOMES[test + ":err"] += 1
        return "err"
    check_result(result)
    OUTCOMES[test + ":ok"] += 1
    return "ok"


# --------------------------------------------------------------------------------------------- mutations


def _at(draw, n: int) -> int:
    """A position in ``0..n``; drawn independently of ``n`` so that replays stay stable when sizes vary."""
    return draw(st.integers(0, 1 << 24)) % (n + 1)


@st.composite
def byte_mutation(draw, data: bytes) -> bytes:
    """Damage as it happens on the way: cut downloads, flipped bits, inserted junk, other encodings."""
    kind = draw(st.sampled_from(["truncate", "flip", "insert", "delete", "empty", "encode", "nul", "repeat"]))
    n = len(data)
    if kind == "truncate":
        return data[: _at(draw, max(n - 1, 0))]
    if kind == "flip":
        out = bytearray(data)
        for _ in range(draw(st.integers(1, 12))):
            if out:
                out[_at(draw, n - 1)] = draw(st.integers(0, 255))
        return bytes(out)
    if kind == "insert":
        at = _at(draw, n)
        return data[:at] + draw(st.binary(min_size=1, max_size=64)) + data[at:]
    if kind == "delete":
        at = _at(draw, n)
        return data[:at] + data[at + draw(st.integers(1, 200)) :]
    if kind == "empty":
        return draw(st.sampled_from([b"", b"\n", b"\xef\xbb\xbf", b"\r\n\r\n", b" "]))
    if kind == "encode":
        text = data.decode("utf-8", errors="replace") if data[:3] != b"PK\x03" else data.decode("latin-1")
        codec = draw(st.sampled_from(["utf-16", "utf-32", "cp1252", "utf-8-sig", "latin-1", "cp850"]))
        return text.encode(codec, errors="replace")
    if kind == "nul":
        at = _at(draw, n)
        return data[:at] + b"\x00" * draw(st.integers(1, 16)) + data[at:]
    at = _at(draw, n)
    return data[:at] + data[at : at + draw(st.integers(1, 500))] * draw(st.integers(2, 5)) + data[at:]


def _split(line: str) -> tuple[str, list[str]]:
    sep = ";" if line.count(";") >= line.count(",") else ","
    return sep, line.split(sep)


@st.composite
def line_mutation(draw, data: bytes, encoding: str) -> bytes:
    """Edits of a text table as people make them: lines lost, doubled, moved, cells overwritten."""
    text = data.decode(encoding)
    lines = text.splitlines()
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        kind = draw(
            st.sampled_from(
                ["drop", "dup", "swap", "shuffle_head", "cell", "cut", "insert", "sep", "quote", "dup_key", "blank"]
            )
        )
        if kind == "drop":
            del lines[i]
        elif kind == "dup":
            lines.insert(i, lines[draw(st.integers(0, len(lines) - 1))])
        elif kind == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "shuffle_head":
            head = lines[: min(len(lines), draw(st.integers(2, 12)))]
            lines[: len(head)] = draw(st.permutations(head))
        elif kind == "cell":
            sep, cells = _split(lines[i])
            k = draw(st.integers(0, len(cells) - 1))
            cells[k] = draw(st.sampled_from(HOSTILE_TEXT) | st.text(max_size=30))
            lines[i] = sep.join(cells)
        elif kind == "cut":
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
        elif kind == "insert":
            lines.insert(i, draw(st.sampled_from(HOSTILE_TEXT) | st.text(max_size=80)))
        elif kind == "sep":
            lines[i] = lines[i].replace(";", ",") if ";" in lines[i] else lines[i].replace(",", ";")
        elif kind == "quote":
            lines[i] = '"' + lines[i]
        elif kind == "dup_key":  # a data line whose first cells (the key) repeat another line's
            sep, cells = _split(lines[i])
            _, other = _split(lines[draw(st.integers(0, len(lines) - 1))])
            cells[: min(2, len(other))] = other[:2]
            lines[i] = sep.join(cells)
        else:
            lines.insert(i, "")
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return newline.join(lines).encode(encoding, errors="replace")


def _hostile_cell(draw):
    return draw(st.sampled_from(HOSTILE_CELLS) | st.text(max_size=40) | st.floats(allow_nan=True) | st.integers())


def _set(sheet, row: int, column: int, value) -> None:
    """Write a cell; the covered cells of a merged range take no value (as in Excel)."""
    cell = sheet.cell(row, column)
    if not isinstance(cell, openpyxl.cell.cell.MergedCell):
        cell.value = value


def mutate_workbook(draw, source: Path, target: Path) -> None:
    """Edit a workbook as a colleague might before mailing it on: cells, merges, rows, sheets."""
    book = openpyxl.load_workbook(source)
    for _ in range(draw(st.integers(1, 4))):
        sheet = book[draw(st.sampled_from(book.sheetnames))]
        rows, cols = max(sheet.max_row, 1), max(sheet.max_column, 1)
        r, c = draw(st.integers(1, rows)), draw(st.integers(1, cols))
        kind = draw(
            st.sampled_from(["cell", "cell", "cell", "merge", "del_rows", "ins_rows", "del_col", "sheet", "dup_row"])
        )
        if kind == "cell":
            value = _hostile_cell(draw)
            if isinstance(value, float) and not math.isfinite(value):
                value = str(value)  # a workbook stores such numbers as text
            if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
                value = str(value)
            if isinstance(value, str):
                value = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", value)  # openpyxl refuses control characters
            _set(sheet, r, c, value)
        elif kind == "merge":
            r2 = min(rows, r + draw(st.integers(0, 3)))
            c2 = min(cols, c + draw(st.integers(0, 3)))
            if (r2, c2) != (r, c):
                sheet.merge_cells(start_row=r, start_column=c, end_row=r2, end_column=c2)
        elif kind == "del_rows":
            sheet.delete_rows(r, draw(st.integers(1, 5)))
        elif kind == "ins_rows":
            sheet.insert_rows(r, draw(st.integers(1, 3)))
        elif kind == "del_col":
            sheet.delete_cols(c)
        elif kind == "dup_row":
            source = draw(st.integers(1, rows))
            for col in range(1, cols + 1):
                _set(sheet, r, col, sheet.cell(source, col).value)
        elif len(book.sheetnames) > 1 and draw(st.booleans()):
            book.remove(sheet)
        else:
            sheet.title = draw(st.sampled_from(["Tabelle1", "Blatt", "X", sheet.title[:20] + " (2)", "Daten"]))
    book.save(target)


@st.composite
def xlsx_mutation(draw, source: Path) -> bytes:
    if draw(st.integers(0, 9)) < 3:  # a third of the cases damage the zip container itself
        return draw(byte_mutation(source.read_bytes()))
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / source.name
        mutate_workbook(draw, source, target)
        data = target.read_bytes()
    if draw(st.integers(0, 9)) == 0:
        data = draw(byte_mutation(data))
    return data


def drop_zip_member(data: bytes, which: int) -> bytes:
    """A workbook without one of its parts (sheet, shared strings, styles, content types)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    names = source.namelist()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for i, name in enumerate(names):
            if i != which % len(names):
                target.writestr(name, source.read(name))
    return out.getvalue()


# --------------------------------------------------------------------------------------------- formats


class Format:
    """A fixture file in an official format, its companions, and the readers to try on it."""

    def __init__(self, name, main, readers, kind, companions=(), encoding="utf-8", importer=None):
        self.name = name
        self.importer = importer or name  # files of the same importer are no foreign format to each other
        self.main = main
        self.readers = readers
        self.kind = kind
        self.companions = list(companions)
        self.encoding = encoding

    def folder(self) -> tempfile.TemporaryDirectory:
        return tempfile.TemporaryDirectory(prefix=f"hostile-{self.name}-")

    def place(self, folder: Path, data: bytes, name: str | None = None) -> Path:
        for companion in self.companions:
            shutil.copyfile(companion, folder / companion.name)
        target = folder / (name or self.main.name)
        target.write_bytes(data)
        return target

    def names(self) -> set[str]:
        return {self.main.name} | {c.name for c in self.companions}

    def run(self, test: str, data: bytes, name: str | None = None) -> list[str]:
        CASES[test] += 1
        with self.folder() as tmp:
            path = self.place(Path(tmp), data, name)
            return [attempt(test, reader, path, self.names(), self.kind == "text") for reader in self.readers]


GEN = FIX / "genesis"
FORMATS = {
    "genesis": Format("genesis", GEN / "13211-02-05-4_2023.csv", [genesis.read], "text", encoding="cp1252"),
    "genesis_zeitreihe": Format(
        "genesis_zeitreihe",
        GEN / "12411-0018_2015-2016.csv",
        [genesis.read],
        "text",
        encoding="cp1252",
        importer="genesis",
    ),
    "inkar": Format("inkar", FIX / "inkar" / "inkar_export.xlsx", [inkar.read], "xlsx"),
    "inkar_vor2012": Format(
        "inkar_vor2012", FIX / "inkar" / "inkar_counts-pre2012.xlsx", [inkar.read], "xlsx", importer="inkar"
    ),
    "inkar_long": Format(
        "inkar_long",
        FIX / "inkar_long" / "county_covariates_sample_1995-2022.csv",
        [inkar_long.read],
        "text",
        [FIX / "inkar_long" / "county_covariates_sample_codebook.csv"],
    ),
    "inkar_long_codebuch": Format(
        "inkar_long_codebuch",
        FIX / "inkar_long" / "county_covariates_sample_codebook.csv",
        [inkar_long.read_codebook],  # the codebook given, not the data file beside it
        "text",
        [FIX / "inkar_long" / "county_covariates_sample_1995-2022.csv"],
    ),
    "deutschlandatlas": Format(
        "deutschlandatlas",
        FIX / "deutschlandatlas" / "Deutschlandatlas-Daten.xlsx",
        [deutschlandatlas.read],
        "xlsx",
        [FIX / "deutschlandatlas" / "Indikatoren_Deutschlandatlas_Stand_2024-12-12.pdf"],
    ),
    "destatis_kreise": Format(
        "destatis_kreise",
        FIX / "destatis" / "04-kreise_31122021.xlsx",
        [destatis.read, destatis.read_kreis_list],
        "xlsx",
        importer="destatis",
    ),
    "destatis_gemeinden": Format(
        "destatis_gemeinden",
        FIX / "destatis" / "31122023_Auszug_GV.xlsx",
        [destatis.read, destatis.read_municipalities],
        "xlsx",
        importer="destatis",
    ),
    "bbsr_kreistypen": Format(
        "bbsr_kreistypen",
        FIX / "bbsr" / "kreistypen_2020.csv",
        [bbsr.read, bbsr.read_kreistypen],
        "text",
        encoding="cp1252",
    ),
    "bbsr_umsteiger": Format(
        "bbsr_umsteiger", FIX / "bbsr" / "ref-kreise-umrech-fixture.xlsx", [bbsr.read_crosswalk], "xlsx"
    ),
    "ba": Format("ba", FIX / "ba" / "Kreise_WO_fixture.xlsx", [ba.read], "xlsx"),
    "reference": Format(
        "reference",
        FIX / "reference" / "seed_indicator_table.csv",
        [reference.read, reference.read_published_reference],
        "text",
        [FIX / "reference" / "seed_indicators.csv"],
    ),
    "reference_metadaten": Format(
        "reference_metadaten",
        FIX / "reference" / "seed_indicators.csv",
        [reference.read_metadata],
        "text",
        [FIX / "reference" / "seed_indicator_table.csv"],
    ),
}
TEXT_FORMATS = [name for name, f in FORMATS.items() if f.kind == "text"]
XLSX_FORMATS = [name for name, f in FORMATS.items() if f.kind == "xlsx"]


def test_fixtures_import_cleanly_before_mutation():
    """The mutations start from sound files: each reads without error."""
    for fmt in FORMATS.values():
        assert fmt.run("unverändert", fmt.main.read_bytes()) == ["ok"] * len(fmt.readers), fmt.name


# --------------------------------------------------------------------------------------------- text formats


@pytest.mark.parametrize("name", TEXT_FORMATS)
@_settings(120)
@given(data=st.data())
def test_text_files_with_damaged_bytes(name, data):
    fmt = FORMATS[name]
    fmt.run(f"bytes:{name}", data.draw(byte_mutation(fmt.main.read_bytes())))


@pytest.mark.parametrize("name", TEXT_FORMATS)
@_settings(150)
@given(data=st.data())
def test_text_files_with_edited_lines(name, data):
    fmt = FORMATS[name]
    fmt.run(f"zeilen:{name}", data.draw(line_mutation(fmt.main.read_bytes(), fmt.encoding)))


# --------------------------------------------------------------------------------------------- workbooks


@pytest.mark.parametrize("name", XLSX_FORMATS)
@_settings(80)
@given(data=st.data())
def test_workbooks_with_edited_cells_and_damaged_containers(name, data):
    fmt = FORMATS[name]
    fmt.run(f"zellen:{name}", data.draw(xlsx_mutation(fmt.main)))


@pytest.mark.parametrize("name", XLSX_FORMATS)
def test_workbooks_missing_a_part(name):
    fmt = FORMATS[name]
    data = fmt.main.read_bytes()
    for which in range(len(zipfile.ZipFile(io.BytesIO(data)).namelist())):
        fmt.run(f"zip-teil:{name}", drop_zip_member(data, which))


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_a_file_of_another_format_is_refused_by_every_reader(name):
    """An xlsx given to a CSV reader, a CSV to a workbook reader, a PDF to both: every reader refuses it with a
    German message (a foreign file read "successfully" would import nonsense)."""
    fmt = FORMATS[name]
    foreign = [other.main for other in FORMATS.values() if other.importer != fmt.importer]
    foreign.append(FIX / "deutschlandatlas" / "Indikatoren_Deutschlandatlas_Stand_2024-12-12.pdf")
    accepted = []
    for path in foreign:
        outcomes = fmt.run(f"fremdformat:{name}", path.read_bytes())
        accepted += [f"{path.name} von Leser {i + 1}" for i, outcome in enumerate(outcomes) if outcome != "err"]
    assert not accepted, f"{name}: fremde Dateien gelesen statt abgewiesen: {accepted}"


# --------------------------------------------------------------------------------------------- own CSV (mapping)

OWN_CSV = (
    "Schlüssel;Jahr;Quote U25;Fälle;Bemerkung\n"
    '15087000;2022;12,5;1.234;=HYPERLINK("x")\n'
    "15087;2023;11,8;1.102;\n"
    "1001;2023;.;-;\n"
    "03152;2015;4,5;10;alter Kreis Göttingen\n"
    "15087001;2023;1,0;3;Gemeinde wird übersprungen\n"
)
OWN_MAPPING = {
    "encoding": "utf-8",
    "delimiter": ";",
    "decimal": ",",
    "thousands": ".",
    "skip_rows": 0,
    "key_column": "Schlüssel",
    "year_column": "Jahr",
    "year": None,
    "title": "U25",
    "publisher": "Jobcenter",
    "stand": "",
    "licence": "intern",
    "values": [
        {"column": "Quote U25", "id": "quote_u25", "label": "Quote U25", "unit": "%"},
        {"column": "Fälle", "id": "faelle_u25", "label": "Fälle U25", "unit": "Anzahl"},
    ],
}


def _own(folder: Path, csv_bytes: bytes, mapping: dict | bytes) -> Path:
    path = folder / "u25.csv"
    path.write_bytes(csv_bytes)
    sidecar = generic_csv.mapping_path(path)
    if isinstance(mapping, bytes):
        sidecar.write_bytes(mapping)
    else:
        sidecar.write_text(json.dumps({"format": generic_csv.MAPPING_FORMAT} | mapping, ensure_ascii=False))
    return path


def _own_names() -> set[str]:
    return {"u25.csv", "u25.mapping.json"}


@_settings(150)
@given(data=st.data())
def test_own_csv_with_damaged_file(data):
    raw = OWN_CSV.encode()
    mutated = data.draw(st.one_of(byte_mutation(raw), line_mutation(raw, "utf-8")))
    with tempfile.TemporaryDirectory() as tmp:
        path = _own(Path(tmp), mutated, OWN_MAPPING)
        CASES["eigene_csv"] += 1
        attempt("eigene_csv", generic_csv.read, path, _own_names(), True)


@st.composite
def mapping_mutation(draw) -> dict | bytes:
    mapping = json.loads(json.dumps(OWN_MAPPING))
    kind = draw(st.sampled_from(["drop", "value", "values", "bytes", "type"]))
    if kind == "bytes":
        return draw(byte_mutation(json.dumps(mapping).encode()))
    if kind == "drop":
        mapping.pop(draw(st.sampled_from(sorted(mapping))), None)
    elif kind == "value":
        key = draw(st.sampled_from(sorted(mapping)))
        mapping[key] = draw(
            st.sampled_from([None, "", 0, -1, 10**9, [], {}, "utf-16", "latin-1", "x" * 5000, "Jahr", "?"])
            | st.text(max_size=10)
        )
    elif kind == "values":
        spec = mapping["values"][0]
        spec[draw(st.sampled_from(["column", "id", "label", "unit"]))] = draw(
            st.sampled_from([None, "", "Schlüssel", "Jahr", "gibt es nicht", "=1+1", 5, "Quote U25"])
        )
        if draw(st.booleans()):
            mapping["values"].append(dict(spec))
    else:
        mapping = draw(st.sampled_from([[], "text", 5, None]))
        return json.dumps(mapping).encode()
    return mapping


@_settings(120)
@given(mapping=mapping_mutation())
def test_own_csv_with_damaged_mapping(mapping):
    with tempfile.TemporaryDirectory() as tmp:
        path = _own(Path(tmp), OWN_CSV.encode(), mapping)
        CASES["eigene_zuordnung"] += 1
        attempt("eigene_zuordnung", generic_csv.read, path, _own_names(), True)


# --------------------------------------------------------------------------------------------- shapefiles

PRJ = FIX / "geometry" / "etrs89_utm32n.prj"
KRS_FIELDS = [("AGS", "C", 5), ("GEN", "C", 60), ("BEZ", "C", 60), ("NUTS", "C", 5), ("GF", "N", 2)]


def _square(x0: float, y0: float, size: float) -> list[tuple[float, float]]:
    return [(x0, y0), (x0, y0 + size), (x0 + size, y0 + size), (x0 + size, y0), (x0, y0)]


def _shapefile(folder: Path, records: list[tuple], rings: list | None = None) -> Path:
    target = folder / "VG_HOSTILE_KRS"
    with shapefile.Writer(str(target), shapeType=shapefile.POLYGON, encoding="utf-8") as writer:
        for name, kind, size in KRS_FIELDS:
            writer.field(name, kind, size=size)
        for i, record in enumerate(records):
            writer.poly(rings[i] if rings else [_square(500000 + 20000 * i, 5700000, 10000)])
            writer.record(*record)
    shutil.copyfile(PRJ, target.with_suffix(".prj"))
    target.with_suffix(".cpg").write_text("UTF-8", encoding="ascii")
    return target.with_suffix(".shp")


GOOD_RECORDS = [
    ("15001", "Süderstadt", "Kreisfreie Stadt", "DEE01", 9),
    ("15002", "Wellenkreis", "Landkreis", "DEE02", 9),
    ("15003", "Inselkreis", "Landkreis", "DEE03", 9),
]
SHAPE_NAMES = {f"VG_HOSTILE_KRS{s}" for s in (".shp", ".shx", ".dbf", ".prj", ".cpg")}


def test_fixture_shapefile_reads():
    CASES["shape:unverändert"] += 1
    with tempfile.TemporaryDirectory() as tmp:
        shp = _shapefile(Path(tmp), GOOD_RECORDS)
        assert attempt("shape:unverändert", geometry.read_kreise, shp, SHAPE_NAMES, False) == "ok"


@_settings(150)
@given(data=st.data())
def test_shapefiles_with_damaged_parts(data):
    with tempfile.TemporaryDirectory() as tmp:
        shp = _shapefile(Path(tmp), GOOD_RECORDS)
        part = data.draw(st.sampled_from([".shp", ".shx", ".dbf", ".prj", ".cpg", "missing"]))
        if part == "missing":
            shp.with_suffix(data.draw(st.sampled_from([".shx", ".dbf", ".prj"]))).unlink()
        else:
            target = shp.with_suffix(part)
            target.write_bytes(data.draw(byte_mutation(target.read_bytes())))
        CASES["shape:bytes"] += 1
        attempt("shape:bytes", geometry.read_kreise, shp, SHAPE_NAMES, False)


@_settings(100)
@given(data=st.data())
def test_shapefiles_with_hostile_records_and_rings(data):
    records = [list(r) for r in GOOD_RECORDS]
    for _ in range(data.draw(st.integers(1, 3))):
        row = data.draw(st.integers(0, len(records) - 1))
        column = data.draw(st.integers(0, 3))
        value = data.draw(st.sampled_from(HOSTILE_TEXT) | st.text(max_size=20))
        records[row][column] = value.replace("\x00", "")[:60]
    rings = None
    if data.draw(st.booleans()):
        point = st.tuples(
            st.floats(-1e12, 1e12, allow_nan=False) | st.sampled_from([0.0, 500000.0]),
            st.floats(-1e12, 1e12, allow_nan=False) | st.sampled_from([0.0, 5700000.0]),
        )
        rings = [[data.draw(st.lists(point, min_size=1, max_size=6))] for _ in records]
    with tempfile.TemporaryDirectory() as tmp:
        shp = _shapefile(Path(tmp), [tuple(r) for r in records], rings)
        CASES["shape:datensätze"] += 1
        attempt("shape:datensätze", geometry.read_kreise, shp, SHAPE_NAMES, False)


# --------------------------------------------------------------------------------------------- huge files

MB = 1 << 20


def _huge_genesis(size: int) -> bytes:
    """A Regionalstatistik table with the fixture's header and ~``size`` bytes of data rows."""
    lines = (GEN / "13211-02-05-4_2023.csv").read_bytes().decode("cp1252").splitlines()
    data_at = next(i for i, line in enumerate(lines) if re.match(r"\d{4};DG;", line))
    footer_at = next(i for i in range(data_at, len(lines)) if not re.match(r"\d{4};", lines[i]))
    template = lines[data_at + 1]  # a Land row
    body, total, n = [], 0, 0
    while total < size:
        cells = template.split(";")
        cells[0] = str(1900 + n % 200)
        cells[1] = f"{10000 + n % 89999:05d}"
        row = ";".join(cells)
        body.append(row)
        total += len(row) + 2
        n += 1
    return "\r\n".join(lines[:data_at] + body + lines[footer_at:]).encode("cp1252")


@pytest.mark.parametrize(
    "kind",
    ["genesis_50mb", "random_50mb", "one_line_50mb", "own_csv_50mb"],
)
def test_huge_files_import_or_fail_with_a_message(kind, tmp_path):
    """50 MB (the upload limit) of data, junk or one endless line: a result or a German message, no crash.

    This checks behaviour, not speed: how long such files take is measured in ``bench/``."""
    if kind == "genesis_50mb":
        path = tmp_path / "13211-02-05-4_2023.csv"
        path.write_bytes(_huge_genesis(50 * MB))
        readers = [genesis.read]
    elif kind == "random_50mb":
        path = tmp_path / "zufall.csv"
        path.write_bytes(np.random.default_rng(7).bytes(50 * MB))
        readers = [genesis.read, bbsr.read, inkar_long.read, reference.read]
    elif kind == "one_line_50mb":
        path = tmp_path / "eine_zeile.csv"
        path.write_bytes(b"Kreis;" + b"1;" * (25 * MB))
        readers = [genesis.read, bbsr.read, inkar_long.read, reference.read]
    else:
        path = tmp_path / "u25.csv"
        rows = [OWN_CSV.splitlines()[0]]
        rows += [
            f"{10000 + i % 89999:05d};{1990 + i // 89999};{i % 1000},5;{i};Bemerkung {i}" for i in range(1_300_000)
        ]
        path.write_text("\n".join(rows), encoding="utf-8")
        generic_csv.mapping_path(path).write_text(json.dumps({"format": generic_csv.MAPPING_FORMAT} | OWN_MAPPING))
        readers = [generic_csv.read]
    assert path.stat().st_size >= 40 * MB
    for reader in readers:
        attempt(f"groß:{kind}", reader, path, {path.name, generic_csv.mapping_path(path).name}, True)
    CASES[f"groß:{kind}"] += 1


# --------------------------------------------------------------------------------------------- warehouse stays


def _hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


#: Sound raw files the build needs besides the damaged one (a crosswalk for older Gebietsstände).
GOOD_RAW = [
    ("bbsr", FIX / "bbsr" / "kreistypen_2020.csv"),
    ("bbsr", FIX / "bbsr" / "ref-kreise-umrech-fixture.xlsx"),
    ("genesis", GEN / "13211-02-05-4_2023.csv"),
    ("reference", FIX / "reference" / "seed_indicator_table.csv"),
    ("reference", FIX / "reference" / "seed_indicators.csv"),
]


@pytest.fixture(scope="module")
def sound_build(tmp_path_factory):
    """A raw folder of sound fixtures and the warehouse built from it."""
    base = tmp_path_factory.mktemp("sound")
    raw = base / "raw"
    for folder, path in GOOD_RAW:
        (raw / folder).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, raw / folder / path.name)
    build(raw, base / "warehouse")
    return base


def _failed_build_leaves_everything(sound: Path, fmt: Format, data: bytes, test: str) -> str:
    """Build with a damaged file in the raw folder: ``err`` (stopped, nothing changed), ``unerkannt`` (the
    file was not recognised and is listed as such) or ``ok`` (it was sound enough to import), with the message."""
    with tempfile.TemporaryDirectory() as tmp:
        raw, warehouse = Path(tmp) / "raw", Path(tmp) / "warehouse"
        shutil.copytree(sound / "raw", raw)
        shutil.copytree(sound / "warehouse", warehouse)
        folder = raw / "neu"
        folder.mkdir()
        fmt.place(folder, data)
        before_wh, before_raw = _hashes(warehouse), _hashes(raw)
        CASES[test] += 1
        try:
            manifest = build(raw, warehouse)
        except (SourceFileError, BuildError) as exc:
            assert "„" in str(exc) or "Rohdatenordner" in str(exc)
            assert _hashes(warehouse) == before_wh, "Warehouse nach fehlgeschlagenem Aufbau verändert"
            assert _hashes(raw) == before_raw
            OUTCOMES[test + ":err"] += 1
            return "err", str(exc)
        assert _hashes(raw) == before_raw
        placed = {f"neu/{p.name}" for p in [fmt.main, *fmt.companions]}
        if placed & {source["file"] for source in manifest["sources"]}:
            OUTCOMES[test + ":ok"] += 1
            return "ok", ""
        assert f"neu/{fmt.main.name}" in manifest["unrecognised_files"], manifest["unrecognised_files"]
        OUTCOMES[test + ":unerkannt"] += 1
        return "unerkannt", ""


@_settings(40)
@given(data=st.data())
def test_failed_build_leaves_the_warehouse_byte_identical(sound_build, data):
    name = data.draw(st.sampled_from(sorted(FORMATS)))
    fmt = FORMATS[name]
    if fmt.kind == "xlsx":
        mutated = data.draw(xlsx_mutation(fmt.main))
    else:
        mutated = data.draw(
            st.one_of(byte_mutation(fmt.main.read_bytes()), line_mutation(fmt.main.read_bytes(), fmt.encoding))
        )
    _failed_build_leaves_everything(sound_build, fmt, mutated, "aufbau")


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_truncated_file_fails_the_build_and_changes_nothing(sound_build, name):
    """Each format, cut in half: the build stops with a German message naming that file and what is wrong with it
    (a missing footer, a short last row, a workbook without its zip directory), and the warehouse stays as it was."""
    fmt = FORMATS[name]
    data = fmt.main.read_bytes()
    outcome, message = _failed_build_leaves_everything(sound_build, fmt, data[: len(data) // 2], "aufbau:halb")
    assert outcome == "err", f"{name}: halbe Datei {outcome}"
    assert message.startswith(f"Datei „{fmt.main.name}“"), message
    assert "erwartet wurde" in message and POSITION.search(message), message


@_settings(30)
@given(data=st.data())
def test_import_via_the_app_refuses_a_damaged_file_and_changes_nothing(sound_build, data):
    """inspect → apply as the import page does: a damaged file is reported and apply stores nothing."""
    name = data.draw(st.sampled_from(sorted(FORMATS)))
    fmt = FORMATS[name]
    raw_bytes = fmt.main.read_bytes()
    mutated = data.draw(xlsx_mutation(fmt.main) if fmt.kind == "xlsx" else byte_mutation(raw_bytes))
    with tempfile.TemporaryDirectory() as tmp:
        raw, warehouse, staging = Path(tmp) / "raw", Path(tmp) / "warehouse", Path(tmp) / "upload"
        shutil.copytree(sound_build / "raw", raw)
        shutil.copytree(sound_build / "warehouse", warehouse)
        staging.mkdir()
        fmt.place(staging, mutated)
        before_wh, before_raw = _hashes(warehouse), _hashes(raw)
        CASES["import"] += 1
        reports = ingest.inspect_folder(staging, raw)
        for report in reports:
            if report.error:
                # the error names the damaged file itself (the companions are sound) and says what is wrong
                assert f"„{fmt.main.name}“" in report.error, report.error
                assert "konnte nicht gelesen werden" not in report.error, report.error
        if ingest.blocking(reports):
            with pytest.raises(BuildError, match="Import nicht möglich"):
                ingest.apply(reports, raw, warehouse)
            OUTCOMES["import:err"] += 1
        else:
            try:
                ingest.apply(reports, raw, warehouse)
                OUTCOMES["import:ok"] += 1
                return
            except (SourceFileError, BuildError):
                OUTCOMES["import:err"] += 1
        assert _hashes(warehouse) == before_wh
        assert _hashes(raw) == before_raw
