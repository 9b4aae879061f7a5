"""Alert when a Kreis's series breaks away from its own trend relative to Germany (a CUSUM prediction test).

The series tested is the Kreis minus Germany, so a nationwide boom or crisis (and a change of source that
moves Germany too) is no alert. A straight line is fitted to the :data:`WINDOW` years before the last
:data:`RECENT` data years; the deviations of the recent years from the line's forecast are summed up
(a cumulative sum, CUSUM) and divided by the standard error the sum would have if the trend simply went on
with independent noise (forecast uncertainty of the line included).

Real series are not straight lines with independent noise (they curve and their years hang together), so
the textbook bound of Student's t would raise alarms for half of all Kreise. The bound is instead
*calibrated on the indicator's own history*: the 95th percentile of the absolute statistic over every Kreis
and every earlier end year. An alert therefore says "the last three years left the earlier trend further
than in 95 % of all earlier cases" - the same empirical idea as the forecast's pooled errors.
Summing over the recent years, rather than judging one year, catches a turn that builds up over years and
ignores a single odd value that the next year corrects.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Years of the earlier trend (before the recent ones).
WINDOW = 8
#: The recent data years whose summed deviation is tested.
RECENT = 3
LEVEL = 0.95
#: Earlier cases needed to calibrate the bound.
MIN_CASES = 200


@dataclass(frozen=True)
class Departure:
    """A Kreis moving away from its trend relative to Germany."""

    year: int  # first of the recent data years
    direction: int  # +1: higher than its trend (relative to Germany), -1: lower
    first_year: int  # first year of the earlier trend
    last_year: int
    statistic: float  # summed deviation / its standard error
    bound: float  # the indicator's calibrated bound
    across_break: bool = False  # a change of source lies in the tested years: the departure may be an artefact

    def favourable(self, polarity: int) -> bool | None:
        return None if polarity == 0 else self.direction * polarity > 0


def relative(panel: pd.DataFrame, germany: pd.Series) -> pd.DataFrame:
    """Regions x years minus Germany's value of the year; years without any value dropped."""
    shared = [y for y in panel.columns if y in germany.index and pd.notna(germany[y])]
    out = panel[shared].sub(germany[shared].astype(float), axis=1)
    return out.loc[:, out.notna().any(axis=0)]


def statistics(rel: pd.DataFrame, end: int, window: int = WINDOW, recent: int = RECENT) -> pd.Series:
    """Studentised sum of the deviations of the ``recent`` data years up to ``end`` from the line through the
    ``window`` data years before them, for every row with all those years (vectorised over rows)."""
    years = [y for y in rel.columns if y <= end]
    if len(years) < window + recent or years[-1] != end:
        return pd.Series(dtype=float)
    used = years[-(window + recent) :]
    block = rel[used].dropna()
    if block.empty:
        return pd.Series(dtype=float)
    t = np.asarray(used, dtype=float) - used[0]
    x = np.column_stack([np.ones(len(t)), t])
    xb, xr = x[:window], x[window:]
    xtx_inv = np.linalg.inv(xb.T @ xb)
    y = block.to_numpy(dtype=float)
    params = y[:, :window] @ xb @ xtx_inv  # rows x 2 (least squares per row)
    residuals = y[:, :window] - params @ xb.T
    scale = (residuals**2).sum(axis=1) / (window - 2)
    deviation = (y[:, window:] - params @ xr.T).sum(axis=1)
    ones = np.ones(recent)
    factor = float(ones @ (np.eye(recent) + xr @ xtx_inv @ xr.T) @ ones)
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = deviation / np.sqrt(scale * factor)
    statistic[scale <= 1e-12] = np.nan
    return pd.Series(statistic, index=block.index).dropna()


def calibrated_bound(rel: pd.DataFrame, before: int, level: float = LEVEL) -> float | None:
    """The ``level`` quantile of the absolute statistic over all rows and all end years before ``before``."""
    cases = [statistics(rel, int(end)).abs() for end in rel.columns if end < before]
    pooled = pd.concat(cases) if cases else pd.Series(dtype=float)
    if len(pooled) < MIN_CASES:
        return None
    return float(np.quantile(pooled, level))


COLUMNS = ["statistic", "bound", "direction", "alert", "year", "first_year", "last_year", "across_break"]


def detect_all(rel: pd.DataFrame, end: int | None = None, breaks: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per region with data: statistic, bound, direction and whether it is an alert, for the ``end`` year
    (default: the last year). Empty when the history is too short to calibrate the bound.

    ``breaks`` (regions x years, True where a series continues from another source) marks alerts whose
    tested years (the earlier trend's last year to ``end``) contain such a change.
    """
    if rel.empty:
        return pd.DataFrame(columns=COLUMNS)
    end = int(rel.columns.max()) if end is None else int(end)
    years = [y for y in rel.columns if y <= end]
    bound = calibrated_bound(rel, before=end)
    now = statistics(rel, end)
    if bound is None or now.empty:
        return pd.DataFrame(columns=COLUMNS)
    used = years[-(WINDOW + RECENT) :]
    across = pd.Series(False, index=now.index)
    if breaks is not None and not breaks.empty:
        tested = [y for y in breaks.columns if used[WINDOW - 1] < y <= end]
        across = breaks.reindex(index=now.index, columns=tested).fillna(False).astype(bool).any(axis=1)
    return pd.DataFrame(
        {
            "statistic": now,
            "bound": bound,
            "direction": np.sign(now).astype(int),
            "alert": now.abs() > bound,
            "year": used[WINDOW],
            "first_year": used[0],
            "last_year": end,
            "across_break": across,
        }
    )


def departure(table: pd.DataFrame, region: str) -> Departure | None:
    """The alert of one region from :func:`detect_all`, if it has one."""
    if region not in table.index or not bool(table.loc[region, "alert"]):
        return None
    row = table.loc[region]
    return Departure(
        year=int(row["year"]),
        direction=int(row["direction"]),
        first_year=int(row["first_year"]),
        last_year=int(row["last_year"]),
        statistic=float(row["statistic"]),
        bound=float(row["bound"]),
        across_break=bool(row["across_break"]),
    )


def describe(departure: Departure, label: str, unit: str, polarity: int, kreis_name: str) -> str:
    """German sentence for the Ziele and Schwerpunkte pages."""
    direction = "höher" if departure.direction > 0 else "niedriger"
    judged = departure.favourable(polarity)
    tone = "" if judged is None else (" – eine günstige Wendung" if judged else " – eine ungünstige Wendung")
    return (
        f"{label}: {kreis_name} weicht seit {departure.year} vom eigenen Trend ab "
        f"({direction} als der Trend {departure.first_year}–{departure.year - 1} im Vergleich zu Deutschland "
        f"erwarten ließ – stärker als in 95 % der früheren Fälle aller Kreise; Daten bis {departure.last_year})"
        f"{tone}."
        + (
            " Achtung: In diesen Jahren wechselt die Quelle (Reihenbruch); die Abweichung kann auch daher rühren."
            if departure.across_break
            else ""
        )
    )
