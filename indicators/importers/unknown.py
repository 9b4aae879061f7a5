"""What a file no importer recognises looks like, said in German so the person who dropped it can act.

The build prints it and the import page shows it: the file's name, what it looks like (text with which delimiter
and header, or a workbook with which sheets), whether a Kreis key column and years were found, and the formats
RegioMonitor knows. A plain table with a Kreis key column can be read as an own table (Daten › Import).
"""

from __future__ import annotations

import re
from pathlib import Path

from indicators.domain import registry
from indicators.domain.ags import GERMANY, normalise_key
from indicators.errors import SourceFileError
from indicators.importers import container, generic_csv, workbook

_YEAR = re.compile(r"^(?:19|20)\d{2}$")
_SHOWN = 6


def _known_keys() -> set[str]:
    return set(registry.kreis_codes()) | set(registry.laender()["land_code"]) | {GERMANY}


def _table_shape(header: list[str], rows: list[list[object]]) -> str:
    """Kreis column, year column or years as columns, found or not."""
    known = _known_keys()
    key = None
    for j, name in enumerate(header):
        cells = [r[j] for r in rows if j < len(r) and r[j] not in (None, "")]
        keys = [normalise_key(c) for c in cells]
        kreise = sum(k is not None and len(k) == 5 for k in keys)  # small numbers would pass as Land codes
        if cells and sum(k in known for k in keys) >= 0.8 * len(cells) and kreise >= 0.5 * len(cells):
            key = name or f"Spalte {j + 1}"
            break
    years_as_columns = [h for h in header if _YEAR.match(str(h).strip())]
    parts = [f"Kreisspalte „{key}“ gefunden" if key else "keine Spalte mit Kreisschlüsseln (AGS) gefunden"]
    if len(years_as_columns) >= 2:
        parts.append(f"Jahre als Spalten ({years_as_columns[0]}–{years_as_columns[-1]})")
    else:
        year = next(
            (
                h
                for j, h in enumerate(header)
                if rows
                and all(_YEAR.match(str(r[j]).strip()) for r in rows if j < len(r) and r[j] not in (None, ""))
                and any(j < len(r) and r[j] not in (None, "") for r in rows)
            ),
            None,
        )
        parts.append(f"Jahresspalte „{year}“" if year else "keine Jahresspalte")
    return ", ".join(parts)


def _header_text(header: list[object]) -> str:
    cells = [str(c).strip() for c in header if c not in (None, "")]
    shown = " | ".join(cells[:_SHOWN]) + (" | …" if len(cells) > _SHOWN else "")
    return shown[:160]


def describe(path: Path) -> str:
    """What the file looks like, in one German sentence part."""
    path = Path(path)
    if workbook.is_workbook(path):
        try:
            sheets = workbook.sheets(path, max_rows=200)
        except Exception:  # noqa: BLE001 - a damaged workbook: say so, do not fail
            return "eine Excel-Datei, die sich nicht öffnen lässt"
        filled = {n: [r for r in rows if any(c is not None for c in r)] for n, rows in sheets.items()}
        name, rows = next(((n, r) for n, r in filled.items() if len(r) >= 2), (None, []))
        listed = ", ".join(f"„{n}“" for n in list(sheets)[:_SHOWN])
        if name is None:
            return f"eine Excel-Arbeitsmappe ohne Tabelle (Blätter {listed})"
        header = [str(c) if c is not None else "" for c in rows[0]]
        return (
            f"eine Excel-Arbeitsmappe (Blätter {listed}); Blatt „{name}“ beginnt mit „{_header_text(rows[0])}“; "
            + _table_shape(header, rows[1:])
        )
    try:
        head = path.read_bytes()[:65536]
    except OSError:
        return "eine Datei, die sich nicht lesen lässt"
    if b"\x00" in head[:4096]:
        return f"keine Textdatei und keine Excel-Arbeitsmappe (Dateiendung „{path.suffix or 'keine'}“)"
    layout = generic_csv.guess_layout(path)
    delimiter = generic_csv.DELIMITERS.get(layout["delimiter"], layout["delimiter"])
    header = layout.get("columns") or []
    if not header:
        return f"eine Textdatei ohne erkennbare Kopfzeile (Trennzeichen {delimiter}?)"
    _, rows = generic_csv.header_and_rows(path, layout, limit=200)
    return f"eine Textdatei mit Trennzeichen {delimiter} und der Kopfzeile „{_header_text(header)}“; " + _table_shape(
        header, [fields for _, fields in rows]
    )


EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}


def damage(path: Path) -> SourceFileError | None:
    """Why a file that claims to be a workbook (by its ending) cannot be opened, e.g. a download cut short; such a
    file must stop the build with its name instead of being passed over as "not recognised"."""
    path = Path(path)
    if path.suffix.lower() not in EXCEL_SUFFIXES:
        return None
    try:
        book = workbook.open_workbook(path)
        for name in book.sheet_names:
            workbook.rows(book, name, path, max_rows=1)
    except container.ContainerTooLarge as exc:  # not damaged but too large unpacked: say so as it is
        return exc
    except SourceFileError as exc:
        return SourceFileError(
            path,
            "Dateiinhalt",
            "eine vollständige Excel-Arbeitsmappe; die Datei ist beschädigt oder abgeschnitten",
            exc.found or exc.expected,
        )
    return None


def message(path: Path, mappable: bool = False) -> str:
    """The German message for a file that no importer recognises."""
    from indicators import importers

    text = (
        f"Datei „{Path(path).name}“ wurde nicht erkannt: {describe(path)}. "
        f"Bekannte Formate: {importers.known_formats_text()}."
    )
    if mappable:
        text += " Als eigene Tabelle lassen sich ihre Spalten unten zuordnen (Kreisschlüssel, Jahr, Werte mit Einheit)."
    else:
        text += " Eine Tabelle mit Kreisschlüssel-, Jahres- und Zahlenspalten lässt sich als CSV unter Daten › Import einlesen."
    return text
