"""What changed: between two data snapshots (revisions, new data years) and for a Kreis since a meeting
(values that moved beyond their usual year-to-year noise, targets whose status changed, new notes).

Rule-based and reproducible, no language model. The noise rule follows the idea of the ONS's Explore Local
Statistics (a change is only called higher or lower when it stands out from what the series usually does from
one year to the next):

* the usual noise of a Kreis's series is the spread of its earlier year-to-year changes around their median,
  ``1.2533 · mean(|Δ − median(Δ)|)`` (the mean absolute deviation, scaled to a standard deviation for normal
  noise; unlike the median absolute deviation it does not vanish for a series that alternates) over at least
  :data:`MIN_CHANGES` changes (no change across a series break counts), and never less than half the published
  precision (rounding is not movement);
* the new change is **höher** when it exceeds :data:`NOISE_FACTOR` times that noise, **niedriger** when it falls
  below minus that, otherwise **ähnlich**. Across a series break there is no comparison (**Reihenbruch**).
* a change over a gap of ``k`` years (a year without data) is judged against ``sqrt(k)`` times the yearly
  noise, as independent yearly wobbles add up.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from indicators.domain import formatting as fmt

MIN_CHANGES = 4
NOISE_FACTOR = 2.0
#: Year-to-year changes considered for the noise (the most recent ones).
NOISE_WINDOW = 10
#: A data year "arrives" for an indicator when it covers this share of the Kreise.
FULL_COVERAGE = 0.9

MOVE_TEXT = {
    "hoeher": "höher",
    "niedriger": "niedriger",
    "aehnlich": "ähnlich",
    "bruch": "Reihenbruch",
    "zu_kurz": "zu kurze Reihe",
}


def noise(changes: Sequence[float], floor: float = 0.0) -> float | None:
    """Spread of year-to-year changes around their median (scaled mean absolute deviation), at least ``floor``;
    ``None`` with too few changes."""
    values = np.asarray([c for c in changes if c is not None and math.isfinite(c)], dtype=float)
    if values.size < MIN_CHANGES:
        return None
    spread = 1.2533 * float(np.mean(np.abs(values - np.median(values))))
    return max(spread, floor)


@dataclass(frozen=True)
class Movement:
    """The latest year-to-year change of one Kreis on one indicator, judged against its usual noise."""

    indicator: str
    year: int
    previous_year: int
    value: float
    previous: float
    change: float
    noise: float | None
    code: str  # hoeher | niedriger | aehnlich | bruch | zu_kurz

    @property
    def label(self) -> str:
        return MOVE_TEXT[self.code]

    def tone(self, polarity: int) -> str:
        """positive | negative | neutral: higher is good only where higher is better."""
        if self.code not in ("hoeher", "niedriger") or polarity == 0:
            return "neutral"
        return "positive" if (1 if self.code == "hoeher" else -1) * polarity > 0 else "negative"

    def sentence(self, label: str, unit: str) -> str:
        if self.code == "bruch":
            return f"{label}: {self.year} neue Quelle oder Definition (Reihenbruch) – nicht mit {self.previous_year} vergleichbar"
        change = fmt.change(self.change, unit)
        values = (
            f"{fmt.value(self.previous, unit)} ({self.previous_year}) → {fmt.value(self.value, unit)} ({self.year})"
        )
        if self.code == "zu_kurz":
            return f"{label}: {values}, {change}; zu kurze Reihe, um Rauschen von Bewegung zu trennen"
        usual = fmt.change(self.noise, unit).lstrip("+") if self.noise is not None else "–"
        return f"{label}: {values}, {change} – {self.label} (übliche Schwankung ±{usual})"


def movement(
    series: pd.Series, year: int, *, floor: float = 0.0, breaks: set[int] | frozenset[int] = frozenset()
) -> Movement | None:
    """Judge the change into ``year`` (from the nearest earlier year with a value) of a series year -> value.

    ``breaks`` are years in which the series continues from another source or definition: a change into such a
    year is no comparison, and changes across one do not count as noise.
    """
    series = series.dropna().sort_index()
    series = series[series.index <= year]
    if year not in series.index or len(series) < 2:
        return None
    previous_year = int(series.index[-2])
    value, previous = float(series.loc[year]), float(series.iloc[-2])
    change = value - previous
    if any(previous_year < b <= year for b in breaks):
        return Movement("", int(year), previous_year, value, previous, change, None, "bruch")
    years = list(series.index)
    past = [
        float(series.iloc[i] - series.iloc[i - 1])
        for i in range(1, len(years) - 1)
        if years[i] - years[i - 1] == 1 and not any(years[i - 1] < b <= years[i] for b in breaks)
    ][-NOISE_WINDOW:]
    spread = noise(past, floor)
    if spread is None:
        return Movement("", int(year), previous_year, value, previous, change, None, "zu_kurz")
    spread *= math.sqrt(year - previous_year)
    if change > NOISE_FACTOR * spread:
        code = "hoeher"
    elif change < -NOISE_FACTOR * spread:
        code = "niedriger"
    else:
        code = "aehnlich"
    return Movement("", int(year), previous_year, value, previous, change, spread, code)


def precision_floor(unit: str, decimals: int | None = None) -> float:
    """Half the published precision: a change of one rounding step is no movement."""
    digits = fmt.decimals_for(unit) if decimals is None else decimals
    return 0.5 * 10.0 ** (-digits)


def full_years(quality: pd.DataFrame, n_kreise: int) -> set[tuple[str, int]]:
    """(indicator, year) pairs covering at least :data:`FULL_COVERAGE` of the Kreise, from a quality table."""
    if quality.empty:
        return set()
    full = quality[quality["kreise_mit_wert"] >= FULL_COVERAGE * n_kreise]
    return {(str(i), int(y)) for i, y in zip(full["indicator"], full["year"], strict=True)}


def new_years(before: pd.DataFrame, after: pd.DataFrame, n_kreise: int) -> pd.DataFrame:
    """Data years that cover Germany now but did not before: ``indicator, year``, sorted."""
    arrived = sorted(full_years(after, n_kreise) - full_years(before, n_kreise))
    return pd.DataFrame(arrived, columns=["indicator", "year"])


KEY = ["region", "indicator", "year"]


def revisions(before: pd.DataFrame, after: pd.DataFrame, tolerance: float = 1e-9) -> pd.DataFrame:
    """Cells that differ between two snapshots' facts: ``region, indicator, year, before, after, difference,
    kind`` with kind ``geändert`` (value changed), ``neu`` (value only after) or ``entfallen`` (only before)."""
    left = before.loc[before["value"].notna(), [*KEY, "value"]].rename(columns={"value": "before"})
    right = after.loc[after["value"].notna(), [*KEY, "value"]].rename(columns={"value": "after"})
    both = left.merge(right, on=KEY, how="outer")
    both["difference"] = both["after"] - both["before"]
    changed = both["before"].notna() & both["after"].notna()
    scale = np.maximum(1.0, np.maximum(both["before"].abs(), both["after"].abs()))
    moved = changed & (both["difference"].abs() > tolerance * scale)
    both["kind"] = np.select(
        [moved, both["before"].isna(), both["after"].isna()], ["geändert", "neu", "entfallen"], default=""
    )
    out = both[both["kind"] != ""].sort_values(KEY).reset_index(drop=True)
    return out[[*KEY, "before", "after", "difference", "kind"]]


def revision_summary(cells: pd.DataFrame) -> pd.DataFrame:
    """Per indicator: cells changed, new and dropped, and the largest absolute change."""
    if cells.empty:
        return pd.DataFrame(columns=["indicator", "geändert", "neu", "entfallen", "größte Änderung"])
    counts = cells.pivot_table(index="indicator", columns="kind", values="year", aggfunc="count", fill_value=0)
    counts = counts.reindex(columns=["geändert", "neu", "entfallen"], fill_value=0)
    largest = cells[cells["kind"] == "geändert"].groupby("indicator")["difference"].agg(lambda d: d.abs().max())
    counts["größte Änderung"] = largest.reindex(counts.index)
    return counts.reset_index().sort_values("indicator").reset_index(drop=True)


@dataclass(frozen=True)
class StatusChange:
    target_id: int
    indicator: str
    before: str  # status code as of the meeting
    after: str  # status code now


def status_changes(before: dict[int, tuple[str, str]], after: dict[int, tuple[str, str]]) -> list[StatusChange]:
    """Targets whose status code differs between two judgements (``id -> (indicator, code)``); targets that
    did not exist before count as changed from ``neu``."""
    out = []
    for target_id, (indicator, code) in sorted(after.items()):
        old = before.get(target_id, (indicator, "neu"))[1]
        if old != code:
            out.append(StatusChange(target_id, indicator, old, code))
    return out
