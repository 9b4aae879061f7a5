"""The pandas baseline a competent analyst writes: the facts loaded once with categorical keys, groups built once.

Set-up (timed and reported): read ``facts.parquet`` with ``region``, ``indicator``, ``value_label`` and ``source``
as categoricals (categories in text order), then build the row positions of every indicator-year and of every region once
(``groupby(...).indices``). Each question then takes only the rows of its groups, instead of filtering 22 million
rows. The statistical neighbours are computed here with NumPy, independently of
:func:`indicators.domain.benchmark.statistical_neighbours`, so that the comparison checks them too.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from bench.core import NEIGHBOURS

CATEGORICAL = ["region", "indicator", "value_label", "source"]
NO_ROWS = np.array([], dtype=np.int64)


class PandasFacts:
    def __init__(self, facts_file):
        table = pq.read_table(facts_file, read_dictionary=CATEGORICAL)
        self.df = table.to_pandas(self_destruct=True, split_blocks=True)
        del table
        for col in CATEGORICAL:  # categories in text order, so that sorting by them sorts by the text
            self.df[col] = self.df[col].cat.reorder_categories(sorted(self.df[col].cat.categories))
        self.slices = self.df.groupby(["indicator", "year"], observed=True, sort=False).indices
        self.regions = self.df.groupby("region", observed=True, sort=False).indices
        self.years = sorted({int(y) for _, y in self.slices})

    def slice(self, indicator: str, year: int, columns: list[str] | None = None) -> pd.DataFrame:
        rows = self.slices.get((indicator, year), NO_ROWS)
        df = self.df if columns is None else self.df[columns]
        return df.take(rows)

    def region(self, region: str) -> pd.DataFrame:
        return self.df.take(self.regions.get(region, NO_ROWS))

    def indicator(self, indicator: str, columns: list[str] | None = None) -> pd.DataFrame:
        parts = [self.slices[(indicator, y)] for y in self.years if (indicator, y) in self.slices]
        df = self.df if columns is None else self.df[columns]
        return df.take(np.concatenate(parts) if parts else NO_ROWS)


def _plain(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else x


def reference_statistics(f: PandasFacts, indicator: str, year: int, regions: list[str]) -> dict:
    sub = f.slice(indicator, year, ["region", "value", "estimated"])
    values = sub.loc[sub["region"].isin(regions), "value"].dropna()
    germany = sub[sub["region"] == "DG"]
    q = values.quantile([0.25, 0.5, 0.75]) if len(values) else pd.Series([np.nan] * 3, index=[0.25, 0.5, 0.75])
    out = {
        "n": len(values),
        "median": q[0.5],
        "mean": values.mean(),
        "min": values.min(),
        "max": values.max(),
        "q25": q[0.25],
        "q75": q[0.75],
        "germany": germany["value"].iloc[0] if len(germany) else None,
        "germany_estimated": bool(germany["estimated"].iloc[0]) if len(germany) else None,
    }
    return {k: _plain(v) for k, v in out.items()}


def ranking(f: PandasFacts, indicator: str, year: int, regions: list[str], polarity: int) -> pd.DataFrame:
    cols = ["region", "value", "value_label", "source", "estimated", "harmonised"]
    sub = f.slice(indicator, year, cols)
    out = sub[sub["value"].notna() & sub["region"].isin(regions)]
    key = -out["value"] if polarity < 0 else out["value"]
    rank = key.rank(method="min", ascending=False).astype("int64")
    n = len(out)
    out = out.assign(rank=rank, n=n, percentile=100.0 * (n - rank) / (n - 1) if n > 1 else 100.0)
    return out.sort_values(["rank", "region"]).reset_index(drop=True)


def profile(f: PandasFacts, home: str, peers: list[str], year: int) -> pd.DataFrame:
    mine = f.region(home)
    used = mine[(mine["year"] <= year) & mine["value"].notna()].groupby("indicator", observed=True)["year"].max()
    home_rows = mine.merge(used.reset_index(), on=["indicator", "year"])
    parts = [f.slices[(ind, y)] for ind, y in used.items()]
    peer = f.df[["indicator", "region", "value"]].take(np.concatenate(parts) if parts else NO_ROWS)
    peer = peer[peer["value"].notna() & peer["region"].isin(peers)]
    own_value = peer["indicator"].map(home_rows.set_index("indicator")["value"]).astype(float)
    g = peer.groupby("indicator", observed=True)["value"]
    q = g.quantile([0.25, 0.5, 0.75]).unstack()
    stats = pd.DataFrame(
        {
            "n": g.count(),
            "median": q[0.5],
            "mean": g.mean(),
            "min": g.min(),
            "max": g.max(),
            "q25": q[0.25],
            "q75": q[0.75],
            "n_higher": (peer["value"] > own_value).groupby(peer["indicator"], observed=True).sum(),
            "n_lower": (peer["value"] < own_value).groupby(peer["indicator"], observed=True).sum(),
        }
    ).reset_index()
    own = mine[["indicator", "year", "value"]]
    germany = f.region("DG")[["indicator", "year", "value"]].rename(columns={"value": "germany"})
    land = f.region(home[:2])[["indicator", "year", "value"]].rename(columns={"value": "land"})
    previous = own.assign(year=own["year"] + 1, previous_year=own["year"]).rename(columns={"value": "previous"})
    back = own.assign(year=own["year"] + 5, five_years_back_year=own["year"]).rename(
        columns={"value": "five_years_back"}
    )
    out = home_rows.merge(stats, on="indicator", how="left")
    for extra in (germany, land, previous, back):
        out = out.merge(extra, on=["indicator", "year"], how="left")
    return out.sort_values("indicator").reset_index(drop=True)


def band(f: PandasFacts, indicator: str, regions: list[str]) -> pd.DataFrame:
    sub = f.indicator(indicator, ["region", "year", "value"])
    germany = sub[sub["region"] == "DG"].set_index("year")["value"]
    sub = sub[sub["value"].notna() & sub["region"].isin(regions)]
    g = sub.groupby("year")["value"]
    q = g.quantile([0.25, 0.5, 0.75]).unstack()
    out = pd.DataFrame(
        {"n": g.count(), "min": g.min(), "q25": q[0.25], "median": q[0.5], "q75": q[0.75], "max": g.max()}
    )
    out["germany"] = out.index.map(germany)
    return out.reset_index()


def series(f: PandasFacts, indicator: str, regions: list[str]) -> pd.DataFrame:
    cols = ["region", "year", "value", "value_label", "source", "estimated", "harmonised", "break"]
    parts = [f.regions[r] for r in regions if r in f.regions]
    sub = f.df.take(np.concatenate(parts) if parts else NO_ROWS)
    sub = sub[sub["indicator"] == indicator]
    return sub[cols].sort_values(["region", "year"]).reset_index(drop=True)


def matrix(f: PandasFacts, indicators: list[str], year: int, regions: list[str]) -> pd.DataFrame:
    """Latest value up to ``year`` per region and indicator, regions x indicators.

    The year itself first; earlier years are looked at only for the cells still empty.
    """
    wide = None
    for y in (y for y in reversed(f.years) if y <= year):
        parts = [f.slices[(i, y)] for i in indicators if (i, y) in f.slices]
        if not parts:
            continue
        sub = f.df[["region", "indicator", "value"]].take(np.concatenate(parts))
        sub = sub[sub["value"].notna() & sub["region"].isin(regions)]
        cut = sub.pivot(index="region", columns="indicator", values="value")
        cut = cut.set_axis(cut.index.astype(str), axis=0).set_axis(cut.columns.astype(str), axis=1)
        wide = cut if wide is None else wide.combine_first(cut)
        if len(wide) == len(set(regions)) and not wide.reindex(columns=list(indicators)).isna().any().any():
            break
    if wide is None:
        return pd.DataFrame(columns=list(indicators))
    return wide.reindex(columns=list(indicators))


def neighbours(matrix: pd.DataFrame, home: str, k: int) -> pd.DataFrame:
    """k nearest regions on z-standardised variables, NumPy only (a second implementation, see module doc)."""
    names = np.array(matrix.columns)
    data = matrix.to_numpy(dtype=float)
    regions = np.array(matrix.index)
    own = data[np.flatnonzero(regions == home)[0]]
    sd = np.nanstd(data, axis=0)
    keep = ~np.isnan(own) & (sd > 0)
    data, own, names, sd = data[:, keep], own[keep], names[keep], sd[keep]
    mean = np.nanmean(data, axis=0)
    z = (data - mean) / sd
    complete = ~np.isnan(z).any(axis=1)
    z, regions = z[complete], regions[complete]
    diff = z - (own - mean) / sd
    dist = np.sqrt((diff**2).sum(axis=1) / len(names))
    others = np.flatnonzero(regions != home)
    order = others[np.argsort(np.round(dist[others], 12), kind="stable")][:k]  # ties (12 decimals) in matrix order
    rows = []
    for i in order:
        gaps = np.abs(diff[i])
        by_gap = np.argsort(gaps, kind="stable")
        similar = [str(names[j]) for j in by_gap if gaps[j] < 0.5] or [str(names[by_gap[0]])]
        differs = [str(names[j]) for j in by_gap[::-1] if gaps[j] >= 1.0]
        rows.append({"ags": str(regions[i]), "distance": float(dist[i]), "similar_on": similar, "differs_on": differs})
    return pd.DataFrame(rows)


def export(f: PandasFacts, regions: list[str], indicators: list[str], years: tuple[int, int]) -> pd.DataFrame:
    parts = [f.slices[(i, y)] for i in indicators for y in range(years[0], years[1] + 1) if (i, y) in f.slices]
    sub = f.df.take(np.concatenate(parts) if parts else NO_ROWS)
    sub = sub[sub["region"].isin(regions)]
    return sub.sort_values(["indicator", "region", "year"]).reset_index(drop=True)


def questions(f: PandasFacts, regions) -> dict[str, Callable[[dict], object]]:
    """The plan's questions on this side (``regions``: :class:`bench.core.Regions`)."""
    return {
        "reference_statistics": lambda p: reference_statistics(f, p["indicator"], p["year"], regions.all),
        "ranking": lambda p: ranking(f, p["indicator"], p["year"], regions.all, p["polarity"]),
        "profile": lambda p: profile(f, p["home"], regions.peers(p["home"], p["peer_kind"]), p["year"]),
        "band": lambda p: band(f, p["indicator"], regions.peers(p["home"], p["peer_kind"])),
        "series": lambda p: series(f, p["indicator"], regions.series_regions(p["home"], p["peer_kind"])),
        "neighbours": lambda p: neighbours(
            matrix(f, p["neighbour_vars"], p["year"], regions.all), p["home"], NEIGHBOURS
        ),
        "export": lambda p: export(f, regions.land(p["export_land"]), p["export_indicators"], tuple(p["export_years"])),
    }
