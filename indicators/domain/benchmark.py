"""Benchmark statistics: where a Kreis stands against its peers, polarity-aware.

Pure functions over small frames; the store answers the SQL side (reference statistics, ranks) and these
functions turn the answers into what the pages say: position, quartile, change, peer groups and neighbours.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from indicators.domain.catalog import POLARITY_TEXT
from indicators.domain.formatting import decimals_for

PEER_GROUP_KINDS = {
    "alle": "Alle Kreise",
    "land": "Gleiches Land",
    "ostwest": "Ost/West",
    "kreistyp": "Gleicher BBSR-Kreistyp",
    "nachbarn": "Statistische Nachbarn",
    "eigene": "Eigene Gruppe",
}

#: Context variables offered for statistical neighbours (catalogue ids), in the order shown.
DEFAULT_NEIGHBOUR_VARIABLES = ("bevoelkerungsdichte", "einwohner", "alq", "bip_je_einwohner", "anteil_65_plus")


def is_missing(x) -> bool:
    """None, NaN or pandas NA: an empty cell of a profile, whatever its column's dtype."""
    return x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA


def polarity_rank(n_higher: int, n_lower: int, n: int, polarity: int) -> int:
    """Rank 1 = most favourable; for contextual indicators rank 1 = highest value."""
    better = n_lower if polarity < 0 else n_higher
    return int(better) + 1


def ranks(values: np.ndarray, polarity: int) -> np.ndarray:
    """:func:`polarity_rank` of every one of ``values`` (no NaN) among all of them, at once."""
    key = -np.asarray(values, dtype=float) if polarity < 0 else np.asarray(values, dtype=float)
    better = len(key) - np.searchsorted(np.sort(key), key, side="right")
    return better.astype(np.int64) + 1


def percentile(rank, n: int):
    """Share of the other peers with a less favourable value, 0..100 (100 = best); ``rank`` may be an array."""
    if n <= 1:
        return 100.0 if np.ndim(rank) == 0 else np.full(np.shape(rank), 100.0)
    return 100.0 * (n - rank) / (n - 1)


def position(value, low, high, polarity: int) -> float | None:
    """Where ``value`` lies between the peers' min and max, 0..1, with 1 at the favourable end.

    For contextual indicators 1 is simply the maximum.
    """
    if any(is_missing(x) for x in (value, low, high)) or high == low:
        return None if is_missing(value) else 0.5
    share = (float(value) - float(low)) / (float(high) - float(low))
    return 1.0 - share if polarity < 0 else share


@dataclass(frozen=True)
class Assessment:
    code: str  # guenstig | mittel | unguenstig | kontext | keine
    label: str
    icon: str


ASSESSMENTS = {
    "guenstig": Assessment("guenstig", "günstigstes Viertel", "▲"),
    "mittel": Assessment("mittel", "Mittelfeld", "●"),
    "unguenstig": Assessment("unguenstig", "ungünstigstes Viertel", "▼"),
    "kontext": Assessment("kontext", "Kontext (ohne Wertung)", "○"),
    "keine": Assessment("keine", "keine Angabe", "–"),
}


def assess(percentile_value, polarity: int) -> Assessment:
    """Quartile position within the peer group; contextual indicators stay neutral."""
    if polarity == 0:
        return ASSESSMENTS["kontext"]
    if is_missing(percentile_value):
        return ASSESSMENTS["keine"]
    if percentile_value >= 75:
        return ASSESSMENTS["guenstig"]
    if percentile_value <= 25:
        return ASSESSMENTS["unguenstig"]
    return ASSESSMENTS["mittel"]


def trend_direction(delta, polarity: int, unchanged_below: float = 1e-9) -> str:
    """'besser', 'schlechter', 'unverändert' or 'neutral' (contextual) for a change over time.

    Changes smaller than ``unchanged_below`` (half the published precision) count as unchanged.
    """
    if is_missing(delta):
        return "keine Angabe"
    if polarity == 0:
        return "neutral"
    if abs(delta) < unchanged_below:
        return "unverändert"
    return "besser" if delta * polarity > 0 else "schlechter"


def enrich_profile(profile: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    """Add label, unit, topic, polarity, rank, percentile, position, assessment and changes to a store profile."""
    meta = indicators.set_index("id")[["label", "unit", "topic", "polarity", "scale"]]
    df = profile.join(meta, on="indicator", how="inner")
    ratio = df["scale"] == "ratio"
    df["rank"] = [
        polarity_rank(h, lo, n, p) if r and not is_missing(n) else None
        for h, lo, n, p, r in zip(df["n_higher"], df["n_lower"], df["n"], df["polarity"], ratio, strict=True)
    ]
    df["percentile"] = [
        percentile(rk, n) if rk is not None and not is_missing(n) else None
        for rk, n in zip(df["rank"], df["n"], strict=True)
    ]
    df["position"] = [
        position(v, lo, hi, p) if r else None
        for v, lo, hi, p, r in zip(df["value"], df["min"], df["max"], df["polarity"], ratio, strict=True)
    ]
    assessments = [
        assess(pc, p) if r else ASSESSMENTS["kontext"]
        for pc, p, r in zip(df["percentile"], df["polarity"], ratio, strict=True)
    ]
    df["assessment"] = [a.code for a in assessments]
    df["assessment_label"] = [a.label for a in assessments]
    df["assessment_icon"] = [a.icon for a in assessments]
    year = df["year"].astype(float)
    value = df["value"].astype(float)
    df["change_1y"] = (value - df["previous"].astype(float)).where(df["previous_year"].astype(float) == year - 1)
    df["change_5y"] = (value - df["five_years_back"].astype(float)).where(
        df["five_years_back_year"].astype(float) == year - 5
    )
    df.loc[~ratio, ["change_1y", "change_5y", "median", "mean", "min", "max", "q25", "q75"]] = np.nan
    df["polarity_text"] = df["polarity"].map(POLARITY_TEXT)
    noise = [0.5 * 10 ** -decimals_for(u or "") for u in df["unit"]]
    df["trend_1y"] = [trend_direction(d, p, t) for d, p, t in zip(df["change_1y"], df["polarity"], noise, strict=True)]
    df["trend_5y"] = [trend_direction(d, p, t) for d, p, t in zip(df["change_5y"], df["polarity"], noise, strict=True)]
    return df.sort_values(["topic", "label"]).reset_index(drop=True)


def peer_members(districts: pd.DataFrame, home: str, kind: str, custom: list[str] | None = None) -> list[str]:
    """AGS of the peer group of ``home``; the home Kreis is always a member."""
    d = districts.set_index("ags")
    if home not in d.index:
        raise KeyError(home)
    me = d.loc[home]
    if kind == "alle":
        members = d.index
    elif kind == "land":
        members = d.index[d["land_code"] == me["land_code"]]
    elif kind == "ostwest":
        members = d.index[d["east"] == me["east"]]
    elif kind == "kreistyp":
        if is_missing(me["kreistyp"]):
            members = d.index
        else:
            members = d.index[d["kreistyp"] == me["kreistyp"]]
    elif kind in {"eigene", "nachbarn"}:
        members = [a for a in (custom or []) if a in d.index]
    else:
        raise ValueError(kind)
    out = sorted(set(members) | {home})
    return out


def peer_group_label(kind: str, districts: pd.DataFrame, home: str, name: str | None = None) -> str:
    d = districts.set_index("ags")
    me = d.loc[home]
    if kind == "land":
        return f"Kreise in {me['land_name']}"
    if kind == "ostwest":
        return "Kreise in Ostdeutschland (mit Berlin)" if me["east"] else "Kreise in Westdeutschland"
    if kind == "kreistyp":
        return (
            f"Kreistyp {me['kreistyp_name']}" if not is_missing(me["kreistyp"]) else "Kreistyp unbekannt: alle Kreise"
        )
    if kind == "eigene" and name:
        return f"Eigene Gruppe „{name}“"
    return PEER_GROUP_KINDS.get(kind, kind)


def statistical_neighbours(matrix: pd.DataFrame, home: str, k: int = 10) -> pd.DataFrame:
    """The ``k`` Kreise nearest to ``home`` on standardised context variables.

    Each variable is z-standardised over all Kreise (so units do not matter), distances are Euclidean over
    the variables the home Kreis has. For each neighbour the variables with the smallest standardised
    difference are named: they are what makes it similar. Computed on the NumPy arrays of ``matrix`` (at
    municipality scale 11,000 rows), not row by row.
    """
    if home not in matrix.index:
        raise KeyError(home)
    data = matrix.to_numpy(dtype=float)
    at = matrix.index.get_indexer([home])[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-empty columns: their spread is NaN and they drop out
        spread = np.nanstd(data, axis=0)
    usable = ~np.isnan(data[at]) & (spread > 0)
    if not usable.any():
        return pd.DataFrame(columns=["ags", "distance", "similar_on", "differs_on"])
    names = matrix.columns[usable]
    z = (data[:, usable] - np.nanmean(data[:, usable], axis=0)) / spread[usable]
    diff = z - z[at]
    complete = ~np.isnan(z).any(axis=1)
    complete[at] = False
    candidates = np.flatnonzero(complete)
    dist = np.sqrt((diff[candidates] ** 2).sum(axis=1) / usable.sum())
    order = np.argsort(np.round(dist, 12), kind="stable")[:k]  # equal to 12 decimals: a tie, kept in matrix order
    rows = []
    for row, distance in zip(candidates[order], dist[order], strict=True):
        gaps = np.abs(diff[row])
        by_gap = np.argsort(gaps)  # as pandas' sort_values: quicksort
        similar = [names[j] for j in by_gap if gaps[j] < 0.5] or [names[by_gap[0]]]
        differs = [names[j] for j in by_gap[::-1] if gaps[j] >= 1.0]
        rows.append(
            {"ags": matrix.index[row], "distance": float(distance), "similar_on": similar, "differs_on": differs}
        )
    return pd.DataFrame(rows)
