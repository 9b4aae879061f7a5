"""INKAR (BBSR) raw exports: one workbook per download from inkar.de, as .xls (BIFF8) or .xlsx.

Sheet ``Daten`` holds two header rows (indicator name per column, then the year) and one row per region;
``Metadaten`` describes each indicator; ``Quellangabe`` holds the citation. INKAR publishes its time series
on today's 400 Kreise, so the facts carry no Gebietsstand (``territory_year`` <NA>).

The metadata texts are not always right: some exports describe a share in % while the values are counts,
and some carry the remarks of another indicator. The importer checks both against the values and the
formula and says so in ``problems`` rather than passing wrong units on.
"""

from __future__ import annotations

import csv
import re
import statistics
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from openpyxl.utils import get_column_letter

from indicators.domain.ags import GERMANY, normalise_key
from indicators.errors import SourceFileError
from indicators.importers import workbook
from indicators.importers.base import (
    Format,
    ImportResult,
    IndicatorSpec,
    derived_indicator_id,
    facts_frame,
    parse_number,
    slug,
)

FORMAT = "inkar"
LICENCE = "dl-de/by-2-0"
EXPECTED_KREISE = 400
DATA_SHEET = "Daten"
META_SHEET = "Metadaten"
CITATION_SHEET = "Quellangabe"
COUNT_SUFFIX = "anzahl"

_REFERENCE_KREISE = Path(__file__).resolve().parents[1] / "reference" / "kreise.csv"
#: Header cells of the key columns in ``Daten``; every other column holds values.
_ID_HEADERS = {"kennziffer", "raumeinheit", "aggregat"}

Grid = list[list[object]]


# --------------------------------------------------------------------------- public API


def sniff(path: Path) -> bool:
    """An INKAR export has a ``Daten`` sheet whose first cells read ``Kennziffer`` and ``Raumeinheit``."""
    try:
        head = _first_row(Path(path), DATA_SHEET)
    except Exception:  # noqa: BLE001 - sniffing must never fail on foreign files
        return False
    cells = [_text(c).lower() for c in head[:2]]
    return cells == ["kennziffer", "raumeinheit"]


def read(path: Path) -> ImportResult:
    """Import every indicator of an INKAR export as long facts, with its metadata and warnings."""
    path = Path(path)
    sheets = _load_sheets(path)
    if DATA_SHEET not in sheets:
        raise SourceFileError(path, "Arbeitsmappe", f"ein Blatt „{DATA_SHEET}“", ", ".join(sheets))
    problems: list[str] = []
    grid = sheets[DATA_SHEET]
    layout = _data_layout(path, grid)
    metas = _read_metadata(sheets.get(META_SHEET, []), problems)
    names = list(dict.fromkeys(col.name for col in layout.columns))
    meta_of = _match_metadata(names, metas, problems)

    records, keys_seen = _read_rows(path, grid, layout, problems)
    problems.extend(kreis_coverage_problems(keys_seen))

    values_by_name: dict[str, list[float]] = {}
    for rec in records:
        if rec["value"] is not None:
            values_by_name.setdefault(rec["name"], []).append(rec["value"])
    specs: dict[str, IndicatorSpec] = {}
    for name in names:
        specs[name] = _indicator_spec(name, meta_of.get(name), values_by_name.get(name, []), problems)

    rows = [
        {
            "region": rec["region"],
            "indicator": specs[rec["name"]].id,
            "year": rec["year"],
            "value": rec["value"],
            "suppressed": rec["suppressed"],
        }
        for rec in records
        if rec["value"] is not None or rec["suppressed"]
    ]
    title, publisher, stand = _citation(sheets, metas, problems)
    problems.extend(_extra_sheet_notes(sheets))
    return ImportResult(
        format=FORMAT,
        table=path.stem,
        path=path,
        facts=facts_frame(rows),
        indicators=list(specs.values()),
        title=title,
        publisher=publisher,
        stand=stand,
        licence=LICENCE,
        problems=problems,
    )


def unit_from_text(langname: str, formula: str = "") -> str:
    """Unit of an INKAR indicator as its long name or formula states it; ``''`` when neither says.

    A share (``in %``, ``x 100``) wins over the ``je 100 Einwohner`` wording of the same name.
    """
    text = f"{langname} {formula}"
    if re.search(r"in\s*%|\bProzent\b", text) or re.search(r"[x×*]\s*100(?![\d.,])", formula):
        return "%"
    if re.search(r"€|\bEuro\b|\bEUR\b", text):
        scale = re.search(r"(1\.000|Tsd\.?|Mio\.?|Mrd\.?)\s*(€|Euro|EUR)", text)
        return f"{scale.group(1)} EUR" if scale else "EUR"
    per = re.search(r"\bje\s+(\d{1,3}(?:\.\d{3})*)\s+([A-ZÄÖÜ]\w*)", langname)
    if per:
        return f"je {per.group(1)} {per.group(2)}"
    per_formula = re.search(r"[x×*]\s*(1\.?000|10\.?000|100\.?000)(?![\d.,])", formula)
    if per_formula:
        return "je " + f"{int(per_formula.group(1).replace('.', '')):,}".replace(",", ".")
    for pattern, unit in (
        (r"\bin\s+Jahren\b", "Jahre"),
        (r"\bin\s+Minuten\b", "Minuten"),
        (r"\bkm²|\bqkm\b|\bkm2\b", "km²"),
        (r"\bm²|\bqm\b", "m²"),
        (r"^\s*(Zahl|Anzahl)\b", "Anzahl"),
    ):
        if re.search(pattern, langname):
            return unit
    return ""


def kreis_coverage_problems(keys: dict[str, int]) -> list[str]:
    """Warn when the Kreis keys are not exactly today's 400 Kreise (Gebietsstand since July 2021).

    ``keys`` maps each Kreis key to the file line it first appeared on.
    """
    today = today_kreise()
    kreise = {k: line for k, line in keys.items() if len(k) == 5}
    problems = [
        f"Zeile {line}: Schlüssel {key} gehört nicht zu den {EXPECTED_KREISE} Kreisen des aktuellen Gebietsstands"
        for key, line in sorted(kreise.items(), key=lambda item: item[1])
        if key not in today
    ]
    if kreise and len(kreise) != EXPECTED_KREISE:
        missing = sorted(today - kreise.keys())
        text = f"Die Datei enthält {len(kreise)} statt {EXPECTED_KREISE} Kreise"
        if missing:
            shown = ", ".join(missing[:10]) + (" ..." if len(missing) > 10 else "")
            text += f"; es fehlen {len(missing)} Kreise ({shown})"
        problems.append(text)
    return problems


@lru_cache(maxsize=1)
def today_kreise() -> frozenset[str]:
    """AGS of today's 400 Kreise, from the project's reference list."""
    with _REFERENCE_KREISE.open(encoding="utf-8", newline="") as handle:
        return frozenset(row["ags"] for row in csv.DictReader(handle))


# --------------------------------------------------------------------------- workbook access


def _first_row(path: Path, sheet: str) -> list[object]:
    if not workbook.is_workbook(path):
        return []
    book = workbook.open_workbook(path)
    if sheet not in book.sheet_names:
        return []
    found = workbook.rows(book, sheet, path, max_rows=1)
    return found[0] if found else []


def _load_sheets(path: Path) -> dict[str, Grid]:
    """All sheets as lists of rows; empty cells become ``None`` in both Excel formats."""
    return workbook.sheets(path)


def _text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell == int(cell):
        return str(int(cell))
    return str(cell).strip()


def _cell_ref(col: int, row: int) -> str:
    """Excel reference (``D7``) of a zero-based column and one-based row."""
    return f"{get_column_letter(col + 1)}{row}"


def _where(col: int, row: int, sheet: str = DATA_SHEET) -> str:
    return f"Blatt „{sheet}“, Zelle {_cell_ref(col, row)}"


# --------------------------------------------------------------------------- sheet Daten


@dataclass
class _Column:
    index: int
    name: str
    year: int


@dataclass
class _Layout:
    key_col: int
    aggregate_col: int | None
    columns: list[_Column]


def _data_layout(path: Path, grid: Grid) -> _Layout:
    """Find the key columns and the (indicator, year) of every value column from the two header rows."""
    if len(grid) < 2:
        raise SourceFileError(path, f"Blatt „{DATA_SHEET}“", "zwei Kopfzeilen (Indikator, Jahr)", "leeres Blatt")
    names, years = grid[0], grid[1]
    headers = [_text(c).lower() for c in names]
    if not headers or headers[0] != "kennziffer":
        raise SourceFileError(path, _where(0, 1), "die Überschrift „Kennziffer“", _text(names[0]) if names else "")
    aggregate_col = headers.index("aggregat") if "aggregat" in headers else None
    columns: list[_Column] = []
    current = ""
    seen: set[tuple[str, int]] = set()
    for col, header in enumerate(names):
        if headers[col] in _ID_HEADERS:
            continue
        name = _text(header) or current  # merged header cells leave the name only in the first column
        year_cell = years[col] if col < len(years) else None
        if not _text(header) and not _text(year_cell):
            continue
        if not name:
            raise SourceFileError(path, _where(col, 1), "einen Indikatornamen", "leere Zelle")
        current = name
        year = _parse_year(path, year_cell, col)
        if (name, year) in seen:
            raise SourceFileError(path, _where(col, 2), f"jedes Jahr nur einmal je Indikator „{name}“", year)
        seen.add((name, year))
        columns.append(_Column(col, name, year))
    if not columns:
        raise SourceFileError(path, f"Blatt „{DATA_SHEET}“, Zeile 1", "mindestens eine Indikatorspalte", "keine")
    return _Layout(0, aggregate_col, columns)


def _parse_year(path: Path, cell: object, col: int) -> int:
    """Years are text in .xls exports and numbers in .xlsx; a period ``2017-2019`` counts as its last year."""
    text = _text(cell)
    match = re.fullmatch(r"(?:\d{4}\s*[-–/]\s*)?(\d{4})", text)
    if not match or not 1900 <= int(match.group(1)) <= 2100:
        raise SourceFileError(path, _where(col, 2), "eine Jahreszahl", text or "leere Zelle")
    return int(match.group(1))


def _read_rows(path: Path, grid: Grid, layout: _Layout, problems: list[str]) -> tuple[list[dict], dict[str, int]]:
    """One record per region row and value column; rows of other area levels are skipped with a note."""
    records: list[dict] = []
    keys_seen: dict[str, int] = {}
    for r, row in enumerate(grid[2:], start=3):
        if not any(_text(c) for c in row):
            continue
        raw_key = row[layout.key_col] if layout.key_col < len(row) else None
        aggregate = _text(row[layout.aggregate_col]) if layout.aggregate_col is not None else ""
        region = _region_of(raw_key, aggregate)
        if region is None:
            problems.append(
                f"Zeile {r}: Schlüssel „{_text(raw_key)}“ ({aggregate or 'ohne Aggregat'}) ist weder Kreis, "
                "Land noch Deutschland und wurde übersprungen"
            )
            continue
        if region in keys_seen:
            problems.append(f"Zeile {r}: Schlüssel {region} doppelt (zuerst Zeile {keys_seen[region]}), übersprungen")
            continue
        keys_seen[region] = r
        for col in layout.columns:
            cell = row[col.index] if col.index < len(row) else None
            value, suppressed = _parse_value(path, cell, col.index, r, problems)
            records.append(
                {
                    "region": region,
                    "name": col.name,
                    "year": col.year,
                    "value": value,
                    "suppressed": suppressed,
                }
            )
    return records, keys_seen


def _region_of(raw_key: object, aggregate: str) -> str | None:
    """Normalised key, checked against the area level the ``Aggregat`` column names (when it names one)."""
    level = aggregate.lower()
    if level in {"bund", "deutschland", "bundesgebiet"}:
        return GERMANY
    key = normalise_key(raw_key)
    if key is None or not level:
        return key
    if level in {"länder", "land", "bundesländer", "bundesland"}:
        return key if len(key) == 2 else None
    if ("kreis" in level or "stadt" in level) and "region" not in level:
        return key if len(key) == 5 else None
    return None  # Raumordnungsregionen, Gemeinden, ...: not an area level the project compares


def _parse_value(path: Path, cell: object, col: int, row: int, problems: list[str]) -> tuple[float | None, bool]:
    if isinstance(cell, bool):
        raise SourceFileError(path, _where(col, row), "eine Zahl oder eine leere Zelle", cell)
    if isinstance(cell, str) and cell.strip().startswith("#"):
        problems.append(f"{_where(col, row)}: Excel-Fehlerwert {cell.strip()} als fehlender Wert behandelt")
        return None, False
    try:
        return parse_number(cell)
    except ValueError:
        raise SourceFileError(path, _where(col, row), "eine Zahl oder eine leere Zelle", _text(cell)) from None


# --------------------------------------------------------------------------- sheet Metadaten


@dataclass
class _Meta:
    name: str
    langname: str = ""
    source: str = ""
    formula: str = ""
    notes: str = ""


_META_FIELDS = {
    "indikator": "name",
    "langname": "langname",
    "quelle": "source",
    "berechnungsgrundlage": "formula",
    "anmerkungen": "notes",
}


def _read_metadata(grid: Grid, problems: list[str]) -> list[_Meta]:
    """Rows below the header row ``Indikator | Langname | ...``; columns found by their header."""
    if not grid:
        problems.append(f"Blatt „{META_SHEET}“ fehlt: Bezeichnungen aus den Spaltenköpfen übernommen")
        return []
    header_row = next(
        (i for i, row in enumerate(grid) if row and _text(row[0]).lower() == "indikator"),
        None,
    )
    if header_row is None:
        problems.append(f"Blatt „{META_SHEET}“ ohne Kopfzeile „Indikator“: Metadaten nicht gelesen")
        return []
    fields = {
        col: _META_FIELDS[_text(cell).lower()]
        for col, cell in enumerate(grid[header_row])
        if _text(cell).lower() in _META_FIELDS
    }
    metas = []
    for row in grid[header_row + 1 :]:
        values = {field: _text(row[col]) if col < len(row) else "" for col, field in fields.items()}
        if values.get("name"):
            metas.append(_Meta(**values))
    return metas


def _match_metadata(names: list[str], metas: list[_Meta], problems: list[str]) -> dict[str, _Meta | None]:
    """Pair indicator names in ``Daten`` with ``Metadaten`` rows.

    Exports sometimes spell the name differently in the two sheets; a single unmatched pair is still
    unambiguous, so it is paired with a note instead of losing the metadata.
    """
    by_slug = {slug(m.name): m for m in metas}
    matched: dict[str, _Meta | None] = {name: by_slug.get(slug(name)) for name in names}
    used = {id(m) for m in matched.values() if m is not None}
    open_names = [n for n, m in matched.items() if m is None]
    open_metas = [m for m in metas if id(m) not in used]
    if len(open_names) == 1 and len(open_metas) == 1:
        name, meta = open_names[0], open_metas[0]
        matched[name] = meta
        problems.append(f"Indikator „{name}“ heißt im Blatt „{META_SHEET}“ „{meta.name}“: Metadaten dennoch zugeordnet")
    else:
        for name in open_names:
            if metas:
                problems.append(f"Indikator „{name}“ fehlt im Blatt „{META_SHEET}“: Name als Bezeichnung verwendet")
    return matched


# --------------------------------------------------------------------------- indicators


def _indicator_spec(name: str, meta: _Meta | None, values: list[float], problems: list[str]) -> IndicatorSpec:
    meta = meta or _Meta(name)
    unit = unit_from_text(meta.langname, meta.formula)
    label = meta.langname or name
    notes = meta.notes
    if notes and not _remarks_fit(meta):
        problems.append(
            f"Indikator „{name}“: die Anmerkungen im Blatt „{META_SHEET}“ passen nicht zu Langname und "
            f"Berechnungsgrundlage (beschreiben offenbar einen anderen Indikator) und wurden nicht übernommen: "
            f"„{_shorten(notes)}“"
        )
        notes = ""
    definition = _definition(meta.formula, notes)
    indicator_id = derived_indicator_id(FORMAT, "", name)
    if unit == "%" and values:
        above = sum(1 for v in values if v > 100)
        if statistics.median(values) > 100:
            problems.append(
                f"Indikator „{name}“: laut Metadaten ein Anteil in %, aber die Werte sind Anzahlen "
                f"({above} von {len(values)} Werten über 100, Median {statistics.median(values):g}); "
                "als Anzahl eingelesen"
            )
            return IndicatorSpec(
                id=f"{indicator_id}__{COUNT_SUFFIX}",
                label=f"{name} (Anzahl)",
                unit="Anzahl",
                definition=(
                    "Anzahl (die Werte der Datei sind Anzahlen, obwohl ihre Metadaten einen Anteil beschreiben: "
                    f"„{meta.langname}“). " + definition
                ).strip(),
                source=meta.source,
            )
        if above:
            problems.append(f"Indikator „{name}“: {above} Werte über 100 % bei einem Anteil in %")
    return IndicatorSpec(id=indicator_id, label=label, unit=unit, definition=definition, source=meta.source)


def _definition(formula: str, notes: str) -> str:
    """Remarks first, then the formula, which INKAR keeps more reliably than its remarks."""
    parts = [notes.strip()]
    if formula:
        parts.append(f"Berechnung: {formula.strip()}")
    return "\n".join(p for p in parts if p)


_STOP_STEMS = {"antei", "zeitp", "insge", "jewei", "einwo", "anzah", "durch", "unter", "proze"}


def _remarks_fit(meta: _Meta) -> bool:
    """Whether the remarks share a word stem with long name or formula.

    Remarks that share none describe another indicator (seen in INKAR exports whose remarks were
    copied from a neighbouring indicator); the formula is the reliable part then.
    """
    words = re.findall(r"[a-zäöüß]{5,}", f"{meta.langname} {meta.formula}".lower())
    stems = {w[:5] for w in words} - _STOP_STEMS
    if not stems:
        return True
    notes = meta.notes.lower()
    return any(stem in notes for stem in stems)


def _shorten(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --------------------------------------------------------------------------- citation


def _citation(sheets: dict[str, Grid], metas: list[_Meta], problems: list[str]) -> tuple[str, str, str]:
    """Title, publisher and Stand from ``Quellangabe``; without it, the sources named in ``Metadaten``."""
    text = " ".join(_text(c) for row in sheets.get(CITATION_SHEET, []) for c in row if _text(c))
    text = " ".join(text.split())
    if not text:
        sources = list(dict.fromkeys(m.source for m in metas if m.source))
        problems.append(
            f"Blatt „{CITATION_SHEET}“ fehlt: Herausgeber aus den Quellen im Blatt „{META_SHEET}“ übernommen, "
            "kein Stand angegeben"
        )
        return "INKAR", "; ".join(sources), "nicht angegeben (Blatt Quellangabe fehlt)"
    edition = re.search(r"Ausgabe\s+(\d{4})", text)
    stand = f"INKAR Ausgabe {edition.group(1)}" if edition else "nicht angegeben (keine Ausgabe in der Quellangabe)"
    body = re.sub(r"^Quelle\s*(\([^)]*\))?\s*:\s*", "", text)
    title_match = re.match(r"(.*?)(?:\.\s*Ausgabe\b|\.\s*Hrsg\b)", body)
    title = title_match.group(1).strip() if title_match else "INKAR"
    publisher_match = re.search(r"Hrsg\.?\s*:\s*([^()]*?)\s*\(([A-ZÄÖÜ]{2,})\)", body)
    if publisher_match:
        publisher = publisher_match.group(2)
    else:
        issuer = re.search(r"Hrsg\.?\s*:\s*([^-–]+)", body)
        publisher = issuer.group(1).strip() if issuer else "BBSR"
    return title, publisher, stand


def _extra_sheet_notes(sheets: dict[str, Grid]) -> list[str]:
    """Notes in sheets beyond the standard three (e.g. how older years were obtained) matter to readers."""
    notes = []
    for name, grid in sheets.items():
        if name in {DATA_SHEET, META_SHEET, CITATION_SHEET}:
            continue
        text = " ".join(" ".join(_text(c) for row in grid for c in row if _text(c)).split())
        if text:
            notes.append(f"Hinweis im Blatt „{name}“: {text}")
    return notes


FORMATS = (
    Format(
        name=FORMAT,
        label="INKAR-Export (Excel)",
        folder="inkar",
        reads="INKAR-Exporte .xls/.xlsx: Blatt Daten mit zwei Kopfzeilen, Blatt Metadaten, Blatt Quellangabe",
        yields="Fakten (Kreise; Länder und Deutschland, wo die Datei sie enthält)",
        examples="Arbeitslose, Beschäftigtenquote, Schulabgänger ohne Abschluss, Haushaltseinkommen",
        sniff=sniff,
        load=read,
        suffixes=(".xls", ".xlsx"),
    ),
)
