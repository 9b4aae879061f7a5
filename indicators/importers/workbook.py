"""Excel workbooks (.xlsx and the old .xls) read through python-calamine: one reader for every importer.

Calamine reads both formats, exactly (the stored doubles, dates as dates) and several times faster than
openpyxl and xlrd (measured in the commit that introduced it). Cells come back as openpyxl would give them:
``None`` for an empty cell, ``int`` for a whole number, ``float``, ``str``, ``bool``, ``datetime.date``/``datetime``.
A file calamine cannot open raises :class:`~indicators.errors.SourceFileError` naming the file.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import python_calamine
from defusedxml import DefusedXmlException, ElementTree

from indicators.errors import SourceFileError
from indicators.importers import container

Row = list[object]
#: Calamine reads an error cell (``#VALUE!``) as empty; its text is found in the sheet XML instead (xlsx only).
_ERROR_CELL = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]+)(\d+)"[^>]*?\bt="e"[^>]*>\s*<(?:\w+:)?v>([^<]*)<')
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0"
_ZIP_MAGIC = b"PK\x03\x04"


def is_workbook(path: Path) -> bool:
    """A cheap check of the first bytes: an .xlsx (zip) or an .xls (OLE2) container."""
    try:
        with open(path, "rb") as handle:
            magic = handle.read(8)
    except OSError:
        return False
    return magic.startswith(_ZIP_MAGIC) or magic.startswith(_OLE2_MAGIC)


def open_workbook(path: Path) -> python_calamine.CalamineWorkbook:
    path = Path(path)
    if not is_workbook(path):
        raise SourceFileError(path, "Dateianfang", "eine Excel-Arbeitsmappe (.xlsx oder .xls)")
    container.check(path)  # before calamine unpacks anything: no decompression bombs
    try:
        return python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # noqa: BLE001 - calamine raises its own error types for damaged containers
        raise SourceFileError(
            path, "Arbeitsmappe", "eine lesbare Excel-Arbeitsmappe (.xlsx oder .xls)", str(exc)
        ) from None


def sheet_names(path: Path) -> list[str]:
    return list(open_workbook(path).sheet_names)


def _cell(value: object) -> object:
    if value == "":
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def rows(book: python_calamine.CalamineWorkbook, sheet: str, path: Path, max_rows: int | None = None) -> list[Row]:
    """Rows of one sheet from A1 (row i of the list is Excel row i + 1), cells as described above."""
    try:
        data = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False, nrows=max_rows)
    except Exception as exc:  # noqa: BLE001 - a damaged sheet XML
        raise SourceFileError(path, f"Blatt „{sheet}“", "ein lesbares Tabellenblatt", str(exc)) from None
    out = [[_cell(c) for c in row] for row in data]
    for (r, c), text in _error_cells(path, sheet).items():
        if r < len(out) and (max_rows is None or r < max_rows):
            out[r].extend([None] * (c + 1 - len(out[r])))
            out[r][c] = text
    while out and not any(c is not None for c in out[-1]):
        out.pop()
    return out


def _error_cells(path: Path, sheet: str) -> dict[tuple[int, int], str]:
    """``(row, column) -> "#VALUE!"`` of the error cells of an xlsx sheet (0-based), so they are not lost."""
    container.check(path)
    try:
        with zipfile.ZipFile(path) as archive:
            member = _sheet_member(archive, sheet)
            data = archive.read(member) if member else b""
    except (zipfile.BadZipFile, KeyError, OSError, ElementTree.ParseError, DefusedXmlException):
        return {}
    if b't="e"' not in data:
        return {}
    found = {}
    for letters, number, text in _ERROR_CELL.findall(data):
        column = 0
        for letter in letters.decode():
            column = column * 26 + ord(letter) - 64
        found[(int(number) - 1, column - 1)] = text.decode("utf-8", "replace")
    return found


def _sheet_member(archive: zipfile.ZipFile, sheet: str) -> str | None:
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels}
    for node in workbook.iter(f"{_MAIN}sheet"):
        if node.get("name") == sheet:
            target = targets.get(node.get(f"{_RELS}id"), "")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return None


def sheets(path: Path, names: list[str] | None = None, max_rows: int | None = None) -> dict[str, list[Row]]:
    """Rows of every sheet (or of ``names``), in workbook order."""
    path = Path(path)
    book = open_workbook(path)
    return {n: rows(book, n, path, max_rows) for n in book.sheet_names if names is None or n in names}


def is_date(value: object) -> bool:
    return isinstance(value, (dt.date, dt.datetime))
