"""INKAR indicators compiled in long format (GERDA county covariates): one CSV row per Kreis and year.

The compilation is already harmonised to today's Kreise (``territory_year`` <NA>). Labels, units and
INKAR codes live in a codebook CSV beside the data file; without it the column names serve as labels.
Units are passed on as the codebook states them (translated to the project's notation): the codebook is
known to be wrong for some columns, which the catalogue corrects rather than this importer.
"""

from __future__ import annotations

import csv
import io
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from indicators.domain import safe_text
from indicators.domain.ags import normalise_key
from indicators.errors import SourceFileError
from indicators.importers.base import (
    Format,
    ImportResult,
    IndicatorSpec,
    derived_indicator_id,
    facts_frame,
    require_line_break_at_end,
)
from indicators.importers.inkar import kreis_coverage_problems

FORMAT = "inkar_long"
PUBLISHER = "BBSR INKAR (Zusammenstellung GERDA)"
LICENCE = "dl-de/by-2-0 (Werte), MIT (Zusammenstellung)"
KEY_COLUMN = "county_code"
YEAR_COLUMN = "year"
CODEBOOK_COLUMNS = ("variable", "label", "unit", "category", "inkar_code", "notes")
_SNIFF_BYTES = 4096

#: Codebook units in the project's German notation; anything else is passed on unchanged.
UNITS = {
    "percent": "%",
    "%": "%",
    "euros": "EUR",
    "euro": "EUR",
    "eur": "EUR",
    "thousand euros": "1.000 EUR",
    "years": "Jahre",
    "year": "Jahre",
    "m2": "m²",
    "euros/m2": "EUR/m²",
    "per 100": "je 100",
    "per 1k": "je 1.000",
    "per 10k": "je 10.000",
    "per 100k": "je 100.000",
    "count": "Anzahl",
}


@dataclass
class CodebookEntry:
    variable: str
    label: str = ""
    unit: str = ""
    category: str = ""
    inkar_code: str = ""
    notes: str = ""


# --------------------------------------------------------------------------- public API


def sniff(path: Path) -> bool:
    """A data file's header holds ``county_code`` and ``year``; the codebook (``variable,label,...``) does not."""
    try:
        header = _header_fields(Path(path))
    except Exception:  # noqa: BLE001 - sniffing must never fail on foreign files
        return False
    return KEY_COLUMN in header and YEAR_COLUMN in header and len(header) > 2


def read(path: Path) -> ImportResult:
    """Import every indicator column as long facts; labels and units come from the codebook beside the file."""
    path = Path(path)
    problems: list[str] = []
    frame = _read_csv(path)
    codebook_path = find_codebook(path)
    codebook = read_codebook(codebook_path, problems) if codebook_path else {}
    if codebook_path is None:
        problems.append("Kein Codebuch (…codebook….csv) im selben Ordner: Spaltennamen als Bezeichnungen verwendet")

    columns = [c for c in frame.columns if c not in (KEY_COLUMN, YEAR_COLUMN)]
    lines = pd.Series(frame.index + 2, index=frame.index)  # line 1 is the header
    keyless = frame[KEY_COLUMN].isna() & frame.notna().any(axis=1)
    for row in frame.index[keyless][:10]:
        problems.append(f"Zeile {lines[row]}: ohne Schlüssel in Spalte „{KEY_COLUMN}“ übersprungen")
    frame = frame[frame[KEY_COLUMN].notna()]
    regions, keys_seen = _regions(frame[KEY_COLUMN], lines, problems)
    years = _years(path, frame[YEAR_COLUMN], lines)
    problems.extend(kreis_coverage_problems(keys_seen))

    ids = {c: derived_indicator_id(FORMAT, "", c) for c in columns}
    long = _melt(path, frame, columns, regions, years, lines, ids)
    specs = [_spec(ids[c], c, codebook.get(c), problems, codebook_path is not None) for c in columns]
    return ImportResult(
        format=FORMAT,
        table=path.stem,
        path=path,
        facts=facts_frame(long),
        indicators=specs,
        title=_title(years),
        publisher=PUBLISHER,
        stand=_stand(years),
        licence=LICENCE,
        problems=problems,
    )


def find_codebook(path: Path) -> Path | None:
    """The codebook CSV in the data file's folder; with several, the one sharing the longest name prefix."""
    path = Path(path)
    candidates = [
        p for p in path.parent.glob("*.csv") if "codebook" in p.name.lower() and p.resolve() != path.resolve()
    ]
    if not candidates:
        return None

    def shared_prefix(p: Path) -> int:
        return len(os.path.commonprefix([p.name, path.name]))

    return max(candidates, key=lambda p: (shared_prefix(p), p.name))


def read_codebook(path: Path, problems: list[str] | None = None) -> dict[str, CodebookEntry]:
    """Codebook rows by variable name. A damaged codebook stops the import with a message naming it (a codebook
    cut short would silently cost the labels and units of every column it no longer describes)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceFileError(path, f"Byte {exc.start}", "ein Codebuch als UTF-8-Text") from None
    except OSError as exc:
        raise SourceFileError(path, "Datei", "ein lesbares Codebuch", str(exc)) from None
    require_line_break_at_end(path)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        rows = [(reader.line_num, row) for row in reader if any(f.strip() for f in row)]
    except csv.Error as exc:
        raise SourceFileError(path, f"Zeile {reader.line_num}", "kommagetrennte Felder", str(exc)) from None
    header = [h.strip() for h in rows[0][1]] if rows else []
    if "variable" not in header:
        raise SourceFileError(path, "Zeile 1", "ein Codebuch mit der Spalte „variable“", ",".join(header))
    entries = {}
    for line, row in rows[1:]:
        if len(row) != len(header):
            raise SourceFileError(
                path, f"Zeile {line}", f"{len(header)} Felder wie die Kopfzeile (Datei abgeschnitten?)", ",".join(row)
            )
        cells = dict(zip(header, row, strict=True))
        fields = {k: (cells.get(k) or "").strip() for k in CODEBOOK_COLUMNS}
        for column, problem in (
            ("label", safe_text.label_problem(fields["label"])),
            ("unit", safe_text.unit_problem(german_unit(fields["unit"]))),
            ("notes", safe_text.free_text_problem(fields["notes"], "Anmerkung")),
            ("category", safe_text.label_problem(fields["category"], "Kategorie")),
        ):
            if problem:  # refused here, naming the codebook (the data file beside it is sound)
                raise SourceFileError(path, f"Zeile {line}, Spalte {column}", problem)
        if fields["variable"]:
            entries[fields["variable"]] = CodebookEntry(**fields)
    return entries


def german_unit(unit: str) -> str:
    """Codebook unit in the project's notation (``percent`` -> ``%``, ``per 10k`` -> ``je 10.000``)."""
    return UNITS.get(unit.strip().lower(), unit.strip())


# --------------------------------------------------------------------------- reading


def _header_fields(path: Path) -> list[str]:
    with path.open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    first_line = head.decode("utf-8-sig").splitlines()[0]
    return [f.strip().strip('"') for f in next(csv.reader([first_line]))]


def _read_csv(path: Path) -> pd.DataFrame:
    """Everything as text first, so that a bad cell can be reported with its line and column."""
    try:
        with warnings.catch_warnings():
            # more fields than the header: pandas would take the first columns as an index and shift the rest
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(
                path,
                dtype=str,
                keep_default_na=False,
                na_values=[""],
                skip_blank_lines=False,
                encoding="utf-8-sig",
                index_col=False,
            )
    except pd.errors.ParserWarning:
        raise SourceFileError(
            path, _overlong_line(path), "so viele Felder wie die Kopfzeile", "mehr Felder (Komma im Wert?)"
        ) from None
    except UnicodeDecodeError as exc:
        raise SourceFileError(path, f"Byte {exc.start}", "UTF-8-kodierten Text") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        found = re.search(r"line (\d+)", str(exc))  # pandas names the line it stopped at
        where = f"Zeile {found.group(1)}" if found else "Zeile 1"
        raise SourceFileError(path, where, "eine CSV-Datei mit Komma als Trennzeichen", str(exc)) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    _check_last_line(path, len(frame.columns))
    require_line_break_at_end(path)
    for column in (KEY_COLUMN, YEAR_COLUMN):
        if column not in frame.columns:
            raise SourceFileError(path, "Zeile 1 (Kopfzeile)", f"eine Spalte „{column}“", ",".join(frame.columns))
    return frame


def _check_last_line(path: Path, width: int) -> None:
    """A download cut short ends inside a row: its last line has fewer fields than the header."""
    with path.open("rb") as handle:
        handle.seek(max(0, path.stat().st_size - 65536))
        lines = handle.read().decode("utf-8", errors="replace").rstrip("\r\n").splitlines()
    tail = lines[-1] if lines else ""
    try:
        fields = next(csv.reader([tail]), [])
    except csv.Error:  # a quote left open: the line-by-line reading reports it with its line
        return
    if tail.strip() and len(fields) < width:
        with path.open("rb") as handle:
            line = sum(1 for _ in handle)
        raise SourceFileError(
            path,
            f"Zeile {line} (Dateiende)",
            f"{width} Felder wie in der Kopfzeile; die Datei ist wohl abgeschnitten",
            f"{len(fields)} Felder",
        )


def _overlong_line(path: Path) -> str:
    """Where the first row with more fields than the header is (the file is known to be UTF-8 here)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        width = len(next(reader, []))
        for fields in reader:
            if len(fields) > width:
                return f"Zeile {reader.line_num}"
    return "Datenzeilen"


def _regions(keys: pd.Series, lines: pd.Series, problems: list[str]) -> tuple[pd.Series, dict[str, int]]:
    """Normalised key per row (``None`` for keys of other levels, reported once per key)."""
    lines = lines[keys.index]
    mapping = {raw: normalise_key(raw) for raw in keys.unique()}
    regions = keys.map(mapping)
    first_line = lines.groupby(keys.values).min()
    for raw, key in mapping.items():
        if key is None:
            problems.append(f"Zeile {first_line[raw]}: unbekannter Schlüssel {raw} übersprungen")
    valid = regions.notna()
    keys_seen = lines[valid].groupby(regions[valid].values).min().to_dict()
    return regions, {k: int(v) for k, v in keys_seen.items()}


def _years(path: Path, years: pd.Series, lines: pd.Series) -> pd.Series:
    numbers = pd.to_numeric(years.str.strip(), errors="coerce")
    bad = numbers.isna() | (numbers != numbers.round()) | ~numbers.between(1900, 2100)
    if bad.any():
        row = bad.idxmax()
        raise SourceFileError(path, f"Zeile {lines[row]}, Spalte „{YEAR_COLUMN}“", "eine Jahreszahl", years[row])
    return numbers.astype(int)


def _melt(
    path: Path,
    frame: pd.DataFrame,
    columns: list[str],
    regions: pd.Series,
    years: pd.Series,
    lines: pd.Series,
    ids: dict[str, str],
) -> pd.DataFrame:
    """Long facts, one row per region, year and non-empty indicator cell."""
    parts = []
    valid = regions.notna()
    for column in columns:
        text = frame[column].str.strip()
        values = pd.to_numeric(text, errors="coerce")
        values = values.where(np.isfinite(values.astype("float64")))  # "inf" or "1e999" is no statistic
        bad = values.isna() & text.notna() & (text != "")
        if bad.any():
            row = bad.idxmax()
            raise SourceFileError(path, f"Zeile {lines[row]}, Spalte „{column}“", "eine Zahl", frame.at[row, column])
        keep = valid & values.notna()
        parts.append(
            pd.DataFrame(
                {
                    "region": regions[keep].values,
                    "indicator": ids[column],
                    "year": years[keep].values,
                    "value": values[keep].values,
                    "line": lines.reindex(keep.index)[keep].values,
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=["region", "indicator", "year", "value"])
    long = pd.concat(parts, ignore_index=True)
    duplicated = long.duplicated(["region", "indicator", "year"])
    if duplicated.any():
        first = long[duplicated].iloc[0]
        raise SourceFileError(
            path,
            f"Zeile {first['line']} (Kreis {first['region']}, Jahr {first['year']})",
            "je Kreis und Jahr genau eine Zeile",
            "mehrere Zeilen",
        )
    return long.drop(columns="line")


# --------------------------------------------------------------------------- metadata


def _spec(
    indicator_id: str, column: str, entry: CodebookEntry | None, problems: list[str], has_codebook: bool
) -> IndicatorSpec:
    if entry is None:
        if has_codebook:
            problems.append(f"Spalte „{column}“ fehlt im Codebuch: Spaltenname als Bezeichnung verwendet")
        return IndicatorSpec(id=indicator_id, label=column)
    definition = entry.notes
    if entry.category:
        definition = f"{definition} (Thema laut Codebuch: {entry.category})".strip()
    return IndicatorSpec(
        id=indicator_id,
        label=entry.label or column,
        unit=german_unit(entry.unit),
        definition=definition,
        source=f"INKAR-Kennung {entry.inkar_code}" if entry.inkar_code else "",
    )


def _stand(years: pd.Series) -> str:
    """The compilation carries no publication date: say which data years it holds and that the date is unknown."""
    span = f"Datenjahre {years.min()}–{years.max()}" if len(years) else "ohne Datenjahre"
    return f"{span}, INKAR-Werte; Zusammenstellung ohne Veröffentlichungsdatum"


def _title(years: pd.Series) -> str:
    span = f" {years.min()}–{years.max()}" if len(years) else ""
    return f"INKAR-Indikatoren der Kreise{span} (Zusammenstellung GERDA)"


FORMATS = (
    Format(
        name=FORMAT,
        label="INKAR-Zusammenstellung im Langformat (CSV)",
        folder="inkar_gerda",
        reads="INKAR-Indikatoren im Langformat (county_code, year, eine Spalte je Indikator) mit Codebuch daneben",
        yields="Fakten (Kreise, Gebietsstand 2021)",
        examples="GERDA county covariates 1995–2022",
        sniff=sniff,
        load=read,
        suffixes=(".csv",),
        companions=("*codebook*.csv",),
    ),
)
