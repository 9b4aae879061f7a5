"""What the Ziele page and the Landrat page say: target assessments, headline rows and the Landrat summary.

Pure functions: the page gathers the enriched profile, the targets with their series and the indicator
metadata; :func:`landrat_summary` turns them into a :class:`LandratSummary`; the page renders it and
:mod:`indicators.outputs.report_pdf` prints the very same object, so screen and paper show the same numbers.
Every statement names its year and says only what the data supports (a missing earlier value is "kein Wert").
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from indicators.domain import formatting as fmt
from indicators.domain import priorities as prio
from indicators.domain.records import records
from indicators.domain.targets import (
    STATUS_ORDER,
    STATUS_TEXT,
    Status,
    Target,
    Trajectory,
    status,
    tolerance_width,
    trajectory,
)

DL_DE_BY = "Datenlizenz Deutschland – Namensnennung – Version 2.0"
TREND_WORDS = {
    "besser": "verbessert",
    "schlechter": "verschlechtert",
    "unverändert": "unverändert",
    "neutral": "ohne Wertung",
}


def _missing(x) -> bool:
    if x is None or x is pd.NA:
        return True
    return isinstance(x, float) and math.isnan(x)


def _float(x) -> float | None:
    return None if _missing(x) else float(x)


# --- targets -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetAssessment:
    """A target with its latest value (up to the selected year), status and trajectory."""

    target: Target
    label: str
    unit: str
    topic: str
    polarity: int | None
    latest_value: float | None
    latest_year: int | None
    status: Status
    trajectory: Trajectory

    @property
    def missed(self) -> bool:
        return self.status.code in ("verfehlt", "knapp_verfehlt")


def series_up_to(series: Iterable[tuple[int, float]], up_to_year: int) -> list[tuple[int, float]]:
    """Finite ``(year, value)`` points up to ``up_to_year``, sorted by year."""
    points = [(int(y), float(v)) for y, v in series if not _missing(v) and int(y) <= up_to_year]
    return sorted(points)


def assess_target(
    target: Target, series: Iterable[tuple[int, float]], meta: Mapping, up_to_year: int
) -> TargetAssessment:
    """Judge ``target`` on the Kreis's series (latest value up to ``up_to_year``); ``meta`` is the indicator row."""
    points = series_up_to(series, up_to_year)
    latest_year, latest_value = points[-1] if points else (None, None)
    polarity = meta.get("polarity")
    polarity = None if _missing(polarity) else int(polarity)
    return TargetAssessment(
        target=target,
        label=str(meta.get("label") or target.indicator),
        unit=str(meta.get("unit") or ""),
        topic=str(meta.get("topic") or ""),
        polarity=polarity,
        latest_value=latest_value,
        latest_year=latest_year,
        status=status(target, latest_value, polarity),
        trajectory=trajectory(target, points, polarity),
    )


def display_order(assessments: Iterable[TargetAssessment]) -> list[TargetAssessment]:
    """Missed targets first (verfehlt, knapp verfehlt), then erreicht, then those without judgement."""
    return sorted(
        assessments,
        key=lambda a: (STATUS_ORDER.index(a.status.code), a.label, a.target.target_year, a.target.id or 0),
    )


def target_value_text(target: Target, unit: str, polarity: int | None) -> str:
    """``≤ 6,0 %`` (lower is better), ``≥ 60,0 %`` (higher is better) or the plain value."""
    sign = {1: "≥ ", -1: "≤ "}.get(polarity, "")
    return sign + fmt.value(target.target_value, unit)


def tolerance_text(target: Target, unit: str) -> str:
    if target.tolerance == 0:
        return "keine"
    if target.tolerance_kind == "relativ":
        return (
            f"{fmt.number(100 * target.tolerance, 1)} % des Zielwerts (= {prio.amount(tolerance_width(target), unit)})"
        )
    return prio.amount(target.tolerance, unit)


@dataclass(frozen=True)
class TargetLine:
    indicator: str
    label: str
    target_year: int
    target_text: str
    latest_text: str
    latest_year: int | None
    status_code: str
    status_icon: str
    status_label: str
    trajectory_icon: str
    trajectory_label: str
    odds_text: str = ""  # e.g. "◐ Zielerreichung offen (48 %)" (ui.insight); empty without a forecast

    @property
    def sentence(self) -> str:
        latest = f"{self.latest_text} ({self.latest_year})" if self.latest_year else "kein Wert"
        odds = f"; Prognose: {self.odds_text}" if self.odds_text else ""
        return (
            f"{self.status_icon} {self.status_label}: {self.label} – Ziel {self.target_year}: {self.target_text}, "
            f"Ist {latest}; Entwicklung: {self.trajectory_icon} {self.trajectory_label}{odds}"
        )


@dataclass(frozen=True)
class TargetSummary:
    counts: dict[str, int]  # every code of STATUS_ORDER, in that order
    missed: tuple[TargetLine, ...]  # verfehlt first, then knapp verfehlt
    total: int

    def count_text(self) -> str:
        return " · ".join(f"{STATUS_TEXT[c][0]} {STATUS_TEXT[c][1]}: {self.counts[c]}" for c in STATUS_ORDER)


def target_line(a: TargetAssessment, odds_text: str = "") -> TargetLine:
    return TargetLine(
        indicator=a.target.indicator,
        label=a.label,
        target_year=a.target.target_year,
        target_text=target_value_text(a.target, a.unit, a.polarity),
        latest_text=fmt.value(a.latest_value, a.unit),
        latest_year=a.latest_year,
        status_code=a.status.code,
        status_icon=a.status.icon,
        status_label=a.status.label,
        trajectory_icon=a.trajectory.icon,
        trajectory_label=a.trajectory.label,
        odds_text=odds_text,
    )


def summarise_targets(assessments: Iterable[TargetAssessment], odds: Mapping[int, str] | None = None) -> TargetSummary:
    """``odds`` maps a target id to its forecast text (Zielprognose), where there is one."""
    ordered = display_order(assessments)
    counts = {code: sum(1 for a in ordered if a.status.code == code) for code in STATUS_ORDER}
    missed = tuple(target_line(a, (odds or {}).get(a.target.id, "")) for a in ordered if a.missed)
    return TargetSummary(counts=counts, missed=missed, total=len(ordered))


# --- headline indicators -------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeadlineRow:
    indicator: str
    label: str
    unit: str
    polarity: int
    year: int | None
    value: float | None
    value_text: str
    change_1y: float | None
    change_1y_text: str
    change_5y: float | None
    change_5y_text: str
    median: float | None
    median_text: str
    median_comparison: str
    land: float | None
    land_text: str
    land_comparison: str
    rank_text: str
    assessment_icon: str
    assessment_label: str
    source: str
    trend_1y: str = ""
    trend_5y: str = ""

    def compact_change(self, horizon: str) -> str:
        """``+0,3 Pp. (schlechter)`` for narrow table cells; the word says whether the change is good."""
        delta, trend = (self.change_1y, self.trend_1y) if horizon == "1y" else (self.change_5y, self.trend_5y)
        if delta is None:
            return "–"
        word = {"besser": "besser", "schlechter": "schlechter", "unverändert": "unverändert"}.get(trend)
        return fmt.change(delta, self.unit) + (f" ({word})" if word else "")

    def compact_comparison(self, reference: str) -> str:
        """Signed distance of the Kreis to ``median`` or ``land``: ``+4,9 Pp. (ungünstiger)``."""
        other = self.median if reference == "median" else self.land
        if self.value is None or other is None:
            return "–"
        diff = self.value - other
        word = _judgement(diff, self.unit, self.polarity)
        return "gleichauf" if word is None else f"{fmt.change(diff, self.unit)} ({word})"


def _judgement(diff: float, unit: str, polarity: int) -> str | None:
    """``günstiger``/``ungünstiger``/``ohne Wertung`` for a distance; ``None`` when it rounds to zero."""
    if abs(diff) < 0.5 * 10 ** -fmt.decimals_for(unit, diff):
        return None
    if polarity == 0:
        return "ohne Wertung"
    return "günstiger" if diff * polarity > 0 else "ungünstiger"


def change_text(delta, unit: str, direction: str, since_year: int | None) -> str:
    """``+0,4 Pp. seit 2022 – verschlechtert``: the sign says the direction, the word says whether it is good.

    Without an earlier value: ``kein Wert für 2022`` (never "unverändert")."""
    if _missing(delta):
        return f"kein Wert für {since_year}" if since_year else "–"
    since = f" seit {since_year}" if since_year else ""
    word = TREND_WORDS.get(direction, "")
    if direction == "unverändert":
        return f"{fmt.change(delta, unit)}{since} – unverändert"
    return f"{fmt.change(delta, unit)}{since}" + (f" – {word}" if word else "")


def comparison_text(value, reference, unit: str, polarity: int, reference_name: str) -> str:
    """``0,8 Pp. über dem Median – ungünstiger``; contextual indicators without judgement."""
    if _missing(value) or _missing(reference):
        return "–"
    diff = float(value) - float(reference)
    word = _judgement(diff, unit, polarity)
    if word is None:
        return f"gleichauf mit {reference_name}"
    return f"{prio.amount(diff, unit)} {'über' if diff > 0 else 'unter'} {reference_name} – {word}"


def _headline_row(indicator: str, row: pd.Series | None, meta: Mapping) -> HeadlineRow:
    unit = str(meta.get("unit") or "")
    polarity = int(meta.get("polarity") or 0)
    label = str(meta.get("label") or indicator)
    if row is None:
        return HeadlineRow(
            indicator=indicator,
            label=label,
            unit=unit,
            polarity=polarity,
            year=None,
            value=None,
            value_text="keine Daten",
            change_1y=None,
            change_1y_text="–",
            change_5y=None,
            change_5y_text="–",
            median=None,
            median_text="–",
            median_comparison="–",
            land=None,
            land_text="–",
            land_comparison="–",
            rank_text="–",
            assessment_icon="–",
            assessment_label="keine Angabe",
            source=str(meta.get("source") or ""),
        )
    year = int(row["year"])
    value = _float(row["value"])
    label_value = row.get("value_label")
    rank, n = _float(row.get("rank")), _float(row.get("n"))
    return HeadlineRow(
        indicator=indicator,
        label=label,
        unit=unit,
        polarity=polarity,
        year=year,
        value=value,
        value_text=fmt.value(value, unit, label_value if isinstance(label_value, str) else None),
        change_1y=_float(row.get("change_1y")),
        change_1y_text=change_text(row.get("change_1y"), unit, str(row.get("trend_1y")), year - 1),
        change_5y=_float(row.get("change_5y")),
        change_5y_text=change_text(row.get("change_5y"), unit, str(row.get("trend_5y")), year - 5),
        median=_float(row.get("median")),
        median_text=fmt.value(row.get("median"), unit),
        median_comparison=comparison_text(value, row.get("median"), unit, polarity, "dem Median"),
        land=_float(row.get("land")),
        land_text=fmt.value(row.get("land"), unit),
        land_comparison=comparison_text(value, row.get("land"), unit, polarity, "dem Landeswert"),
        rank_text=f"Rang {int(rank)} von {int(n)}" if rank is not None and n is not None else "–",
        assessment_icon=str(row.get("assessment_icon") or "–"),
        assessment_label=str(row.get("assessment_label") or "keine Angabe"),
        source=str(row.get("source") or meta.get("source") or ""),
        trend_1y=str(row.get("trend_1y") or ""),
        trend_5y=str(row.get("trend_5y") or ""),
    )


def headline_rows(profile: pd.DataFrame, indicators: pd.DataFrame, indicator_ids: Sequence[str]) -> list[HeadlineRow]:
    """One row per requested indicator, in the requested order; an indicator without data says so."""
    ids = list(indicator_ids)
    meta = {r["id"]: r for r in records(indicators, keep=indicators["id"].isin(ids).tolist())}
    by_id = {}
    if not profile.empty:
        by_id = {r["indicator"]: r for r in records(profile, keep=profile["indicator"].isin(ids).tolist())}
    return [_headline_row(ind, by_id.get(ind), meta[ind]) for ind in ids if ind in meta]


def default_headline(indicators: pd.DataFrame) -> list[str]:
    """The headline indicators present in the warehouse: catalogue order first, then any others flagged there."""
    from indicators.domain.catalog import load_catalogue

    present = set(indicators["id"])
    ordered = [i.id for i in load_catalogue() if i.headline and i.id in present]
    flagged = indicators["headline"].fillna(False).astype(bool) if "headline" in indicators else False
    extra = sorted(set(indicators.loc[flagged, "id"]) - set(ordered)) if "headline" in indicators else []
    return ordered + extra


def _parts(texts: Iterable) -> list[str]:
    """Distinct pieces of ``a | b`` joined source or licence texts, sorted."""
    found = {part.strip() for text in texts if not _missing(text) for part in str(text).split(" | ")}
    return sorted(p for p in found if p)


# --- the Landrat summary -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Trend:
    """One indicator over time for the chart: the Kreis and the median of its peer group, year by year."""

    indicator: str
    label: str
    unit: str
    points: tuple[tuple[int, float | None, float | None], ...]  # (year, Kreis, median)


@dataclass(frozen=True)
class RegionMap:
    """The Kreise of the home Kreis's Land, coloured by one indicator: what the PDF's map shows."""

    title: str
    shapes: tuple[tuple[str, tuple[tuple[tuple[float, float], ...], ...], tuple[int, int, int], bool], ...]
    legend: str  # (ags, rings of (lon, lat), fill colour, is home)


@dataclass(frozen=True)
class LandratSummary:
    """Everything the Landrat page shows and the PDF prints."""

    kreis_name: str
    ags: str
    land_name: str
    year: int
    peer_label: str
    n_peers: int
    headline: tuple[HeadlineRow, ...]
    targets: TargetSummary
    strengths: tuple[prio.PriorityItem, ...]
    weaknesses: tuple[prio.PriorityItem, ...]
    n_priorities: int
    sources: tuple[str, ...]
    licences: tuple[str, ...]
    data_stand: str
    gebietsstand: str
    demo: bool
    created: dt.date
    notes: tuple[str, ...] = field(default_factory=tuple)
    trends: tuple[Trend, ...] = field(default_factory=tuple)
    region_map: RegionMap | None = None

    @property
    def created_text(self) -> str:
        return self.created.strftime("%d.%m.%Y")

    @property
    def title(self) -> str:
        return f"Lagebild Arbeitsmarkt: {self.kreis_name}"


def landrat_summary(
    profile: pd.DataFrame,
    assessments: Iterable[TargetAssessment],
    indicators: pd.DataFrame,
    *,
    kreis_name: str,
    ags: str,
    land_name: str,
    year: int,
    peer_label: str,
    n_peers: int,
    headline_ids: Sequence[str] | None = None,
    demo: bool = False,
    built_at: str | None = None,
    gebietsstand: str = "",
    today: dt.date | None = None,
    n_positions: int = 3,
    odds: Mapping[int, str] | None = None,
    trends: Sequence[Trend] = (),
    region_map: RegionMap | None = None,
) -> LandratSummary:
    """Collect the Landrat page from the enriched profile, the assessed targets and the indicator metadata.

    ``headline_ids`` defaults to the catalogue's headline indicators. Strengths and weaknesses are the
    ``n_positions`` most and least favourable positions against the peers (:mod:`indicators.domain.priorities`).
    Sources are the facts' sources of every number shown; licences come from the indicator metadata.
    """
    assessments = list(assessments)
    ids = list(headline_ids) if headline_ids is not None else default_headline(indicators)
    headline = headline_rows(profile, indicators, ids)
    judged = prio.judged_rows(profile)
    strengths = prio.strongest_positions(judged, n_positions)
    weaknesses = prio.weakest_positions(judged, n_positions)
    shown = {r.indicator for r in headline if r.year is not None}
    shown |= {i.indicator for i in strengths + weaknesses} | {a.target.indicator for a in assessments}
    meta = indicators.set_index("id")
    known = [i for i in sorted(shown) if i in meta.index]
    fact_sources: set[str] = set()
    if not profile.empty:
        fact_sources = {str(s) for s in profile.loc[profile["indicator"].isin(known), "source"].dropna() if str(s)}
    sources = _parts(fact_sources or [meta.loc[i, "source"] for i in known])
    licences = _parts(meta.loc[i, "licence"] for i in known)
    years = sorted({r.year for r in headline if r.year is not None})
    stand = []
    if built_at:
        stand.append(f"Datenbestand vom {fmt.german_date(built_at)}")
    if years:
        stand.append(f"Datenjahre {years[0]}" + (f"–{years[-1]}" if years[-1] != years[0] else ""))
    notes = []
    if any(r.year is not None and r.year < year for r in headline):
        notes.append(f"Je Kennzahl gilt das letzte Jahr mit Wert bis {year}.")
    return LandratSummary(
        kreis_name=kreis_name,
        ags=ags,
        land_name=land_name,
        year=int(year),
        peer_label=peer_label,
        n_peers=int(n_peers),
        headline=tuple(headline),
        targets=summarise_targets(assessments, odds),
        strengths=tuple(strengths),
        weaknesses=tuple(weaknesses),
        n_priorities=len(prio.priorities(judged)),
        sources=tuple(sources),
        licences=tuple(licences),
        data_stand=" · ".join(stand) or "–",
        gebietsstand=gebietsstand,
        demo=bool(demo),
        created=today or dt.date.today(),
        notes=tuple(notes),
        trends=tuple(trends),
        region_map=region_map,
    )
