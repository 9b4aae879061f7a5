"""Regionaldatenbank Deutschland / GENESIS flat CSV exports (``GENESIS-Tabelle: <code>`` or ``Tabelle: <code>``).

The layout is the same for every table: a title block, 2-4 column-header lines whose leading fields are
empty (one per row dimension), data rows ``<time?>;<key>;<name>;<extra dims?>;values`` and a footer after
a line of underscores. Which leading column holds time, key, name or an extra dimension differs per table,
so it is detected from the data instead of being configured per table.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from indicators.domain.ags import CITY_STATES, normalise_key
from indicators.errors import SourceFileError
from indicators.importers.base import (
    SPECIAL_VALUES,
    SUPPRESSED_VALUES,
    Format,
    ImportResult,
    IndicatorSpec,
    derived_indicator_id,
    facts_frame,
    slug,
)

FORMAT = "genesis"
DEFAULT_PUBLISHER = "Statistische Ämter des Bundes und der Länder"
LICENCE_BY = "dl-de/by-2-0"
LICENCE_ZERO = "dl-de/zero-2-0"

_TABLE_LINE = re.compile(r'^\ufeff?\s*"?(?:GENESIS-)?Tabelle:\s*([^;"]+?)\s*"?\s*(?:;.*)?$')
_FOOTER_MARK = "__________"
_YEAR = r"(?:19|20)\d{2}"
_TIME = re.compile(rf"^(?:{_YEAR}|\d{{1,2}}\.\d{{1,2}}\.{_YEAR})$")
_KEY = re.compile(r"^(?:DG|\d{2,12})$")
_HEADER_YEAR = re.compile(
    rf"^\s*(?:Stichtag|Jahr|Berichtsjahr|Berichtszeitraum|Zeit)\s*:\s*(?:\d{{1,2}}\.\d{{1,2}}\.)?({_YEAR})\b"
)
_STAND = re.compile(r'^\s*"?Stand:\s*(.+?)[\s;"]*$')
_COPYRIGHT = re.compile(r"©\s*(.+?),\s*(?:Deutschland,\s*)?(?:19|20)\d{2}")
_NUMBER = r"-?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?"
_UNIT_IN_TITLE = re.compile(r"\(([^()]+)\)\s*$")
#: Texts that make up a whole header line of units (then the line names the unit, not the indicator).
_UNITS = re.compile(
    r"^(?:(?:1\.?\s?000|Tsd\.?|Mill\.?|Mio\.?|Mrd\.?)\s*)*"
    r"(?:Anzahl|Prozent|%|Promille|‰|EUR|Euro|km²|km2|m²|m³|qm|ha|Hektar|t|Tonnen|kg|Stück|Jahre|Monate|Tage"
    r"|Stunden|Std\.|Personen|Einwohner|kWh|MWh)?"
    r"(?:\s*(?:je|pro|/)\s*.+)?$",
    re.IGNORECASE,
)
_SNIFF_BYTES = 4096


@dataclass
class _Column:
    """One value column: its header parts (without the unit line), unit and, if the header says so, year."""

    index: int
    parts: list[str]
    unit: str
    year: int | None = None

    @property
    def label(self) -> str:
        return " – ".join(self.parts)


@dataclass
class _Header:
    code: str
    title_lines: list[str]
    header_rows: list[list[str]]
    header_first_line: int  # 1-based line number of the first column-header line
    n_dims: int
    width: int
    data_start: int  # 0-based index of the first data line
    footer_start: int  # 0-based index of the underscore line (or len(lines))
    header_year: int | None = None
    columns: list[_Column] = field(default_factory=list)


@dataclass
class _Dims:
    time: int | None
    key: int
    name: int | None
    extra: list[int]


# --------------------------------------------------------------------------------------------- public


def _head(path: str | Path) -> str:
    try:
        with open(path, "rb") as handle:
            return _decode(handle.read(_SNIFF_BYTES))
    except OSError:
        return ""


def _code_in(head: str) -> str | None:
    first = head.split("\n", 1)[0].rstrip("\r")
    match = _TABLE_LINE.match(first)
    return match.group(1) if match else None


def table_code(path: str | Path) -> str | None:
    """Table code from the first line (``13211-02-05-4``), or ``None`` if the file is no GENESIS export."""
    return _code_in(_head(path))


def sniff(path: str | Path) -> bool:
    """True if the file starts like a GENESIS flat CSV export (table line, then ``;``-separated lines)."""
    head = _head(path)
    return _code_in(head) is not None and ";" in head


def read(path: str | Path) -> ImportResult:
    """Read one GENESIS flat CSV export into long facts on DG, Länder and Kreise."""
    path = Path(path)
    lines = _read_lines(path)
    header = _parse_header(path, lines)
    if header.footer_start == len(lines):  # every GENESIS export ends with it: a cut download does not
        raise SourceFileError(
            path,
            f"Zeile {len(lines)} (Dateiende)",
            f"die Fußzeile „{_FOOTER_MARK}“ mit der Quellenangabe; ohne sie ist die Datei wohl abgeschnitten",
            lines[-1],
        )
    header.columns = _value_columns(path, header)
    rows, line_numbers = _data_rows(path, lines, header)
    dims = _classify_dims(path, rows, line_numbers, header)
    facts, specs = _facts(path, rows, line_numbers, header, dims)
    publisher, licence, stand, problems = _footer_metadata(lines[header.footer_start :])
    for spec in specs:
        spec.source = f"{publisher}: Tabelle {header.code}"
    return ImportResult(
        format=FORMAT,
        table=header.code,
        path=path,
        facts=facts,
        indicators=specs,
        title=_title(header),
        publisher=publisher,
        stand=stand,
        licence=licence,
        problems=problems,
    )


# --------------------------------------------------------------------------------------------- text


def _decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM) if the bytes are valid UTF-8, else Windows-1252 / ISO-8859-1.

    GENESIS writes ISO-8859-1; German Latin-1 text is practically never valid UTF-8, so a clean UTF-8
    decode means the file was re-saved as UTF-8. Windows-1252 equals Latin-1 on printable characters.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _read_lines(path: Path) -> list[str]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SourceFileError(path, "Datei", "eine lesbare Datei", str(exc)) from None
    # universal newlines, as GENESIS writes LF but re-saved copies may use CRLF or CR
    return _decode(raw).replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _fields(path: Path, line: str, line_no: int) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=";"), [])
    except csv.Error as exc:
        raise SourceFileError(path, f"Zeile {line_no}", "eine gültige CSV-Zeile", str(exc)) from None


# --------------------------------------------------------------------------------------------- header


def _parse_header(path: Path, lines: list[str]) -> _Header:
    """Split the file into title lines, column-header lines, data lines and footer."""
    match = _TABLE_LINE.match(lines[0]) if lines else None
    if not match:
        found = lines[0] if lines else ""
        raise SourceFileError(path, "Zeile 1", "„GENESIS-Tabelle: <Code>“ oder „Tabelle: <Code>“", found)
    footer_start = next((i for i, line in enumerate(lines) if line.startswith(_FOOTER_MARK)), len(lines))
    if not any(";" in line for line in lines[1 : min(footer_start, 30)]):
        raise SourceFileError(path, "Zeile 2", "Felder getrennt durch „;“", lines[1] if len(lines) > 1 else "")

    titles: list[str] = []
    header_rows: list[list[str]] = []
    header_first = 0
    for i in range(1, footer_start):
        fields = _fields(path, lines[i], i + 1)
        if not any(f.strip() for f in fields):
            continue
        if not fields[0].strip():
            header_first = header_first or i + 1
            header_rows.append(fields)
            continue
        if header_rows:
            return _header(path, match.group(1), titles, header_rows, header_first, i, footer_start)
        if any(f.strip() for f in fields[1:]):
            raise SourceFileError(
                path,
                f"Zeile {i + 1}",
                "Spaltenköpfe (Zeilen, deren erste Felder leer sind) vor den Daten",
                lines[i],
            )
        titles.append(fields[0].strip())
    if not header_rows:
        raise SourceFileError(path, f"Zeile {footer_start + 1}", "Spaltenköpfe (Zeilen, deren erste Felder leer sind)")
    raise SourceFileError(path, f"Zeile {footer_start + 1}", "mindestens eine Datenzeile nach den Spaltenköpfen")


def _header(path, code, titles, header_rows, header_first, data_start, footer_start) -> _Header:
    """Row dimensions = leading columns that are empty in every column-header line."""
    width = max(len(r) for r in header_rows)
    while width > 0 and not any(len(r) >= width and r[width - 1].strip() for r in header_rows):
        width -= 1
    n_dims = min(next((j for j, f in enumerate(r) if f.strip()), len(r)) for r in header_rows)
    if n_dims < 1 or n_dims >= width:
        raise SourceFileError(path, f"Zeile {header_first}", "Spaltenköpfe mit leeren führenden Feldern")
    header_year = next((int(m.group(1)) for t in titles if (m := _HEADER_YEAR.match(t))), None)
    return _Header(
        code=code,
        title_lines=titles,
        header_rows=[r + [""] * (width - len(r)) for r in header_rows],
        header_first_line=header_first,
        n_dims=n_dims,
        width=width,
        data_start=data_start,
        footer_start=footer_start,
        header_year=header_year,
    )


def _is_unit_line(cells: list[str]) -> bool:
    filled = [c for c in cells if c]
    return bool(filled) and all(_UNITS.match(c) and not _TIME.match(c) for c in filled)


def _is_time_line(cells: list[str]) -> bool:
    filled = [c for c in cells if c]
    return bool(filled) and all(_TIME.match(c) for c in filled)


def _title_unit(titles: list[str]) -> str:
    """Unit stated in a title line such as ``Bevölkerungsstand (Anzahl)``, for tables without a unit line."""
    for title in reversed(titles):
        match = _UNIT_IN_TITLE.search(title)
        if match and _is_unit_line([match.group(1).strip()]):
            return match.group(1).strip()
    return ""


def _value_columns(path: Path, header: _Header) -> list[_Column]:
    """Header parts, unit and (if the header holds years) year of each value column."""
    lines = [[c.strip() for c in row[header.n_dims : header.width]] for row in header.header_rows]
    if len(lines) > 1 and _is_unit_line(lines[-1]):
        units = lines.pop()
    else:
        units = [_title_unit(header.title_lines)] * len(lines[0])
    years: list[int | None] = [None] * len(lines[0])
    time_lines = [line for line in lines if _is_time_line(line)]
    if time_lines:
        years = [int(c[-4:]) if c else None for c in time_lines[0]]
        lines = [line for line in lines if line is not time_lines[0]]
    columns = []
    for j in range(len(units)):
        parts = [line[j] for line in lines if line[j]]
        if not parts and years[j] is None:
            where = f"Zeile {header.header_first_line}, Spalte {header.n_dims + j + 1}"
            raise SourceFileError(path, where, "eine Spaltenüberschrift")
        columns.append(_Column(index=header.n_dims + j, parts=parts, unit=units[j], year=years[j]))
    return columns


def _title(header: _Header) -> str:
    return " ".join(t for t in header.title_lines if not _HEADER_YEAR.match(t))


# --------------------------------------------------------------------------------------------- data


def _data_rows(path: Path, lines: list[str], header: _Header) -> tuple[list[list[str]], list[int]]:
    """Data rows cut to the header width; shorter rows are truncated lines and stop the import."""
    rows: list[list[str]] = []
    numbers: list[int] = []
    reader = csv.reader(lines[header.data_start : header.footer_start], delimiter=";")
    start = header.data_start
    for fields in _safe_rows(path, reader, header.data_start):
        line_no = start + 1
        start = header.data_start + reader.line_num
        if not any(f.strip() for f in fields):
            continue
        if len(fields) < header.width:
            raise SourceFileError(
                path,
                f"Zeile {line_no}",
                f"{header.width} durch „;“ getrennte Felder wie in den Spaltenköpfen",
                f"{len(fields)} Felder",
            )
        if any(f.strip() for f in fields[header.width :]):
            raise SourceFileError(
                path,
                f"Zeile {line_no}",
                f"höchstens {header.width} Felder wie in den Spaltenköpfen",
                lines[line_no - 1],
            )
        rows.append([f.strip() for f in fields[: header.width]])
        numbers.append(line_no)
    if not rows:
        raise SourceFileError(path, f"Zeile {header.data_start + 1}", "mindestens eine Datenzeile")
    return rows, numbers


def _safe_rows(path: Path, reader, offset: int):
    """Rows of a csv reader; a csv error becomes a SourceFileError naming the line."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            where = f"Zeile {offset + reader.line_num}"
            raise SourceFileError(path, where, "eine gültige CSV-Zeile", str(exc)) from None
        yield row


def _classify_dims(path: Path, rows: list[list[str]], line_numbers: list[int], header: _Header) -> _Dims:
    """Find time, key and name among the leading columns from the first data row, then check every row."""
    first = rows[0][: header.n_dims]
    time = next((j for j, v in enumerate(first) if _TIME.match(v)), None)
    key = next((j for j, v in enumerate(first) if j != time and _KEY.match(v)), None)
    if key is None:
        raise SourceFileError(
            path,
            f"Zeile {line_numbers[0]}",
            "eine Spalte mit Regionalschlüssel (DG, 01, 15087, ...)",
            ";".join(first),
        )
    name = key + 1 if key + 1 < header.n_dims and key + 1 != time else None
    extra = [j for j in range(header.n_dims) if j not in (time, key, name)]
    if time is None and header.header_year is None and any(c.year is None for c in header.columns):
        raise SourceFileError(
            path, "Kopfzeilen", "eine Zeitspalte oder eine Angabe „Stichtag: TT.MM.JJJJ“ bzw. „Jahr: JJJJ“"
        )
    checks = [(key, _KEY, "ein Regionalschlüssel (DG, 01, 15087, ...)")]
    if time is not None:
        checks.append((time, _TIME, "ein Jahr (JJJJ) oder Datum (TT.MM.JJJJ)"))
    for column, pattern, expected in checks:
        for row, line_no in zip(rows, line_numbers, strict=True):
            if not pattern.match(row[column]):
                raise SourceFileError(path, f"Zeile {line_no}, Spalte {column + 1}", expected, row[column])
    return _Dims(time=time, key=key, name=name, extra=extra)


def _parse_values(path: Path, values: np.ndarray, line_numbers: list[int], header: _Header):
    """Vectorised cell parsing: ``(value, suppressed, dash)`` arrays; bad cells stop with line and column."""
    cells = pd.Series(values.ravel(), dtype="string")
    dash = (cells == "-").to_numpy()
    suppressed = cells.isin(list(SUPPRESSED_VALUES)).to_numpy()
    empty = (cells == "").to_numpy()
    numeric = cells.str.fullmatch(_NUMBER).fillna(False).to_numpy(dtype=bool)
    bad = ~(dash | suppressed | empty | numeric)
    if bad.any():
        flat = int(np.flatnonzero(bad)[0])
        row, col = divmod(flat, values.shape[1])
        column = header.columns[col]
        where = f"Zeile {line_numbers[row]}, Spalte „{column.label}“"
        specials = " ".join(SPECIAL_VALUES)
        raise SourceFileError(path, where, f"eine Zahl oder ein Sonderzeichen ({specials})", values[row, col])
    text = cells.where(numeric).str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    number = pd.to_numeric(text, errors="coerce").to_numpy(dtype="float64")
    huge = np.isinf(number)  # hundreds of digits overflow a float: no statistic, a damaged cell
    if huge.any():
        row, col = divmod(int(np.flatnonzero(huge)[0]), values.shape[1])
        where = f"Zeile {line_numbers[row]}, Spalte „{header.columns[col].label}“"
        raise SourceFileError(path, where, "eine Zahl in üblicher Größe", values[row, col])
    # "-" means "nichts vorhanden" (exactly nothing): zero where the region exists at all
    number[dash] = 0.0
    shape = values.shape
    return number.reshape(shape), suppressed.reshape(shape), dash.reshape(shape)


def _region_keys(raw_keys: pd.Series) -> pd.Series:
    """DG, Land and Kreis keys; Regierungsbezirke (3 digits) and city parts (8 digits) become <NA>."""
    wanted = raw_keys.str.len().isin([2, 5])
    return raw_keys.where(wanted).map(lambda k: normalise_key(k) if isinstance(k, str) else None)


def _check_duplicate_rows(path: Path, kept: pd.DataFrame, columns: list[str]) -> None:
    duplicated = kept[kept.duplicated(columns, keep=False)]
    if len(duplicated):
        first = duplicated.iloc[0]
        same = duplicated[(duplicated[columns] == first[columns]).all(axis=1)]
        lines = " und ".join(str(n) for n in same["line"].head(2))
        found = f"{first['key']} ({first['year']}) doppelt"
        raise SourceFileError(path, f"Zeilen {lines}", "je Region und Jahr eine Datenzeile", found)


def _indicator_parts(column: _Column, extra_values: tuple[str, ...]) -> list[str]:
    """Header parts then extra-dimension values, with consecutive repeats collapsed."""
    parts: list[str] = []
    for part in [*column.parts, *extra_values]:
        if part and (not parts or slug(parts[-1]) != slug(part)):
            parts.append(part)
    return parts


def _facts(path, rows, line_numbers, header: _Header, dims: _Dims) -> tuple[pd.DataFrame, list[IndicatorSpec]]:
    table = np.array(rows, dtype=object)
    values = table[:, header.n_dims :]
    number, suppressed, dash = _parse_values(path, values, line_numbers, header)

    frame = pd.DataFrame({"key": pd.Series(table[:, dims.key], dtype="string")})
    frame["line"] = line_numbers
    if dims.time is not None:
        frame["year"] = [int(t[-4:]) for t in table[:, dims.time]]
    else:
        frame["year"] = header.header_year
    extra_cols = [f"extra{j}" for j in dims.extra]
    for name, j in zip(extra_cols, dims.extra, strict=True):
        frame[name] = table[:, j]
    frame["region"] = _region_keys(frame["key"])

    # every Kreis since 1995 is listed; one that did not exist in a year has nothing but "-"
    frame["all_dash"] = dash.all(axis=1)
    gone = frame.groupby(["key", "year"], dropna=False)["all_dash"].transform("all")
    keep = (~gone & frame["region"].notna()).to_numpy()

    kept = frame[keep]
    _check_duplicate_rows(path, kept, ["key", "year", *extra_cols])
    extras = list(kept[extra_cols].itertuples(index=False, name=None)) if extra_cols else [()] * len(kept)
    distinct = list(dict.fromkeys(extras))
    specs: dict[str, IndicatorSpec] = {}
    seen: dict[str, tuple[list[str], set]] = {}  # id -> (parts, header years already used)
    pieces = []
    for j, column in enumerate(header.columns):
        ids_of: dict[tuple, str] = {}
        for extra_values in distinct:
            parts = _indicator_parts(column, extra_values)
            indicator = derived_indicator_id(FORMAT, header.code, *parts)
            if indicator not in specs:
                specs[indicator] = _spec(indicator, parts, column, header)
                seen[indicator] = (parts, set())
            elif seen[indicator][0] != parts or column.year is None or column.year in seen[indicator][1]:
                where = f"Spalte „{column.label or column.index + 1}“"
                raise SourceFileError(path, where, "eindeutige Spaltenüberschriften", indicator)
            seen[indicator][1].add(column.year)
            ids_of[extra_values] = indicator
        year = kept["year"].to_numpy() if column.year is None else column.year
        piece = pd.DataFrame(
            {
                "region": kept["region"].to_numpy(),
                "indicator": [ids_of[e] for e in extras],
                "year": year,
                "value": number[keep, j],
                "suppressed": suppressed[keep, j],
            }
        )
        pieces.append(piece[piece["value"].notna() | piece["suppressed"]])
    facts = pd.concat(pieces, ignore_index=True) if pieces else pd.DataFrame()
    facts = _add_city_state_kreise(facts)
    facts["territory_year"] = facts["year"]
    return facts_frame(facts), list(specs.values())


def _spec(indicator: str, parts: list[str], column: _Column, header: _Header) -> IndicatorSpec:
    """Label from the header parts; a table with one measure and years as columns is named by its title."""
    definition = f"Tabelle {header.code}: {_title(header)}".strip()
    measure = next((t for t in reversed(header.title_lines) if not _HEADER_YEAR.match(t)), header.code)
    label = " – ".join(parts) or measure
    return IndicatorSpec(id=indicator, label=label, unit=column.unit, definition=definition)


def _add_city_state_kreise(facts: pd.DataFrame) -> pd.DataFrame:
    """Berlin and Hamburg appear as Land rows only: repeat them as Kreis 11000 / 02000 unless present."""
    present = set(facts["region"].unique()) if len(facts) else set()
    copies = []
    for land, ags in CITY_STATES.items():
        if land in present and ags not in present:
            copies.append(facts[facts["region"] == land].assign(region=ags))
    return pd.concat([facts, *copies], ignore_index=True) if copies else facts


# --------------------------------------------------------------------------------------------- footer


def _footer_metadata(footer: list[str]) -> tuple[str, str, str, list[str]]:
    """Publisher, licence and Stand from the footer; what is missing is assumed and reported."""
    text = " ".join(" ".join(footer).replace('""', '"').split())
    problems: list[str] = []
    stand = next((m.group(1) for line in footer if (m := _STAND.match(line))), "")
    match = _COPYRIGHT.search(text)
    publisher = match.group(1).strip() if match else DEFAULT_PUBLISHER
    if not match:
        problems.append(f"Herausgeber nicht in der Datei genannt; angenommen: {DEFAULT_PUBLISHER}")
    dashes = re.sub(r"\s*[-–]\s*", " - ", text)
    if "Datenlizenz Deutschland - Zero - Version 2.0" in dashes:
        licence = LICENCE_ZERO
    elif "Datenlizenz Deutschland - Namensnennung - Version 2.0" in dashes:
        licence = LICENCE_BY
    else:
        licence = LICENCE_BY
        problems.append(
            "Lizenz nicht in der Datei genannt; angenommen: Datenlizenz Deutschland – Namensnennung – "
            "Version 2.0 (Nutzungsbedingungen von GENESIS und Regionaldatenbank)"
        )
    return publisher, licence, stand, problems


FORMATS = (
    Format(
        name=FORMAT,
        label="Regionalstatistik / GENESIS (CSV)",
        folder="regionalstatistik",
        reads="Regionaldatenbank / GENESIS Flat-CSV (beide Kopfstile, Sonderzeichen - . x ... /, Fußzeile, "
        "Berlin/Hamburg als Landeszeilen, Gebietsstand je Jahr)",
        yields="Fakten (Kreise, Länder, Deutschland)",
        examples="13211-02-05-4 Arbeitslose und Arbeitslosenquoten, 12411-0018 Bevölkerung, 13111-07-05-4 SV-Beschäftigte",
        sniff=sniff,
        load=read,
        suffixes=(".csv", ".txt"),
    ),
)
