"""Own tables of the Kreis, Jobcenter or Agentur: any CSV with a key column, a year and value columns.

RegioMonitor format ``regiomonitor-generic-csv``: the CSV stays exactly as delivered, and a sidecar
``<name>.mapping.json`` beside it (``quoten.csv`` -> ``quoten.mapping.json``) says how to read it::

    {
      "format": "regiomonitor-generic-csv",
      "version": 1,
      "encoding": "utf-8",            # utf-8, utf-8-sig, cp1252 or iso-8859-1
      "delimiter": ";",               # ; , tab (\\t) or |
      "decimal": ",",                 # , or .
      "thousands": "",                # optional: . or , or "" (none)
      "skip_rows": 0,                 # lines before the header line
      "key_column": "AGS",            # Kreis AGS (5 or 8 digits, also without leading zero), Land code or DG
      "year_column": "Jahr",          # or null and a fixed "year": 2023
      "year": null,
      "title": "Eigene Auswertung U25", "publisher": "Jobcenter Mansfeld-Südharz",
      "stand": "31.03.2024", "licence": "intern, nur für den RAK",
      "values": [
        {"column": "Quote U25", "id": "quote_u25", "label": "Quote U25 im Bestand", "unit": "%",
         "definition": "..."}
      ]
    }

Each value column becomes the indicator ``eigene__<id>``: the prefix keeps own figures apart from the
catalogue, so they can never overwrite an official value, and the same id in next year's file continues
the same series. Values follow the Gebietsstand of today's 400 Kreise. Cells ``-`` and empty mean no value;
``.``, ``x``, ``/``, ``*`` and ``...`` mean withheld. Anything else that is not a number stops the import with
a message naming file, line and column.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from indicators.domain import registry, safe_text
from indicators.domain.ags import GERMANY, normalise_key
from indicators.errors import SourceFileError
from indicators.importers import workbook
from indicators.importers.base import (
    SUPPRESSED_VALUES,
    Format,
    ImportResult,
    IndicatorSpec,
    derived_indicator_id,
    facts_frame,
    slug,
)

FORMAT = "generic_csv"
MAPPING_FORMAT = "regiomonitor-generic-csv"
MAPPING_SUFFIX = ".mapping.json"
ID_PREFIX = "eigene"
ENCODINGS = ("utf-8", "utf-8-sig", "cp1252", "iso-8859-1")
DELIMITERS = {";": "Semikolon (;)", ",": "Komma (,)", "\t": "Tabulator", "|": "senkrechter Strich (|)"}
DECIMALS = {",": "Komma (1,5)", ".": "Punkt (1.5)"}
SUFFIXES = {".csv", ".txt", ".xlsx", ".xls"}
WORKBOOK_SUFFIXES = {".xlsx", ".xls"}
_YEAR = re.compile(r"^(?:19|20)\d{2}$")
_SNIFF_BYTES = 65536
KEY_NAMES = {
    "ags",
    "kreis_ags",
    "kennziffer",
    "schluessel",
    "regionalschluessel",
    "kreisschluessel",
    "krs",
    "ags5",
    "region",
}


# --------------------------------------------------------------------------------------------- mapping


def mapping_path(path: str | Path) -> Path:
    """``data/quoten.csv`` -> ``data/quoten.mapping.json``."""
    path = Path(path)
    return path.with_name(path.stem + MAPPING_SUFFIX)


def is_mapping_file(path: str | Path) -> bool:
    return Path(path).name.lower().endswith(MAPPING_SUFFIX)


def indicator_id(own_id: str) -> str:
    """The warehouse id of an own indicator: ``quote_u25`` -> ``eigene__quote_u25``."""
    return derived_indicator_id(ID_PREFIX, "", own_id)


def validate_mapping(mapping: dict, columns: list[str] | None = None) -> list[str]:
    """German descriptions of everything wrong with a mapping (empty when it is usable)."""
    errors = []

    def one_of(key: str, default: str, options) -> bool:  # a hand-edited file may hold any JSON type
        value = mapping.get(key, default)
        return isinstance(value, str) and value in options

    if mapping.get("format") != MAPPING_FORMAT:
        errors.append(f"„format“ muss „{MAPPING_FORMAT}“ sein")
    if not one_of("encoding", "utf-8", ENCODINGS):
        errors.append(f"Zeichenkodierung muss eine von {', '.join(ENCODINGS)} sein")
    if not one_of("delimiter", ";", DELIMITERS):
        errors.append("Trennzeichen muss ; , Tabulator oder | sein")
    if not one_of("decimal", ",", DECIMALS):
        errors.append("Dezimaltrennzeichen muss , oder . sein")
    if not (one_of("thousands", "", ("", ".", ",", " ")) or mapping.get("thousands") is None) or (
        mapping.get("thousands") and mapping.get("thousands") == mapping.get("decimal", ",")
    ):
        errors.append("Tausendertrennzeichen muss leer, . oder , sein und sich vom Dezimaltrennzeichen unterscheiden")
    skip = mapping.get("skip_rows", 0)
    if not (skip is None or (isinstance(skip, int) and not isinstance(skip, bool) and 0 <= skip <= 1000)):
        errors.append("Zahl der zu überspringenden Zeilen muss eine ganze Zahl von 0 bis 1000 sein")
    if not mapping.get("key_column") or not isinstance(mapping.get("key_column"), str):
        errors.append("Schlüsselspalte (AGS) fehlt")
    year_column, year = mapping.get("year_column"), mapping.get("year")
    if year_column is not None and not isinstance(year_column, str):
        errors.append("Jahresspalte muss ein Spaltenname sein")
        year_column = None
    wide = mapping.get("years_in_columns") is True
    if (
        not wide
        and not year_column
        and not (isinstance(year, int) and not isinstance(year, bool) and 1900 <= year <= 2100)
    ):
        errors.append("Jahresspalte oder ein festes Jahr (1900–2100) angeben")
    values = mapping.get("values") or []
    if not isinstance(values, list) or not all(isinstance(v, dict) for v in values):
        errors.append("„values“ muss eine Liste von Wertspalten sein")
        values = []
    if not values:
        errors.append("mindestens eine Wertspalte zuordnen")
    ids = set()
    if wide and len({slug(str(v.get("id", ""))) for v in values}) > 1:
        errors.append("bei Jahren als Spalten gehören alle Jahresspalten zu einem Indikator (eine Kennung)")
    for v in values:
        column = v.get("column", "")
        if not column:
            errors.append("Wertspalte ohne Spaltenname")
        if not slug(str(v.get("id", ""))):
            errors.append(f"Wertspalte „{column}“: Kennung fehlt (Buchstaben, Ziffern, _)")
        elif slug(str(v["id"])) in ids and not wide:
            errors.append(f"Kennung „{v['id']}“ doppelt vergeben")
        if wide and not _YEAR.match(str(column).strip()):
            errors.append(f"Spalte „{column}“: bei Jahren als Spalten muss jede Wertspalte ein Jahr (JJJJ) sein")
        ids.add(slug(str(v.get("id", ""))))
        if not str(v.get("label", "")).strip():
            errors.append(f"Wertspalte „{column}“: Bezeichnung fehlt")
        for problem in (
            safe_text.label_problem(str(v.get("label", ""))),
            safe_text.unit_problem(str(v.get("unit", ""))),
        ):
            if problem:
                errors.append(f"Wertspalte „{column}“: erwartet wird {problem}")
        if column and column in (mapping.get("key_column"), year_column):
            errors.append(f"Spalte „{column}“ ist Schlüssel- oder Jahresspalte und kann kein Wert sein")
    for key, shown in (("title", "Titel"), ("publisher", "Herausgeber"), ("stand", "Stand"), ("licence", "Lizenz")):
        if problem := safe_text.label_problem(str(mapping.get(key) or ""), shown):
            errors.append(f"{shown}: erwartet wird {problem}")
    if columns is not None:
        for name in [mapping.get("key_column"), year_column, *[v.get("column") for v in values]]:
            if name and name not in columns:
                errors.append(f"Spalte „{name}“ gibt es in der Datei nicht")
    return errors


def write_mapping(path: str | Path, mapping: dict) -> Path:
    """Validate ``mapping`` against the CSV's header and write the sidecar beside ``path``."""
    path = Path(path)
    mapping = {"format": MAPPING_FORMAT, "version": 1, **mapping}
    layout = header_and_rows(path, mapping, limit=0)
    errors = validate_mapping(mapping, layout[0])
    if errors:
        # the list of problems goes into "expected" in full ("found" is cut at 80 characters)
        raise SourceFileError(mapping_path(path), "Zuordnung", "eine vollständige Zuordnung – " + "; ".join(errors))
    target = mapping_path(path)
    target.write_text(json.dumps(mapping, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return target


def load_mapping(path: str | Path) -> dict:
    """The mapping of a CSV (its sidecar), or a :class:`SourceFileError` naming what is wrong with it."""
    sidecar = mapping_path(path)
    try:
        mapping = json.loads(sidecar.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourceFileError(path, "Zuordnung", f"eine Zuordnungsdatei „{sidecar.name}“ im selben Ordner") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SourceFileError(sidecar, "Inhalt", "gültiges JSON in UTF-8", str(exc)) from None
    if not isinstance(mapping, dict):
        raise SourceFileError(sidecar, "Inhalt", "ein JSON-Objekt")
    errors = validate_mapping(mapping)
    if errors:
        raise SourceFileError(sidecar, "Inhalt", "eine vollständige Zuordnung – " + "; ".join(errors))
    return mapping


# --------------------------------------------------------------------------------------------- reading


def sniff(path: str | Path) -> bool:
    """A CSV or TXT file with a RegioMonitor mapping beside it."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        return False
    sidecar = mapping_path(path)
    if not sidecar.is_file():
        return False
    try:
        return json.loads(sidecar.read_text(encoding="utf-8")).get("format") == MAPPING_FORMAT
    except Exception:  # noqa: BLE001 - sniffing never fails on foreign files
        return False


def header_and_rows(
    path: Path, mapping: dict, limit: int | None = None
) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header fields and ``(line number, fields)`` of the data rows (up to ``limit``), as the mapping reads them."""
    if Path(path).suffix.lower() in WORKBOOK_SUFFIXES:
        return _workbook_rows(Path(path), mapping, limit)
    encoding = mapping.get("encoding", "utf-8")
    try:
        text = Path(path).read_bytes().decode(encoding)
    except UnicodeDecodeError as exc:
        line = Path(path).read_bytes()[: exc.start].count(b"\n") + 1
        raise SourceFileError(path, f"Zeile {line}", f"Text in der Zeichenkodierung {encoding}") from None
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=mapping.get("delimiter", ";"))
    skip = int(mapping.get("skip_rows", 0) or 0)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    try:
        for number, fields in enumerate(reader, start=1):
            if number <= skip:
                continue
            if header is None:
                header = [f.strip() for f in fields]
                continue
            if not any(f.strip() for f in fields):
                continue
            if limit is not None and len(rows) >= limit:
                break
            rows.append((reader.line_num, fields))
    except csv.Error as exc:
        raise SourceFileError(path, f"Zeile {reader.line_num}", "gültige CSV-Felder", str(exc)) from None
    if not header or not any(header):
        raise SourceFileError(path, f"Zeile {skip + 1}", "eine Kopfzeile mit Spaltennamen")
    return header, rows


def _cell_text(cell: object) -> str:
    """A workbook cell as the text a CSV would hold (numbers with a decimal point)."""
    if cell is None:
        return ""
    if isinstance(cell, float):
        return repr(cell)
    return str(cell).strip()


def _workbook_rows(path: Path, mapping: dict, limit: int | None) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The sheet named in the mapping (else the first with a table), read like a CSV: header, then rows."""
    book = workbook.open_workbook(path)
    names = list(book.sheet_names)
    sheet = mapping.get("sheet") or next(
        (n for n in names if len(workbook.rows(book, n, path, max_rows=2)) >= 2), names[0] if names else None
    )
    if sheet not in names:
        raise SourceFileError(path, "Arbeitsmappe", f"ein Blatt „{sheet}“", ", ".join(names))
    grid = workbook.rows(book, sheet, path)
    skip = int(mapping.get("skip_rows", 0) or 0)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    for number, cells in enumerate(grid, start=1):
        if number <= skip:
            continue
        fields = [_cell_text(c) for c in cells]
        if header is None:
            header = fields
            continue
        if not any(fields):
            continue
        if limit is not None and len(rows) >= limit:
            break
        rows.append((number, fields))
    if not header or not any(header):
        raise SourceFileError(path, f"Blatt „{sheet}“, Zeile {skip + 1}", "eine Kopfzeile mit Spaltennamen")
    return header, rows


def parse_value(text: str, decimal: str = ",", thousands: str = "") -> tuple[float | None, bool]:
    """``(value, suppressed)`` of one cell; raises ``ValueError`` for text that is not a number."""
    text = text.strip()
    if not text or text == "-":
        return None, False
    if text in SUPPRESSED_VALUES:
        return None, True
    if thousands:
        text = text.replace(thousands, "")
    if decimal == ",":
        if "." in text and not thousands:
            raise ValueError(text)
        text = text.replace(",", ".")
    elif "," in text:
        raise ValueError(text)
    try:
        value = float(text)
    except ValueError:
        raise ValueError(text) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(text)
    return value, False


def read(path: str | Path) -> ImportResult:
    """Read a mapped CSV into long facts; every cell error names file, line and column."""
    path = Path(path)
    mapping = load_mapping(path)
    header, rows = header_and_rows(path, mapping)
    errors = validate_mapping(mapping, header)
    if errors:
        raise SourceFileError(mapping_path(path), "Zuordnung", "Spalten, die es in der Datei gibt", "; ".join(errors))
    index = {name: i for i, name in enumerate(header)}
    key_i = index[mapping["key_column"]]
    year_i = index.get(mapping.get("year_column") or "")
    fixed_year = mapping.get("year")
    decimal, thousands = mapping.get("decimal", ","), mapping.get("thousands", "") or ""
    values = [(v, index[v["column"]], indicator_id(str(v["id"]))) for v in mapping["values"]]
    wide = mapping.get("years_in_columns") is True  # one indicator, each value column is a year
    if decimal == "," and Path(path).suffix.lower() in WORKBOOK_SUFFIXES:
        decimal, thousands = ".", ""  # workbook numbers are read as numbers, written here with a decimal point
    problems: list[str] = []
    skipped: list[str] = []
    seen: dict[tuple[str, int], int] = {}
    facts = []
    for line, fields in rows:
        if len(fields) < len(header):
            fields = fields + [""] * (len(header) - len(fields))
        raw_key = fields[key_i].strip()
        region = normalise_key(raw_key)
        if region is None:
            skipped.append(raw_key or "(leer)")
            continue
        if wide:
            year = 0
        elif year_i is None:
            year = int(fixed_year)
        else:
            text = fields[year_i].strip()
            if not _YEAR.match(text):
                raise SourceFileError(
                    path, f"Zeile {line}, Spalte „{header[year_i]}“", "eine Jahreszahl wie 2023", text
                )
            year = int(text)
        if (region, year) in seen:
            raise SourceFileError(
                path,
                f"Zeile {line}",
                f"je Schlüssel und Jahr eine Zeile (schon in Zeile {seen[(region, year)]})",
                f"{raw_key} {year}",
            )
        seen[(region, year)] = line
        for spec, i, ind in values:
            try:
                value, suppressed = parse_value(fields[i], decimal, thousands)
            except ValueError:
                sep = f", Tausendertrennzeichen „{thousands}“" if thousands else ", ohne Tausendertrennzeichen"
                raise SourceFileError(
                    path,
                    f"Zeile {line}, Spalte „{spec['column']}“",
                    f"eine Zahl (Dezimaltrennzeichen „{decimal}“{sep}) oder ein Sonderzeichen (- . x / *)",
                    fields[i],
                ) from None
            if value is None and not suppressed:
                continue
            cell_year = int(str(spec["column"]).strip()) if wide else year
            facts.append(
                {"region": region, "indicator": ind, "year": cell_year, "value": value, "suppressed": suppressed}
            )
    if skipped:
        shown = ", ".join(dict.fromkeys(skipped[:5]))
        problems.append(
            f"{len(skipped)} Zeilen ohne Kreis-, Land- oder Deutschland-Schlüssel übersprungen (z. B. {shown})"
        )
    if not facts:
        problems.append("Die Datei enthält keinen einzigen Wert")
    specs = [
        IndicatorSpec(
            id=ind,
            label=str(spec["label"]).strip(),
            unit=str(spec.get("unit", "")).strip(),
            definition=str(spec.get("definition", "")).strip(),
            source=mapping.get("publisher", ""),
        )
        for spec, _, ind in (values[:1] if wide else values)
    ]
    return ImportResult(
        format=FORMAT,
        table=str(mapping.get("title") or path.stem),
        path=path,
        facts=facts_frame(facts),
        indicators=specs,
        title=str(mapping.get("title") or path.stem),
        publisher=str(mapping.get("publisher") or "Eigene Daten"),
        stand=str(mapping.get("stand") or ""),
        licence=str(mapping.get("licence") or ""),
        problems=problems,
    )


# --------------------------------------------------------------------------------------------- guessing


def guess_layout(path: str | Path) -> dict:
    """A starting mapping for an unknown CSV: encoding, delimiter, decimal sign, key and year column.

    The user confirms or corrects it on the import page; nothing here is trusted without that.
    """
    path = Path(path)
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        raw = b""
    else:
        raw = path.read_bytes()[:_SNIFF_BYTES]
    encoding = "utf-8"
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        encoding = "utf-8" if exc.start > len(raw) - 4 else "cp1252"
    text = raw.decode(encoding, errors="ignore").lstrip("\ufeff")
    first_lines = [line for line in text.splitlines()[:20] if line.strip()]
    counts = {d: sum(line.count(d) for line in first_lines) for d in DELIMITERS}
    delimiter = max(counts, key=lambda d: (counts[d], d == ";"))
    mapping = {
        "format": MAPPING_FORMAT,
        "version": 1,
        "encoding": encoding,
        "delimiter": delimiter,
        "decimal": ",",
        "thousands": "",
        "skip_rows": 0,
    }
    try:
        header, rows = header_and_rows(path, mapping, limit=200)
    except SourceFileError:
        return {**mapping, "columns": [], "key_column": "", "year_column": None, "year": None}
    cells = [c.strip() for _, fields in rows for c in fields]
    comma = sum(bool(re.fullmatch(r"-?\d+,\d+", c)) for c in cells)
    point = sum(bool(re.fullmatch(r"-?\d+\.\d+", c)) for c in cells)
    mapping["decimal"] = "." if point > comma else ","

    def column(i: int) -> list[str]:
        return [fields[i].strip() for _, fields in rows if i < len(fields)]

    known = registry.kreis_codes() | set(registry.laender()["land_code"]) | {GERMANY}

    def is_key_column(i: int, share: float) -> bool:
        cells = column(i)
        return bool(cells) and sum(normalise_key(v) in known for v in cells) >= share * len(cells)

    # a column named like a key needs half its cells to be keys, any other column four in five
    named = [h for i, h in enumerate(header) if slug(h) in KEY_NAMES and is_key_column(i, 0.5)]
    key = (named or [h for i, h in enumerate(header) if is_key_column(i, 0.8)] or [""])[0]
    year = next(
        (h for i, h in enumerate(header) if h != key and column(i) and all(_YEAR.match(v) for v in column(i))),
        None,
    )
    year_columns = [h for h in header if _YEAR.match(h.strip())]
    wide = year is None and len(year_columns) >= 2
    return {
        **mapping,
        "columns": header,
        "key_column": key,
        "year_column": year,
        "year": None,
        "years_in_columns": wide,
        "year_columns": year_columns,
    }


FORMATS = (
    Format(
        name=FORMAT,
        label="Eigene Tabelle (CSV mit RegioMonitor-Zuordnung)",
        folder="eigene",
        reads="beliebige CSV mit Kreisschlüssel-, Jahres- und Wertspalten und einer Zuordnung NAME.mapping.json "
        "daneben (auf der Importseite mit Einheit erstellt)",
        yields="Fakten unter eigene__<Kennung>",
        examples="Auswertungen von Jobcenter, Agentur oder Kreis",
        sniff=sniff,
        load=read,
        suffixes=tuple(SUFFIXES),
        companions=("*" + MAPPING_SUFFIX,),
    ),
)
