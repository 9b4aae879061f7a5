"""What every importer returns, so that the build treats all official formats alike.

An importer reads one file and returns an :class:`ImportResult`: long facts (one row per region,
indicator and year) plus the indicators it found, described by the file itself. The build maps those
indicators onto the catalogue; indicators the catalogue does not know keep the stable id derived here.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from indicators.domain import safe_text
from indicators.errors import SourceFileError

#: Columns of the facts frame every importer returns.
#: ``territory_year`` is the Gebietsstand the keys refer to (``<NA>`` = today's 400 Kreise);
#: ``value_label`` holds the text of class or category values (``value`` then holds the ordinal rank).
FACT_COLUMNS = [
    "region",
    "indicator",
    "year",
    "value",
    "value_label",
    "suppressed",
    "estimated",
    "territory_year",
]

#: Special values of Regionalstatistik and BA tables, and what they mean.
SPECIAL_VALUES = {
    "-": "nichts vorhanden",
    ".": "unbekannt oder geheim zu halten",
    "x": "Tabellenfach gesperrt, weil Aussage nicht sinnvoll",
    "...": "Angabe fällt später an",
    "/": "keine Angabe, da Zahlenwert nicht sicher genug",
    "*": "Angabe gesperrt (Datenschutz)",
}
#: Special values that mean a value exists but is withheld (as opposed to ``-`` = nothing there).
SUPPRESSED_VALUES = {".", "x", "...", "/", "*"}


@dataclass
class IndicatorSpec:
    """An indicator as a file describes it (header lines, metadata sheet)."""

    id: str
    label: str
    unit: str = ""
    definition: str = ""
    source: str = ""
    scale: str = "ratio"  # ratio | ordinal | nominal
    classes: list[str] = field(default_factory=list)  # ordered labels of ordinal classes


@dataclass
class ImportResult:
    format: str
    table: str
    path: Path
    facts: pd.DataFrame
    indicators: list[IndicatorSpec]
    title: str = ""
    publisher: str = ""
    stand: str = ""
    licence: str = ""
    problems: list[str] = field(default_factory=list)
    #: Published reference rows (JUGEND STÄRKEN table): shown beside the facts, never merged into them.
    published: pd.DataFrame | None = None
    #: Series breaks the file itself documents: (indicator, first year of the new definition, reason).
    breaks: list[tuple[str, int, str]] = field(default_factory=list)
    #: What the file yields besides facts, read in the same pass: ``kreis_list`` (Destatis), ``kreistypen`` and
    #: ``crosswalk`` (BBSR), ``geometry_kreise`` / ``geometry_laender`` (BKG).
    extras: dict[str, object] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        """Rows the file yielded, whatever kind they are (for the manifest and the import page)."""
        if self.published is not None:
            return len(self.published)
        if self.extras:
            return sum(len(v) for v in self.extras.values() if hasattr(v, "__len__"))
        return len(self.facts)

    def __post_init__(self) -> None:
        check_texts(self)

    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.facts["year"].dropna().unique())

    @property
    def regions(self) -> list[str]:
        return sorted(self.facts["region"].dropna().unique())


#: Longest definition or source text a file may bring (the catalogue's longest definition has about 2,000).
MAX_DESCRIPTION = 20_000


def check_texts(result: ImportResult) -> None:
    """Refuse a file whose units, labels or descriptions could carry markup, with a German message naming
    the file and the indicator. Runs for every importer (``ImportResult`` calls it), so a new format cannot
    forget it; the pages escape all of it again when they show it."""

    def refuse(where: str, problem: str | None) -> None:
        if problem:
            raise SourceFileError(result.path, f"Kopfzeilen oder Metadaten, {where}", problem)

    for name, shown in (("title", "Titel"), ("publisher", "Herausgeber"), ("stand", "Stand"), ("licence", "Lizenz")):
        refuse(shown, safe_text.free_text_problem(getattr(result, name) or "", shown, MAX_DESCRIPTION))
    for spec in result.indicators:
        where = f"Indikator „{spec.id}“"
        refuse(f"{where}, Einheit", safe_text.unit_problem(spec.unit or ""))
        refuse(f"{where}, Bezeichnung", safe_text.label_problem(spec.label or ""))
        for name, shown in (("definition", "Definition"), ("source", "Quelle")):
            text = getattr(spec, name) or ""
            refuse(f"{where}, {shown}", safe_text.free_text_problem(text, shown, MAX_DESCRIPTION))
        for label in spec.classes:
            refuse(f"{where}, Klasse", safe_text.label_problem(label, "Klassenbezeichnung"))
    if "value_label" in result.facts.columns:
        for label in result.facts["value_label"].dropna().unique():
            refuse("Klassen- oder Kategorienwert", safe_text.label_problem(label, "Klassenbezeichnung"))


@dataclass(frozen=True)
class Format:
    """How an importer recognises a file, what it reads and what it yields: one declaration per format.

    The build, the import page, the "nicht erkannt" message and README's table of formats are all driven by these
    declarations (:mod:`indicators.importers`), so adding a format is one module with a ``FORMATS`` tuple.
    """

    name: str
    label: str  # German, shown on the import page and in messages
    folder: str  # folder under the raw folder where the import page puts such a file
    reads: str  # what the importer reads (README's table)
    yields: str  # what it yields: facts, published reference, crosswalk, Kreistypen, geometry (README's table)
    examples: str
    sniff: Callable[[Path], bool]
    load: Callable[[Path], ImportResult]
    suffixes: tuple[str, ...] = ()  # file endings this format can have (empty: any)
    #: Name patterns (lower case, fnmatch) of files that travel with a main file of this format and are read with
    #: it, never alone: shapefile parts, a codebook, the description PDF, a mapping.
    companions: tuple[str, ...] = ()


def slug(text: str) -> str:
    """Lower-case ASCII id fragment: ``Arbeitslosenquote bez. abh. zivile`` -> ``arbeitslosenquote_bez_abh_zivile``."""
    text = text.replace("ß", "ss").replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
    text = text.replace("Ä", "ae").replace("Ö", "oe").replace("Ü", "ue")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def derived_indicator_id(prefix: str, table: str, *header_parts: str) -> str:
    """Stable id for an indicator the catalogue does not know yet, from its table code and header.

    The same table and header give the same id in every vintage, so a new release of a known table
    lands on the same indicator.
    """
    parts = [slug(prefix), slug(table)] + [slug(p) for p in header_parts if p and slug(p)]
    return "__".join(p for p in parts if p)


def parse_number(cell: object, decimal_comma: bool = True) -> tuple[float | None, bool]:
    """Return ``(value, suppressed)`` for one cell of an official table.

    Special values give ``None``; ``suppressed`` is true for withheld values (``.``, ``x``, ``/``, ...),
    false for ``-`` (nothing there) and empty cells. Text that is no finite number (``NaN``, ``inf``,
    ``1e999``) raises ``ValueError`` like any other text, so the importer names the cell.
    """
    if cell is None:
        return None, False
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        value = float(cell)
        if value != value:
            return None, False
        if not math.isfinite(value):
            raise ValueError(str(cell))
        return value, False
    text = str(cell).strip()
    if not text or text == "-":
        return None, False
    if text in SUPPRESSED_VALUES:
        return None, True
    if decimal_comma:
        text = text.replace(".", "").replace(",", ".") if "," in text else text
    try:
        value = float(text)
    except ValueError:
        raise ValueError(text) from None
    if not math.isfinite(value):  # "NaN", "inf", "1e999": text no statistic office publishes as a number
        raise ValueError(text)
    return value, False


def require_line_break_at_end(path: Path) -> None:
    """Machine-written CSV files end with a line break; one without it was cut short, possibly inside a number
    ("20." of "20.5") or a quoted text, where nothing else would show it. Raises naming the file."""
    from indicators.errors import SourceFileError

    path = Path(path)
    with open(path, "rb") as handle:
        size = handle.seek(0, 2)
        if size == 0:
            return
        handle.seek(max(0, size - 60))
        tail = handle.read()
    if not tail.endswith((b"\n", b"\r")):
        shown = tail.decode("utf-8", errors="replace").splitlines()[-1] if tail.strip() else ""
        with open(path, "rb") as handle:
            line = sum(1 for _ in handle)
        raise SourceFileError(
            path,
            f"Zeile {line} (Dateiende)",
            "einen Zeilenumbruch nach der letzten Zeile; ohne ihn ist die Datei wohl abgeschnitten",
            shown,
        )


def empty_facts() -> pd.DataFrame:
    return facts_frame([])


def facts_frame(rows: list[dict] | pd.DataFrame) -> pd.DataFrame:
    """Facts with the standard columns and dtypes; missing columns get defaults."""
    df = pd.DataFrame(rows)
    defaults = {
        "value": float("nan"),
        "value_label": None,
        "suppressed": False,
        "estimated": False,
        "territory_year": pd.NA,
    }
    for col in FACT_COLUMNS:
        if col not in df.columns:
            df[col] = defaults.get(col)
    df = df[FACT_COLUMNS].copy()
    df["region"] = df["region"].astype("string")
    df["indicator"] = df["indicator"].astype("string")
    df["year"] = df["year"].astype("Int16")
    df["value"] = df["value"].astype("float64")
    df["value_label"] = df["value_label"].astype("string")
    df["suppressed"] = df["suppressed"].fillna(False).astype(bool)
    df["estimated"] = df["estimated"].fillna(False).astype(bool)
    df["territory_year"] = df["territory_year"].astype("Int16")
    return df
