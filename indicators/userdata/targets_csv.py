"""Targets as CSV for German Excel and back: export with formula cells neutralised, import that names line and
column of every problem and matches rows to stored targets by Kreis, indicator and target year."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal

from indicators.domain import safe_text
from indicators.domain.targets import FIELD_LABELS, Target, target_to_record, validate_target_fields
from indicators.userdata import targets
from indicators.userdata.database import Connection
from indicators.userdata.history import local_date
from indicators.userdata.records import ImportReport, TargetRecord

_EXPORT_FIELDS = list(FIELD_LABELS)
_EXPORT_INFO = ["Zuletzt geändert von", "Zuletzt geändert am"]
_TEXT_FIELDS = {"ags", "indicator", "agreed_by", "note", "tolerance_kind"}


# --- export ----------------------------------------------------------------------------------------------------


def export(records: Iterable[TargetRecord]) -> bytes:
    """``;``, decimal comma, UTF-8 BOM, ``31.12.2024``; text Excel would run as a formula gets an apostrophe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([FIELD_LABELS[name] for name in _EXPORT_FIELDS] + _EXPORT_INFO)
    for record in records:
        values = target_to_record(record.target)
        cells = [_export_cell(name, values[name]) for name in _EXPORT_FIELDS]
        writer.writerow(cells + [_neutralise(record.updated_by), local_date(record.updated_at)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _neutralise(text: str) -> str:
    """An apostrophe before text a spreadsheet would run as a formula, also before one the text already has, so
    that the import takes exactly one off again."""
    return "'" + text if safe_text.runs_as_formula(text.lstrip("'")) else text


def _unneutralise(text: str) -> str:
    return text[1:] if text.startswith("'") and safe_text.runs_as_formula(text[1:].lstrip("'")) else text


def _decimal_de(value: float) -> str:
    """Shortest exact decimal without exponent, decimal comma: Excel reads it, the import gets the same float."""
    text = format(Decimal(repr(float(value))), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _export_cell(name: str, value: object) -> str:
    if value is None:
        return ""
    if name == "agreed_on":
        return dt.date.fromisoformat(str(value)).strftime("%d.%m.%Y")
    if isinstance(value, float):
        return _decimal_de(value)
    if isinstance(value, int):
        return str(value)
    return _neutralise(str(value))


# --- import: reading and checking the file ---------------------------------------------------------------------


def _header_key(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\ufeff", "")).strip().strip(".").lower()


#: Header text (German label or English field name, any case) -> field name.
_HEADER_FIELDS = {_header_key(label): name for name, label in FIELD_LABELS.items()}
_HEADER_FIELDS |= {name: name for name in FIELD_LABELS}
_HEADER_FIELDS |= {"ags": "ags", "kreis": "ags", "kreisschlüssel": "ags", "nr": "id"}
_HEADER_INFO = {_header_key(text) for text in _EXPORT_INFO}


def parse(
    data: bytes, known_indicators: set[str], known_ags: set[str], report: ImportReport
) -> list[tuple[int, Target, bool]]:
    """The file's targets as ``(line, target, carries a version)``; every problem goes to ``report.errors``."""
    rows = _read_csv_rows(data, report)
    return [] if report.errors else _validate_rows(rows, known_indicators, known_ags, report)


def _decode(data: bytes, report: ImportReport) -> str | None:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        report.errors.append("Datei: erwartet wird Text in UTF-8 oder Windows-1252, die Datei ist keine Textdatei")
        return None
    report.warnings.append("Datei ist nicht UTF-8 kodiert und wurde als Windows-1252 (Excel-CSV) gelesen")
    return text


def _read_csv_rows(data: bytes, report: ImportReport) -> list[tuple[int, dict[str, str]]]:
    """Rows as ``(line number, field -> cell)``; header problems go to ``report.errors``."""
    try:
        return _csv_rows(data, report)
    except csv.Error as error:
        report.errors.append(f"Datei: erwartet wird eine CSV-Datei, gelesen wurde nicht lesbarer Inhalt ({error})")
        return []


def _csv_rows(data: bytes, report: ImportReport) -> list[tuple[int, dict[str, str]]]:
    text = _decode(data, report)
    if text is None:
        return []
    first = next((line.strip() for line in text.splitlines() if line.strip()), None)
    if first is None:
        report.errors.append("Zeile 1: erwartet wird eine Kopfzeile mit Spaltennamen, die Datei ist leer")
        return []
    delimiter = ";" if ";" in first else ("\t" if "\t" in first else ",")
    hint = re.fullmatch(r'"?sep=(.)"?', first)  # Excel's delimiter hint line
    if hint:
        delimiter = hint.group(1)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next((cells for cells in reader if any(c.strip() for c in cells)), [])
    if hint:
        header = next((cells for cells in reader if any(c.strip() for c in cells)), [])
    header_line = reader.line_num
    columns = _map_header(header, header_line, report)
    if report.errors:
        return []
    rows: list[tuple[int, dict[str, str]]] = []
    previous_end = reader.line_num
    for cells in reader:
        line = previous_end + 1
        previous_end = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
            report.errors.append(
                f"Zeile {line}: erwartet werden höchstens {len(header)} Spalten wie in der Kopfzeile, "
                f"gefunden {len(cells)} (Trennzeichen „{delimiter}“ im Text ohne Anführungszeichen?)"
            )
            continue
        rows.append((line, {name: cells[i] for i, name in columns.items() if i < len(cells)}))
    return rows


def _map_header(header: list[str], line: int, report: ImportReport) -> dict[int, str]:
    columns: dict[int, str] = {}
    for index, cell in enumerate(header):
        key = _header_key(cell)
        if key in _HEADER_FIELDS and _HEADER_FIELDS[key] not in columns.values():
            columns[index] = _HEADER_FIELDS[key]
        elif key and key not in _HEADER_INFO:
            report.warnings.append(f"Zeile {line}: Spalte „{cell.strip()}“ ist unbekannt und wird nicht gelesen")
    for name in ("ags", "indicator", "target_value", "target_year"):
        if name not in columns.values():
            report.errors.append(
                f"Zeile {line}: erwartet wird eine Spalte „{FIELD_LABELS[name]}“, sie fehlt in der Kopfzeile"
            )
    return columns


def _validate_rows(
    rows: list[tuple[int, dict[str, str]]],
    known_indicators: set[str],
    known_ags: set[str],
    report: ImportReport,
) -> list[tuple[int, Target, bool]]:
    parsed: list[tuple[int, Target, bool]] = []
    seen: dict[tuple[str, str, int], int] = {}
    for line, cells in rows:
        fields = {name: (_unneutralise(value) if name in _TEXT_FIELDS else value) for name, value in cells.items()}
        fields.pop("id", None)
        ags = fields.get("ags", "").strip()
        if re.fullmatch(r"\d{4}", ags):  # Excel drops the leading zero of 01001
            fields["ags"] = "0" + ags
            report.warnings.append(f"Zeile {line}: Kreisschlüssel „{ags}“ als „0{ags}“ gelesen (führende Null ergänzt)")
        target, errors = validate_target_fields(fields, known_indicators, known_ags)
        for error in errors:
            report.errors.append(f"Zeile {line}, Spalte „{error.label}“: {error.message}")
        if target is None:
            continue
        key = (target.ags, target.indicator, target.target_year)
        if key in seen:
            report.errors.append(
                f"Zeile {line}: dasselbe Ziel (Kreis {key[0]}, Indikator „{key[1]}“, Zieljahr {key[2]}) "
                f"steht schon in Zeile {seen[key]}"
            )
            continue
        seen[key] = line
        parsed.append((line, target, bool(str(cells.get("version", "")).strip())))
    return parsed


# --- import: storing --------------------------------------------------------------------------------------------


def import_row(
    conn: Connection,
    line: int,
    target: Target,
    has_version: bool,
    user: str | None,
    report: ImportReport,
    dry_run: bool = False,
) -> None:
    """Create, update or leave alone the stored target matching one row, in the caller's transaction.

    With ``dry_run`` nothing is written (a read transaction is enough): the report says what the import would
    do, with the versions the targets would get.
    """
    row = targets.active_row(conn, target)
    if row is None:
        stored = (
            replace(target, id=None, version=1) if dry_run else targets.insert_target(conn, target, user, "importiert")
        )
        report.targets.append(stored)
        report.created += 1
        return
    current = targets.row_target(row)
    if targets.same_content(target, current):
        report.unchanged += 1
        report.targets.append(current)
        return
    if has_version and target.version != current.version:
        report.errors.append(
            f"Zeile {line}, Spalte „Version“: das Ziel wurde inzwischen von {row['updated_by']} geändert "
            f"(Version {current.version}, in der Datei {target.version}). Bitte neu exportieren."
        )
        return
    if not has_version:
        report.warnings.append(
            f"Zeile {line}: Ziel Nr. {current.id} überschrieben (Version {current.version} → {current.version + 1})"
        )
    if dry_run:
        report.targets.append(replace(target, id=current.id, version=current.version + 1))
    else:
        report.targets.append(targets.write_version(conn, row, target, user, "importiert"))
    report.updated += 1
