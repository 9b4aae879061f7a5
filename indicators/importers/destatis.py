"""Importer for the Destatis Gemeindeverzeichnis (GV-ISys) Excel products: area and population.

Two layouts share this module, because they are two cuts of the same register:

* **Kreis list** (``04-kreise_<DDMMYYYY>.xlsx``): "Kreisfreie Städte und Landkreise nach Fläche, Bevölkerung
  und Bevölkerungsdichte": Land, Regierungsbezirk and Kreis keys mixed in column A, Land totals in
  "Insgesamt" rows, a Germany row, footnotes at the bottom.
* **Gemeinde extract** (``<DDMMYYYY>_Auszug_GV.xlsx``): one row per Gemeinde (Satzart 60) with area,
  population and coordinates; Kreis rows (Satzart 40) are empty, so Kreise are summed from their Gemeinden.

Both are found by their content, not by sheet position or file name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from indicators.domain.ags import CITY_STATES, GERMANY, normalise_key
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

FORMAT = "destatis"
PUBLISHER = "Statistisches Bundesamt (Destatis), Gemeindeverzeichnis GV-ISys"
LICENCE = "© Statistisches Bundesamt (Destatis){year}, Vervielfältigung und Verbreitung mit Quellenangabe gestattet"
LICENCE_DL_DE = (
    "Datenlizenz Deutschland – Namensnennung – Version 2.0 (dl-de/by-2-0), Statistisches Bundesamt (Destatis)"
)
#: Since this date Germany has its current 400 Kreise; older Gebietsstände keep their year.
CURRENT_TERRITORY_SINCE = date(2021, 7, 1)

AREA = derived_indicator_id(FORMAT, "", "flaeche_km2")
POPULATION = derived_indicator_id(FORMAT, "", "bevoelkerung")
MALE = derived_indicator_id(FORMAT, "", "bevoelkerung_maennlich")
FEMALE = derived_indicator_id(FORMAT, "", "bevoelkerung_weiblich")
DENSITY = derived_indicator_id(FORMAT, "", "bevoelkerungsdichte")
MEASURES = ("area", "population", "male", "female", "density")
_COUNTS = {"population", "male", "female"}
_IDS = dict(zip(MEASURES, (AREA, POPULATION, MALE, FEMALE, DENSITY), strict=True))

#: Textkennzeichen of Satzart 40 rows in the Gemeinde extract.
KREIS_KINDS = {
    "41": "Kreisfreie Stadt",
    "42": "Stadtkreis",
    "43": "Kreis",
    "44": "Landkreis",
    "45": "Regionalverband",
}

_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_FILE_DATE = re.compile(r"(?<!\d)(\d{2})(\d{2})(\d{4})(?!\d)")
_COPYRIGHT = re.compile(r"Statistisches Bundesamt \(Destatis\),\s*(\d{4})")
_FOOTNOTE = re.compile(r"^\s*(\d)\)\s*(.*)$", re.DOTALL)
_MARKER = re.compile(r"(\d)\)\s*$")
_KREIS_LIST, _GEMEINDE_EXTRACT = "kreise", "gemeinden"


# --------------------------------------------------------------------------------------------------
# Finding the layout


def sniff(path: Path) -> bool:
    """Reads the first rows of each sheet (calamine reads a sheet lazily)."""
    try:
        sheets = workbook.sheets(path, max_rows=12)
    except Exception:  # noqa: BLE001 - a foreign or broken file is simply "not this format"
        return False
    return _detect(sheets) is not None


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _detect(sheets: dict[str, list[list[object]]]) -> tuple[str, str] | None:
    """``(layout, sheet name)`` of the data sheet, recognised by its header words."""
    for name, rows in sheets.items():
        texts = [_text(c) for row in rows for c in row]
        firsts = [_text(row[0]) if row else "" for row in rows]
        if any(t.startswith("Satz") for t in firsts) and any("Regionalschlüssel" in t for t in texts):
            return _GEMEINDE_EXTRACT, name
        if any(t.startswith("Schlüssel") for t in firsts) and any("NUTS" in t for t in texts):
            if any("Bevölkerung" in t for t in texts):
                return _KREIS_LIST, name
    return None


def _text(cell: object) -> str:
    return re.sub(r"\s+", " ", str(cell)).strip() if cell is not None else ""


# --------------------------------------------------------------------------------------------------
# Public entry points


def read(path: Path) -> ImportResult:
    """Facts for Kreise, Länder and Germany from either layout; area and population per Kreis in
    ``extras["kreis_list"]`` (read in the same pass)."""
    table = _load(Path(path))
    result = table.result()
    result.extras["kreis_list"] = _kreis_frame(table)
    return result


def read_kreis_list(path: Path) -> pd.DataFrame:
    """One row per Kreis: ``ags, kind, name, nuts3, area_km2, population`` (nuts3 empty in the extract)."""
    return _kreis_frame(_load(Path(path)))


def _kreis_frame(table: _Table) -> pd.DataFrame:
    frame = pd.DataFrame(
        [
            {
                "ags": k.ags,
                "kind": k.kind,
                "name": k.name,
                "nuts3": k.nuts3,
                "area_km2": k.figures.get("area"),
                "population": k.figures.get("population"),
            }
            for k in table.kreise.values()
        ],
        columns=["ags", "kind", "name", "nuts3", "area_km2", "population"],
    )
    frame[["ags", "kind", "name", "nuts3"]] = frame[["ags", "kind", "name", "nuts3"]].astype("string")
    frame["population"] = frame["population"].astype("Int64")
    frame["area_km2"] = frame["area_km2"].astype("float64")
    return frame.sort_values("ags", ignore_index=True)


def read_municipalities(path: Path) -> pd.DataFrame:
    """Every Gemeinde of the extract: ``ags8, name, kreis_ags, area_km2, population, lat, lon`` and DEGURBA."""
    path = Path(path)
    table = _load(path)
    if table.municipalities is None:
        raise SourceFileError(
            path, f"Blatt „{table.sheet}“", "einen Gemeindeverzeichnis-Auszug mit Gemeindezeilen (Satzart 60)"
        )
    return table.municipalities


# --------------------------------------------------------------------------------------------------
# Shared model of both layouts


@dataclass
class _Kreis:
    ags: str
    name: str
    kind: str = ""
    nuts3: str | None = None
    figures: dict[str, float] = field(default_factory=dict)
    suppressed: set[str] = field(default_factory=set)


@dataclass
class _Table:
    path: Path
    sheet: str
    title: str
    reference: date
    stand: str
    licence: str
    kreise: dict[str, _Kreis] = field(default_factory=dict)
    aggregates: dict[str, dict[str, float]] = field(default_factory=dict)  # Länder and DG
    footnotes: dict[str, str] = field(default_factory=dict)  # measure -> footnote text
    source: str = ""
    problems: list[str] = field(default_factory=list)
    municipalities: pd.DataFrame | None = None

    @property
    def territory_year(self) -> int | None:
        return None if self.reference >= CURRENT_TERRITORY_SINCE else self.reference.year

    def result(self) -> ImportResult:
        rows = []
        regions = [(k.ags, k.figures, k.suppressed) for k in self.kreise.values()]
        regions += [(key, figures, set()) for key, figures in self.aggregates.items()]
        for region, figures, suppressed in regions:
            for measure in MEASURES:
                value = figures.get(measure)
                if value is None and measure not in suppressed:
                    continue
                rows.append(
                    {
                        "region": region,
                        "indicator": _IDS[measure],
                        "year": self.reference.year,
                        "value": value,
                        "suppressed": measure in suppressed,
                        "territory_year": pd.NA if self.territory_year is None else self.territory_year,
                    }
                )
        facts = facts_frame(rows).sort_values(["indicator", "region"], ignore_index=True)
        return ImportResult(
            format=FORMAT,
            table=self.title,
            path=self.path,
            facts=facts,
            indicators=self._specs(),
            title=self.title,
            publisher=PUBLISHER,
            stand=self.stand,
            licence=self.licence,
            problems=list(self.problems),
        )

    def _specs(self) -> list[IndicatorSpec]:
        day = self.reference.strftime("%d.%m.%Y")
        base = {
            "area": ("Fläche", "km²", f"Gebietsfläche am {day}"),
            "population": ("Bevölkerung insgesamt", "Personen", f"Bevölkerungsstand am {day}"),
            "male": ("Bevölkerung männlich", "Personen", f"Männliche Bevölkerung am {day}"),
            "female": ("Bevölkerung weiblich", "Personen", f"Weibliche Bevölkerung am {day}"),
            "density": ("Bevölkerungsdichte", "Einwohner je km²", f"Einwohner je km² Fläche am {day}"),
        }
        specs = []
        for measure in MEASURES:
            label, unit, definition = base[measure]
            note = self.footnotes.get("population" if measure in ("male", "female", "density") else measure)
            if measure == "density" and self.municipalities is not None:
                definition += " (berechnet aus Bevölkerung und Fläche der Gemeinden)"
            if note:
                definition += f". Hinweis: {note}"
            source = self.source or PUBLISHER
            specs.append(IndicatorSpec(id=_IDS[measure], label=label, unit=unit, definition=definition, source=source))
        return specs


def _load(path: Path) -> _Table:
    sheets = workbook.sheets(path)
    found = _detect({name: rows[:12] for name, rows in sheets.items()})
    if found is None:
        raise SourceFileError(
            path,
            "Tabellenblätter",
            "ein Blatt „Kreisfreie Städte und Landkreise nach Fläche, Bevölkerung …“ "
            "oder einen Gemeindeverzeichnis-Auszug mit Satzart-Spalte",
        )
    layout, sheet = found
    cover = [_text(c) for name, rows in sheets.items() if name != sheet for r in rows for c in r if c is not None]
    reader = _read_kreis_list if layout == _KREIS_LIST else _read_extract
    return reader(path, sheet, sheets[sheet], cover)


# --------------------------------------------------------------------------------------------------
# Helpers shared by both layouts


def _reference_date(path: Path, title_rows: list[list[object]], problems: list[str]) -> date:
    """The Gebietsstand from the title rows; the file name (``31122021``) as a fallback and cross-check."""
    from_title = None
    for row in title_rows:
        for cell in row:
            text = _text(cell)
            match = _DATE.search(text)
            if match and ("Gebietsstand" in text or " am " in text):
                from_title = _date(match.group(3), match.group(2), match.group(1))
                break
        if from_title:
            break
    match = _FILE_DATE.search(path.stem)
    from_name = _date(match.group(3), match.group(2), match.group(1)) if match else None
    if from_title and from_name and from_title != from_name:
        problems.append(
            f"Stichtag im Titel ({from_title:%d.%m.%Y}) weicht vom Dateinamen ({from_name:%d.%m.%Y}) ab: Titel verwendet"
        )
    if from_title or from_name:
        return from_title or from_name
    raise SourceFileError(path, "Titelzeilen", "ein Datum wie „Gebietsstand: 31.12.2021“ im Titel oder Dateinamen")


def _date(year: str, month: str, day: str) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def _licence_and_stand(texts: list[str], reference: date) -> tuple[str, str]:
    joined = " ".join(texts)
    if "dl-de" in joined.lower() or "Datenlizenz Deutschland" in joined:
        licence = LICENCE_DL_DE
    else:
        match = _COPYRIGHT.search(joined)
        licence = LICENCE.format(year=f" {match.group(1)}" if match else "")
    published = next((m.group(1) for t in texts if (m := re.match(r"Erscheinungsmonat:\s*(.+)$", t))), "")
    stand = f"{reference:%d.%m.%Y}"
    if published:
        stand += f" (erschienen {published})"
    return licence, stand


def _number(path: Path, sheet: str, row: int, col: int, cell: object, whole: bool = False) -> tuple[float | None, bool]:
    """One figure; ``whole`` for head counts, which must be integers (a fraction means a shifted column)."""
    where = f"Blatt „{sheet}“, Zelle {_column_letter(col)}{row}"
    if isinstance(cell, bool):
        raise SourceFileError(path, where, "eine Zahl", _text(cell))
    try:
        value, suppressed = parse_number(cell)
    except ValueError:
        raise SourceFileError(path, where, "eine Zahl", _text(cell)) from None
    if whole and value is not None and not (value.is_integer() and abs(value) < 1e10):
        raise SourceFileError(path, where, "eine ganze Zahl (Personen)", _text(cell))
    return value, suppressed


def _new_table(path: Path, sheet: str, rows, cover: list[str], header_at: int, markers: dict[str, str]) -> _Table:
    """Title, reference date, Stand, licence, source and footnotes: the parts both layouts share."""
    problems: list[str] = []
    titles = [_text(c) for r in rows[:header_at] for c in r if _text(c)]
    reference = _reference_date(path, rows[:header_at], problems)
    footer = [_text(r[0]) for r in rows[_footer_start(rows, header_at + 1) :] if r and _text(r[0])]
    notes, source = _footnotes(footer)
    licence, stand = _licence_and_stand(cover + footer, reference)
    table = _Table(path, sheet, titles[0] if titles else sheet, reference, stand, licence, problems=problems)
    table.source = source
    table.footnotes = _footnotes_by_measure(notes, markers)
    return table


def _footnotes(lines: list[str]) -> tuple[dict[str, str], str]:
    """Footnote texts by number (continuation lines appended) and the ``Quelle:`` line."""
    notes: dict[str, str] = {}
    source, current = "", None
    for line in lines:
        if line.startswith("Quelle:"):
            source, current = line.split(":", 1)[1].strip(), None
            continue
        if line.startswith("©"):
            current = None
            continue
        match = _FOOTNOTE.match(line)
        if match:
            current = match.group(1)
            notes[current] = _text(match.group(2))
        elif current and line and not line.startswith(("Statistisches Bundesamt", "Vervielfältigung")):
            notes[current] = f"{notes[current]} {_text(line)}"
    return notes, source


def _footnotes_by_measure(notes: dict[str, str], markers: dict[str, str]) -> dict[str, str]:
    """Attach a footnote to area or population by its header marker or, unmarked, by its subject."""
    result: dict[str, list[str]] = {"area": [], "population": []}
    for number, text in notes.items():
        for measure, word in (("area", "Fläche"), ("population", "Bevölkerung")):
            if markers.get(measure) == number or (number not in markers.values() and text.startswith(word)):
                result[measure].append(text)
    return {m: " ".join(t) for m, t in result.items() if t}


# --------------------------------------------------------------------------------------------------
# Layout A: Kreis list


def _read_kreis_list(path: Path, sheet: str, rows: list[list[object]], cover: list[str]) -> _Table:
    header_at = next(i for i, r in enumerate(rows) if r and _text(r[0]).startswith("Schlüssel"))
    first = _first_data_row(path, sheet, rows, header_at)
    columns, markers = _kreis_list_columns(path, sheet, rows[header_at:first])
    table = _new_table(path, sheet, rows, cover, header_at, markers)
    end = _footer_start(rows, first)
    _kind_and_name(path, rows, first, end, columns)
    _kreis_list_rows(table, rows, first, end, columns)
    _complete_city_states(table)
    return table


def _first_data_row(path: Path, sheet: str, rows: list[list[object]], header_at: int) -> int:
    for i in range(header_at + 1, len(rows)):
        key = _key_text(rows[i][0] if rows[i] else None)
        if key and len(key) in (2, 3, 5):
            return i
    raise SourceFileError(path, f"Blatt „{sheet}“", "Datenzeilen mit 2-, 3- oder 5-stelligem Schlüssel in Spalte A")


def _key_text(cell: object) -> str:
    if isinstance(cell, bool) or cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    text = str(cell).strip()
    return text if text.isdigit() else ""


def _kreis_list_columns(path: Path, sheet: str, header: list[list[object]]) -> tuple[dict[str, int], dict[str, str]]:
    """Columns by header words; type and name (their headers are unreliable) follow the key column."""
    found: dict[str, int] = {}
    markers: dict[str, str] = {}
    words = {
        "nuts3": "NUTS",
        "area": "Fläche",
        "population": "insgesamt",
        "male": "männlich",
        "female": "weiblich",
        "density": "je km",
    }
    for row in header:
        for j, cell in enumerate(row):
            text = _text(cell)
            for key, word in words.items():
                if key not in found and word in text:
                    found[key] = j
            if text.startswith("Bevölkerung") and _MARKER.search(text):
                markers["population"] = _MARKER.search(text).group(1)
            if text.startswith("Fläche") and _MARKER.search(text):
                markers["area"] = _MARKER.search(text).group(1)
    missing = [w for k, w in words.items() if k not in found]
    if missing:
        raise SourceFileError(
            path,
            f"Blatt „{sheet}“, Kopfzeilen",
            f"Spalten „{'“, „'.join(words.values())}“",
            ", ".join(missing) + " fehlt",
        )
    found["key"] = 0
    return found, markers


def _kind_and_name(table_path: Path, rows: list[list[object]], first: int, end: int, columns: dict[str, int]) -> None:
    """Between key and NUTS code sit type and name; their headers are unreliable, so ask the values."""
    between = list(range(1, columns["nuts3"]))
    if not between:
        raise SourceFileError(table_path, "Kopfzeilen", "Spalten für Art und Name der Kreise vor der NUTS3-Spalte")
    kinds = set(KREIS_KINDS.values())

    def hits(j: int) -> int:
        kreis_rows = (r for r in rows[first:end] if len(r) > j and len(_key_text(r[0])) == 5)
        return sum(1 for r in kreis_rows if _text(r[j]) in kinds)

    kind = max(between, key=hits)
    columns["kind"] = kind
    columns["name"] = next((j for j in between if j != kind), kind)


def _footer_start(rows: list[list[object]], first: int) -> int:
    for i in range(first, len(rows)):
        text = _text(rows[i][0]) if rows[i] else ""
        if text.startswith("Quelle") or _FOOTNOTE.match(text) or text.startswith("©"):
            return i
    return len(rows)


def _kreis_list_rows(table: _Table, rows: list[list[object]], first: int, end: int, columns: dict[str, int]) -> None:
    land = None
    for i in range(first, end):
        row = rows[i] + [None] * (max(columns.values()) + 1 - len(rows[i]))
        key = _key_text(row[0])
        labels = [_text(row[columns["kind"]]), _text(row[columns["name"]])]
        if key and len(key) == 2:
            land = key
            figures, _ = _figures(table, row, i + 1, columns)
            if figures:
                table.aggregates[land] = figures
        elif key and len(key) == 5:
            _add_kreis(table, row, i + 1, columns, key)
        elif key:
            continue  # Regierungsbezirk, Region, Direktionsbezirk
        elif "Deutschland" in labels:
            table.aggregates[GERMANY], _ = _figures(table, row, i + 1, columns)
        elif "Insgesamt" in labels and land:
            table.aggregates[land], _ = _figures(table, row, i + 1, columns)
        elif any(_text(c) for c in row):
            table.problems.append(
                f"Zeile {i + 1}: Zeile ohne Schlüssel übersprungen („{' '.join(filter(None, labels))}“)"
            )


def _add_kreis(table: _Table, row: list[object], line: int, columns: dict[str, int], key: str) -> None:
    ags = normalise_key(key)
    if ags is None:
        table.problems.append(f"Zeile {line}: unbekannter Schlüssel {key} übersprungen")
        return
    figures, suppressed = _figures(table, row, line, columns)
    nuts = _text(row[columns["nuts3"]]) or None
    table.kreise[ags] = _Kreis(ags, _text(row[columns["name"]]), _text(row[columns["kind"]]), nuts, figures, suppressed)


def _figures(table: _Table, row: list[object], line: int, columns: dict[str, int]) -> tuple[dict[str, float], set[str]]:
    figures, suppressed = {}, set()
    for measure in MEASURES:
        whole = measure in _COUNTS
        value, withheld = _number(table.path, table.sheet, line, columns[measure], row[columns[measure]], whole)
        if value is not None:
            figures[measure] = value
        elif withheld:
            suppressed.add(measure)
    return figures, suppressed


def _complete_city_states(table: _Table) -> None:
    """Berlin and Hamburg are Land and Kreis at once: whichever row the file gives stands for both."""
    for land, ags in CITY_STATES.items():
        if ags in table.kreise and land not in table.aggregates:
            table.aggregates[land] = dict(table.kreise[ags].figures)
        elif land in table.aggregates and ags not in table.kreise:
            table.kreise[ags] = _Kreis(ags, "", "Kreisfreie Stadt", None, dict(table.aggregates[land]))
            table.problems.append(f"Land {land} ohne Kreiszeile: als Kreis {ags} übernommen")


# --------------------------------------------------------------------------------------------------
# Layout B: Gemeinde extract


_EXTRACT_COLUMNS = {
    "satzart": ("Satz", None),
    "textkz": ("Text", None),
    "land": ("Regionalschlüssel", "Land"),
    "rb": ("Regionalschlüssel", "RB"),
    "kreis": ("Regionalschlüssel", "Kreis"),
    "gem": ("Regionalschlüssel", "Gem"),
    "name": ("name", None),
    "area": ("Fläche", None),
    "population": ("Bevölkerung", "insgesamt"),
    "male": ("Bevölkerung", "männlich"),
    "female": ("Bevölkerung", "weiblich"),
    "lon": ("Mittelpunktkoordinaten", "Längengrad"),
    "lat": ("Mittelpunktkoordinaten", "Breitengrad"),
    "degurba": ("Verstädterung", "Schlüssel"),
    "degurba_label": ("Verstädterung", "Bezeichnung"),
}
_OPTIONAL = {"textkz", "male", "female", "lon", "lat", "degurba", "degurba_label"}
_WIDTHS = {"land": 2, "rb": 1, "kreis": 2, "gem": 3}


def _read_extract(path: Path, sheet: str, rows: list[list[object]], cover: list[str]) -> _Table:
    header_at = next(i for i, r in enumerate(rows) if r and _text(r[0]).startswith("Satz"))
    first = next((i for i in range(header_at + 1, len(rows)) if rows[i] and _key_text(rows[i][0])), None)
    if first is None:
        raise SourceFileError(path, f"Blatt „{sheet}“", "Datenzeilen mit Satzart (10, 40, 60 …) in Spalte A")
    columns, markers = _extract_columns(path, sheet, rows[header_at:first])
    table = _new_table(path, sheet, rows, cover, header_at, markers)
    end = _footer_start(rows, first)
    kreis_rows, gemeinden = _extract_rows(table, rows, first, end, columns)
    table.municipalities = gemeinden
    _sum_kreise(table, kreis_rows, gemeinden)
    return table


def _extract_columns(path: Path, sheet: str, header: list[list[object]]) -> tuple[dict[str, int], dict[str, str]]:
    """Group titles in the first header row (merged, so carried to the right), column titles below."""
    width = max(len(r) for r in header)
    groups, titles, group = [], [], ""
    for j in range(width):
        group = (_text(header[0][j]) if j < len(header[0]) else "") or group
        groups.append(group)
        titles.append(" ".join(_text(r[j]) for r in header[1:] if j < len(r) and r[j] is not None))
    found: dict[str, int] = {}
    for key, (group_word, title) in _EXTRACT_COLUMNS.items():
        for j in range(width):
            if group_word in groups[j] and (title is None or titles[j].startswith(title)):
                found[key] = j
                break
    missing = [k for k in _EXTRACT_COLUMNS if k not in found and k not in _OPTIONAL]
    if missing:
        raise SourceFileError(
            path, f"Blatt „{sheet}“, Kopfzeilen", "Spalten für " + ", ".join(missing), " | ".join(groups)
        )
    markers = {}
    for measure in ("area", "population"):
        match = _MARKER.search(_text(header[0][found[measure]]))
        if match:
            markers[measure] = match.group(1)
    return found, markers


def _extract_rows(table: _Table, rows, first: int, end: int, columns: dict[str, int]):
    kreis_rows: dict[str, tuple[str, str]] = {}
    records = []
    for i in range(first, end):
        row = rows[i] + [None] * (max(columns.values()) + 1 - len(rows[i]))
        satzart = _key_text(row[columns["satzart"]])
        if satzart == "40":
            ags = _ags(table, row, i + 1, columns, ("land", "rb", "kreis"))
            kind = KREIS_KINDS.get(_text(row[columns["textkz"]]), "") if "textkz" in columns else ""
            kreis_rows[ags] = (_text(row[columns["name"]]), kind)
        elif satzart == "60":
            records.append(_gemeinde(table, row, i + 1, columns))
    frame = pd.DataFrame(
        records,
        columns=[
            "ags8",
            "name",
            "kreis_ags",
            "area_km2",
            "population",
            "male",
            "female",
            "lat",
            "lon",
            "degurba",
            "degurba_label",
        ],
    )
    frame = frame.astype(
        {
            "ags8": "string",
            "name": "string",
            "kreis_ags": "string",
            "population": "Int64",
            "male": "Int64",
            "female": "Int64",
            "degurba": "Int8",
        }
    )
    frame = frame.astype({"area_km2": "float64", "lat": "float64", "lon": "float64", "degurba_label": "string"})
    return kreis_rows, frame


def _ags(table: _Table, row, line: int, columns: dict[str, int], parts: tuple[str, ...]) -> str:
    out = ""
    for part in parts:
        cell = row[columns[part]]
        text = _key_text(cell)
        if not text or len(text) > _WIDTHS[part]:
            raise SourceFileError(
                table.path,
                f"Blatt „{table.sheet}“, Zelle {_column_letter(columns[part])}{line}",
                f"einen {_WIDTHS[part]}-stelligen Schlüsselteil ({part})",
                _text(cell),
            )
        out += text.zfill(_WIDTHS[part])
    return out


def _gemeinde(table: _Table, row, line: int, columns: dict[str, int]) -> dict:
    ags8 = _ags(table, row, line, columns, ("land", "rb", "kreis", "gem"))
    record = {"ags8": ags8, "name": _text(row[columns["name"]]), "kreis_ags": ags8[:5]}
    for measure, out in (
        ("area", "area_km2"),
        ("population", "population"),
        ("male", "male"),
        ("female", "female"),
    ):
        if measure in columns:
            whole = measure in _COUNTS
            record[out], _ = _number(table.path, table.sheet, line, columns[measure], row[columns[measure]], whole)
    for axis in ("lat", "lon"):
        if axis in columns:
            value, _ = _number(table.path, table.sheet, line, columns[axis], row[columns[axis]])
            record[axis] = value if value else None  # 0 marks areas without a centre (e.g. condominium)
    if "degurba" in columns:
        record["degurba"] = _degurba(table, row, line, columns["degurba"])
    if "degurba_label" in columns:
        record["degurba_label"] = _text(row[columns["degurba_label"]]) or None
    return record


def _degurba(table: _Table, row, line: int, col: int) -> int | None:
    """Degree of urbanisation: 01 dicht, 02 mittel, 03 gering besiedelt."""
    cell = row[col]
    if cell is None or _text(cell) == "":
        return None
    code = _key_text(cell)
    if not code or len(code) > 2:
        where = f"Blatt „{table.sheet}“, Zelle {_column_letter(col)}{line}"
        raise SourceFileError(table.path, where, "einen Verstädterungsgrad wie „01“", _text(cell))
    return int(code) or None


def _sum_kreise(table: _Table, kreis_rows: dict[str, tuple[str, str]], gemeinden: pd.DataFrame) -> None:
    """Kreise as sums of their Gemeinden; uninhabited pseudo-Kreise (07000, 13000) are left out."""
    sums = gemeinden.groupby("kreis_ags")[["area_km2", "population", "male", "female"]].sum(min_count=1)
    for ags, figures in sums.iterrows():
        if pd.isna(figures["population"]) or figures["population"] <= 0:
            area = f"{figures['area_km2']:.2f}".replace(".", ",")
            table.problems.append(f"Kreis {ags} ohne Einwohner (gemeindefreies Gebiet, {area} km²) übersprungen")
            continue
        if ags not in kreis_rows:
            table.problems.append(f"Kreis {ags} ohne Kreiszeile (Satzart 40): aus den Gemeinden übernommen")
        name, kind = kreis_rows.get(ags, ("", ""))
        values = {"area": round(float(figures["area_km2"]), 2), "population": float(figures["population"])}
        for measure in ("male", "female"):
            if pd.notna(figures[measure]):
                values[measure] = float(figures[measure])
        values["density"] = values["population"] / values["area"] if values["area"] > 0 else None
        kept = {k: v for k, v in values.items() if v is not None and not pd.isna(v)}
        table.kreise[ags] = _Kreis(ags, name, kind, None, kept)
    for ags in sorted(set(kreis_rows) - set(sums.index)):
        table.problems.append(f"Kreis {ags} ohne Gemeindezeilen: keine Werte")
    _sum_aggregates(table)


def _sum_aggregates(table: _Table) -> None:
    """Länder and Germany as sums of the kept Kreise (as the Kreis list does, without pseudo-areas)."""
    totals: dict[str, dict[str, float]] = {}
    for kreis in table.kreise.values():
        for key in (kreis.ags[:2], GERMANY):
            target = totals.setdefault(key, {})
            for measure in ("area", "population", "male", "female"):
                if measure in kreis.figures:
                    target[measure] = target.get(measure, 0.0) + kreis.figures[measure]
    for key, figures in totals.items():
        if "area" in figures:
            figures["area"] = round(figures["area"], 2)
            if figures["area"] > 0:
                figures["density"] = figures["population"] / figures["area"]
        table.aggregates[key] = figures


FORMATS = (
    Format(
        name=FORMAT,
        label="Destatis Kreis- und Gemeindeverzeichnis (Excel)",
        folder="destatis",
        reads="Kreisliste (Fläche, Bevölkerung, Dichte; Länder- und Deutschland-Zeilen) und Auszug GV-ISys "
        "(Gemeinden, zu Kreisen summiert)",
        yields="Fakten und Fläche/Bevölkerung je Kreis",
        examples="04-kreise_31122021.xlsx, 31122023_Auszug_GV.xlsx",
        sniff=sniff,
        load=read,
        suffixes=(".xlsx",),
    ),
)
