"""Deterministic synthetic warehouses, clearly marked as demo data.

The Kreis-scale demo lets the app run before any official file is loaded: the 400 real Kreise (codes and names
are committed facts) with invented but plausible values. The municipality-scale panel (about 11,000 regions x
100 indicators x 20 years) exists for benchmarks. Neither is ever presented as official data: the manifest says
``"demo": true`` and every page shows a banner.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from indicators.domain import registry
from indicators.domain.catalog import Catalogue, load_catalogue
from indicators.warehouse import files as warehouse
from indicators.warehouse.build import FACT_OUTPUT_COLUMNS, indicator_table

DEMO_SOURCE = "DEMODATEN – synthetisch erzeugt, keine amtlichen Werte"
DEMO_LICENCE = "Demodaten ohne Aussagekraft; nicht zitieren"
YEARS = tuple(range(2010, 2024))

#: Typical level and spread per unit, for indicators without a seed reference row.
UNIT_DEFAULTS = {
    "%": (20.0, 8.0),
    "Anzahl": (20000.0, 12000.0),
    "EUR": (2500.0, 700.0),
    "Tsd. EUR": (60.0, 12.0),
    "je 100": (50.0, 15.0),
    "je 10.000": (60.0, 30.0),
    "je km²": (400.0, 500.0),
    "km²": (1000.0, 600.0),
    "Jahre": (46.0, 3.0),
}
#: Levels for the indicators people look at first, so the demo reads like a plausible Kreis.
KNOWN_LEVELS = {
    "alq": (5.5, 2.0),
    "alq_abhaengige": (6.1, 2.2),
    "alq_maenner": (5.8, 2.1),
    "alq_frauen": (5.2, 1.9),
    "alq_auslaender": (14.0, 4.0),
    "jugend_alq": (5.3, 1.8),
    "beschaeftigtenquote": (62.0, 4.0),
    "mindestsicherungsquote": (8.0, 3.0),
    "schulabg_ohne_hsa": (7.3, 2.2),
    "anteil_langzeitarbeitslose": (33.0, 7.0),
    "einwohner": (200000.0, 120000.0),
    "flaeche": (900.0, 500.0),
}

#: Counts per inhabitant, so that demo counts scale with the Kreis.
PER_CAPITA = {
    "arbeitslose": 0.028,
    "arbeitslose_15_25": 0.0025,
    "arbeitslose_15_20": 0.0006,
    "arbeitslose_55_65": 0.006,
    "arbeitslose_auslaender": 0.009,
    "arbeitslose_schwerbehindert": 0.0016,
    "langzeitarbeitslose": 0.009,
    "svb_wohnort": 0.38,
    "svb_arbeitsort": 0.37,
    "erwerbsfaehige_bevoelkerung": 0.63,
    "svb_ohne_berufsabschluss": 0.05,
    "svb_akademisch": 0.07,
}

#: Approximate centre (lon, lat) of each Land, for the schematic demo map.
LAND_CENTRES = {
    "01": (9.8, 54.2),
    "02": (10.0, 53.55),
    "03": (9.2, 52.7),
    "04": (8.8, 53.1),
    "05": (7.5, 51.45),
    "06": (9.0, 50.6),
    "07": (7.4, 49.9),
    "08": (9.0, 48.6),
    "09": (11.5, 48.9),
    "10": (6.95, 49.4),
    "11": (13.4, 52.5),
    "12": (13.4, 52.2),
    "13": (12.6, 53.8),
    "14": (13.3, 51.0),
    "15": (11.7, 51.9),
    "16": (11.0, 50.9),
}


def _unit_hash(*parts: str) -> float:
    """A stable number in [0, 1) from text, so the demo is identical on every machine."""
    digest = hashlib.sha256("|".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _level(ind, seed_stats: dict[str, tuple[float, float]]) -> tuple[float, float]:
    if ind.id in KNOWN_LEVELS:
        return KNOWN_LEVELS[ind.id]
    if ind.seed_id in seed_stats:
        return seed_stats[ind.seed_id]
    return UNIT_DEFAULTS.get(ind.unit, (50.0, 15.0))


def _seed_stats() -> dict[str, tuple[float, float]]:
    table = pd.read_csv(registry.REFERENCE_DIR / "seed_indicator_table.csv", dtype=str)
    table = table.set_index("name")
    out = {}
    for col in table.columns[3:]:
        try:
            median = float(table.loc["Median", col])
            low, high = float(table.loc["Minimalwert", col]), float(table.loc["Maximalwert", col])
        except (KeyError, TypeError, ValueError):
            continue
        out[col] = (median, max((high - low) / 4, abs(median) * 0.05, 1e-6))
    return out


def demo_districts(rng: np.random.Generator) -> pd.DataFrame:
    d = registry.districts()
    is_city = d["kind"].isin(["Kreisfreie Stadt", "Stadtkreis"]).to_numpy()
    pop = np.where(is_city, rng.lognormal(12.0, 0.6, len(d)), rng.lognormal(12.1, 0.4, len(d)))
    area = np.where(is_city, rng.uniform(40, 400, len(d)), rng.uniform(400, 2500, len(d)))
    density = pop / area
    kreistyp = np.select([is_city & (pop > 100_000), density > 300, density > 150], [1, 2, 3], 4)
    d["population"] = pd.array(pop.round().astype(int), dtype="Int64")
    d["area_km2"] = area.round(2)
    d["kreistyp"] = pd.array(kreistyp, dtype="Int8")
    d["kreistyp_name"] = d["kreistyp"].map(lambda t: registry.KREISTYP_NAMES[int(t)])
    return d


def demo_facts(districts: pd.DataFrame, catalogue: Catalogue, rng: np.random.Generator) -> pd.DataFrame:
    """Values per Kreis and year: level + Kreis effect (shared across indicators, polarity-aware) + trend + noise."""
    seed = _seed_stats()
    n = len(districts)
    # One latent "structural strength" per Kreis makes indicators correlate as they do in reality.
    strength = rng.normal(0, 1, n) - 0.8 * districts["east"].to_numpy()
    frames = []
    years = np.array(YEARS)
    for ind in catalogue:
        if ind.scale != "ratio":
            continue
        level, spread = _level(ind, seed)
        direction = ind.polarity if ind.polarity else (1 if _unit_hash(ind.id) > 0.5 else -1)
        effect = 0.6 * direction * strength + 0.8 * rng.normal(0, 1, n)
        trend = (rng.normal(0, 0.02, n) - 0.01 * (ind.polarity or 0)) * spread
        values = level + spread * effect[:, None] + trend[:, None] * (years - years[-1])[None, :]
        values = values + rng.normal(0, 0.08 * spread, values.shape)
        if ind.unit in {"%", "Anzahl", "EUR", "Tsd. EUR", "km²", "je km²"} or ind.unit.startswith("je"):
            values = np.clip(values, level * 0.05 if level > 0 else 0, None)
        if ind.unit == "%":
            values = np.clip(values, 0, 100)
        if ind.id == "einwohner":
            values = districts["population"].to_numpy(dtype=float)[:, None] * (1 + 0.003 * (years - years[-1]))[None, :]
        if ind.unit == "Anzahl" and ind.id != "einwohner":
            share = PER_CAPITA.get(ind.id, 0.001) * np.clip(1 + 0.15 * effect, 0.3, None)
            growth = 1 + trend[:, None] / max(spread, 1e-9) * 0.05 * (years - years[-1])[None, :]
            pop = districts["population"].to_numpy(dtype=float)[:, None]
            values = pop * share[:, None] * growth
        if ind.id == "flaeche":
            values = np.repeat(districts["area_km2"].to_numpy(dtype=float)[:, None], len(years), axis=1)
        decimals = 0 if ind.unit == "Anzahl" else 2
        frames.append(
            pd.DataFrame(
                {
                    "region": np.repeat(districts["ags"].to_numpy(), len(years)),
                    "indicator": ind.id,
                    "year": np.tile(years, n),
                    "value": values.round(decimals).ravel(),
                }
            )
        )
    kt = districts[["ags", "kreistyp", "kreistyp_name"]].rename(columns={"ags": "region"})
    frames.append(
        pd.DataFrame(
            {
                "region": kt["region"],
                "indicator": "kreistyp",
                "year": 2020,
                "value": kt["kreistyp"].astype(float),
                "value_label": kt["kreistyp_name"],
            }
        )
    )
    facts = pd.concat(frames, ignore_index=True)
    facts = pd.concat([facts, _aggregates(facts, districts, catalogue)], ignore_index=True)
    facts["value_label"] = facts["value_label"].astype("string") if "value_label" in facts else None
    for flag in ("suppressed", "harmonised", "estimated", "break"):
        facts[flag] = False
    facts["source"] = DEMO_SOURCE
    facts["region"] = facts["region"].astype("string")
    facts["indicator"] = facts["indicator"].astype("string")
    facts["year"] = facts["year"].astype("int16")
    return facts[FACT_OUTPUT_COLUMNS].sort_values(["indicator", "year", "region"]).reset_index(drop=True)


def _aggregates(facts: pd.DataFrame, districts: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    weights = districts.set_index("ags")["population"].astype(float)
    ratio = facts[facts["indicator"] != "kreistyp"].copy()
    ratio["w"] = ratio["region"].map(weights)
    ratio["land"] = ratio["region"].str[:2]
    sums = {ind.id for ind in catalogue if ind.aggregation == "sum"}
    out = []
    for key in (["indicator", "year"], ["indicator", "year", "land"]):
        g = ratio.assign(wv=ratio["value"] * ratio["w"]).groupby(key)
        agg = pd.DataFrame({"sum": g["value"].sum(), "wv": g["wv"].sum(), "w": g["w"].sum()}).reset_index()
        agg["value"] = np.where(agg["indicator"].isin(sums), agg["sum"], agg["wv"] / agg["w"]).round(2)
        agg["region"] = "DG" if "land" not in agg else agg["land"]
        out.append(agg[["region", "indicator", "year", "value"]])
    return pd.concat(out, ignore_index=True)


def schematic_geometry(districts: pd.DataFrame) -> dict:
    """Squares arranged around each Land's centre: a schematic map for demo data (no official geometry)."""
    features = []
    for land, grp in districts.groupby("land_code"):
        cx, cy = LAND_CENTRES[land]
        side = 0.16
        cols = max(1, math.ceil(math.sqrt(len(grp))))
        for i, row in enumerate(grp.itertuples()):
            x = cx + (i % cols - cols / 2) * side * 1.05
            y = cy - (i // cols - cols / 2) * side * 0.7
            ring = [[x, y], [x + side, y], [x + side, y - side * 0.65], [x, y - side * 0.65], [x, y]]
            features.append(
                {
                    "ags": row.ags,
                    "name": row.name,
                    "kind": row.kind,
                    "geometry": {"type": "Polygon", "coordinates": [[[round(a, 5), round(b, 5)] for a, b in ring]]},
                }
            )
    return {"kreise": features, "laender": []}


def write_demo(out: Path, seed: int = 20240101, catalogue: Catalogue | None = None) -> dict:
    """Write the Kreis-scale demo warehouse to ``out`` (atomically) and return its manifest."""
    started = time.time()
    catalogue = catalogue or load_catalogue()
    rng = np.random.default_rng(seed)
    districts = demo_districts(rng)
    facts = demo_facts(districts, catalogue, rng)
    indicators = indicator_table(catalogue, facts, [], [])
    indicators["source"] = DEMO_SOURCE
    indicators["licence"] = DEMO_LICENCE
    indicators["classes"] = indicators.apply(
        lambda r: (
            json.dumps(list(registry.KREISTYP_NAMES.values()), ensure_ascii=False) if r["id"] == "kreistyp" else "[]"
        ),
        axis=1,
    )
    manifest = {
        "demo": True,
        "demo_note": "Synthetische Demodaten für die 400 realen Kreise. Keine amtlichen Werte.",
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seed": seed,
        "gebietsstand": "Kreise zum 31.12.2021 (400 Kreise); Karte schematisch",
        "sources": [{"file": "(synthetisch)", "format": "demo", "publisher": DEMO_SOURCE, "licence": DEMO_LICENCE}],
        "build_seconds": round(time.time() - started, 2),
    }
    warehouse.write(
        out,
        districts=districts,
        indicators=indicators,
        facts=facts,
        manifest=manifest,
        geometry=schematic_geometry(districts),
    )
    return manifest


def write_municipality_panel(
    out: Path,
    regions: int = 11_000,
    indicators: int = 100,
    years: int = 20,
    seed: int = 7,
    references: bool = False,
) -> dict:
    """Write a municipality-scale demo panel (default 11,000 x 100 x 20 = 22 million facts) for benchmarks.

    Facts have 8-digit region keys (Kreis AGS + 3 digits). With ``references`` each indicator-year also gets
    the 16 Länder (2-digit codes) and Germany (``DG``) as population-weighted means, as a real warehouse has.
    ``facts.parquet`` is sorted by indicator, year, region (one row group per indicator). Values are
    generated once (8 bytes per fact) and written with pyarrow in blocks, so no pandas frame of all facts exists.
    """
    import shutil

    started = time.time()
    out = Path(out)
    rng = np.random.default_rng(seed)
    kreise = registry.kreise()
    parent = rng.choice(kreise["ags"].to_numpy(), size=regions)
    parent.sort()
    counters: dict[str, int] = {}
    codes = []
    for k in parent:
        counters[k] = counters.get(k, 0) + 1
        codes.append(f"{k}{counters[k]:03d}")
    codes = np.array(codes)
    population = rng.lognormal(8.0, 1.2, regions).round()
    municipalities = pd.DataFrame(
        {
            "ags": codes,
            "name": [f"Gemeinde {c}" for c in codes],
            "kreis_ags": parent,
            "land_code": [c[:2] for c in codes],
            "population": population.astype("int64"),
            "kreistyp": rng.integers(1, 5, regions).astype("int8"),
        }
    )
    year_values = np.arange(2024 - years, 2024, dtype=np.int16)
    ind_ids = [f"demo_{i:03d}" for i in range(indicators)]
    polarities = rng.choice([-1, 0, 1], size=indicators)

    # values[indicator, year, region] over the sorted region keys (municipalities, and Länder and DG on request)
    lands = sorted(set(municipalities["land_code"]))
    weights = np.zeros((regions, len(lands) + 1))
    weights[np.arange(regions), [lands.index(c) for c in municipalities["land_code"]]] = population
    weights[:, -1] = population
    weights /= weights.sum(axis=0)
    keys = np.concatenate([codes, np.array(lands + ["DG"])]) if references else codes
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    values = np.empty((indicators, years, len(keys)))
    for i in range(indicators):
        level = rng.uniform(5, 80)
        effect = rng.normal(0, level * 0.2, regions)
        trend = rng.normal(0, level * 0.01, regions)
        own = level + effect[None, :] + trend[None, :] * (year_values - year_values[-1])[:, None]
        own = own + rng.normal(0, level * 0.03, (years, regions))
        if references:
            own = np.concatenate([own, own @ weights], axis=1)
        values[i] = own[:, order].round(3)

    staging = out.with_name(f".{out.name}.building")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    schema = pa.schema(
        [
            ("region", pa.string()),
            ("indicator", pa.string()),
            ("year", pa.int16()),
            ("value", pa.float64()),
            ("value_label", pa.string()),
            ("suppressed", pa.bool_()),
            ("harmonised", pa.bool_()),
            ("estimated", pa.bool_()),
            ("break", pa.bool_()),
            ("source", pa.string()),
        ]
    )

    def strings(indices: np.ndarray, dictionary: list[str] | np.ndarray) -> pa.Array:
        positions = pa.array(indices.astype(np.int32))
        return pa.DictionaryArray.from_arrays(positions, pa.array(dictionary)).cast(pa.string())

    def table(region_idx: np.ndarray, ind_idx: np.ndarray, year_idx: np.ndarray, vals: np.ndarray) -> pa.Table:
        n = len(vals)
        falses = pa.array(np.zeros(n, dtype=bool))
        return pa.table(
            {
                "region": strings(region_idx, keys),
                "indicator": strings(ind_idx, ind_ids),
                "year": pa.array(year_values[year_idx]),
                "value": pa.array(vals),
                "value_label": pa.nulls(n, pa.string()),
                "suppressed": falses,
                "harmonised": falses,
                "estimated": falses,
                "break": falses,
                "source": strings(np.zeros(n, dtype=np.int32), [DEMO_SOURCE]),
            },
            schema=schema,
        )

    n_keys = len(keys)
    per_indicator = years * n_keys
    # sorted by indicator, year, region: one row group per indicator (a few hundred thousand rows)
    with pq.ParquetWriter(staging / "facts.parquet", schema, compression="zstd") as writer:
        region_idx = np.tile(np.arange(n_keys), years)
        year_idx = np.repeat(np.arange(years), n_keys)
        for i in range(indicators):
            t = table(region_idx, np.full(per_indicator, i), year_idx, values[i].ravel())
            writer.write_table(t, row_group_size=max(per_indicator, 1))
    del values

    indicator_meta = pd.DataFrame(
        {
            "id": ind_ids,
            "label": [f"Demo-Indikator {i + 1}" for i in range(indicators)],
            "unit": "%",
            "polarity": polarities.astype("int8"),
            "topic": "Demo",
            "definition": "Synthetischer Indikator für Lasttests",
            "source": DEMO_SOURCE,
            "licence": DEMO_LICENCE,
            "scale": "ratio",
            "aggregation": "mean",
        }
    )
    indicator_meta.to_parquet(staging / "indicators.parquet", index=False)
    registry.districts().to_parquet(staging / "districts.parquet", index=False)
    municipalities.to_parquet(staging / "municipalities.parquet", index=False)
    manifest = {
        "demo": True,
        "scale": "gemeinde",
        "demo_note": "Synthetisches Gemeinde-Panel für Benchmarks. Keine amtlichen Werte.",
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "references": bool(references),
        "row_counts": {
            "facts": per_indicator * indicators,
            "regions": regions,
            "indicators": indicators,
            "years": years,
        },
        "build_seconds": round(time.time() - started, 2),
    }
    (staging / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    warehouse.swap(staging, out)
    return manifest
