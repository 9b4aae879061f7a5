"""Target odds: forecast an indicator to the target year and the probability of meeting the target.

Method, chosen to be explainable and honest on short annual series:

* **Point forecast**: additive damped trend (Holt's linear method with damping, as ``statsmodels``'
  ``Holt(damped_trend=True)``), with level and trend starting from the first two values. The three smoothing
  parameters are not fitted per Kreis (eight to twenty points are too few): one set per indicator is chosen
  from a small grid by the mean absolute error of one- to three-year-ahead forecasts over all Kreise and
  all past origins.
* **Uncertainty**: the errors this same method made in the past, pooled over Kreise with a similar level
  (the nearest :data:`POOL_SHARE` of all Kreis-years at that horizon), so a Kreis at 12 % unemployment gets
  the spread of Kreise around 12 %, not of those around 3 %. The fan chart shows their quantiles; the
  probability of meeting a target is the share of those past errors with which the target would have been met.
* **Probability words**: ``wahrscheinlich`` from 2/3 on, ``unwahrscheinlich`` up to 1/3, otherwise ``offen``
  (the IPCC's likely / unlikely).

One filter pass over a series gives the level and trend at every year, so the forecasts from every past
origin (and hence every past error) come from that one pass, vectorised over all Kreise.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Grid of (alpha, beta, phi): level smoothing, trend smoothing, damping.
#: ``(1, 0, 0)`` is the last value without trend (random walk): chosen where no trend has paid off.
GRID: tuple[tuple[float, float, float], ...] = (
    *itertools.product((0.3, 0.5, 0.7, 0.9, 1.0), (0.05, 0.1, 0.2, 0.4), (0.6, 0.8, 0.9, 0.98)),
    (1.0, 0.0, 0.0),
)
#: Horizons (years ahead) whose errors choose the parameters.
SELECTION_HORIZONS = (1, 2, 3)
#: A Kreis's series needs this many years up to the origin.
MIN_YEARS = 6
#: Share of all past Kreis-years (nearest in level) whose errors make up a Kreis's uncertainty; at least
#: :data:`MIN_POOL` errors.
POOL_SHARE = 0.2
MIN_POOL = 200
#: Interior gaps up to this many years are bridged linearly (e.g. a year missing in every source).
MAX_GAP = 2
LIKELY, UNLIKELY = 2 / 3, 1 / 3
FAN_QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)


@dataclass(frozen=True)
class Parameters:
    alpha: float
    beta: float
    phi: float
    mae: float  # mean absolute error over the selection horizons (indicator units)


def regular_panel(long: pd.DataFrame, kreise: list[str] | None = None, until: int | None = None) -> pd.DataFrame:
    """Regions x consecutive years from long facts (``region, year, value``); interior gaps up to
    :data:`MAX_GAP` years bridged linearly, longer gaps and the edges left empty."""
    data = long.dropna(subset=["value"])
    if until is not None:
        data = data[data["year"] <= until]
    if data.empty:
        return pd.DataFrame()
    wide = data.pivot_table(index="region", columns="year", values="value", aggfunc="last")
    wide = wide.reindex(columns=range(int(wide.columns.min()), int(wide.columns.max()) + 1))
    if kreise is not None:
        wide = wide.reindex(kreise)
    filled = wide.interpolate(axis=1, limit_area="inside")
    # pandas' ``limit`` would fill the first years of a longer gap: measure each gap's length instead
    missing = wide.isna().to_numpy()
    gap_length = np.zeros(missing.shape, dtype=int)
    for i, row in enumerate(missing):
        j = 0
        while j < len(row):
            if row[j]:
                k = j
                while k < len(row) and row[k]:
                    k += 1
                gap_length[i, j:k] = k - j
                j = k
            else:
                j += 1
    return filled.mask(gap_length > MAX_GAP).astype(float)


def _tail(panel: np.ndarray) -> np.ndarray:
    """Per row: index of the first year of the last unbroken run of values (NaN-free up to the end)."""
    n, t = panel.shape
    start = np.full(n, t)
    ok = ~np.isnan(panel)
    for j in range(t - 1, -1, -1):
        still = ok[:, j] & (start == j + 1)
        start[still] = j
    return start


def filter_states(panel: np.ndarray, alpha: float, beta: float, phi: float) -> tuple[np.ndarray, np.ndarray]:
    """Level and trend after each year, per row; NaN before a row's last unbroken run has two values.

    The recursion is statsmodels' additive damped trend with known initial values ``l0 = y[s]`` and
    ``b0 = y[s+1] - y[s]`` at the start ``s`` of the run, applied from ``y[s]`` on.
    """
    n, t = panel.shape
    level = np.full((n, t), np.nan)
    trend = np.full((n, t), np.nan)
    start = _tail(panel)
    rows = np.arange(n)
    valid = start <= t - 2
    l_prev = np.where(valid, panel[rows, np.minimum(start, t - 1)], np.nan)
    b_prev = np.where(valid, panel[rows, np.minimum(start + 1, t - 1)] - l_prev, np.nan)
    for j in range(t):
        active = valid & (j >= start)
        y = panel[:, j]
        new_level = alpha * y + (1 - alpha) * (l_prev + phi * b_prev)
        new_trend = beta * (new_level - l_prev) + (1 - beta) * phi * b_prev
        l_prev = np.where(active, new_level, l_prev)
        b_prev = np.where(active, new_trend, b_prev)
        level[:, j] = np.where(active & (j >= start + 1), l_prev, np.nan)
        trend[:, j] = np.where(active & (j >= start + 1), b_prev, np.nan)
    return level, trend


def damping_sum(phi: float, h: int) -> float:
    """phi + phi² + … + phi^h: how much of today's trend the forecast h years ahead carries."""
    return float(sum(phi**k for k in range(1, h + 1)))


def forecast(series: np.ndarray, alpha: float, beta: float, phi: float, horizons: int) -> np.ndarray:
    """Point forecasts 1..``horizons`` years after the last value of one regular series (NaN-free tail)."""
    level, trend = filter_states(np.asarray(series, dtype=float)[None, :], alpha, beta, phi)
    l_last, b_last = level[0, -1], trend[0, -1]
    return np.array([l_last + damping_sum(phi, h) * b_last for h in range(1, horizons + 1)])


def past_errors(panel: np.ndarray, alpha: float, beta: float, phi: float, h: int) -> tuple[np.ndarray, np.ndarray]:
    """All h-year-ahead errors (actual − forecast) over rows and origins, with the level at the origin.

    Only origins where the row has at least :data:`MIN_YEARS` values in its run count, as for a real forecast.
    """
    n, t = panel.shape
    if t <= h:
        return np.array([]), np.array([])
    level, trend = filter_states(panel, alpha, beta, phi)
    start = _tail(panel)
    predicted = level[:, : t - h] + damping_sum(phi, h) * trend[:, : t - h]
    actual = panel[:, h:]
    origin = np.arange(t - h)[None, :]
    enough = origin - start[:, None] + 1 >= MIN_YEARS
    errors = actual - predicted
    keep = enough & ~np.isnan(errors)
    return errors[keep], panel[:, : t - h][keep]


def select_parameters(panel: np.ndarray, horizons=SELECTION_HORIZONS, grid=GRID) -> Parameters | None:
    """The grid point with the smallest mean absolute error over ``horizons`` (ties: first in the grid)."""
    best: Parameters | None = None
    for alpha, beta, phi in grid:
        errors = [past_errors(panel, alpha, beta, phi, h)[0] for h in horizons]
        pooled = np.concatenate(errors) if errors else np.array([])
        if pooled.size == 0:
            continue
        mae = float(np.mean(np.abs(pooled)))
        if best is None or mae < best.mae - 1e-12:
            best = Parameters(alpha, beta, phi, mae)
    return best


def pooled_errors(
    errors: np.ndarray, origin_levels: np.ndarray, level: float, share: float = POOL_SHARE, minimum: int = MIN_POOL
) -> np.ndarray:
    """The past errors of the Kreis-years nearest in level to ``level``."""
    if errors.size == 0:
        return errors
    k = min(errors.size, max(minimum, math.ceil(share * errors.size)))
    nearest = np.argsort(np.abs(origin_levels - level), kind="stable")[:k]
    return errors[nearest]


@dataclass(frozen=True)
class Odds:
    """Forecast of one Kreis's indicator to a target year and the chance of meeting the target."""

    code: str  # wahrscheinlich | offen | unwahrscheinlich | keine_bewertung
    label: str
    probability: float | None
    point: float | None  # damped-trend forecast for the target year
    fan: pd.DataFrame  # year, q10, q25, q50, q75, q90 from the last data year to the target year
    reason: str
    pooled: int  # errors the uncertainty rests on
    horizon: int | None
    extrapolated: bool  # horizon beyond the longest one with past errors: spread scaled by sqrt(h / h_max)


ODDS_TEXT = {
    "wahrscheinlich": "Zielerreichung wahrscheinlich",
    "offen": "Zielerreichung offen",
    "unwahrscheinlich": "Zielerreichung unwahrscheinlich",
    "keine_bewertung": "keine Prognose",
}
ODDS_ICON = {"wahrscheinlich": "●", "offen": "◐", "unwahrscheinlich": "○", "keine_bewertung": "–"}
ODDS_TONE = {
    "wahrscheinlich": "positive",
    "offen": "warning",
    "unwahrscheinlich": "negative",
    "keine_bewertung": "neutral",
}


def classify(probability: float) -> str:
    if probability >= LIKELY:
        return "wahrscheinlich"
    if probability <= UNLIKELY:
        return "unwahrscheinlich"
    return "offen"


def hit(value: np.ndarray | float, target: float, polarity: int) -> np.ndarray:
    """Whether a value meets the target (gap = polarity · (value − target) ≥ 0), as the target status does."""
    return polarity * (np.asarray(value, dtype=float) - target) >= -1e-9 * max(1.0, abs(target))


def no_odds(reason: str) -> Odds:
    """No forecast, with the reason shown instead."""
    return Odds("keine_bewertung", ODDS_TEXT["keine_bewertung"], None, None, pd.DataFrame(), reason, 0, None, False)


class Forecaster:
    """Parameters and past errors of one indicator, fitted once on the panel of all Kreise up to a year."""

    def __init__(self, panel: pd.DataFrame, parameters: Parameters | None = None, max_horizon: int = 12):
        self.panel = panel
        values = panel.to_numpy(dtype=float)
        self.years = [int(y) for y in panel.columns]
        self.parameters = parameters or select_parameters(values)
        self._errors: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        if self.parameters is not None:
            p = self.parameters
            for h in range(1, max_horizon + 1):
                errors, levels = past_errors(values, p.alpha, p.beta, p.phi, h)
                if errors.size < MIN_POOL:
                    break
                self._errors[h] = (errors, levels)

    @property
    def max_horizon(self) -> int:
        return max(self._errors, default=0)

    def errors(self, h: int) -> np.ndarray:
        """All past h-year-ahead errors of this indicator (every Kreis and origin)."""
        return self._errors[h][0] if h in self._errors else np.array([])

    def run(self, region: str) -> tuple[int, int] | None:
        """First and last year of the Kreis's last unbroken run of values, if long enough to forecast."""
        if self.parameters is None or region not in self.panel.index:
            return None
        row = self.panel.loc[region].to_numpy(dtype=float)
        last = np.flatnonzero(~np.isnan(row))
        if last.size == 0:
            return None
        start = int(_tail(row[None, : last[-1] + 1])[0])
        if last[-1] + 1 - start < MIN_YEARS:
            return None
        return self.years[0] + start, self.years[0] + int(last[-1])

    def point(self, region: str, horizons: int) -> tuple[int, np.ndarray] | None:
        """Last data year and the point forecasts 1..``horizons`` years after it, or ``None``."""
        years = self.run(region)
        if years is None:
            return None
        first, last = years
        row = self.panel.loc[region].to_numpy(dtype=float)[first - self.years[0] : last - self.years[0] + 1]
        p = self.parameters
        return last, forecast(row, p.alpha, p.beta, p.phi, horizons)

    def spread(self, h: int, level: float) -> tuple[np.ndarray, bool]:
        """Past h-year errors near ``level``; beyond the longest horizon, the longest one's scaled up."""
        if h in self._errors:
            return pooled_errors(*self._errors[h], level), False
        longest = self.max_horizon
        errors = pooled_errors(*self._errors[longest], level)
        return errors * math.sqrt(h / longest), True

    def sample(self, region: str, target_year: int) -> tuple[int, np.ndarray, list[np.ndarray], bool] | None:
        """Last data year, point forecasts up to ``target_year`` and the pooled outcomes per year ahead."""
        start = self.point(region, 1)
        if start is None:
            return None
        last_year = start[0]
        horizon = int(target_year) - last_year
        if horizon <= 0:
            return last_year, np.array([]), [], False
        _, points = self.point(region, horizon)
        level = float(self.panel.loc[region, last_year])
        outcomes, extrapolated = [], False
        for h in range(1, horizon + 1):
            errors, scaled = self.spread(h, level)
            extrapolated |= scaled
            outcomes.append(points[h - 1] + errors)
        return last_year, points, outcomes, extrapolated

    def odds(self, region: str, target_value: float, target_year: int, polarity: int) -> Odds:
        if polarity not in (-1, 1):
            return no_odds("Kontextindikator: keine Zielprognose")
        if self.parameters is None or self.max_horizon == 0:
            return no_odds("zu wenige Jahre oder Kreise für eine geprüfte Prognose")
        drawn = self.sample(region, target_year)
        if drawn is None:
            return no_odds(f"zu kurze Zeitreihe (mindestens {MIN_YEARS} Jahre ohne längere Lücke nötig)")
        last_year, points, outcomes, extrapolated = drawn
        if not outcomes:
            return no_odds(
                f"Zieljahr {target_year} liegt nicht nach dem letzten Datenjahr {last_year}: maßgeblich ist der Status"
            )
        level = float(self.panel.loc[region, last_year])
        rows = [{"year": last_year, **{_q(q): level for q in FAN_QUANTILES}}]
        for h, values in enumerate(outcomes, start=1):
            rows.append({"year": last_year + h, **{_q(q): float(np.quantile(values, q)) for q in FAN_QUANTILES}})
        final = outcomes[-1]
        probability = float(np.mean(hit(final, target_value, polarity)))
        code = classify(probability)
        first = self.run(region)[0]
        reason = (
            f"Fortschreibung der Jahre {first}–{last_year} (gedämpfter Trend) samt den Prognosefehlern von "
            f"{final.size} früheren Fällen mit ähnlichem Niveau: für {target_year} im Mittel "
            f"{_de(float(np.median(final)))}, Zielwert {_de(target_value)} in {_de(probability * 100, 0)} % der "
            "Fälle erreicht"
        )
        return Odds(
            code,
            ODDS_TEXT[code],
            probability,
            float(points[-1]),
            pd.DataFrame(rows),
            reason,
            int(final.size),
            len(outcomes),
            extrapolated,
        )


def _q(q: float) -> str:
    return f"q{round(q * 100)}"


def _de(value: float, decimals: int = 1) -> str:
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")


# --- validation ------------------------------------------------------------------------------------------


def brier(probabilities: np.ndarray, outcomes: np.ndarray) -> float:
    """Mean squared difference between predicted probability and what happened (0 = perfect)."""
    p = np.asarray(probabilities, dtype=float)
    o = np.asarray(outcomes, dtype=float)
    return float(np.mean((p - o) ** 2))


def calibration(probabilities: np.ndarray, outcomes: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """Per decile of predicted probability: mean predicted, observed hit rate and count."""
    p = np.asarray(probabilities, dtype=float)
    o = np.asarray(outcomes, dtype=float)
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1], right=False), 0, bins - 1)
    rows = []
    for b in range(bins):
        mask = which == b
        rows.append(
            {
                "bin": f"{edges[b]:.1f}–{edges[b + 1]:.1f}",
                "n": int(mask.sum()),
                "predicted": float(p[mask].mean()) if mask.any() else math.nan,
                "observed": float(o[mask].mean()) if mask.any() else math.nan,
            }
        )
    return pd.DataFrame(rows)


def linear_trend_projection(panel: np.ndarray, horizon: int, n_years: int = 5) -> np.ndarray:
    """The Ziele page's existing rule, per row: least-squares line through the last ``n_years`` values."""
    out = np.full(panel.shape[0], np.nan)
    for i, row in enumerate(panel):
        years = np.flatnonzero(~np.isnan(row))
        years = years[years > years[-1] - n_years] if years.size else years
        if years.size < 2:
            continue
        slope, intercept = np.polyfit(years, row[years], 1)
        out[i] = intercept + slope * (years[-1] + horizon)
    return out


#: Hypothetical targets of the backtest: the value at the origin moved by these multiples of the typical
#: change over the horizon (median absolute change of all Kreise in the years before), in the favourable
#: direction: from "may get a typical step worse" to "must improve by a typical step".
BACKTEST_STEPS = (-1.0, -0.5, 0.0, 0.5, 1.0)
NAIVE = Parameters(1.0, 0.0, 0.0, math.nan)  # level = last value, no trend: the random walk


def backtest(panel: pd.DataFrame, origin: int, target_year: int, polarity: int, steps=BACKTEST_STEPS) -> pd.DataFrame:
    """Forecast ``target_year`` from data up to ``origin`` for every Kreis and judge hypothetical targets.

    Everything the forecast uses (parameters, past errors) comes from years up to ``origin``. Per Kreis and
    target: the model's probability, the naive probability (last value plus the pooled errors of the last
    value as forecast), the naive yes/no (last value already meets it), the Ziele page's linear trend yes/no,
    whether the actual value met it, and whether the actual value fell inside the 80 % fan.
    """
    direction = polarity if polarity in (-1, 1) else 1
    train = panel.loc[:, [y for y in panel.columns if y <= origin]]
    if target_year not in panel.columns or origin not in train.columns:
        return pd.DataFrame()
    model, naive = Forecaster(train), Forecaster(train, NAIVE)
    if model.parameters is None or model.max_horizon == 0 or naive.max_horizon == 0:
        return pd.DataFrame()
    horizon = target_year - origin
    if horizon > naive.max_horizon:
        return pd.DataFrame()
    typical = float(np.median(np.abs(naive.errors(horizon))))
    linear = pd.Series(linear_trend_projection(train.to_numpy(dtype=float), horizon), index=train.index)
    rows = []
    for region in train.index:
        actual, start = panel.loc[region, target_year], train.loc[region, origin]
        if np.isnan(actual) or np.isnan(start):
            continue
        drawn, drawn_naive = model.sample(region, target_year), naive.sample(region, target_year)
        if drawn is None or drawn_naive is None or not drawn[2]:
            continue
        outcomes, outcomes_naive = drawn[2][-1], drawn_naive[2][-1]
        low, high = np.quantile(outcomes, [0.1, 0.9])
        for step in steps:
            target = start + direction * step * typical
            rows.append(
                {
                    "region": region,
                    "origin": origin,
                    "target_year": target_year,
                    "step": step,
                    "target": target,
                    "actual": actual,
                    "point": drawn[1][-1],
                    "p_model": float(np.mean(hit(outcomes, target, direction))),
                    "p_naive": float(np.mean(hit(outcomes_naive, target, direction))),
                    "naive_yes": float(hit(start, target, direction)),
                    "linear_yes": float(hit(linear[region], target, direction))
                    if not np.isnan(linear[region])
                    else np.nan,
                    "hit": float(hit(actual, target, direction)),
                    "in_fan80": bool(low <= actual <= high),
                }
            )
    return pd.DataFrame(rows)
