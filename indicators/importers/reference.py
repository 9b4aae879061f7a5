"""The published JUGEND STÄRKEN / JUST BEst indicator table (the seed's reference table).

The table names its Kommunen by name, not by key, next to four statistic rows (Median, Mittelwert,
Minimal-, Maximalwert of all Kreise) and a Deutschland row. It is a published reference of one year (2022) in
its own definitions, shown beside official numbers: its rows never become facts of a series and never replace
an official Germany or Land value. :func:`read_published_reference` returns every published row, resolving the
Kommunen's names to AGS through the Kreis list. Labels, units
and definitions come from ``seed_indicators.csv`` beside the table.
"""

from __future__ import annotations

import csv
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from indicators.domain import safe_text
from indicators.domain.ags import GERMANY, normalise_key
from indicators.errors import SourceFileError
from indicators.importers.base import (
    Format,
    ImportResult,
    IndicatorSpec,
    derived_indicator_id,
    facts_frame,
    parse_number,
    require_line_break_at_end,
)

FORMAT = "reference"
PREFIX = "seed"
REFERENCE_YEAR = 2022
TITLE = "Daten zur Lebenslage junger Menschen in den JUST BEst Kommunen"
PUBLISHER = "JUGEND STÄRKEN / JUST BEst: Daten zur Lebenslage junger Menschen (beratungsforum-jugend.de)"
LICENCE = "Quelle angeben; Werte wie veröffentlicht"
METADATA_FILE = "seed_indicators.csv"
KEY_COLUMNS = ("row", "name", "bundesland")
#: Row names of the published statistics over all Kreise, and our names for them.
STATISTIC_ROWS = {"median": "median", "mittelwert": "mean", "minimalwert": "min", "maximalwert": "max"}
#: Cell values the publisher uses for "no value" in number columns.
SENTINELS = {99999999.99}
UNIT_SCALES = {"klasse": "ordinal", "kategorie": "nominal"}
#: Columns of :func:`read_published_reference`.
PUBLISHED_COLUMNS = [
    "indicator",
    "label",
    "unit",
    "scale",
    "statistic",
    "region",
    "name",
    "year",
    "value",
    "value_label",
]
STAND = f"Referenzjahr {REFERENCE_YEAR} (Tabelle ohne Veröffentlichungsdatum)"

_REFERENCE_DIR = Path(__file__).resolve().parents[1] / "reference"
KREISE_CSV = _REFERENCE_DIR / "kreise.csv"
LAENDER_CSV = _REFERENCE_DIR / "laender.csv"

CITY, COUNTY = "Stadt", "Kreis"
#: Name prefixes (or ", suffixes") and the kind of Kreis they imply; longest first.
_NAME_PREFIXES = (
    ("kreisfreie stadt", CITY),
    ("stadtkreis", CITY),
    ("landkreis", COUNTY),
    ("kreis", COUNTY),
    ("stadt", CITY),
    ("städteregion", None),
    ("regionalverband", None),
    ("region", None),
)
_KIND_GROUPS = {"kreisfreie stadt": CITY, "stadtkreis": CITY, "landkreis": COUNTY, "kreis": COUNTY}

_NUMBER = r"(\d+(?:[.,]\d+)?)"
_CLASS_PATTERNS = (
    (re.compile(rf"^{_NUMBER} bis unter {_NUMBER}$"), "closed"),
    (re.compile(rf"^bis unter {_NUMBER}$"), "below"),
    (re.compile(rf"^{_NUMBER} und mehr$"), "above"),
)


def sniff(path: Path) -> bool:
    """A CSV with a ``name`` column whose rows include a published statistic (Median, Mittelwert, ...)."""
    try:
        path = Path(path)
        if path.suffix.lower() != ".csv":
            return False
        with open(path, encoding="utf-8-sig", newline="") as fh:
            head = fh.read(8192)
        lines = head.splitlines() if len(head) < 8192 else head.splitlines()[:-1]
        rows = list(csv.reader(lines))
        if not rows or "name" not in rows[0]:
            return False
        col = rows[0].index("name")
        return any(len(r) > col and r[col].strip().casefold() in STATISTIC_ROWS for r in rows[1:])
    except Exception:  # noqa: BLE001 - sniffing a foreign file must never raise
        return False


def read(path: Path, year: int = REFERENCE_YEAR, kreise_path: Path = KREISE_CSV) -> ImportResult:
    """The table as a published reference: no facts, every published row in ``published``."""
    path = Path(path)
    table = _load(path)
    published = _published(path, table, year, kreise_path)
    return ImportResult(
        format=FORMAT,
        table=path.stem,
        path=path,
        facts=facts_frame([]),
        indicators=[c.spec for c in table.columns],
        title=TITLE,
        publisher=PUBLISHER,
        stand=STAND,
        licence=LICENCE,
        problems=list(published.attrs.get("problems", [])),
        published=published,
    )


def read_published_reference(path: Path, year: int = REFERENCE_YEAR, kreise_path: Path = KREISE_CSV) -> pd.DataFrame:
    """Every published row of the table, as published: a reference beside official numbers, never a fact.

    One row per column and published row: ``statistic`` is median, mean, min or max (over all Kreise),
    ``germany`` (the Deutschland row, ``region`` DG) or ``kommune`` (a named Kreis, ``region`` its AGS). ``value``
    holds the number (the rank for a class, whose text is in ``value_label``); ``indicator`` is the table's own
    column id (``seed__<column>``), ``label`` and ``unit`` its own label and unit. Kommunen whose name matches no
    single Kreis are left out and listed in ``attrs["problems"]``.
    """
    path = Path(path)
    return _published(path, _load(path), year, kreise_path)


def _published(path: Path, table: _Table, year: int, kreise_path: Path) -> pd.DataFrame:
    index = _KreisIndex.load(kreise_path, LAENDER_CSV)
    problems = list(table.problems)
    rows = []
    seen: dict[str, int] = {}
    for row in table.rows:
        if row.statistic:
            statistic, region = row.statistic, None
        else:
            region, note = index.resolve(row.name, row.bundesland)
            if region is None or region in seen:
                note = note or f"nennt dieselbe Region {region} wie Zeile {seen.get(region)}"
                problems.append(f"Zeile {row.line}: „{row.name}“ {note} – Zeile übersprungen")
                continue
            seen[region] = row.line
            statistic = "germany" if region == GERMANY else "kommune"
        for column in table.columns:
            value, label, suppressed = column.cell(row)
            if value is None and not suppressed:
                continue
            rows.append(
                {
                    "indicator": column.spec.id,
                    "label": column.spec.label,
                    "unit": column.spec.unit,
                    "scale": column.spec.scale,
                    "statistic": statistic,
                    "region": region,
                    "name": row.name,
                    "year": year,
                    "value": value,
                    "value_label": label,
                }
            )
    problems += [p for c in table.columns for p in c.problems]
    frame = pd.DataFrame(rows, columns=PUBLISHED_COLUMNS)
    frame = frame.astype(
        {
            "indicator": "string",
            "label": "string",
            "unit": "string",
            "scale": "string",
            "statistic": "string",
            "region": "string",
            "name": "string",
            "year": "int16",
            "value": "float64",
            "value_label": "string",
        }
    )
    frame.attrs["problems"] = problems
    return frame


# --- the table ------------------------------------------------------------------------------------


@dataclass
class _Row:
    line: int
    name: str
    bundesland: str
    cells: dict[str, str]
    statistic: str | None


@dataclass
class _Column:
    """One indicator column; knows how to turn its cells into ``(value, label, suppressed)``."""

    path: Path
    key: str
    spec: IndicatorSpec
    ranks: dict = field(default_factory=dict)  # class key or category text -> rank
    bounds: list = field(default_factory=list)  # ordinal: (low, high, label) per rank
    problems: list[str] = field(default_factory=list)

    def cell(self, row: _Row) -> tuple[float | None, str | None, bool]:
        text = " ".join(row.cells.get(self.key, "").split())
        if not text:
            return None, None, False
        if self.spec.scale == "ordinal":
            return self._ordinal(text, row)
        if self.spec.scale == "nominal":
            return self._nominal(text)
        value, suppressed = _number(self.path, row.line, self.spec.label, text)
        if value in SENTINELS:
            return None, None, False
        return value, None, suppressed

    def _ordinal(self, text: str, row: _Row) -> tuple[float | None, str | None, bool]:
        key = _class_key(text)
        if key in self.ranks:
            return float(self.ranks[key]), text, False
        if key is not None:
            self.problems.append(
                f"Zeile {row.line}, Spalte „{self.spec.label}“: Klasse „{text}“ passt nicht zu den übrigen "
                "Klassengrenzen – übersprungen"
            )
            return None, None, False
        value, suppressed = _number(self.path, row.line, self.spec.label, text, expected="eine Klasse")
        if value is None:
            return None, None, suppressed
        for rank, (low, high, label) in enumerate(self.bounds, start=1):
            if low <= value < high:
                self.problems.append(
                    f"Zeile {row.line} („{row.name}“), Spalte „{self.spec.label}“: Zahl {text} statt einer "
                    f"Klasse – der Klasse „{label}“ zugeordnet"
                )
                return float(rank), label, False
        self.problems.append(
            f"Zeile {row.line}, Spalte „{self.spec.label}“: Zahl {text} in keiner Klasse – übersprungen"
        )
        return None, None, False

    def _nominal(self, text: str) -> tuple[float | None, str | None, bool]:
        if text in self.ranks:
            return float(self.ranks[text]), text, False
        value, suppressed = parse_number(text, decimal_comma=False)
        return value, (None if suppressed else text), suppressed


@dataclass
class _Table:
    columns: list[_Column]
    rows: list[_Row]
    problems: list[str]


def _load(path: Path) -> _Table:
    header, rows = _read_rows(path)
    metadata, problems = _read_metadata(path)
    keys = [h for h in header if h not in KEY_COLUMNS]
    if not keys:
        raise SourceFileError(
            path, "Zeile 1", "mindestens eine Indikatorspalte neben row, name, bundesland", ",".join(header)
        )
    columns = [_column(path, key, metadata.get(key), rows) for key in keys]
    unknown = [key for key in keys if key not in metadata]
    if metadata and unknown:
        problems.append(f"Spalten ohne Beschreibung in {METADATA_FILE}: {', '.join(unknown)}")
    return _Table(columns, rows, problems)


def _read_rows(path: Path) -> tuple[list[str], list[_Row]]:
    try:
        require_line_break_at_end(path)
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            header = [h.strip() for h in next(reader, [])]
            if "name" not in header:
                raise SourceFileError(path, "Zeile 1", "eine Kopfzeile mit der Spalte „name“", ",".join(header))
            rows = []
            for fields in reader:
                if not any(f.strip() for f in fields):
                    continue
                if len(fields) != len(header):
                    where = f"Zeile {reader.line_num}"
                    raise SourceFileError(path, where, f"{len(header)} Felder wie die Kopfzeile", str(len(fields)))
                cells = dict(zip(header, fields, strict=True))
                name = " ".join(cells["name"].split())
                rows.append(
                    _Row(
                        reader.line_num,
                        name,
                        cells.get("bundesland", "").strip(),
                        cells,
                        STATISTIC_ROWS.get(name.casefold()),
                    )
                )
    except UnicodeDecodeError as exc:
        raise SourceFileError(path, _undecodable_where(path), "Text in UTF-8", str(exc)) from None
    except OSError as exc:
        raise SourceFileError(path, "Datei", "eine lesbare CSV-Datei", str(exc)) from None
    except csv.Error as exc:
        raise SourceFileError(path, f"Zeile {reader.line_num + 1}", "kommagetrennte Felder", str(exc)) from None
    return header, rows


def _undecodable_where(path: Path) -> str:
    """Line and byte of the first byte that is not UTF-8, so that the file can be fixed at the right place."""
    data = Path(path).read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return f"Zeile {line} (Byte {exc.start})"
    return "Kodierung"


def _read_metadata(table_path: Path) -> tuple[dict[str, dict[str, str]], list[str]]:
    """Rows of ``seed_indicators.csv`` by id; without the file the ids serve as labels."""
    path = table_path.with_name(METADATA_FILE)
    if not path.is_file():
        return {}, [
            f"Keine Indikatorbeschreibung {METADATA_FILE} neben der Tabelle: Spaltennamen dienen als Bezeichnung"
        ]
    return read_metadata(path), []


def read_metadata(path: Path) -> dict[str, dict[str, str]]:
    """The indicator descriptions (``id, name_de, unit, direction, definition_de``) of exactly this file; a row
    with another number of fields than the header (a file cut short) stops the import."""
    path = Path(path)
    try:
        require_line_break_at_end(path)
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            header = [h.strip() for h in next(reader, [])]
            missing = {"id", "name_de"} - set(header)
            if missing:
                raise SourceFileError(path, "Zeile 1", "die Spalten id, name_de, unit, definition_de", ",".join(header))
            rows = {}
            for fields in reader:
                if not any(f.strip() for f in fields):
                    continue
                if len(fields) != len(header):
                    raise SourceFileError(
                        path,
                        f"Zeile {reader.line_num}",
                        f"{len(header)} Felder wie die Kopfzeile (Datei abgeschnitten?)",
                        ",".join(fields),
                    )
                row = dict(zip(header, fields, strict=True))
                _check_description(path, reader.line_num, row)
                if row.get("id"):
                    rows[row["id"].strip()] = row
            return rows
    except UnicodeDecodeError as exc:
        raise SourceFileError(path, _undecodable_where(path), "Text in UTF-8", str(exc)) from None
    except csv.Error as exc:
        raise SourceFileError(path, f"Zeile {reader.line_num + 1}", "kommagetrennte Felder", str(exc)) from None
    except OSError as exc:
        raise SourceFileError(path, "Datei", "eine lesbare CSV-Datei", str(exc)) from None


def _check_description(path: Path, line: int, row: dict[str, str]) -> None:
    """Labels, units and definitions come from this file: a text that could carry markup is refused here, with this
    file's name and line (the table beside it is sound)."""
    checks = (
        ("name_de", safe_text.label_problem(row.get("name_de") or "")),
        ("unit", safe_text.unit_problem(row.get("unit") or "")),
        ("definition_de", safe_text.free_text_problem(row.get("definition_de") or "", "Definition")),
    )
    for column, problem in checks:
        if problem:
            raise SourceFileError(path, f"Zeile {line}, Spalte {column}", problem)


def _column(path: Path, key: str, meta: dict[str, str] | None, rows: list[_Row]) -> _Column:
    meta = meta or {}
    texts = [" ".join(r.cells[key].split()) for r in rows if r.cells[key].strip()]
    unit = (meta.get("unit") or "").strip()
    scale = UNIT_SCALES.get(unit.casefold()) or (_scale_from_content(texts) if not meta else "ratio")
    spec = IndicatorSpec(
        id=derived_indicator_id(PREFIX, "", key),
        label=(meta.get("name_de") or key).strip(),
        unit=unit,
        definition=(meta.get("definition_de") or "").strip(),
        source=PUBLISHER,
        scale=scale,
    )
    column = _Column(path, key, spec)
    if scale == "ordinal":
        column.bounds = _class_ladder(texts)
        column.ranks = {(low, high): rank for rank, (low, high, _) in enumerate(column.bounds, start=1)}
        spec.classes = [label for _, _, label in column.bounds]
    elif scale == "nominal":
        categories = sorted({t for t in texts if not _is_number(t)}, key=str.casefold)
        column.ranks = {text: rank for rank, text in enumerate(categories, start=1)}
        spec.classes = categories
    return column


def _scale_from_content(texts: list[str]) -> str:
    words = [t for t in texts if not _is_number(t)]
    if not words:
        return "ratio"
    return "ordinal" if all(_class_key(t) is not None for t in words) else "nominal"


def _number(path: Path, line: int, label: str, text: str, expected: str = "eine Zahl") -> tuple[float | None, bool]:
    try:
        return parse_number(text, decimal_comma=False)
    except ValueError:
        raise SourceFileError(path, f"Zeile {line}, Spalte „{label}“", f"{expected} (Dezimalpunkt)", text) from None


def _is_number(text: str) -> bool:
    try:
        parse_number(text, decimal_comma=False)
    except ValueError:
        return False
    return True


# --- rent-style classes ---------------------------------------------------------------------------


def _class_key(text: str) -> tuple[float, float] | None:
    """``(low, high)`` of a class label: ``bis unter 5.50`` -> (-inf, 5.5), ``11.50 und mehr`` -> (11.5, inf)."""
    for pattern, kind in _CLASS_PATTERNS:
        match = pattern.match(text)
        if not match:
            continue
        numbers = [float(g.replace(",", ".")) for g in match.groups()]
        if kind == "closed":
            return (numbers[0], numbers[1]) if numbers[0] < numbers[1] else None
        return (float("-inf"), numbers[0]) if kind == "below" else (numbers[0], float("inf"))
    return None


def _class_ladder(texts: list[str]) -> list[tuple[float, float, str]]:
    """All classes between the boundaries the column uses, in order, so a class no Kommune falls into
    still gets its rank (ranks stay comparable with other tables of the same class scheme)."""
    tokens: dict[float, str] = {}
    open_below = open_above = False
    for text in texts:
        key = _class_key(text)
        if key is None:
            continue
        open_below |= key[0] == float("-inf")
        open_above |= key[1] == float("inf")
        for number in re.findall(_NUMBER, text):
            tokens.setdefault(float(number.replace(",", ".")), number)
    bounds = sorted(tokens)
    ladder = [(float("-inf"), bounds[0], f"bis unter {tokens[bounds[0]]}")] if open_below and bounds else []
    ladder += [(lo, hi, f"{tokens[lo]} bis unter {tokens[hi]}") for lo, hi in itertools.pairwise(bounds)]
    if open_above and bounds:
        ladder.append((bounds[-1], float("inf"), f"{tokens[bounds[-1]]} und mehr"))
    return ladder


# --- names to keys --------------------------------------------------------------------------------


def _split_name(name: str) -> tuple[str, str | None]:
    """Base name and implied kind: ``Landkreis Göttingen (Stadt Göttingen)`` -> (``göttingen``, Kreis)."""
    text = re.sub(r"\([^)]*\)", " ", name)
    text = re.sub(r"\s*-\s*", "-", text)
    text = " ".join(text.split()).casefold()
    kind = None
    if "," in text:  # "Kassel, Landkreis"
        text, _, tail = text.partition(",")
        kind = dict(_NAME_PREFIXES).get(tail.strip())
    for prefix, implied in _NAME_PREFIXES:
        if text.startswith(prefix + " "):
            text, kind = text[len(prefix) + 1 :], implied or kind
            break
    return text.strip(), kind


@dataclass
class _KreisIndex:
    by_name: dict[str, list[tuple[str, str | None, str]]]  # base name -> (ags, kind group, land code)
    land_codes: dict[str, str]

    @classmethod
    def load(cls, kreise_path: Path, laender_path: Path) -> _KreisIndex:
        by_name: dict[str, list] = {}
        for row in _dict_rows(kreise_path, ("ags", "name", "kind")):
            base, _ = _split_name(row["name"])
            ags = normalise_key(row["ags"])
            kind = _KIND_GROUPS.get(row["kind"].strip().casefold())
            by_name.setdefault(base, []).append((ags, kind, (row.get("land_code") or (ags or "")[:2]).strip()))
        lands = {
            r["land_name"].strip().casefold(): r["land_code"].strip()
            for r in _dict_rows(laender_path, ("land_code", "land_name"))
        }
        return cls(by_name, lands)

    def resolve(self, name: str, bundesland: str) -> tuple[str | None, str]:
        """``(region, "")`` or ``(None, reason)``; the kind the name implies and the Land disambiguate."""
        key = normalise_key(name)
        if key is not None:
            return key, ""
        base, kind = _split_name(name)
        candidates = self.by_name.get(base, [])
        if not candidates:
            return None, "entspricht keinem Kreisnamen"
        land = self.land_codes.get(bundesland.casefold()) if bundesland else None
        if land:
            candidates = [c for c in candidates if c[2] == land]
        if kind:
            candidates = [c for c in candidates if c[1] == kind]
        if len(candidates) != 1:
            shown = ", ".join(c[0] for c in candidates) or "keiner passt zu Art oder Land"
            return None, f"ist keinem Kreis eindeutig zuzuordnen ({shown})"
        return candidates[0][0], ""


def _dict_rows(path: Path, required: tuple[str, ...]) -> list[dict[str, str]]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = set(required) - set(reader.fieldnames or [])
            if missing:
                raise SourceFileError(
                    path, "Zeile 1", f"die Spalten {', '.join(required)}", ",".join(reader.fieldnames or [])
                )
            return list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise SourceFileError(path, "Datei", "eine lesbare CSV-Datei in UTF-8", str(exc)) from None


FORMATS = (
    Format(
        name=FORMAT,
        label="Referenztabelle JUGEND STÄRKEN (CSV)",
        folder="reference",
        reads="Indikatorentabelle JUGEND STÄRKEN / JUST BEst (Median, Mittelwert, Min, Max, Deutschland, Kommunen) "
        "mit seed_indicators.csv daneben; im Projekt mitgeliefert",
        yields="veröffentlichte Referenzwerte 2022 (nie Fakten einer Zeitreihe)",
        examples="indicators/reference/seed_indicator_table.csv",
        sniff=sniff,
        load=read,
        suffixes=(".csv",),
        companions=(METADATA_FILE,),
    ),
)
