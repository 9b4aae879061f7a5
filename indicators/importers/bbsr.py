"""BBSR files: the siedlungsstrukturelle Kreistypen (CSV) and the Umsteigeschlüssel crosswalk (xlsx).

The Kreistypen are a peer-group class per Kreis; the crosswalk maps the Kreise of every year since 1990
onto today's Kreise, which :mod:`indicators.warehouse.harmonise` needs to put old time series on one Gebietsstand.
"""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter

from indicators.domain.ags import is_kreis, normalise_key
from indicators.errors import SourceFileError
from indicators.importers import workbook
from indicators.importers.base import Format, ImportResult, IndicatorSpec, facts_frame

FORMAT = "bbsr"
PUBLISHER = "Bundesinstitut für Bau-, Stadt- und Raumforschung (BBSR)"
LICENCE = "Datenlizenz Deutschland – Namensnennung – Version 2.0 (dl-de/by-2-0), © BBSR Bonn"
KREISTYP_ID = "bbsr__kreistyp"
ENCODING = "iso-8859-1"

_KREISE_CSV = Path(__file__).resolve().parents[1] / "reference" / "kreise.csv"
_YEAR_IN_PARENS = re.compile(r"\((\d{4})\)")
_CROSSWALK_COLUMNS = [
    "year",
    "old_ags",
    "new_ags",
    "w_area",
    "w_pop",
    "w_emp",
    "area_old_km2",
    "pop_old_1000",
    "old_name",
    "new_name",
]


# --------------------------------------------------------------------------------------------------
# Kreistypen CSV


def sniff(path: Path) -> bool:
    """True for a Kreistypen CSV: its first line names the siedlungsstruktureller Kreistyp."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(2048).decode(ENCODING)
    except OSError:
        return False
    first = head.splitlines()[0] if head else ""
    return "Siedlungsstruktureller Kreistyp" in first and "Kennziffer" in first


def _header_roles(path: Path, header: list[str]) -> dict[str, int]:
    """Find the four columns by their header text, so reordered or renamed vintages still import."""
    roles: dict[str, int] = {}
    for i, name in enumerate(header):
        text = name.strip()
        kind = "typ" if text.startswith("Siedlungsstruktureller Kreistyp") else "kreis"
        if not (text.startswith("Kreise") or kind == "typ"):
            continue
        part = "code" if text.endswith("Kennziffer") else "name" if text.endswith("Name") else None
        if part:
            roles.setdefault(f"{kind}_{part}", i)
    missing = {"kreis_code", "typ_code", "typ_name"} - roles.keys()
    if missing:
        raise SourceFileError(
            path,
            "Zeile 1",
            "die Spalten „Kreise (JJJJ) Kennziffer“ und „Siedlungsstruktureller Kreistyp (JJJJ) Kennziffer/Name“",
            ";".join(header),
        )
    return roles


def _year_of(path: Path, header_cell: str) -> int:
    found = _YEAR_IN_PARENS.search(header_cell)
    if not found:
        raise SourceFileError(path, "Zeile 1", "eine Jahresangabe „(JJJJ)“ im Spaltenkopf", header_cell)
    return int(found.group(1))


def _read_kreistypen_rows(path: Path) -> tuple[pd.DataFrame, int, int, list[str]]:
    """Rows as text plus the Kreis year (Gebietsstand) and the type year, both from the header."""
    try:
        text = Path(path).read_bytes().decode(ENCODING)
    except OSError as exc:
        raise SourceFileError(path, "Datei", "eine lesbare CSV-Datei", str(exc)) from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";", quotechar='"')
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise SourceFileError(
            path, f"Zeile {reader.line_num + 1}", "eine CSV-Zeile mit „;“ als Trennzeichen", str(exc)
        ) from None
    if not rows:
        raise SourceFileError(path, "Zeile 1", "eine Kopfzeile", "leere Datei")
    header = rows[0]
    roles = _header_roles(path, header)
    territory_year = _year_of(path, header[roles["kreis_code"]])
    year = _year_of(path, header[roles["typ_code"]])
    records, problems = [], []
    width = max(roles.values()) + 1
    for line_no, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < width:
            raise SourceFileError(path, f"Zeile {line_no}", f"mindestens {width} Felder", ";".join(row))
        raw_key = row[roles["kreis_code"]].strip()
        ags = normalise_key(raw_key)
        if ags is None or not is_kreis(ags):
            problems.append(f"Zeile {line_no}: Schlüssel „{raw_key}“ ist kein Kreis, übersprungen")
            continue
        code = row[roles["typ_code"]].strip()
        if not (code.isdigit() and len(code) <= 3):
            raise SourceFileError(path, f"Zeile {line_no}", "eine Kreistyp-Kennziffer (Zahl)", code)
        records.append({"ags": ags, "kreistyp": int(code), "kreistyp_name": _tidy_name(row[roles["typ_name"]])})
    frame = pd.DataFrame(records, columns=["ags", "kreistyp", "kreistyp_name"])
    duplicated = frame[frame["ags"].duplicated()]["ags"].tolist()
    if duplicated:
        raise SourceFileError(path, "Spalte Kennziffer", "jeden Kreis nur einmal", ", ".join(duplicated[:5]))
    return frame, territory_year, year, problems


def _tidy_name(name: str) -> str:
    """The file writes 'kreisfreie Großstadt' but 'Städtischer Kreis': one capitalisation for display."""
    name = " ".join(name.split())
    return name[:1].upper() + name[1:]


def _classes(frame: pd.DataFrame) -> list[str]:
    """Type names in the order of their code (1 = kreisfreie Großstadt ... 4 = dünn besiedelt)."""
    codes = frame.drop_duplicates("kreistyp").sort_values("kreistyp")
    return codes["kreistyp_name"].tolist()


def read(path: Path) -> ImportResult:
    """Kreistypen as class facts on the Gebietsstand the file names (harmonise maps them to today); the type of
    each of today's Kreise in ``extras["kreistypen"]`` (read in the same pass)."""
    path = Path(path)
    parsed = _read_kreistypen_rows(path)
    result = _kreistypen_result(path, *parsed)
    result.extras["kreistypen"] = _today(*parsed)
    return result


def _kreistypen_result(path: Path, frame: pd.DataFrame, territory_year: int, year: int, problems: list[str]):
    facts = facts_frame(
        pd.DataFrame(
            {
                "region": frame["ags"],
                "indicator": KREISTYP_ID,
                "year": year,
                "value": frame["kreistyp"].astype(float),
                "value_label": frame["kreistyp_name"],
                "territory_year": territory_year,
            }
        )
    )
    spec = IndicatorSpec(
        id=KREISTYP_ID,
        label="Siedlungsstruktureller Kreistyp",
        unit="",
        definition=(
            "Siedlungsstruktureller Kreistyp des BBSR nach Bevölkerungsanteil in Groß- und Mittelstädten, "
            f"Einwohnerdichte und Einwohnerdichte ohne Groß- und Mittelstädte ({year})."
        ),
        source=f"{PUBLISHER}, Siedlungsstrukturelle Kreistypen {year}",
        scale="nominal",
        classes=_classes(frame),
    )
    return ImportResult(
        format=FORMAT,
        table=f"kreistypen_{year}",
        path=path,
        facts=facts,
        indicators=[spec],
        title=f"Siedlungsstrukturelle Kreistypen {year}",
        publisher=PUBLISHER,
        stand=f"Kreistypen {year}, Gebietsstand 31.12.{territory_year}",
        licence=LICENCE,
        problems=problems,
    )


def today_kreise() -> set[str]:
    """The 400 Kreise of today's Gebietsstand (reference list shipped with the project)."""
    return set(pd.read_csv(_KREISE_CSV, dtype=str)["ags"])


def read_kreistypen(path: Path) -> pd.DataFrame:
    """Kreistyp of each of today's Kreise.

    Kreise that no longer exist (Eisenach 16056 in the 2020 file) are dropped; the Kreis that absorbed
    them keeps its own type, as BBSR advises, rather than a type mixed from two classes.
    """
    return _today(*_read_kreistypen_rows(Path(path)))


def _today(frame: pd.DataFrame, _territory_year: int, _year: int, problems: list[str]) -> pd.DataFrame:
    today = today_kreise()
    gone = sorted(set(frame["ags"]) - today)
    kept = frame[frame["ags"].isin(today)].sort_values("ags").reset_index(drop=True)
    kept.attrs["problems"] = problems + [f"Kreis {ags} besteht nicht mehr, Kreistyp verworfen" for ags in gone]
    return kept


# --------------------------------------------------------------------------------------------------
# Umsteigeschlüssel crosswalk


def sniff_crosswalk(path: Path) -> bool:
    """True for a BBSR Umsteigeschlüssel workbook: year-named sheets whose A1 starts with 'Kreise'."""
    try:
        if not zipfile.is_zipfile(path):
            return False
        book = workbook.open_workbook(path)
        name = next((n for n in book.sheet_names if n.strip().isdigit()), None)
        if name is None:
            return False
        first = (workbook.rows(book, name, path, max_rows=1) or [[]])[0]
    except Exception:  # noqa: BLE001 - sniffing must never fail on foreign files
        return False
    texts = [_flat(c) for c in first if c is not None]
    return bool(texts) and texts[0].startswith("kreise") and any("umsteige" in t for t in texts)


def _flat(cell: object) -> str:
    """Header text without line breaks, hyphenation and spaces: 'flächen-\\nproportionaler' -> 'flächenproportionaler'."""
    return re.sub(r"[\s\-]+", "", str(cell)).lower()


def _crosswalk_roles(path: Path, sheet: str, header: tuple) -> dict[str, int]:
    """Column of each role, found by header text (the number of columns changes in 1997)."""
    roles: dict[str, int] = {}
    key_columns, name_columns = [], []
    for i, cell in enumerate(header):
        if cell is None:
            continue
        text = _flat(cell)
        if text.startswith("kreisname"):
            name_columns.append(i)
        elif text.startswith("kreise"):
            key_columns.append(i)
        elif "flächenproportional" in text:
            roles["w_area"] = i
        elif "bevölkerungsproportional" in text:
            roles["w_pop"] = i
        elif "beschäftigtenproportional" in text:
            roles["w_emp"] = i
        elif text.startswith("fläche"):
            roles["area"] = i
        elif text.startswith("bevölkerung"):
            if "in1000" not in text and "in1.000" not in text:
                raise SourceFileError(path, f"Blatt {sheet}, Zeile 1", "Bevölkerung „in 1000“", str(cell))
            roles["pop"] = i
    if len(key_columns) != 2:
        raise SourceFileError(
            path,
            f"Blatt {sheet}, Zeile 1",
            "zwei Schlüsselspalten „Kreise 31.12.JJJJ“ (alt und neu)",
            str(header),
        )
    roles["old"], roles["new"] = key_columns
    if len(name_columns) == 2:
        roles["old_name"], roles["new_name"] = name_columns
    missing = {"w_area", "w_pop", "area", "pop"} - roles.keys()
    if missing:
        raise SourceFileError(
            path,
            f"Blatt {sheet}, Zeile 1",
            "Spalten für flächen- und bevölkerungsproportionalen Umsteigeschlüssel, Fläche und Bevölkerung",
            str(header),
        )
    return roles


def _sheet_year(path: Path, name: str, header: tuple, roles: dict[str, int]) -> int:
    if name.strip().isdigit() and len(name.strip()) == 4:
        return int(name)
    found = re.search(r"(\d{4})", str(header[roles["old"]]))
    if not found:
        raise SourceFileError(path, f"Blatt {name}, Zelle A1", "ein Stichtag 31.12.JJJJ", str(header[0]))
    return int(found.group(1))


def _number(path: Path, sheet: str, row_no: int, column: int, cell: object) -> float:
    if cell is None or cell == "":
        return float("nan")
    where = f"Blatt {sheet}, Zelle {get_column_letter(column + 1)}{row_no}"
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        value = float(cell)
    else:
        try:
            value = float(str(cell).replace(",", "."))
        except ValueError:
            raise SourceFileError(path, where, "eine Zahl", str(cell)) from None
    if not math.isfinite(value):  # a weight of NaN or inf would spread into every harmonised value
        raise SourceFileError(path, where, "eine endliche Zahl", str(cell))
    return value


def _key(path: Path, sheet: str, row_no: int, column: int, cell: object) -> str:
    ags = normalise_key(cell)
    if ags is None or not is_kreis(ags):
        where = f"Blatt {sheet}, Zelle {get_column_letter(column + 1)}{row_no}"
        raise SourceFileError(path, where, "eine Kreiskennziffer (8-stellig)", str(cell))
    return ags


def _read_sheet(path: Path, title: str, grid: list[list]) -> pd.DataFrame | None:
    rows = iter(grid)
    header = next(rows, None)
    if not header or not any(header):
        return None
    roles = _crosswalk_roles(path, title, header)
    year = _sheet_year(path, title, header, roles)
    records = []
    for row_no, row in enumerate(rows, start=2):
        if not row or all(c is None or str(c).strip() == "" for c in row):
            continue
        if len(row) <= max(roles.values()):
            raise SourceFileError(path, f"Blatt {title}, Zeile {row_no}", "eine vollständige Zeile", str(row))
        get = row.__getitem__
        records.append(
            {
                "year": year,
                "old_ags": _key(path, title, row_no, roles["old"], get(roles["old"])),
                "new_ags": _key(path, title, row_no, roles["new"], get(roles["new"])),
                "w_area": _number(path, title, row_no, roles["w_area"], get(roles["w_area"])),
                "w_pop": _number(path, title, row_no, roles["w_pop"], get(roles["w_pop"])),
                "w_emp": _number(path, title, row_no, roles["w_emp"], get(roles["w_emp"]))
                if "w_emp" in roles
                else float("nan"),
                "area": _number(path, title, row_no, roles["area"], get(roles["area"])),
                "pop": _number(path, title, row_no, roles["pop"], get(roles["pop"])),
                "old_name": str(get(roles["old_name"]) or "").strip() if "old_name" in roles else "",
                "new_name": str(get(roles["new_name"]) or "").strip() if "new_name" in roles else "",
            }
        )
    return pd.DataFrame(records)


def _old_totals(frame: pd.DataFrame, part: str, weight: str) -> pd.Series:
    """Figure of the whole old Kreis from its rows.

    Most sheets give each row the figure of the part that goes to the new Kreis (sum them); 2016-2018
    repeat the whole Kreis in every row of a split Kreis (identical values, different weights).
    """
    grouped = frame.groupby(["year", "old_ags"])[[part, weight]]
    stats = grouped.agg(["min", "max", "sum", "size"])
    repeated = (stats[(part, "min")] == stats[(part, "max")]) & (stats[(weight, "max")] - stats[(weight, "min")] > 0.1)
    whole = stats[(part, "sum")].where(~repeated | (stats[(part, "size")] == 1), stats[(part, "max")])
    index = pd.MultiIndex.from_frame(frame[["year", "old_ags"]])
    return pd.Series(whole.reindex(index).to_numpy(), index=frame.index)


def _repair_copied_figures(frame: pd.DataFrame, problems: list[str]) -> pd.DataFrame:
    """Old Kreise merged into one new Kreis cannot have identical area and population.

    The 2020 sheet gives Eisenach the figures of the merged Wartburgkreis; such copies would give the
    absorbed Kreis far too much weight, so its figures come from the nearest other sheet instead.
    """
    whole = frame.drop_duplicates(["year", "old_ags"])
    signature = whole.groupby(["year", "new_ags", "area_old_km2", "pop_old_1000"])["old_ags"].transform("size")
    suspects = whole[signature > 1][["year", "old_ags"]]
    if suspects.empty:
        return frame
    others = whole[["year", "old_ags", "area_old_km2", "pop_old_1000"]].rename(columns={"year": "other"})
    pairs = suspects.merge(others, on="old_ags")
    pairs = pairs[pairs["other"] != pairs["year"]]
    pairs["distance"] = (pairs["other"] - pairs["year"]).abs() * 2 + (pairs["other"] > pairs["year"])
    best = pairs.sort_values("distance").drop_duplicates(["year", "old_ags"])
    for row in best.itertuples():
        problems.append(
            f"Blatt {row.year}: Fläche/Bevölkerung von {row.old_ags} sind die des neuen Kreises; "
            f"Werte aus Blatt {row.other} verwendet"
        )
    fix = best.set_index(["year", "old_ags"])[["area_old_km2", "pop_old_1000"]]
    index = pd.MultiIndex.from_frame(frame[["year", "old_ags"]])
    replacement = fix.reindex(index)
    for column in ["area_old_km2", "pop_old_1000"]:
        new = replacement[column].to_numpy()
        frame[column] = np.where(np.isnan(new), frame[column].to_numpy(), new)
    return frame


@lru_cache(maxsize=4)
def _read_crosswalk_cached(path: str, _mtime: int, _size: int) -> pd.DataFrame:
    sheets = [_read_sheet(Path(path), name, rows) for name, rows in workbook.sheets(Path(path)).items()]
    frames = [s for s in sheets if s is not None and not s.empty]
    if not frames:
        raise SourceFileError(path, "Arbeitsmappe", "mindestens ein Blatt mit Umsteigeschlüsseln")
    frame = pd.concat(frames, ignore_index=True)
    problems: list[str] = []
    frame["area_old_km2"] = _old_totals(frame, "area", "w_area")
    frame["pop_old_1000"] = _old_totals(frame, "pop", "w_pop")
    frame = _repair_copied_figures(frame, problems)
    frame["year"] = frame["year"].astype(int)
    frame = frame[_CROSSWALK_COLUMNS].sort_values(["year", "old_ags", "new_ags"], ignore_index=True)
    frame.attrs["problems"] = problems
    return frame


def read_crosswalk(path: Path) -> pd.DataFrame:
    """All sheets of the Umsteigeschlüssel as one table: old Kreis of a year -> today's Kreis.

    ``area_old_km2`` and ``pop_old_1000`` describe the whole old Kreis, so ``w_pop * pop_old_1000`` is
    the population of the part that moves to ``new_ags``. Cached per file version: builds call it often.
    """
    path = Path(path)
    try:
        stat = path.stat()
    except OSError as exc:
        raise SourceFileError(path, "Datei", "eine vorhandene Datei", str(exc)) from None
    frame = _read_crosswalk_cached(str(path), stat.st_mtime_ns, stat.st_size)
    copy = frame.copy()
    copy.attrs["problems"] = list(frame.attrs.get("problems", []))
    return copy


def load_crosswalk(path: Path) -> ImportResult:
    """The crosswalk as a build input (``extras["crosswalk"]``); it yields no facts of its own."""
    path = Path(path)
    crosswalk = read_crosswalk(path)
    years = sorted(int(y) for y in crosswalk["year"].unique())
    return ImportResult(
        format="bbsr_crosswalk",
        table="Umsteigeschlüssel auf die Kreise zum 31.12.2021",
        path=path,
        facts=facts_frame([]),
        indicators=[],
        title=f"BBSR-Umsteigeschlüssel {years[0]}–{years[-1]} auf die Kreise zum 31.12.2021",
        publisher=PUBLISHER,
        stand=f"Gebietsstände 31.12.{years[0]} bis 31.12.{years[-1]}",
        licence=LICENCE,
        problems=list(crosswalk.attrs.get("problems", [])),
        extras={"crosswalk": crosswalk},
    )


FORMATS = (
    Format(
        name="bbsr_crosswalk",
        label="BBSR Umsteigeschlüssel (Excel)",
        folder="bbsr",
        reads="BBSR Umsteigeschlüssel: ein Blatt je Jahr, alte Kreise auf die Kreise zum 31.12.2021",
        yields="Umsteigeschlüssel für die Harmonisierung",
        examples="ref-kreise-umrech-2021-1990-2020.xlsx",
        sniff=sniff_crosswalk,
        load=load_crosswalk,
        suffixes=(".xlsx",),
    ),
    Format(
        name="bbsr",
        label="BBSR Kreistypen (CSV)",
        folder="bbsr",
        reads="Siedlungsstrukturelle Kreistypen (ISO-8859-1, „;“, 8-stellige Schlüssel)",
        yields="Kreistyp je Kreis (Vergleichsgruppen) und als Klassenindikator",
        examples="kreistypen_2020.csv",
        sniff=sniff,
        load=read,
        suffixes=(".csv",),
    ),
)
