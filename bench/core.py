"""The data layer's core questions at municipality scale: the plan, RegioMonitor's side, and comparing answers.

Three sides answer the same plan (indicator, year, home region, peer group, ... per repetition):
RegioMonitor through :class:`indicators.warehouse.store.Store` (and :mod:`indicators.domain.benchmark` where the
app does), the pandas baseline (:mod:`bench.baseline`) and the floor (:mod:`bench.floor`). RegioMonitor's and
pandas' answers are compared cell by cell; the floor only reads rows and gives no answer to compare.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from indicators.domain import benchmark
from indicators.warehouse.build import FACT_OUTPUT_COLUMNS

#: The questions in the order they are asked and reported, with a German-free short description for the table.
QUESTIONS = {
    "reference_statistics": "Reference statistics (median, mean, min, max, quartiles, Germany) over all regions, one indicator-year",
    "ranking": "Rank and percentile of every region, one indicator-year",
    "profile": "Full profile of one region (all indicators) against a peer group (its Land or Kreistyp)",
    "band": "Time-series band (min, quartiles, median, max, Germany per year) over a peer group",
    "series": "Time series of one region and 9 peers, one indicator",
    "neighbours": "k = 10 nearest neighbours on 5 standardised variables over all regions (matrix + distances)",
    "export": "Filtered export: one Land, 10 indicators, 5 years",
}
NEIGHBOURS = 10
PROFILE_COLUMNS = [
    "indicator", "year", "value", "n", "median", "mean", "min", "max", "q25", "q75", "n_higher", "n_lower",
    "germany", "land", "previous", "previous_year", "five_years_back", "five_years_back_year",
]  # fmt: skip
EXPORT_COLUMNS = FACT_OUTPUT_COLUMNS


# -- the plan ---------------------------------------------------------------------------------------------
def make_plan(
    municipalities: pd.DataFrame, indicators: pd.DataFrame, years: list[int], repetitions: int, seed: int = 11
) -> list[dict]:
    """One set of parameters per repetition; indicator, year, home region and peer group change every time."""
    rng = np.random.default_rng(seed)
    ids = sorted(indicators["id"])
    polarity = dict(zip(indicators["id"], indicators["polarity"].astype(int), strict=True))
    years = sorted(int(y) for y in years)
    plan = []
    for rep in range(repetitions):
        home_row = municipalities.iloc[int(rng.integers(len(municipalities)))]
        ind = ids[(7 * rep + 3) % len(ids)]
        year = years[-1 - (rep % min(4, len(years)))]
        start = int(rng.integers(0, max(1, len(ids) - 5)))
        span = min(5, len(years))
        last = years[-1 - (rep % max(1, len(years) - span + 1))]
        plan.append(
            {
                "rep": rep,
                "indicator": ind,
                "polarity": int(polarity[ind]),
                "year": year,
                "home": str(home_row["ags"]),
                "peer_kind": "land" if rep % 2 == 0 else "kreistyp",
                "neighbour_vars": ids[start : start + 5],
                "export_land": str(home_row["land_code"]),
                "export_indicators": [ids[(start + 3 * i) % len(ids)] for i in range(min(10, len(ids)))],
                "export_years": [last - span + 1, last],
            }
        )
    return plan


class Regions:
    """Region lists the questions need: all municipalities, a peer group, a Land's municipalities."""

    def __init__(self, municipalities: pd.DataFrame):
        m = municipalities
        self.all = m["ags"].astype(str).tolist()
        self._land = {k: g["ags"].tolist() for k, g in m.groupby("land_code")}
        self._type = {int(k): g["ags"].tolist() for k, g in m.groupby("kreistyp")}
        self._row = m.set_index("ags")

    def peers(self, home: str, kind: str) -> list[str]:
        row = self._row.loc[home]
        return self._land[row["land_code"]] if kind == "land" else self._type[int(row["kreistyp"])]

    def land(self, code: str) -> list[str]:
        return self._land[code]

    def series_regions(self, home: str, kind: str) -> list[str]:
        others = [r for r in self.peers(home, kind) if r != home]
        return [home] + others[:: max(1, len(others) // 9)][:9]


# -- RegioMonitor -----------------------------------------------------------------------------------------
def regiomonitor_questions(store, regions: Regions) -> dict[str, Callable[[dict], object]]:
    return {
        "reference_statistics": lambda p: store.reference_statistics(p["indicator"], p["year"], regions.all),
        "ranking": lambda p: store.ranking(p["indicator"], p["year"], regions.all, p["polarity"]),
        "profile": lambda p: store.profile(p["home"], regions.peers(p["home"], p["peer_kind"]), p["year"]),
        "band": lambda p: store.band(p["indicator"], regions.peers(p["home"], p["peer_kind"])),
        "series": lambda p: store.series(p["indicator"], regions.series_regions(p["home"], p["peer_kind"])),
        "neighbours": lambda p: benchmark.statistical_neighbours(
            store.matrix(p["neighbour_vars"], p["year"], regions.all), p["home"], NEIGHBOURS
        ),
        "export": lambda p: store.facts(
            regions.land(p["export_land"]), p["export_indicators"], tuple(p["export_years"])
        ),
    }


# -- comparing answers ------------------------------------------------------------------------------------
def _frame(answer: object, question: str) -> pd.DataFrame:
    if isinstance(answer, dict):
        return pd.DataFrame([answer])
    df = pd.DataFrame(answer).reset_index(drop=True)
    if question == "profile":
        df = df[PROFILE_COLUMNS]
    if question == "neighbours":
        df = df.assign(similar_on=df["similar_on"].map(tuple), differs_on=df["differs_on"].map(tuple))
    if question == "export":
        df = df[EXPORT_COLUMNS]
    return df


def _numeric(s: pd.Series) -> pd.Series | None:
    """The column as floats when it holds numbers (booleans and text stay as they are)."""
    if pd.api.types.is_bool_dtype(s):
        return None
    if pd.api.types.is_numeric_dtype(s):
        return s.astype(float)
    items = [x for x in s if not _missing(x)]
    if items and all(isinstance(x, int | float | np.number) and not isinstance(x, bool | np.bool_) for x in items):
        return pd.to_numeric(s, errors="coerce").astype(float)
    return None


def _same_column(a: pd.Series, b: pd.Series) -> bool:
    a_num, b_num = _numeric(a), _numeric(b)
    if a_num is not None and b_num is not None:
        return bool(np.allclose(a_num.to_numpy(), b_num.to_numpy(), rtol=1e-9, atol=1e-9, equal_nan=True))
    return [None if _missing(x) else x for x in a] == [None if _missing(x) else x for x in b]


def _missing(x: object) -> bool:
    return x is None or x is pd.NA or x is pd.NaT or (isinstance(x, float) and math.isnan(x))


def differences(rm: object, baseline: object, question: str) -> list[str]:
    """What differs between two answers to the same question (empty list: the same answer)."""
    a, b = _frame(rm, question), _frame(baseline, question)
    if len(a) != len(b):
        return [f"{len(a)} rows vs {len(b)} rows"]
    problems = []
    for col in a.columns:
        if col not in b.columns:
            problems.append(f"column {col} missing in baseline")
        elif not _same_column(a[col], b[col]):
            problems.append(f"column {col} differs")
    return problems
