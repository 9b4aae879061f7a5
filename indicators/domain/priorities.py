"""Handlungsschwerpunkte and Stärken: where the Kreis stands unfavourably AND is getting worse, and the reverse.

The REKO's analysis task is to derive priorities from the benchmark. This module turns an enriched profile
(:func:`indicators.domain.benchmark.enrich_profile`) into two ranked, explained lists; the RAK takes them as a starting
point, not as a verdict. Pure functions over small frames, no I/O.

Rule (also shown on the page, see :data:`RULE_TEXT`):

* Only indicators with a direction (polarity +1 or -1) on a numeric scale and with a rank in the peer group.
  Contextual indicators (polarity 0), classes and categories never appear.
* **Handlungsschwerpunkt**: the Kreis is less favourable than the middle of its peer group (percentile below 50;
  the store's percentile is polarity-aware, 100 = most favourable) AND has become worse over five years or
  against the previous year (``trend_5y`` or ``trend_1y`` is ``schlechter``).
* **Stärke**: more favourable than the middle (percentile above 50) AND improved over five years or against the
  previous year.
* **Score** (0-100 points) orders each list:
  position 0-50 points (distance of the percentile from 50), five-year development 25 points plus up to
  15 points for its size measured in interquartile ranges of the peer group (a change of one IQR or more gives
  all 15), and 10 points for the last year's development. Ties go to the more extreme position, then by label.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from indicators.domain import formatting as fmt
from indicators.domain.benchmark import is_missing
from indicators.domain.records import records

RULE_TEXT = (
    "Als **Handlungsschwerpunkt** gilt ein Indikator, bei dem der Kreis **ungünstiger als der Median** seiner "
    "Vergleichsgruppe liegt **und** sich **über fünf Jahre oder zum Vorjahr verschlechtert** hat. "
    "Als **Stärke** gilt umgekehrt ein Indikator, bei dem der Kreis günstiger als der Median liegt und sich "
    "verbessert hat. Kontextindikatoren (ohne Wertung), Klassen und Kategorien werden nie aufgeführt. "
    "Die Reihenfolge ergibt eine Punktzahl von 0 bis 100: bis zu 50 Punkte für die Lage (Abstand vom Median "
    "in Rangprozent), 25 Punkte für eine Veränderung über fünf Jahre in die jeweilige Richtung und bis zu 15 weitere "
    "nach ihrer Größe (gemessen am Abstand zwischen dem 1. und 3. Quartil der Vergleichsgruppe), 10 Punkte "
    "für die Veränderung zum Vorjahr."
)

POSITION_POINTS = 50.0
FIVE_YEAR_POINTS = 25.0
FIVE_YEAR_SIZE_POINTS = 15.0
ONE_YEAR_POINTS = 10.0


@dataclass(frozen=True)
class PriorityItem:
    """One indicator on a list, with everything the page, the Landrat summary and the PDF show."""

    kind: str  # schwerpunkt | staerke
    indicator: str
    label: str
    topic: str
    unit: str
    polarity: int
    year: int
    value: float
    median: float | None
    percentile: float
    rank: int | None
    n: int | None
    change_1y: float | None
    change_5y: float | None
    trend_1y: str
    trend_5y: str
    score: float
    position_text: str  # e.g. "im ungünstigsten Viertel der Vergleichsgruppe"
    explanation: str


def _float(x) -> float | None:
    return None if is_missing(x) else float(x)


#: Quartile assessments (:func:`indicators.domain.benchmark.assess`). ``enrich_profile`` gives one only to an
#: indicator with a direction (polarity +1 or -1) on a numeric scale with a percentile; the others are
#: ``kontext`` (polarity 0, classes, categories) or ``keine`` (no rank).
JUDGED_ASSESSMENTS = ("guenstig", "mittel", "unguenstig")


def _judgeable(profile: pd.DataFrame) -> pd.Series:
    return profile["assessment"].isin(JUDGED_ASSESSMENTS) & profile["value"].notna()


def judged(profile: pd.DataFrame) -> pd.DataFrame:
    """Rows that can be judged against peers: a direction, a numeric scale, a percentile and a value."""
    if profile.empty:
        return profile
    return profile[_judgeable(profile)]


#: The judged rows as plain records (:func:`judged_rows`); every list function takes them or a profile.
Rows = list[dict]


def judged_rows(profile: pd.DataFrame | Rows) -> Rows:
    """The rows of :func:`judged` as plain records: a page that asks for several lists of one profile reads it
    once (a list passed in is taken as such rows)."""
    if isinstance(profile, list):
        return profile
    if profile.empty:
        return []
    return records(profile, keep=_judgeable(profile).tolist())


def position_text(percentile: float) -> str:
    """Where a polarity-aware percentile (100 = most favourable) lies, as a German phrase."""
    if percentile <= 25:
        return "im ungünstigsten Viertel der Vergleichsgruppe"
    if percentile < 50:
        return "ungünstiger als der Median der Vergleichsgruppe"
    if percentile >= 75:
        return "im günstigsten Viertel der Vergleichsgruppe"
    if percentile > 50:
        return "günstiger als der Median der Vergleichsgruppe"
    return "genau in der Mitte der Vergleichsgruppe"


def amount(delta: float, unit: str) -> str:
    """Size of a change without sign, German format: ``1,2 Pp.`` for percentages."""
    return fmt.change(abs(delta), unit, sign=False)


def _development(change_5y, trend_5y: str, change_1y, trend_1y: str, unit: str, year: int) -> str:
    """``hat sich seit 2018 um 1,2 Pp. verschlechtert, zum Vorjahr (2022) um 0,3 Pp.`` and the like.

    Says only what the series supports: a missing earlier value is named as missing, never as "no change".
    """
    verb = {"schlechter": "verschlechtert", "besser": "verbessert"}
    five = trend_5y in verb and not is_missing(change_5y)
    one = trend_1y in verb and not is_missing(change_1y)
    since, before = year - 5, year - 1
    if five and one and trend_1y == trend_5y:
        return (
            f"hat sich seit {since} um {amount(change_5y, unit)} {verb[trend_5y]}, "
            f"zum Vorjahr ({before}) um {amount(change_1y, unit)}"
        )
    if five and one:
        return (
            f"hat sich seit {since} um {amount(change_5y, unit)} {verb[trend_5y]}, "
            f"zum Vorjahr ({before}) aber um {amount(change_1y, unit)} {verb[trend_1y]}"
        )
    no_one = "für das Vorjahr liegt kein Wert vor" if is_missing(change_1y) else f"zum Vorjahr ({before}) unverändert"
    no_five = f"für {since} liegt kein Wert vor" if is_missing(change_5y) else f"seit {since} unverändert"
    if five:
        return f"hat sich seit {since} um {amount(change_5y, unit)} {verb[trend_5y]} ({no_one})"
    if one:
        return f"hat sich zum Vorjahr ({before}) um {amount(change_1y, unit)} {verb[trend_1y]} ({no_five})"
    if is_missing(change_1y) and is_missing(change_5y):
        return "hat keinen früheren Wert zum Vergleich"
    if not is_missing(change_1y) and not is_missing(change_5y):
        return f"ist seit {since} und zum Vorjahr ({before}) unverändert"
    return f"ist {no_five}; {no_one}" if not is_missing(change_5y) else f"ist {no_one}; {no_five}"


def explain(row: pd.Series | dict) -> str:
    """One German sentence naming the year: value, position in the peer group (rank, median) and development."""
    unit = row.get("unit") or ""
    value = fmt.value(row.get("value"), unit)
    year = int(row["year"])
    where = position_text(float(row["percentile"]))
    details = []
    rank, n = _float(row.get("rank")), _float(row.get("n"))
    if rank is not None and n is not None:
        details.append(f"Rang {int(rank)} von {int(n)}")
    if _float(row.get("median")) is not None:
        details.append(f"Median {fmt.value(row.get('median'), unit)}")
    detail = f" ({'; '.join(details)})" if details else ""
    development = _development(
        row.get("change_5y"), row.get("trend_5y"), row.get("change_1y"), row.get("trend_1y"), unit, year
    )
    sentence = f"{row['label']} {year}: {value} liegt {where}{detail} und {development}"
    return sentence if sentence.endswith(".") else sentence + "."


def _iqr(row) -> float | None:
    q25, q75 = _float(row.get("q25")), _float(row.get("q75"))
    if q25 is None or q75 is None or q75 <= q25:
        return None
    return q75 - q25


def score(row: pd.Series | dict, direction: str) -> float:
    """Points 0-100 for ``direction`` ``schlechter`` (priorities) or ``besser`` (strengths); see module doc."""
    percentile = float(row["percentile"])
    position = (50.0 - percentile) if direction == "schlechter" else (percentile - 50.0)
    points = max(0.0, min(POSITION_POINTS, position))
    if row.get("trend_5y") == direction:
        points += FIVE_YEAR_POINTS
        change, iqr = _float(row.get("change_5y")), _iqr(row)
        if change is not None and iqr is not None:
            points += FIVE_YEAR_SIZE_POINTS * min(1.0, abs(change) / iqr)
    if row.get("trend_1y") == direction:
        points += ONE_YEAR_POINTS
    return round(points, 1)


def _items(profile: pd.DataFrame | Rows, kind: str, limit: int | None) -> list[PriorityItem]:
    direction = "schlechter" if kind == "schwerpunkt" else "besser"
    items = [
        _item(row, kind, direction)
        for row in judged_rows(profile)
        if _on_side(row, kind) and direction in (row["trend_5y"], row["trend_1y"])
    ]
    extreme = (lambda i: i.percentile) if kind == "schwerpunkt" else (lambda i: -i.percentile)
    items.sort(key=lambda i: (-i.score, extreme(i), i.label))
    return items[:limit] if limit is not None else items


def _item(row: dict, kind: str, direction: str) -> PriorityItem:
    rank, n = _float(row.get("rank")), _float(row.get("n"))
    return PriorityItem(
        kind=kind,
        indicator=str(row["indicator"]),
        label=str(row["label"]),
        topic=str(row.get("topic") or ""),
        unit=str(row.get("unit") or ""),
        polarity=int(row["polarity"]),
        year=int(row["year"]),
        value=float(row["value"]),
        median=_float(row.get("median")),
        percentile=float(row["percentile"]),
        rank=None if rank is None else int(rank),
        n=None if n is None else int(n),
        change_1y=_float(row.get("change_1y")),
        change_5y=_float(row.get("change_5y")),
        trend_1y=str(row["trend_1y"]),
        trend_5y=str(row["trend_5y"]),
        score=score(row, direction),
        position_text=position_text(float(row["percentile"])),
        explanation=explain(row),
    )


def priorities(profile: pd.DataFrame | Rows, limit: int | None = None) -> list[PriorityItem]:
    """Handlungsschwerpunkte: unfavourable against the peers and getting worse, highest score first."""
    return _items(profile, "schwerpunkt", limit)


def strengths(profile: pd.DataFrame | Rows, limit: int | None = None) -> list[PriorityItem]:
    """Stärken: favourable against the peers and improving, highest score first."""
    return _items(profile, "staerke", limit)


def _on_side(row: dict, kind: str) -> bool:
    """Less favourable than the middle of the peers (``schwerpunkt``) or more favourable (``staerke``); a judged
    row always has a percentile."""
    return row["percentile"] < 50 if kind == "schwerpunkt" else row["percentile"] > 50


def _positions(profile: pd.DataFrame | Rows, n: int, kind: str) -> list[PriorityItem]:
    favourable = kind == "staerke"
    direction = "besser" if favourable else "schlechter"
    rows = [row for row in judged_rows(profile) if _on_side(row, kind)]
    # the order of the items (most extreme position, then score, then label), worked out before the sentences
    rows.sort(
        key=lambda row: (
            -float(row["percentile"]) if favourable else float(row["percentile"]),
            -score(row, direction),
            str(row["label"]),
        )
    )
    return [_item(row, kind, direction) for row in rows[:n]]


def strongest_positions(profile: pd.DataFrame | Rows, n: int = 3) -> list[PriorityItem]:
    """The ``n`` most favourable positions against the peers (highest percentile), whatever the trend."""
    return _positions(profile, n, "staerke")


def weakest_positions(profile: pd.DataFrame | Rows, n: int = 3) -> list[PriorityItem]:
    """The ``n`` least favourable positions against the peers (lowest percentile), whatever the trend."""
    return _positions(profile, n, "schwerpunkt")


def as_frame(items: list[PriorityItem]) -> pd.DataFrame:
    """A table of the items for display and download (German column names)."""
    return pd.DataFrame(
        {
            "Punkte": [i.score for i in items],
            "Indikator": [i.label for i in items],
            "Thema": [i.topic for i in items],
            "Jahr": [i.year for i in items],
            "Wert": [fmt.value(i.value, i.unit) for i in items],
            "Rang": [f"{i.rank} von {i.n}" if i.rank is not None else "–" for i in items],
            "Median": [fmt.value(i.median, i.unit) for i in items],
            "Δ 5 Jahre": [fmt.change(i.change_5y, i.unit) for i in items],
            "Δ Vorjahr": [fmt.change(i.change_1y, i.unit) for i in items],
            "Begründung": [i.explanation for i in items],
        }
    )


def download_frame(items: list[PriorityItem]) -> pd.DataFrame:
    """The items as numbers for a spreadsheet: values, ranks and changes in number columns (Excel can sort and
    compute with them), the unit in a column of its own; :func:`as_frame` is the same list as text."""
    return pd.DataFrame(
        {
            "Punkte": pd.Series([i.score for i in items], dtype="float64"),
            "Indikator": [i.label for i in items],
            "Thema": [i.topic for i in items],
            "Einheit": [i.unit for i in items],
            "Jahr": pd.Series([i.year for i in items], dtype="Int64"),
            "Wert": pd.Series([_float(i.value) for i in items], dtype="float64"),
            "Rang": pd.Series([i.rank for i in items], dtype="Int64"),
            "von": pd.Series([i.n for i in items], dtype="Int64"),
            "Median": pd.Series([_float(i.median) for i in items], dtype="float64"),
            "Δ 5 Jahre": pd.Series([_float(i.change_5y) for i in items], dtype="float64"),
            "Δ Vorjahr": pd.Series([_float(i.change_1y) for i in items], dtype="float64"),
            "Begründung": [i.explanation for i in items],
        }
    )
