"""Importer for the Deutschlandatlas workbook (Destatis on behalf of the federal building ministry).

The workbook holds one sheet per area level and Gebietsstand, named ``<prefix>_<LEVEL><MMYY>`` (KRS =
Kreise, GEM = Gemeinden, VBGEM = Gemeindeverbände): row 1 is the key column, the name column and one short
code per indicator; -9999 marks missing values. The workbook does not say which year a value refers to:
the companion PDF ``Indikatoren_*.pdf`` documents every code (title, definition with year and unit, data
basis, caveats), so it is parsed once per file version and joined in.
"""

from __future__ import annotations

import calendar
import math
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pypdf
from openpyxl.utils import get_column_letter

from indicators.domain.ags import normalise_key
from indicators.errors import SourceFileError
from indicators.importers import container, workbook
from indicators.importers.base import (
    Format,
    ImportResult,
    IndicatorSpec,
    derived_indicator_id,
    facts_frame,
    parse_number,
)

FORMAT = "deutschlandatlas"
PUBLISHER = "Statistisches Bundesamt (Destatis), Deutschlandatlas"
LICENCE = "© Statistisches Bundesamt (Destatis) {year}, Vervielfältigung und Verbreitung mit Quellenangabe gestattet"
NO_PDF_NOTE = "Indikatorenbeschreibung (PDF) nicht gefunden: Jahr aus Gebietsstand abgeleitet"

LEVELS = ("KRS", "GEM", "VBGEM")
#: Missing-value codes; the PDF names -99999 for st_einnkr besides the general -9999.
MISSING_CODES = {-9999.0, -99999.0}
#: Since this date Germany has its current 400 Kreise; sheets on an older Gebietsstand keep their year.
CURRENT_TERRITORY_SINCE = date(2021, 7, 1)

_SHEET_NAME = re.compile(r"(?:^|_)(VBGEM|GEM|KRS)(\d{2})(\d{2})$")
_WORKBOOK_SHEET = re.compile(r"<sheet\b[^>]*\bname=\"([^\"]+)\"")
_STAND = re.compile(r"Stand:\s*(\d{1,2}\.\d{1,2}\.\d{4})")
_FILE_STAND = re.compile(r"Stand_(\d{4})-(\d{2})-(\d{2})")
_COPYRIGHT_YEAR = re.compile(r"©\s*Statistisches Bundesamt \(Destatis\),?\s*(\d{4})")
_NUM = r"\d[\d.]*(?:,\d+)?"
_CLASS = re.compile(
    rf"^(?:(?P<low>{_NUM})\s+bis\s+unter\s+(?P<high>{_NUM})"
    rf"|(?:bis\s+)?unter\s+(?P<top>{_NUM})"
    rf"|(?P<from>{_NUM})\s+und\s+mehr)$"
)


# --------------------------------------------------------------------------------------------------
# Companion PDF: one description per indicator code


@dataclass(frozen=True)
class CodeDescription:
    """What the PDF says about one indicator code."""

    code: str
    title: str
    definition: str = ""
    year: int | None = None
    unit: str = ""
    territory: str = ""
    source: str = ""
    caveats: str = ""


@dataclass(frozen=True)
class PdfInfo:
    descriptions: dict[str, CodeDescription]
    stand: str = ""
    copyright_year: str = ""


_PAGE_FURNITURE = [
    re.compile(r"^Seite \d+ von \d+$"),
    re.compile(r"\|\s*Stand:\s*\d{1,2}\.\d{1,2}\.\d{4}$"),  # running head "<Kapitel> | Stand: ..."
]
_HEADING = re.compile(r"^(?P<title>.*?)\s*\|\s*Indikatorenkürzel:\s*(?P<code>.+?)\s*$")
_FIELD = re.compile(
    r"^(?P<name>Gebietsstand|Datenbasis|Methodischer Hinweis|[\wÄÖÜäöüß-]*standorte)\s*:\s*(?P<text>.*)$"
)
_YEAR_IM_JAHR = re.compile(r"\bim\s+Jahr\s+((?:19|20)\d{2})\b", re.IGNORECASE)
_YEAR_RANGE = re.compile(r"\b(?:19|20)\d{2}\s*(?:-|–|bis|und|zu)\s*((?:19|20)?\d{2})\b(?!\.)", re.IGNORECASE)
_YEAR_ANY = re.compile(r"(?<![\d.])((?:19|20)\d{2})(?![\d.]\d)")
_STICHTAG = re.compile(r"Stichtag\D{0,20}?\d{1,2}\.\s*\d{1,2}\.\s*((?:19|20)\d{2})")
_BASE_UNIT = re.compile(r"\bin\s+(1\.000\s+€|€|Euro|%|Minuten|km²|km|MW)(?=[\s,.;)]|$)")
_PER_UNIT = re.compile(
    r"\b(?:je|pro)\s+((?:\d{1,3}(?:\.\d{3})*\s+)?"
    r"(?:Einwohner/-in(?:nen)?|km²|m²|Frauen|Männer|erwerbstätige Person|pädagogisch tätige Person))"
)


def find_description_pdf(workbook: Path) -> Path | None:
    """The newest ``Indikatoren*.pdf`` beside the workbook (the name carries the Stand, so it sorts)."""
    try:
        candidates = [
            p
            for p in Path(workbook).parent.iterdir()
            if p.is_file() and p.suffix.lower() == ".pdf" and p.name.startswith("Indikatoren")
        ]
    except OSError:
        return None
    return max(candidates, key=lambda p: p.name) if candidates else None


def read_descriptions(pdf: Path) -> PdfInfo:
    """Parse the PDF once per file version (path, mtime, size): pypdf needs about a second for it."""
    pdf = Path(pdf)
    stat = pdf.stat()
    return _read_descriptions_cached(str(pdf.resolve()), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _read_descriptions_cached(path: str, mtime_ns: int, size: int) -> PdfInfo:
    reader = pypdf.PdfReader(path)
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    stand = _STAND.search(text)
    copyright_year = _COPYRIGHT_YEAR.search(text)
    return PdfInfo(
        descriptions=parse_descriptions(text),
        stand=stand.group(1) if stand else "",
        copyright_year=copyright_year.group(1) if copyright_year else "",
    )


def parse_descriptions(text: str) -> dict[str, CodeDescription]:
    """Split the PDF text into one block per ``<Title> | Indikatorenkürzel: <code>`` heading."""
    blocks: list[dict] = []
    for line in _content_lines(text):
        heading = _HEADING.match(line)
        if heading:
            code = re.sub(r"\s+", "", heading.group("code"))
            blocks.append({"code": code, "title": heading.group("title").strip(), "fields": {"": []}})
            current = ""
            continue
        if not blocks:
            continue
        match = _FIELD.match(line)
        if match:
            current = match.group("name")
            blocks[-1]["fields"].setdefault(current, []).append(match.group("text"))
        else:
            blocks[-1]["fields"].setdefault(current, []).append(line)
    return {b["code"]: _describe(b["code"], b["title"], b["fields"]) for b in blocks}


def _content_lines(text: str) -> list[str]:
    """Lines without page furniture; a heading wrapped before ``Indikatorenkürzel:`` is rejoined."""
    lines: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or any(p.search(line) for p in _PAGE_FURNITURE):
            continue
        if line.startswith("Indikatorenkürzel:") and lines and lines[-1].endswith("|"):
            lines[-1] = f"{lines[-1]} {line}"
        else:
            lines.append(line)
    return lines


def _describe(code: str, title: str, fields: dict[str, list[str]]) -> CodeDescription:
    definition = _join(fields.get("", []))
    caveats = _join(fields.get("Methodischer Hinweis", []))
    sources = [_join(fields.get("Datenbasis", []))]
    sources += [f"{name}: {_join(v)}" for name, v in fields.items() if name.endswith("standorte")]
    return CodeDescription(
        code=code,
        title=title,
        definition=definition,
        year=_year_of(definition, caveats),
        unit=_unit_of(definition),
        territory=_join(fields.get("Gebietsstand", [])),
        source="; ".join(s for s in sources if s),
        caveats=caveats,
    )


def _join(lines: list[str]) -> str:
    """Join wrapped lines: ``Sta-|tistik`` is a word break, ``Wohnort-|Arbeitsort`` a compound."""
    text = ""
    for line in (ln.strip() for ln in lines):
        if not line:
            continue
        if text.endswith("-") and len(text) > 1 and text[-2].isalpha() and line[0].isalpha():
            text = (text[:-1] if line[0].islower() else text) + line
        else:
            text = f"{text} {line}" if text else line
    return re.sub(r"\s+", " ", text).strip()


def _year_of(definition: str, caveats: str) -> int | None:
    """``im Jahr 2022``; else the last year of a range (``2017 und 2022``, ``2021-24``); else any year."""
    match = _YEAR_IM_JAHR.search(definition)
    if match:
        return int(match.group(1))
    ranges = list(_YEAR_RANGE.finditer(definition))
    if ranges:
        end = ranges[-1].group(1)
        return int(end) if len(end) == 4 else 2000 + int(end)
    years = _YEAR_ANY.findall(definition)
    if years:
        return int(years[-1])
    match = _STICHTAG.search(caveats)
    return int(match.group(1)) if match else None


def _unit_of(definition: str) -> str:
    base = _BASE_UNIT.search(definition)
    per = _PER_UNIT.search(definition)
    base_text = re.sub(r"\s+", " ", base.group(1)).replace("Euro", "€") if base else ""
    per_text = re.sub(r"\s+", " ", per.group(1)) if per else ""
    if base_text and per_text:
        return f"{base_text} je {per_text}"
    if base_text:
        return base_text
    if per_text:
        head = definition[: per.start()].split()
        return f"{' '.join(head)} je {per_text}" if 0 < len(head) <= 2 else f"je {per_text}"
    return ""


# --------------------------------------------------------------------------------------------------
# Workbook


@dataclass(frozen=True)
class _Sheet:
    name: str
    level: str
    territory: date  # Gebietsstand, the last day of the month MMYY

    @property
    def territory_year(self) -> int | None:
        return None if self.territory >= CURRENT_TERRITORY_SINCE else self.territory.year


@dataclass
class _Column:
    """One indicator column of one sheet: numbers or class labels per region."""

    code: str
    sheet: _Sheet
    values: dict[str, float] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)


def sniff(path: Path) -> bool:
    """An .xlsx whose sheet names include ``..._KRS<MMYY>`` or ``..._GEM<MMYY>`` (read from workbook.xml)."""
    try:
        container.check(path)
        with zipfile.ZipFile(path) as archive:
            names = _WORKBOOK_SHEET.findall(archive.read("xl/workbook.xml").decode("utf-8", "replace"))
    except Exception:  # noqa: BLE001 - a foreign file of any kind is simply "not this format"
        return False
    return any(_parse_sheet_name(n) and n.lower().startswith("deutschlandatlas") for n in names)


def read(path: Path) -> ImportResult:
    """All Kreis sheets (``KRS<MMYY>``), keys normalised to 5-digit Kreis AGS."""
    return read_level(path, "KRS")


def read_level(path: Path, level: str) -> ImportResult:
    """All sheets of one level; ``GEM``/``VBGEM`` keep their 8/9-digit keys as text in ``region``."""
    level = level.upper()
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    path = Path(path)
    problems: list[str] = []
    book = workbook.open_workbook(path)
    names = list(book.sheet_names)
    sheets = [s for s in map(_parse_sheet_name, names) if s and s.level == level]
    if not sheets:
        raise SourceFileError(path, "Blattnamen", f"mindestens ein Blatt „…_{level}<MMJJ>“", ", ".join(names))
    covers = {n: workbook.rows(book, n, path, max_rows=40) for n in names if not _parse_sheet_name(n)}
    title, stand = _cover(covers)
    columns = [
        col for sheet in sheets for col in _read_sheet(path, workbook.rows(book, sheet.name, path), sheet, problems)
    ]
    pdf_info = _pdf_info(path, problems)
    if not stand:
        stand = _stand_from_pdf(path, pdf_info)
    descriptions = pdf_info.descriptions if pdf_info else {}
    facts, indicators = _build(columns, descriptions, pdf_info is not None, problems)
    year = (pdf_info.copyright_year if pdf_info else "") or stand[-4:]
    licence = LICENCE.format(year=year) if year else LICENCE.replace(" {year}", ",")
    return ImportResult(
        format=FORMAT,
        table=f"{path.stem} ({', '.join(f'{s.level}{s.name[-4:]}' for s in sheets)})",
        path=path,
        facts=facts,
        indicators=indicators,
        title=title or "Deutschlandatlas",
        publisher=PUBLISHER,
        stand=stand,
        licence=licence,
        problems=problems,
    )


def _parse_sheet_name(name: str) -> _Sheet | None:
    match = _SHEET_NAME.search(name)
    if not match:
        return None
    level, month, year = match.group(1), int(match.group(2)), 2000 + int(match.group(3))
    if not 1 <= month <= 12:
        return None
    return _Sheet(name, level, date(year, month, calendar.monthrange(year, month)[1]))


def _cover(covers: dict[str, list]) -> tuple[str, str]:
    """Title and ``Stand:`` from the sheets that are not data sheets (the Vorblatt)."""
    title, stand = "", ""
    for rows in covers.values():
        for row in rows:
            for cell in row:
                if not isinstance(cell, str) or not cell.strip():
                    continue
                title = title or cell.strip()
                match = _STAND.search(cell)
                stand = stand or (match.group(1) if match else "")
    return title, stand


def _read_sheet(path: Path, grid: list[list], sheet: _Sheet, problems: list[str]) -> list[_Column]:
    rows = iter(grid)
    header = next(rows, None)
    codes = _header_codes(path, sheet, header)
    columns = {j: _Column(code, sheet) for j, code in codes.items()}
    raw_keys: list[tuple[int, object, tuple]] = []
    for i, row in enumerate(rows, start=2):
        if row and any(c is not None and c != "" for c in row):
            raw_keys.append((i, row[0] if row else None, row))
    width = max((len(_digits(k)) for _, k, _ in raw_keys if _digits(k)), default=8)
    errors: dict[str, int] = {}
    for i, raw, row in raw_keys:
        region = _region(raw, sheet.level, width)
        if region is None:
            problems.append(f"Blatt {sheet.name}, Zeile {i}: unbekannter Schlüssel „{raw}“ übersprungen")
            continue
        for j, column in columns.items():
            _store(path, sheet, column, region, row[j] if j < len(row) else None, (i, j), errors)
    for code, count in errors.items():
        problems.append(
            f"Blatt {sheet.name}, Spalte {code}: {count} Excel-Fehlerwerte (z. B. #VALUE!) als fehlend behandelt"
        )
    return list(columns.values())


def _header_codes(path: Path, sheet: _Sheet, header: tuple | None) -> dict[int, str]:
    if not header or len(header) < 3 or not isinstance(header[0], str) or not str(header[0]).strip():
        raise SourceFileError(
            path,
            f"Blatt „{sheet.name}“, Zeile 1",
            "eine Kopfzeile mit Schlüsselspalte, Namensspalte und Indikatorkürzeln",
            repr(header),
        )
    codes: dict[int, str] = {}
    for j, cell in enumerate(header[2:], start=2):
        code = str(cell).strip() if cell is not None else ""
        if not code:
            continue
        if code in codes.values():
            raise SourceFileError(path, f"Blatt „{sheet.name}“, Zeile 1", "jedes Indikatorkürzel nur einmal", code)
        codes[j] = code
    return codes


def _digits(raw: object) -> str:
    if isinstance(raw, bool):
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = str(raw).strip() if raw is not None else ""
    return text if text.isdigit() else ""


def _region(raw: object, level: str, width: int) -> str | None:
    """Kreis sheets give normalised AGS; Gemeinde sheets give the key zero-padded to the sheet's width."""
    if level == "KRS":
        return normalise_key(raw)
    digits = _digits(raw)
    return digits.zfill(width) if digits else None


def _store(path, sheet, column: _Column, region: str, cell: object, pos, errors: dict[str, int]) -> None:
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return
    if isinstance(cell, str):
        text = cell.strip()
        if text.startswith("#"):
            errors[column.code] = errors.get(column.code, 0) + 1
            return
        if _CLASS.match(text):
            if column.values:
                _mixed(path, sheet, column, pos, text)
            column.labels[region] = text
            return
        try:
            value, _ = parse_number(text)
        except ValueError:
            raise SourceFileError(
                path,
                f"Blatt „{sheet.name}“, Zelle {_cell(pos)}",
                "eine Zahl, -9999 oder eine Klasse wie „5,50 bis unter 7,00“",
                text,
            ) from None
    elif isinstance(cell, (int, float)) and not isinstance(cell, bool):
        value = float(cell) if cell == cell else None
    else:
        raise SourceFileError(
            path, f"Blatt „{sheet.name}“, Zelle {_cell(pos)}", "eine Zahl oder eine Klasse", repr(cell)
        )
    if value is None or value in MISSING_CODES:
        return
    if column.labels:
        _mixed(path, sheet, column, pos, cell)
    column.values[region] = value


def _mixed(path, sheet, column, pos, found) -> None:
    raise SourceFileError(
        path,
        f"Blatt „{sheet.name}“, Zelle {_cell(pos)}",
        f"in Spalte {column.code} nur Zahlen oder nur Klassen",
        str(found),
    )


def _cell(pos: tuple[int, int]) -> str:
    row, col = pos
    return f"{get_column_letter(col + 1)}{row}"


def _class_bounds(label: str) -> tuple[float, float]:
    match = _CLASS.match(label)
    if match is None:  # pragma: no cover - labels are only stored after matching
        return (math.inf, math.inf)
    if match.group("top"):
        return (-math.inf, _german(match.group("top")))
    if match.group("from"):
        return (_german(match.group("from")), math.inf)
    return (_german(match.group("low")), _german(match.group("high")))


def _german(text: str) -> float:
    return float(text.replace(".", "").replace(",", "."))


def _pdf_info(path: Path, problems: list[str]) -> PdfInfo | None:
    pdf = find_description_pdf(path)
    if pdf is None:
        problems.append(NO_PDF_NOTE)
        return None
    try:
        return read_descriptions(pdf)
    except Exception as exc:  # noqa: BLE001 - the PDF only adds metadata; the data stay usable without it
        problems.append(
            f"Indikatorenbeschreibung „{pdf.name}“ nicht lesbar ({type(exc).__name__}): Jahr aus Gebietsstand abgeleitet"
        )
        return None


def _stand_from_pdf(path: Path, info: PdfInfo | None) -> str:
    pdf = find_description_pdf(path)
    match = _FILE_STAND.search(pdf.name) if pdf else None
    if match:
        return f"{match.group(3)}.{match.group(2)}.{match.group(1)}"
    return info.stand if info else ""


def _build(columns: list[_Column], descriptions: dict, have_pdf: bool, problems: list[str]):
    """Facts and specs per code; a code in several sheets is one indicator (the newest sheet wins a year)."""
    by_code: dict[str, list[_Column]] = {}
    for column in columns:
        by_code.setdefault(column.code, []).append(column)
    rows: list[dict] = []
    specs: list[IndicatorSpec] = []
    for code, cols in by_code.items():
        desc = descriptions.get(code)
        if have_pdf and desc is None:
            problems.append(f"Kürzel {code} nicht in der Indikatorenbeschreibung: Jahr aus Gebietsstand abgeleitet")
        elif desc is not None and desc.year is None:
            problems.append(
                f"Kürzel {code}: kein Jahr in der Indikatorenbeschreibung, Jahr aus Gebietsstand abgeleitet"
            )
        indicator = derived_indicator_id(FORMAT, "", code)
        classes = sorted({lb for c in cols for lb in c.labels.values()}, key=_class_bounds)
        rank = {label: i for i, label in enumerate(classes, start=1)}
        kept = _newest_per_year(code, cols, desc, problems)
        for column, year in kept:
            for region, value in column.values.items():
                rows.append(_fact(region, indicator, year, value, None, column.sheet))
            for region, label in column.labels.items():
                rows.append(_fact(region, indicator, year, float(rank[label]), label, column.sheet))
        specs.append(_spec(indicator, code, desc, classes))
    return facts_frame(rows), specs


def _newest_per_year(code: str, cols: list[_Column], desc, problems: list[str]) -> list[tuple[_Column, int]]:
    chosen: dict[int, _Column] = {}
    for column in sorted(cols, key=lambda c: c.sheet.territory, reverse=True):
        year = desc.year if desc is not None and desc.year else column.sheet.territory.year
        if year in chosen:
            problems.append(
                f"Kürzel {code} für {year} in mehreren Blättern: {chosen[year].sheet.name} verwendet, "
                f"{column.sheet.name} übergangen"
            )
            continue
        chosen[year] = column
    return [(column, year) for year, column in chosen.items()]


def _fact(region: str, indicator: str, year: int, value: float, label: str | None, sheet: _Sheet) -> dict:
    territory_year = sheet.territory_year
    return {
        "region": region,
        "indicator": indicator,
        "year": year,
        "value": value,
        "value_label": label,
        "territory_year": pd.NA if territory_year is None else territory_year,
    }


def _spec(indicator: str, code: str, desc: CodeDescription | None, classes: list[str]) -> IndicatorSpec:
    definition = desc.definition if desc else ""
    if desc and desc.caveats:
        definition = f"{definition}\n\nMethodischer Hinweis: {desc.caveats}".strip()
    return IndicatorSpec(
        id=indicator,
        label=desc.title if desc and desc.title else code,
        unit=desc.unit if desc else "",
        definition=definition,
        source=desc.source if desc else "",
        scale="ordinal" if classes else "ratio",
        classes=classes,
    )


FORMATS = (
    Format(
        name=FORMAT,
        label="Deutschlandatlas (Excel)",
        folder="deutschlandatlas",
        reads="Deutschlandatlas-Arbeitsmappe: alle Kreisblätter, Textklassen als geordnete Klassen, Jahre aus dem "
        "Indikatoren-PDF daneben",
        yields="Fakten (Kreise)",
        examples="Deutschlandatlas-Daten.xlsx",
        sniff=sniff,
        load=read,
        suffixes=(".xlsx",),
        companions=("indikatoren*.pdf",),
    ),
)
