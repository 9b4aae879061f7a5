"""Special-evaluation tables of the Statistik der Bundesagentur für Arbeit (xlsx).

Layout: a title block naming measure and unit, a multi-row column header whose category labels span
columns, a row of Stichtage (Excel dates) and a row of column numbers, then one row per region labelled
``"15087 Mansfeld-Südharz"``, and footnotes below. Keys follow the Gebietsstand of each Stichtag, so
``territory_year`` is the Stichtag's year and :mod:`indicators.warehouse.harmonise` maps them onto today's Kreise.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from openpyxl.utils import get_column_letter

from indicators.domain.ags import CITY_STATES, GERMANY, is_kreis, normalise_key
from indicators.errors import SourceFileError
from indicators.importers import workbook
from indicators.importers.base import (
    Format,
    ImportResult,
    IndicatorSpec,
    derived_indicator_id,
    facts_frame,
    parse_number,
)

FORMAT = "ba"
PUBLISHER = "Statistik der Bundesagentur für Arbeit"
LICENCE = "Statistik der Bundesagentur für Arbeit; Nutzung mit Quellenangabe, eigene Berechnungen kennzeichnen"

#: BA writes "." for "kein Nachweis" (no value to show), unlike Regionalstatistik, where "." is withheld.
NO_RECORD = "."
#: header words that join label rows ("davon", "darunter") and name no category themselves
CONNECTORS = {"davon", "darunter", "dar.", "und zwar", "davon:", "darunter:"}
_HEADER_SCAN_ROWS = 40
_FOOTNOTE_MARK = re.compile(r"(?<=[^\s\d(])(\d{1,2})\)")
_FOOTNOTE_LINE = re.compile(r"^(\d{1,2})\)\s*(.+)$", re.S)
_DATE_TEXT = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_STAND = re.compile(r"Datenstand:?\s*([^,;()\n]+)")
_MEASURE = re.compile(r"\(([^()]*)\)\s*$")


@dataclass
class Layout:
    """Row indices (0-based) of one data sheet's header parts."""

    title_rows: range
    label_rows: range
    date_row: int
    number_row: int
    columns: list[int]  # 0-based indices of value columns


@dataclass
class Column:
    index: int
    date: dt.date
    path: tuple[str, ...]  # category labels, top to bottom, without connectors and footnote marks
    marks: set[str] = field(default_factory=set)  # footnote numbers the labels refer to


# --------------------------------------------------------------------------------------------------
# layout detection


def _as_date(cell: object) -> dt.date | None:
    """A Stichtag; a date-formatted cell far outside the statistics' years (a stray number) is none."""
    if isinstance(cell, (dt.date, dt.datetime)):
        day = cell.date() if isinstance(cell, dt.datetime) else cell
        return day if 1950 <= day.year <= 2100 else None
    if isinstance(cell, str):
        found = _DATE_TEXT.match(cell.strip())
        if found:
            day, month, year = (int(g) for g in found.groups())
            if not 1950 <= year <= 2100:
                return None
            try:
                return dt.date(year, month, day)
            except ValueError:
                return None
    return None


def _is_number_row(row: tuple) -> list[int] | None:
    """Columns of a BA column-number row (1, 2, 3 ... below the dates; column A empty)."""
    if not row or (row[0] is not None and str(row[0]).strip()):
        return None
    cols = [i for i, c in enumerate(row) if c is not None and str(c).strip() != ""]
    if not cols:
        return None
    values = [row[i] for i in cols]
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return None
    if any(b - a != 1 for a, b in zip(values, values[1:], strict=False)):
        return None
    return cols


def _find_layout(rows: list[tuple]) -> Layout | None:
    """The header structure of a data sheet, or None for Impressum, Hinweise and foreign sheets."""
    for n in range(1, min(len(rows), _HEADER_SCAN_ROWS)):
        columns = _is_number_row(rows[n])
        if not columns:
            continue
        date_row = n - 1
        if not all(_as_date(_cell(rows[date_row], c)) for c in columns):
            continue
        header_start = next((i for i in range(date_row) if _starts_header(rows[i], columns)), date_row)
        return Layout(range(0, header_start), range(header_start, date_row), date_row, n, columns)
    return None


def _starts_header(row: tuple, columns: list[int]) -> bool:
    """The column header begins with the row label ('Region (Wohnort)') next to the first category;
    a lone corner note such as 'Beschäftigungsstatistik' above the title does not count."""
    labels = sum(_filled(_cell(row, c)) for c in columns)
    return (_filled(_cell(row, 0)) and labels > 0) or labels > 1


def _cell(row: tuple, i: int) -> object:
    return row[i] if i < len(row) else None


def _filled(cell: object) -> bool:
    return cell is not None and str(cell).strip() != ""


def _clean_label(text: str) -> tuple[str, set[str]]:
    """Label without footnote marks ('Anerkannter Berufsabschluss2)') and the marks it carried."""
    marks = set(_FOOTNOTE_MARK.findall(text))
    return " ".join(_FOOTNOTE_MARK.sub("", text).split()), marks


def _label_grid(rows: list[tuple], layout: Layout) -> dict[int, list[str]]:
    """Category labels per value column: merged cells carry right, but never past a new upper label."""
    columns = layout.columns
    paths: dict[int, list[str]] = {c: [] for c in columns}
    started = {c: False for c in columns}
    for r in layout.label_rows:
        row = rows[r]
        previous = ""
        for pos, c in enumerate(columns):
            cell = _cell(row, c)
            if _filled(cell):
                label = str(cell).strip()
            elif pos > 0 and not started[c] and columns[pos - 1] == c - 1:
                label = previous
            else:
                label = ""
            paths[c].append(label)
            started[c] = started[c] or _filled(cell)
            previous = label
    return paths


def _columns(rows: list[tuple], layout: Layout) -> list[Column]:
    grid = _label_grid(rows, layout)
    result = []
    for c in layout.columns:
        parts, marks = [], set()
        for raw in grid[c]:
            label, found = _clean_label(raw)
            marks |= found
            if label and label.lower() not in CONNECTORS:
                parts.append(label)
        result.append(Column(c, _as_date(rows[layout.date_row][c]), tuple(parts), marks))
    return result


# --------------------------------------------------------------------------------------------------
# indicators of a sheet


@dataclass
class Group:
    """One indicator: columns that share their category labels, one per Stichtag."""

    parts: tuple[str, ...]
    columns: list[Column]
    renames: list[tuple[str, int, int]] = field(default_factory=list)  # label, first year, last year


def _groups(columns: list[Column]) -> list[Group]:
    """Columns grouped by category; a lowest label that only changes over time is a renaming.

    BA renamed 'Ohne Berufsausbildung' to 'Ohne Berufsabschluss' from 2012: the sub-labels split one
    category by period (no Stichtag repeats), so they form one series with a documented break.
    """
    by_parent: dict[tuple[str, ...], list[Column]] = {}
    for col in columns:
        by_parent.setdefault(col.path[:-1], []).append(col)
    groups: dict[tuple[str, ...], Group] = {}
    for parent, cols in by_parent.items():
        lasts = {c.path[-1] for c in cols if c.path}
        dates = [c.date for c in cols]
        relabel = len(lasts) > 1 and len(dates) == len(set(dates)) and all(c.path for c in cols)
        for col in cols:
            parts = parent if relabel else col.path
            groups.setdefault(parts, Group(parts, [])).columns.append(col)
        if relabel:
            group = groups[parent]
            for label in dict.fromkeys(c.path[-1] for c in sorted(cols, key=lambda c: c.date)):
                years = [c.date.year for c in cols if c.path[-1] == label]
                group.renames.append((label, min(years), max(years)))
    return list(groups.values())


def _split_by_stichtag(group: Group) -> list[Group]:
    """Several Stichtage in one year (e.g. quarterly) would clash on ``year``: one series per day."""
    years = [c.date.year for c in group.columns]
    if len(years) == len(set(years)):
        return [group]
    by_day: dict[str, list[Column]] = {}
    for col in group.columns:
        by_day.setdefault(f"Stichtag {col.date:%d.%m.}", []).append(col)
    return [Group(group.parts + (day,), cols, group.renames) for day, cols in by_day.items()]


@dataclass
class SheetMeta:
    title: str
    measure: str
    unit: str
    stand: str
    region_text: str
    marks: set[str]


def _sheet_meta(rows: list[tuple], layout: Layout) -> SheetMeta:
    texts = [str(rows[r][0]).strip() for r in layout.title_rows if _filled(_cell(rows[r], 0))]
    if not texts:
        raise SourceFileError("", "Kopfbereich", "einen Tabellentitel")
    raw_title = texts[0]
    measure_match = _MEASURE.search(raw_title)
    measure = measure_match.group(1).strip() if measure_match else ""
    title = raw_title[: measure_match.start()] if measure_match else raw_title
    title, marks = _clean_label(title)
    stand = next((m.group(0).strip() for t in texts if (m := _STAND.search(t))), "")
    region_text = next((t for t in texts[1:] if "Gebietsstand" in t or "Kreise" in t), "")
    return SheetMeta(title, measure, _unit(measure), stand, region_text, marks)


def _unit(measure: str) -> str:
    lowered = measure.lower()
    if "prozent" in lowered or "%" in lowered:
        return "%"
    if lowered.startswith("anzahl"):
        return "Anzahl"
    return measure


def _footnotes(rows: list[tuple], start: int) -> dict[str, str]:
    notes = {}
    for row in rows[start:]:
        text = _cell(row, 0)
        if isinstance(text, str) and (found := _FOOTNOTE_LINE.match(text.strip())):
            notes[found.group(1)] = " ".join(found.group(2).split())
    return notes


def _spec(sheet: str, group: Group, meta: SheetMeta, notes: dict[str, str], source: str) -> IndicatorSpec:
    marks = set(meta.marks)
    for col in group.columns:
        marks |= col.marks
    category = " – ".join(group.parts) if group.parts else "Insgesamt"
    label = f"{meta.title}: {category}" + (f" ({meta.measure})" if meta.measure else "")
    lines = []
    if group.renames:
        periods = "; ".join(f"{a if a == b else f'{a}–{b}'}: „{name}“" for name, a, b in group.renames)
        lines.append(f"Bezeichnung im Zeitverlauf: {periods} (Zeitreihenbruch möglich).")
    lines += [notes[m] for m in sorted(marks, key=int) if m in notes]
    if meta.region_text:
        lines.append(meta.region_text)
    years = sorted({c.date.year for c in group.columns})
    days = sorted({f"{c.date:%d.%m.}" for c in group.columns})
    lines.append(f"Stichtag(e): {', '.join(days)} der Jahre {years[0]}–{years[-1]}.")
    return IndicatorSpec(
        id=derived_indicator_id(FORMAT, sheet, *group.parts),
        label=label,
        unit=meta.unit,
        definition=" ".join(lines),
        source=source,
    )


# --------------------------------------------------------------------------------------------------
# values


def _data_rows(sheet: str, rows: list[tuple], layout: Layout, problems: list[str]):
    """(row number, region key) of each region row; stops at the first row without a key (footnotes)."""
    for r in range(layout.number_row + 1, len(rows)):
        label = _cell(rows[r], 0)
        text = str(label).strip() if label is not None else ""
        head = text.split()[0] if text else ""
        if head.lower() == "deutschland":  # also "Deutschland (Wohnort)"
            key = GERMANY
        elif head.isdigit():
            key = normalise_key(text)
        else:
            return
        if key is None:
            problems.append(f"Blatt {sheet}, Zeile {r + 1}: Region „{text}“ ist keine Kreis-/Landesebene, übersprungen")
            continue
        yield r, key


def _values(path: Path, sheet: str, rows: list[tuple], layout: Layout, groups: list[Group], problems: list[str]):
    ids = {}
    for group in groups:
        gid = derived_indicator_id(FORMAT, sheet, *group.parts)
        for col in group.columns:
            ids[col.index] = (gid, col.date.year)
    records, last = [], layout.number_row
    for r, key in _data_rows(sheet, rows, layout, problems):
        row, last = rows[r], r
        for c, (gid, year) in ids.items():
            cell = _cell(row, c)
            if isinstance(cell, str) and cell.strip() == NO_RECORD:
                continue  # BA's "." means "kein Nachweis": no value, nothing withheld
            try:
                value, suppressed = parse_number(cell)
            except ValueError:
                raise SourceFileError(
                    path,
                    f"Blatt {sheet}, Zelle {get_column_letter(c + 1)}{r + 1}",
                    "eine Zahl oder ein Sonderzeichen (. * -)",
                    str(cell),
                ) from None
            if value is None and not suppressed:
                continue
            records.append((key, gid, year, value, suppressed, year))
    frame = pd.DataFrame(records, columns=["region", "indicator", "year", "value", "suppressed", "territory_year"])
    return frame, last + 1


def _merge_city_parts(frame: pd.DataFrame, unit: str, sheet: str, problems: list[str]) -> pd.DataFrame:
    """BA lists Berlin as Berlin-West (11100) and Berlin-Ost (11200) on early Stichtage.

    Counts of the parts add up to the city-state Kreis (11000); shares cannot be added and are dropped
    (harmonise can recompute them from the counts).
    """
    land = frame["region"].str[:2]
    city = land.map(CITY_STATES)
    parts = city.notna() & (frame["region"] != city) & frame["region"].map(is_kreis)
    if not parts.any():
        return frame
    part_rows = frame[parts].assign(city=city[parts])
    frame = frame[~parts]
    names = ", ".join(sorted(part_rows["region"].unique()))
    if unit != "Anzahl":
        problems.append(f"Blatt {sheet}: Teilgebiete {names} verworfen (Anteile lassen sich nicht addieren)")
        return frame
    complete = part_rows.groupby(["city", "indicator", "year"]).agg(
        value=("value", lambda s: s.sum(min_count=len(s))), n=("region", "size")
    )
    complete = complete[complete["value"].notna()].reset_index()
    known = frame[frame["value"].notna()][["region", "indicator", "year"]]
    complete = complete.merge(
        known,
        left_on=["city", "indicator", "year"],
        right_on=["region", "indicator", "year"],
        how="left",
        indicator=True,
    )
    add = complete[complete["_merge"] == "left_only"]
    add = pd.DataFrame(
        {
            "region": add["city"],
            "indicator": add["indicator"],
            "year": add["year"],
            "value": add["value"],
            "suppressed": False,
            "territory_year": add["year"],
        }
    )
    filled = frame.merge(
        add[["region", "indicator", "year"]], on=["region", "indicator", "year"], how="left", indicator=True
    )
    frame = frame[(filled["_merge"] == "left_only").to_numpy()]
    problems.append(
        f"Blatt {sheet}: Teilgebiete {names} zu {', '.join(sorted(add['region'].unique()))} addiert ({len(add)} Werte)"
    )
    return pd.concat([frame, add], ignore_index=True)


# --------------------------------------------------------------------------------------------------
# public interface


def sniff(path: Path) -> bool:
    """True for a workbook with at least one sheet in the BA table layout."""
    try:
        if not zipfile.is_zipfile(path):
            return False
        for rows in workbook.sheets(path, max_rows=_HEADER_SCAN_ROWS).values():
            layout = _find_layout(rows)
            if layout and any(normalise_key(_cell(r, 0)) for r in rows[layout.number_row + 1 :]):
                return True
    except Exception:  # noqa: BLE001 - sniffing must never fail on foreign files
        return False
    return False


def read(path: Path) -> ImportResult:
    """All data sheets of a BA table as long facts, one indicator per category column group."""
    path = Path(path)
    frames, specs, problems, titles, stands, breaks = [], [], [], [], [], []
    for name, rows in workbook.sheets(path).items():
        layout = _find_layout(rows)
        if layout is None:
            continue
        frame, sheet_specs, meta, sheet_breaks = _read_sheet(path, name, rows, layout, problems)
        frames.append(frame)
        breaks += sheet_breaks
        specs += sheet_specs
        titles.append(meta.title)
        stands.append(meta.stand)
    if not frames:
        raise SourceFileError(
            path, "Arbeitsmappe", "mindestens ein Tabellenblatt im BA-Layout (Stichtage und Spaltennummern)"
        )
    return ImportResult(
        format=FORMAT,
        table=path.stem,
        path=path,
        facts=facts_frame(pd.concat(frames, ignore_index=True)),
        indicators=specs,
        title=titles[0],
        publisher=PUBLISHER,
        stand=next((s for s in stands if s), ""),
        licence=LICENCE,
        problems=problems,
        breaks=breaks,
    )


def _renaming_breaks(sheet: str, groups: list[Group]) -> list[tuple[str, int, str]]:
    """A category whose label changes over time (BA's 2012 change of the reporting procedure) is a series break."""
    breaks = []
    for group in groups:
        for (old, _, _), (new, first, _) in zip(group.renames, group.renames[1:], strict=False):
            reason = f"Bezeichnung ab {first} „{new}“ statt „{old}“ (geänderte Erfassung der Statistik der BA)"
            breaks.append((derived_indicator_id(FORMAT, sheet, *group.parts), first, reason))
    return breaks


def _read_sheet(path: Path, sheet: str, rows: list[tuple], layout: Layout, problems: list[str]):
    try:
        meta = _sheet_meta(rows, layout)
    except SourceFileError:
        raise SourceFileError(
            path, f"Blatt {sheet}, Zeilen 1–{layout.label_rows.start}", "einen Tabellentitel"
        ) from None
    groups = [g for group in _groups(_columns(rows, layout)) for g in _split_by_stichtag(group)]
    frame, end = _values(path, sheet, rows, layout, groups, problems)
    if frame.empty:
        raise SourceFileError(
            path,
            f"Blatt {sheet}, Zeile {layout.number_row + 2}",
            "Regionszeilen wie „15087 Mansfeld-Südharz“",
        )
    frame = _merge_city_parts(frame, meta.unit, sheet, problems)
    notes = _footnotes(rows, end)
    source = f"{PUBLISHER}, {path.name}, Blatt {sheet}" + (f", {meta.stand}" if meta.stand else "")
    specs = [_spec(sheet, g, meta, notes, source) for g in groups]
    return frame, specs, meta, _renaming_breaks(sheet, groups)


FORMATS = (
    Format(
        name=FORMAT,
        label="Statistik der BA, Tabellenlayout (Excel)",
        folder="ba",
        reads="Sonderauswertungen der Statistik der BA: Titelblock, mehrzeiliger Kopf mit Stichtagen, "
        "„15087 Name“ je Zeile, „.“ = kein Nachweis, Gebietsstand je Stichtag",
        yields="Fakten (Kreise, Deutschland) und dokumentierte Reihenbrüche",
        examples="Kreise_WO_Zeitreihe.xlsx",
        sniff=sniff,
        load=read,
        suffixes=(".xlsx",),
    ),
)
