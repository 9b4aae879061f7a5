"""Put facts from older Gebietsstände onto today's 400 Kreise, so time series and peers compare.

Counts are summed (a split Kreis passes on its BBSR population share, an area its area share), rates are
population-weighted means (or, better, recomputed from harmonised counts), classes survive only where a Kreis
did not change. A new Kreis gets a
value only if every old Kreis that feeds it has one: a partial sum would look like a real decline.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from indicators.domain import aggregation as rules
from indicators.importers.base import facts_frame

#: map id of the mapping for years after the newest crosswalk sheet: today's keys stay, others via newest sheet
HYBRID = -1
_EPS = 1e-9
_REASON_UNKNOWN = "Schlüssel im Gebietsstand nicht gefunden"
_REASON_INCOMPLETE = "nicht alle Vorgängerkreise haben einen Wert"
_REASON_CLASS = "Klasse/Kategorie bei Gebietsänderung nicht umrechenbar"


def harmonise(
    facts: pd.DataFrame,
    crosswalk: pd.DataFrame,
    aggregation: Mapping[str, str],
    numerators: Mapping[str, tuple[str, str, float]] | None = None,
) -> pd.DataFrame:
    """Facts on today's Kreise (``territory_year`` <NA>) with a ``harmonised`` flag.

    ``aggregation[indicator]``: ``sum`` (counts), ``sum_area`` (areas), ``mean`` (rates, the default) or ``none``
    (classes); see :mod:`indicators.domain.aggregation`.
    ``numerators[rate] = (numerator, denominator, factor)`` recomputes combined rates from the counts.
    The result's ``attrs["lost"]`` lists cells that could not be harmonised (for the report).
    """
    facts = facts.reset_index(drop=True)
    extra = ["source"] if "source" in facts.columns else []
    facts = pd.concat([facts_frame(facts), facts[extra]], axis=1)
    region = facts["region"].fillna("")
    is_kreis = (region.str.len() == 5) & region.str.isdigit()
    todo_mask = facts["territory_year"].notna() & is_kreis

    keep = facts[~todo_mask].copy()
    keep["harmonised"] = False
    todo = facts[todo_mask]
    group_cols = extra + ["indicator", "year", "territory_year"]
    todo = todo.drop_duplicates(group_cols + ["region"], keep="first")

    maps = _mappings(crosswalk)
    gid = todo.groupby(group_cols, sort=False, dropna=False).ngroup().to_numpy()
    todo = todo.assign(map_id=_choose_mapping(todo, gid, maps))
    harmonised, lost = _combine(todo, maps, group_cols, aggregation)
    if numerators:
        harmonised = _recompute_rates(harmonised, pd.concat([keep, harmonised]), numerators)

    out = pd.concat([keep, harmonised], ignore_index=True)
    out["territory_year"] = pd.array([pd.NA] * len(out), dtype="Int16")
    out = _deduplicate(out)
    out = pd.concat([facts_frame(out), out[extra + ["harmonised"]].astype({"harmonised": bool})], axis=1)
    out.attrs["lost"] = lost
    out.attrs["problems"] = _problems(lost)
    return out


# --------------------------------------------------------------------------------------------------
# mappings


def _mappings(crosswalk: pd.DataFrame) -> pd.DataFrame:
    """One long table of all mappings: one per crosswalk sheet plus the hybrid one for later years."""
    cw = crosswalk.reindex(columns=["year", "old_ags", "new_ags", "w_pop", "w_area", "pop_old_1000"]).copy()
    cw["w_area"] = cw["w_area"].fillna(cw["w_pop"])
    cw["old_ags"] = cw["old_ags"].astype("string")
    cw["new_ags"] = cw["new_ags"].astype("string")
    cw["map_id"] = cw["year"].astype("int64")
    cw["weight"] = cw["w_pop"] * cw["pop_old_1000"]
    newest = cw[cw["map_id"] == cw["map_id"].max()]
    today = pd.Index(cw["new_ags"].unique())
    pop = newest.drop_duplicates("old_ags").set_index("old_ags")["pop_old_1000"]
    identity = pd.DataFrame({"old_ags": today, "new_ags": today, "w_pop": 1.0, "w_area": 1.0})
    identity["weight"] = identity["old_ags"].map(pop).to_numpy()  # unknown: falls back to w_pop below
    hybrid = pd.concat([identity, newest[~newest["old_ags"].isin(today)]], ignore_index=True)
    hybrid["map_id"] = HYBRID
    cols = ["map_id", "old_ags", "new_ags", "w_pop", "w_area", "weight"]
    maps = pd.concat([cw[cols], hybrid[cols]], ignore_index=True)
    maps["old_ags"] = maps["old_ags"].astype("string")
    maps["new_ags"] = maps["new_ags"].astype("string")
    maps["weight"] = maps["weight"].where(maps["weight"] > 0, maps["w_pop"])
    maps["n_expected"] = maps.groupby(["map_id", "new_ags"])["old_ags"].transform("size")
    maps["key"] = _key_codes(maps["map_id"].to_numpy(), maps["old_ags"])
    return maps


def _candidates(territory_year: int, sheets: list[int]) -> list[int]:
    """Sheets to try, nearest first and earlier before later: data at 30 June of a reform year still
    has the old Kreise, which only the previous 31 December sheet lists."""
    order = sorted(sheets, key=lambda y: (abs(y - territory_year), y > territory_year))
    return order if territory_year in sheets else [HYBRID] + order


def _key_codes(map_id: np.ndarray, region: pd.Series) -> np.ndarray:
    """One int64 per (mapping, 5-digit Kreis key): merging on it is far faster than on two columns."""
    return map_id.astype("int64") * 100_000 + region.astype("int64").to_numpy()


def _choose_mapping(todo: pd.DataFrame, gid: np.ndarray, maps: pd.DataFrame) -> np.ndarray:
    """Mapping id per row: per group the first candidate that knows every key that carries a value."""
    sheets = sorted(int(y) for y in maps["map_id"].unique() if y != HYBRID)
    if len(todo) == 0:
        return np.zeros(0, dtype="int64")
    territory = np.zeros(gid.max() + 1, dtype="int64")
    territory[gid] = todo["territory_year"].to_numpy(dtype="int64")
    firsts = {ty: _candidates(int(ty), sheets)[0] for ty in np.unique(territory)}
    group_map = pd.Series(territory).map(firsts).to_numpy(dtype="int64", copy=True)

    valued = todo["value"].notna().to_numpy()
    known = np.isin(_key_codes(group_map[gid], todo["region"]), maps["key"].to_numpy())
    failing = np.unique(gid[valued & ~known])
    if failing.size == 0:
        return group_map[gid]

    key_sets = {m: set(maps.loc[maps["map_id"] == m, "old_ags"]) for m in [HYBRID] + sheets}
    rows = pd.DataFrame({"gid": gid, "region": todo["region"].to_numpy()})[valued & np.isin(gid, failing)]
    signature = rows.groupby("gid")["region"].agg(frozenset)
    cache: dict = {}
    for g, keys in signature.items():
        ty = int(territory[g])
        if (ty, keys) not in cache:
            cache[(ty, keys)] = _best_candidate(ty, keys, sheets, key_sets)
        group_map[g] = cache[(ty, keys)]
    return group_map[gid]


def _best_candidate(territory_year: int, keys: frozenset, sheets: list[int], key_sets: dict) -> int:
    """Runs once per distinct key set of a failing group, not per row."""
    best, best_cover = None, -1
    for candidate in _candidates(territory_year, sheets):
        cover = len(keys & key_sets[candidate])
        if cover == len(keys):
            return candidate
        if cover > best_cover:
            best, best_cover = candidate, cover
    return best


# --------------------------------------------------------------------------------------------------
# combining old cells into new ones


def _combine(
    todo: pd.DataFrame, maps: pd.DataFrame, group_cols: list[str], aggregation: Mapping[str, str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = todo.assign(key=_key_codes(todo["map_id"].to_numpy(), todo["region"]))
    rows = rows.merge(maps.drop(columns="map_id"), on="key", how="left")
    unmapped = rows["new_ags"].isna()
    lost_unknown = rows[unmapped & rows["value"].notna()]
    rows = rows[~unmapped].copy()
    # a key that no longer exists and carries no value (BA writes '.' for it) is no contributor
    phantom = (rows["map_id"] == HYBRID) & rows["value"].isna() & (rows["region"] != rows["new_ags"])
    rows = rows[~phantom]
    rows["agg"] = _aggregation_of(rows["indicator"], aggregation)
    by_class = rows["agg"] == "none"
    numeric, lost_incomplete = _combine_numeric(rows[~by_class], group_cols)
    classes, lost_class = _combine_classes(rows[by_class], group_cols)
    lost = pd.concat(
        [
            _lost(lost_unknown, "region", _REASON_UNKNOWN),
            _lost(lost_incomplete, "new_ags", _REASON_INCOMPLETE),
            _lost(lost_class, "new_ags", _REASON_CLASS),
        ],
        ignore_index=True,
    )
    return pd.concat([numeric, classes], ignore_index=True), lost


def _aggregation_of(indicators: pd.Series, aggregation: Mapping[str, str]) -> pd.Series:
    """Aggregation per row, looked up once per distinct indicator; unknown ones are treated as rates."""
    codes, uniques = pd.factorize(indicators)
    kinds = np.array([aggregation.get(i, "mean") for i in uniques] + ["mean"], dtype=object)
    unknown = set(kinds) - set(rules.KINDS)
    if unknown:
        raise ValueError(f"unbekannte Aggregation {sorted(unknown)}: erlaubt sind {', '.join(rules.KINDS)}")
    return pd.Series(kinds[codes], index=indicators.index, dtype="string")


def _combine_numeric(rows: pd.DataFrame, group_cols: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    keys = group_cols + ["new_ags"]
    has_value = rows["value"].notna()
    v = rows["value"].fillna(0.0)
    work = pd.DataFrame(
        {
            **{c: rows[c] for c in keys},
            "agg": rows["agg"],
            "n_expected": rows["n_expected"],
            "hybrid": rows["map_id"] == HYBRID,
            "n_rows": 1,
            "n_valued": has_value.astype(int),
            "suppressed": rows["suppressed"],
            "estimated": rows["estimated"],
            "split": rows["w_pop"] < 1 - _EPS,
            "moved": rows["region"] != rows["new_ags"],
            "wv": rows["w_pop"] * v,
            "wa": rows["w_area"] * v,  # _mappings fills a missing area share with the population share
            "pv": rows["weight"] * v,
            "pw": rows["weight"].where(has_value, 0.0),
        }
    )
    g = work.groupby(keys, dropna=False, sort=False).agg(
        agg=("agg", "first"),
        n_expected=("n_expected", "first"),
        hybrid=("hybrid", "first"),
        n_rows=("n_rows", "sum"),
        n_valued=("n_valued", "sum"),
        suppressed=("suppressed", "any"),
        estimated=("estimated", "any"),
        split=("split", "any"),
        moved=("moved", "any"),
        wv=("wv", "sum"),
        wa=("wa", "sum"),
        pv=("pv", "sum"),
        pw=("pw", "sum"),
    )
    g = g.reset_index()
    expected = np.where(g["hybrid"], g["n_rows"], g["n_expected"])
    complete = g["n_valued"].to_numpy() >= expected
    mean = g["pv"] / g["pw"].where(g["pw"] > 0)
    value = np.select([g["agg"] == "sum", g["agg"] == "sum_area"], [g["wv"], g["wa"]], mean)
    g["value"] = np.where(complete, value, np.nan)
    g["suppressed"] = ~complete & g["suppressed"]
    combined = g["split"] | (g["n_rows"] > 1)
    weighted_rate = ~g["agg"].isin(list(rules.SUMMED)) & (g["n_valued"] > 1)
    g["estimated"] = complete & (g["estimated"] | g["split"] | weighted_rate)
    g["harmonised"] = combined | g["moved"]
    g["combined"] = combined
    lost = g[~complete & ~g["suppressed"]]
    g = g[complete | g["suppressed"]]
    return _as_facts(g, group_cols), lost[keys]


def _combine_classes(rows: pd.DataFrame, group_cols: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Classes cannot be averaged: keep a value only where the new Kreis is an old one unchanged
    (a 1:1 mapping, or the Kreis that absorbed another keeps its own class, as BBSR advises)."""
    keys = group_cols + ["new_ags"]
    whole = rows["w_pop"] >= 1 - _EPS
    expected = np.where(rows["map_id"] == HYBRID, rows.groupby(keys)["region"].transform("size"), rows["n_expected"])
    survivor = whole & ((rows["region"] == rows["new_ags"]) | (expected == 1))
    picked = rows[survivor].drop_duplicates(keys)
    picked = picked[picked["value"].notna() | picked["suppressed"]].copy()
    picked["harmonised"] = picked["region"] != picked["new_ags"]
    picked["combined"] = False
    targets = rows[keys].drop_duplicates()
    lost = targets.merge(picked[keys], on=keys, how="left", indicator=True)
    lost = lost[lost["_merge"] == "left_only"][keys]
    return _as_facts(picked, group_cols), lost


def _as_facts(frame: pd.DataFrame, group_cols: list[str]) -> pd.DataFrame:
    out = frame.drop(columns=["region"], errors="ignore").rename(columns={"new_ags": "region"})
    if "value_label" not in out.columns:
        out = out.assign(value_label=pd.NA)
    cols = group_cols + [
        "region",
        "value",
        "value_label",
        "suppressed",
        "estimated",
        "harmonised",
        "combined",
    ]
    return out[cols].reset_index(drop=True)


def _lost(frame: pd.DataFrame, region_col: str, reason: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "indicator": frame["indicator"].astype("string"),
            "year": frame["year"].astype("Int16"),
            "region": frame[region_col].astype("string"),
            "territory_year": frame["territory_year"].astype("Int16"),
            "reason": reason,
        }
    )


# --------------------------------------------------------------------------------------------------
# rates from counts, de-duplication, reports


def _recompute_rates(
    harmonised: pd.DataFrame, counts: pd.DataFrame, numerators: Mapping[str, tuple[str, str, float]]
) -> pd.DataFrame:
    """A rate over merged Kreise is exactly num/den of the merged counts; weighting only approximates it."""
    needed = {i for num, den, _ in numerators.values() for i in (num, den)}
    counts = counts[counts["value"].notna() & counts["indicator"].isin(needed)]
    counts = counts.sort_values("harmonised", kind="stable")
    counts = counts.drop_duplicates(["indicator", "region", "year"])
    spec = pd.DataFrame(
        [(rate, num, den, float(f)) for rate, (num, den, f) in numerators.items()],
        columns=["indicator", "num_id", "den_id", "factor"],
    )
    spec["indicator"] = spec["indicator"].astype("string")
    target = harmonised.reset_index().merge(spec, on="indicator")
    target = target[target["combined"] | target["value"].isna()]
    if target.empty:
        return harmonised
    part = counts[["indicator", "region", "year", "value", "estimated"]]
    num = part.rename(columns={"indicator": "num_id", "value": "num", "estimated": "num_est"})
    den = part.rename(columns={"indicator": "den_id", "value": "den", "estimated": "den_est"})
    num["num_id"] = num["num_id"].astype(object)
    den["den_id"] = den["den_id"].astype(object)
    target["num_id"] = target["num_id"].astype(object)
    target["den_id"] = target["den_id"].astype(object)
    target = target.merge(num, on=["num_id", "region", "year"]).merge(den, on=["den_id", "region", "year"])
    target = target[target["den"] != 0]
    idx = target["index"].to_numpy()
    out = harmonised.copy()
    out.loc[idx, "value"] = (target["factor"] * target["num"] / target["den"]).to_numpy()
    out.loc[idx, "estimated"] = (target["num_est"] | target["den_est"]).to_numpy()
    out.loc[idx, "suppressed"] = False
    out.loc[idx, "harmonised"] = True
    return out


def _deduplicate(out: pd.DataFrame) -> pd.DataFrame:
    """One cell per region, indicator and year: prefer a value, then data already on today's Kreise."""
    order = pd.DataFrame({"no_value": out["value"].isna(), "harmonised": out["harmonised"].astype(bool)})
    ranked = out.assign(_a=order["no_value"], _b=order["harmonised"]).sort_values(["_a", "_b"], kind="stable")
    ranked = ranked.drop_duplicates(["region", "indicator", "year"], keep="first")
    return ranked.sort_index().drop(columns=["_a", "_b"]).reset_index(drop=True)


def _problems(lost: pd.DataFrame) -> list[str]:
    if lost.empty:
        return []
    counts = lost.groupby(["indicator", "reason"]).size().reset_index(name="n")
    return [f"{row.indicator}: {row.n} Werte verworfen ({row.reason})" for row in counts.itertuples()]


def harmonisation_report(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Per indicator and year: cells with a value before and after, and how many were harmonised,
    estimated, suppressed or lost (``lost`` needs the ``attrs`` that :func:`harmonise` sets)."""
    keys = ["indicator", "year"]
    has_before = before[before["value"].notna()]
    has_after = after[after["value"].notna()]
    report = has_before.groupby(keys).size().rename("cells_before").to_frame()
    report = report.join(has_after.groupby(keys).size().rename("cells_after"), how="outer")
    report = report.join(has_after[has_after["harmonised"]].groupby(keys).size().rename("harmonised"), how="outer")
    est = has_after[has_after["harmonised"] & has_after["estimated"]]
    report = report.join(est.groupby(keys).size().rename("estimated"), how="outer")
    report = report.join(after[after["suppressed"]].groupby(keys).size().rename("suppressed"), how="outer")
    report = report.fillna(0).astype("int64")
    lost = after.attrs.get("lost")
    if lost is None:
        report["lost"] = pd.array([pd.NA] * len(report), dtype="Int64")
    else:
        counted = lost.groupby(keys).size().rename("lost")
        report = report.join(counted, how="outer").fillna(0).astype("int64")
    return report.reset_index()
