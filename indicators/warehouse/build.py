"""Build the warehouse: official raw files -> harmonised Parquet tables, in one atomic step.

The build reads every file it recognises under the raw folder, maps raw indicators onto the catalogue,
harmonises older Gebietsstände onto today's 400 Kreise, derives rates from counts and Germany/Land values
where the files lack them, and writes the warehouse contract (see README). It writes into a fresh folder
and swaps it in only when everything succeeded, so a failed build leaves the previous warehouse untouched.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from indicators import importers
from indicators.domain import aggregation as aggregation_rules
from indicators.domain import registry
from indicators.domain.ags import GERMANY
from indicators.domain.catalog import Catalogue, load_catalogue
from indicators.errors import BuildError
from indicators.importers import unknown as unrecognised
from indicators.importers.base import ImportResult
from indicators.warehouse import files as warehouse

Progress = Callable[[float, str], None]

FACT_OUTPUT_COLUMNS = [
    "region",
    "indicator",
    "year",
    "value",
    "value_label",
    "suppressed",
    "harmonised",
    "estimated",
    "break",
    "source",
]


@dataclass
class SourceFile:
    path: Path
    format: str
    sha256: str
    size: int
    result: ImportResult | None = None
    rows: int = 0
    problems: list[str] = field(default_factory=list)


@dataclass
class BuildInputs:
    """Everything read from the raw folder, before it is combined."""

    files: list[SourceFile]
    results: list[ImportResult]
    crosswalk: pd.DataFrame | None
    kreistypen: pd.DataFrame | None
    areas: pd.DataFrame | None
    geometry: dict | None
    published_reference: pd.DataFrame | None
    unrecognised: list[Path]


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def discover(raw: Path) -> tuple[list[tuple[Path, str]], list[Path]]:
    """All files under ``raw`` with the format each is in; unrecognised files listed apart. A workbook that cannot
    be opened (cut short, damaged) stops the build with its name rather than being passed over."""
    found, unknown = [], []
    for path in sorted(p for p in raw.rglob("*") if p.is_file()):
        if path.name.startswith(".") or path.suffix.lower() == ".md" or path.name == "SHA256SUMS":
            continue
        if importers.companion_of(path) is not None:  # read with its main file (codebook, shapefile parts, ...)
            continue
        fmt = importers.recognise(path)
        if fmt is None and (damaged := unrecognised.damage(path)) is not None:
            raise damaged
        (found.append((path, fmt)) if fmt else unknown.append(path))
    return found, unknown


#: The committed reference table (JUGEND STÄRKEN) is always part of a build unless a newer copy is dropped in raw.
BUILTIN_REFERENCE = registry.REFERENCE_DIR / "seed_indicator_table.csv"


def read_inputs(raw: Path, progress: Progress | None = None) -> BuildInputs:
    """Every recognised file read once by its format's ``load``; what it yields is sorted into the inputs."""
    found, unknown = discover(raw)
    if not any(fmt == "reference" for _, fmt in found) and BUILTIN_REFERENCE.exists():
        found.append((BUILTIN_REFERENCE, "reference"))
    files: list[SourceFile] = []
    results: list[ImportResult] = []
    crosswalk = kreistypen = areas = published = None
    geometry: dict | None = None
    for i, (path, fmt) in enumerate(found):
        if progress:
            progress(0.05 + 0.6 * i / max(len(found), 1), f"Lese {path.name} ({importers.FORMAT_LABELS[fmt]})")
        src = SourceFile(path=path, format=fmt, sha256=sha256(path), size=path.stat().st_size)
        files.append(src)
        result = importers.load(path, fmt)
        src.result = result
        src.rows = result.rows
        src.problems = list(result.problems)
        extras = result.extras
        if "crosswalk" in extras:
            crosswalk = extras["crosswalk"]
        for level in ("kreise", "laender"):
            if f"geometry_{level}" in extras:
                geometry = {**(geometry or {}), level: extras[f"geometry_{level}"]}
        if "kreistypen" in extras:
            kreistypen = _newest(kreistypen, extras["kreistypen"], result)
        listed = extras.get("kreis_list")
        if listed is not None and len(listed) and set(listed["ags"]) >= registry.kreis_codes():
            areas = _newest(areas, listed, result)
        if result.published is not None:
            published = published_reference(result, load_catalogue())
        elif len(result.facts):
            results.append(result)
    return BuildInputs(files, results, crosswalk, kreistypen, areas, geometry, published, unknown)


#: How the published reference is named wherever it is shown.
REFERENCE_LABEL = "veröffentlicht in JUST BEst (2022)"


def published_reference(result: ImportResult, catalogue: Catalogue) -> pd.DataFrame:
    """The reference table's published rows keyed by catalogue id, in our units, with its own label and year.

    The rows stay a reference: they never enter the facts, so they never start a series, never count as a
    year of an indicator and never replace an official Germany or Land value.
    """
    table = result.published if result.published is not None else pd.DataFrame(columns=["indicator"])
    by_column = {ind.seed_id: ind for ind in catalogue if ind.seed_id}
    columns = table["indicator"].astype(str).str.removeprefix("seed__")
    matched = [by_column.get(c) for c in columns]
    out = pd.DataFrame(
        {
            "indicator": [ind.id if ind else raw for ind, raw in zip(matched, table["indicator"], strict=True)],
            "reference_column": columns.to_numpy(),
            "label": [ind.label if ind else lb for ind, lb in zip(matched, table["label"], strict=True)],
            "published_label": table["label"].to_numpy(),
            "unit": [ind.unit if ind else u for ind, u in zip(matched, table["unit"], strict=True)],
            "statistic": table["statistic"].to_numpy(),
            "region": table["region"].to_numpy(),
            "name": table["name"].to_numpy(),
            "year": table["year"].to_numpy(),
            "value": table["value"].to_numpy(dtype="float64") * [ind.seed_factor if ind else 1.0 for ind in matched],
            "value_label": table["value_label"].to_numpy(),
            "note": [ind.seed_note if ind else "" for ind in matched],
        }
    )
    out["source"] = f"{result.publisher}, {result.title} ({REFERENCE_LABEL})"
    out["stand"] = result.stand
    out["official"] = False
    return out.astype({c: "string" for c in out.columns if c not in ("year", "value", "official")})


def _newest(current: pd.DataFrame | None, candidate: pd.DataFrame, result: ImportResult) -> pd.DataFrame:
    """Keep the table of the latest reference year when several vintages are dropped."""
    year = max(result.years) if len(result.facts) else 0
    candidate = candidate.copy()
    candidate.attrs["year"] = year
    if current is None or year >= current.attrs.get("year", 0):
        return candidate
    return current


def source_label(result: ImportResult) -> str:
    stand = f", Stand {result.stand}" if result.stand else ""
    return f"{result.publisher or result.format}: {result.table or result.path.name}{stand}"


def map_to_catalogue(result: ImportResult, catalogue: Catalogue) -> tuple[pd.DataFrame, list[dict]]:
    """Facts of one file with catalogue ids, priorities and unit factors applied.

    Raw ids the catalogue does not know stay as they are and are returned as new indicator entries, so a
    table nobody catalogued yet still shows up (labelled from its own header lines).
    """
    facts = result.facts.copy()
    specs = {s.id: s for s in result.indicators}
    ids, prios, factors = {}, {}, {}
    extra = []
    for raw in facts["indicator"].dropna().unique():
        hit = catalogue.source_for_raw(raw)
        if hit:
            ind, src, prio = hit
            ids[raw], prios[raw], factors[raw] = ind.id, prio, src.factor
        else:
            ids[raw], prios[raw], factors[raw] = raw, 0, 1.0
            spec = specs.get(raw)
            kind, reason = aggregation_rules.infer(
                spec.unit if spec else "", spec.label if spec else raw, spec.scale if spec else "ratio"
            )
            extra.append(
                {
                    "id": raw,
                    "label": spec.label if spec else raw,
                    "unit": spec.unit if spec else "",
                    "definition": spec.definition if spec else "",
                    "scale": spec.scale if spec else "ratio",
                    "classes": list(spec.classes) if spec else [],
                    "source": source_label(result),
                    "licence": result.licence,
                    "stand": result.stand,
                    "aggregation": kind,
                    "aggregation_reason": reason,
                }
            )
    raw_ids = facts["indicator"]
    facts["indicator"] = raw_ids.map(ids).astype("string")
    facts["priority"] = raw_ids.map(prios).astype("int16")
    facts["value"] = facts["value"] * raw_ids.map(factors).astype(float)
    facts["source"] = source_label(result)
    return facts, extra


def combine(
    inputs: BuildInputs, catalogue: Catalogue, progress: Progress | None = None
) -> tuple[pd.DataFrame, list[dict], dict]:
    """Harmonise each file, then pick one value per region, indicator and year by source priority."""
    from indicators.warehouse import harmonise as harmonise_mod

    frames, extras = [], []
    report: dict = {"harmonised_files": []}
    aggregation = {ind.id: ind.aggregation for ind in catalogue}
    numerators = {
        ind.id: (ind.numerator, ind.denominator, ind.rate_factor)
        for ind in catalogue
        if ind.numerator and ind.denominator
    }
    for result in inputs.results:
        facts, extra = map_to_catalogue(result, catalogue)
        extras.extend(extra)
        facts = current_territory(facts)
        if facts["territory_year"].notna().any():
            if inputs.crosswalk is None:
                raise BuildError(
                    f"{result.path.name} bezieht sich auf frühere Gebietsstände, aber der BBSR-Umsteigeschlüssel "
                    "(ref-kreise-umrech-*.xlsx) fehlt im Rohdatenordner"
                )
            keep = facts[["indicator", "source", "priority"]].drop_duplicates("indicator")
            for e in extra:
                aggregation.setdefault(e["id"], e["aggregation"])
            harmonised = harmonise_mod.harmonise(
                facts.drop(columns=["priority"]), inputs.crosswalk, aggregation, numerators
            )
            facts = harmonised.drop(columns=["source"], errors="ignore").merge(keep, on="indicator", how="left")
            report["harmonised_files"].append(result.path.name)
        if "harmonised" not in facts.columns:
            facts["harmonised"] = False
        frames.append(facts)
    if not frames:
        raise BuildError("Im Rohdatenordner wurde keine einzige bekannte amtliche Datei gefunden")
    facts = pd.concat(frames, ignore_index=True)
    facts = facts[facts["value"].notna() | facts["suppressed"]]
    # Where several sources deliver the same cell, a published value beats a withheld one, then the catalogue's
    # order of sources decides; the number of such cells goes into the quality report.
    facts = facts.sort_values(["indicator", "region", "year", "suppressed", "priority"])
    dup = facts.duplicated(["region", "indicator", "year"], keep=False)
    report["overlapping_cells"] = int(dup.sum())
    facts = facts.drop_duplicates(["region", "indicator", "year"], keep="first")
    region = facts["region"].astype(str)
    facts = facts[(region == GERMANY) | (region.str.len() == 2) | region.isin(registry.kreis_codes())]
    if progress:
        progress(0.75, "Leite Quoten aus Zählgrößen ab")
    facts = derive_rates(facts, catalogue)
    kinds = {ind.id: ind.aggregation for ind in catalogue if ind.scale == "ratio"}
    kinds |= {e["id"]: e["aggregation"] for e in extras if e["id"] not in kinds and e["scale"] == "ratio"}
    facts = derive_aggregates(facts, kinds)
    report["breaks"] = declared_breaks(inputs.results, catalogue)
    facts = mark_breaks(facts, report["breaks"])
    return facts, extras, report


def current_territory(facts: pd.DataFrame) -> pd.DataFrame:
    """Clear the Gebietsstand of rows that already refer to today's Kreise (since the reform of July 2021)."""
    ty = facts["territory_year"]
    region = facts["region"].astype(str)
    current = (region.str.len() != 5) | region.isin(registry.kreis_codes())
    clear = ty.notna() & (ty >= 2022) & current
    if clear.any():
        facts = facts.copy()
        facts.loc[clear, "territory_year"] = pd.NA
    return facts


def derive_rates(facts: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """Fill missing rates from their numerator and denominator counts (own calculation, marked in source)."""
    added = []
    for ind in catalogue:
        if not (ind.numerator and ind.denominator):
            continue
        num = facts[facts["indicator"] == ind.numerator].set_index(["region", "year"])[["value", "source"]]
        den = facts[facts["indicator"] == ind.denominator].set_index(["region", "year"])[["value", "source"]]
        both = pd.concat(
            [num.set_axis(["num", "num_source"], axis=1), den.set_axis(["den", "den_source"], axis=1)], axis=1
        ).dropna(subset=["num", "den"])
        both = both[both["den"] > 0]
        have = facts[(facts["indicator"] == ind.id) & facts["value"].notna()].set_index(["region", "year"]).index
        both = both[~both.index.isin(have)]
        if both.empty:
            continue
        out = both.reset_index()
        out["indicator"] = ind.id
        out["value"] = ind.rate_factor * out["num"] / out["den"]
        out["source"] = (
            f"eigene Berechnung aus {catalogue[ind.numerator].label} ("
            + out["num_source"].astype(str)
            + f") / {catalogue[ind.denominator].label} ("
            + out["den_source"].astype(str)
            + ")"
        )
        added.append(out.drop(columns=["num", "den", "num_source", "den_source"]))
    if not added:
        return facts
    new = pd.concat(added, ignore_index=True)
    for col, default in (("suppressed", False), ("harmonised", False), ("estimated", False), ("priority", 99)):
        new[col] = default
    return pd.concat([facts, new], ignore_index=True)


def derive_aggregates(facts: pd.DataFrame, aggregation: dict[str, str]) -> pd.DataFrame:
    """Germany and Land values where no file gives them: counts summed, rates population-weighted.

    Deutschland is the national figure, not the mean of the districts: an official Germany or Land row always
    wins, and only where none exists is one derived. Summed counts are exact when all Kreise of the area report;
    weighted rates are approximations and carry the ``estimated`` flag. Their weights are the population of the
    same year (else the nearest year with a population figure for that Kreis), never one year's for all. An
    aggregate over an incomplete set of Kreise is never written.
    """
    wanted = {i: kind for i, kind in aggregation.items() if kind in {"sum", "sum_area", "mean"}}
    region = facts["region"].astype(str)
    kreise = facts[(region.str.len() == 5) & facts["indicator"].isin(list(wanted)) & facts["value"].notna()]
    if kreise.empty:
        return facts
    k = kreise[["region", "indicator", "year", "value", "source"]].copy()
    k["year"] = k["year"].astype("int64")
    k["region"] = k["region"].astype(str)
    k["indicator"] = k["indicator"].astype(str)
    population = facts[(facts["indicator"] == "einwohner") & (region.str.len() == 5) & facts["value"].notna()]
    weights = pd.DataFrame(
        {
            "region": population["region"].astype(str).to_numpy(),
            "year": population["year"].astype("int64").to_numpy(),
            "w": population["value"].to_numpy(dtype="float64"),
        }
    )
    weights["w_year"] = weights["year"]
    if len(weights):
        k = pd.merge_asof(
            k.sort_values("year"), weights.sort_values("year"), on="year", by="region", direction="nearest"
        )
    else:
        k["w"], k["w_year"] = float("nan"), pd.NA
    k["land"] = k["region"].str[:2]
    k["wv"] = k["value"] * k["w"]
    k["kind"] = k["indicator"].map(wanted)
    size = registry.kreise().groupby("land_code").size()
    frames = []
    for keys, area_size in ((["indicator", "year"], None), (["indicator", "year", "land"], size)):
        agg = (
            k.groupby(keys)
            .agg(
                n=("value", "size"),
                total=("value", "sum"),
                wv=("wv", "sum"),
                w=("w", "sum"),
                w_n=("w", "count"),
                w_first=("w_year", "min"),
                w_last=("w_year", "max"),
                kind=("kind", "first"),
                inputs=("source", "first"),
                n_inputs=("source", "nunique"),
            )
            .reset_index()
        )
        agg["region"] = GERMANY if area_size is None else agg["land"]
        expected = 400 if area_size is None else agg["land"].map(area_size)
        agg = agg[agg["n"] >= expected]
        is_sum = agg["kind"].isin(["sum", "sum_area"])
        agg = agg[is_sum | (agg["w_n"] == agg["n"])].copy()
        is_sum = agg["kind"].isin(["sum", "sum_area"])
        agg["value"] = agg["total"].where(is_sum, agg["wv"] / agg["w"])
        agg["estimated"] = ~is_sum
        agg["source"] = _aggregate_source(agg, is_sum)
        frames.append(agg[["region", "indicator", "year", "value", "estimated", "source"]])
    added = pd.concat(frames, ignore_index=True)
    have = facts[["region", "indicator", "year"]].astype({"region": str, "indicator": str}).drop_duplicates()
    have["year"] = have["year"].astype("int64")
    added = added.merge(have, on=["region", "indicator", "year"], how="left", indicator="_m")
    added = added[added["_m"] == "left_only"].drop(columns="_m")
    if added.empty:
        return facts
    added["suppressed"] = False
    added["harmonised"] = False
    added["priority"] = 99
    return pd.concat([facts, added], ignore_index=True)


def _aggregate_source(agg: pd.DataFrame, is_sum: pd.Series) -> pd.Series:
    """``eigene Berechnung aus …``: the Kreis values' source and, for weighted rates, the population used."""
    inputs = [
        f"{src}" + ("" if n <= 1 else f" und {n - 1} weiteren")
        for src, n in zip(agg["inputs"], agg["n_inputs"], strict=True)
    ]
    years = [
        "?" if pd.isna(a) else (f"{int(a)}" if a == b else f"{int(a)}–{int(b)}")
        for a, b in zip(agg["w_first"], agg["w_last"], strict=True)
    ]
    summed = pd.Series([f"eigene Berechnung aus den Kreiswerten (Summe) aus {i}" for i in inputs], index=agg.index)
    weighted = pd.Series(
        [
            f"eigene Berechnung aus den Kreiswerten (Näherung: mit der Einwohnerzahl {y} gewichtetes Mittel) aus {i}"
            for i, y in zip(inputs, years, strict=True)
        ],
        index=agg.index,
    )
    return summed.where(is_sum, weighted)


def declared_breaks(results: list[ImportResult], catalogue: Catalogue) -> pd.DataFrame:
    """Series breaks as the files and the catalogue document them: ``indicator, year, reason``.

    A break is a change of definition or territory. A new vintage of the same table (another Stand) is none, and
    neither is a switch between sources the catalogue lists for one indicator: listing them together is the
    catalogue's statement that they share one definition. Where that is not so, the catalogue names the break.
    """
    rows = []
    for result in results:
        for raw, year, reason in result.breaks:
            hit = catalogue.source_for_raw(raw)
            rows.append((hit[0].id if hit else raw, int(year), reason))
    for ind in catalogue:
        rows += [(ind.id, int(b["year"]), str(b["reason"])) for b in ind.breaks]
    frame = pd.DataFrame(rows, columns=["indicator", "year", "reason"]).drop_duplicates(["indicator", "year"])
    return frame.astype({"indicator": "string", "year": "int16", "reason": "string"})


def mark_breaks(facts: pd.DataFrame, breaks: pd.DataFrame) -> pd.DataFrame:
    """Flag each series at a documented break: its first value from the break year on, after an earlier value."""
    facts = facts.sort_values(["indicator", "region", "year"]).reset_index(drop=True)
    facts["break"] = False
    if breaks.empty:
        return facts
    year = facts["year"].astype("int64")
    first_break = breaks.groupby("indicator")["year"].apply(lambda y: sorted(int(v) for v in y))
    for indicator, years in first_break.items():
        rows = (facts["indicator"] == indicator) & facts["value"].notna()
        for at in years:
            before = rows & (year < at)
            after = facts[rows & (year >= at)].groupby("region", sort=False).head(1)
            regions_before = set(facts.loc[before, "region"])
            marked = after.index[after["region"].isin(regions_before)]
            facts.loc[marked, "break"] = True
    return facts


def indicator_table(
    catalogue: Catalogue, facts: pd.DataFrame, extras: list[dict], results: list[ImportResult]
) -> pd.DataFrame:
    """The indicator metadata table, limited to indicators that have at least one value."""
    coverage = (
        facts[facts["value"].notna()]
        .groupby("indicator")
        .agg(first_year=("year", "min"), last_year=("year", "max"), n_regions=("region", "nunique"))
    )
    stands: dict[str, set[str]] = {}
    for src in facts[["indicator", "source"]].drop_duplicates().itertuples():
        stands.setdefault(src.indicator, set()).add(src.source)
    classes = _classes_by_indicator(catalogue, results)
    rows = []
    for ind in catalogue:
        if ind.id not in coverage.index:
            continue
        used = sorted(stands.get(ind.id, []))
        rows.append(
            {
                "id": ind.id,
                "label": ind.label,
                "unit": ind.unit,
                "polarity": ind.polarity,
                "polarity_reason": ind.polarity_reason,
                "topic": ind.topic,
                "definition": ind.definition,
                "source": " | ".join(used),
                "licence": " | ".join(ind.licences),
                "caveats": ind.caveats,
                "aggregation": ind.aggregation,
                "aggregation_reason": "laut Katalog",
                "scale": ind.scale,
                "classes": json.dumps(classes.get(ind.id, []), ensure_ascii=False),
                "seed_id": ind.seed_id,
                "headline": ind.headline,
                "catalogued": True,
            }
        )
    seen = {r["id"] for r in rows}
    for e in extras:
        if e["id"] in seen or e["id"] not in coverage.index:
            continue
        seen.add(e["id"])
        rows.append(
            {
                "id": e["id"],
                "label": e["label"],
                "unit": e["unit"],
                "polarity": 0,
                "polarity_reason": "Noch nicht im Katalog: ohne Wertung angezeigt.",
                "topic": "Weitere Indikatoren (nicht katalogisiert)",
                "definition": e["definition"],
                "source": e["source"],
                "licence": e["licence"],
                "caveats": "Automatisch aus den Kopfzeilen der Datei übernommen; Polarität und Definition noch nicht geprüft.",
                "aggregation": e["aggregation"],
                "aggregation_reason": e["aggregation_reason"],
                "scale": e["scale"],
                "classes": json.dumps(e["classes"], ensure_ascii=False),
                "seed_id": "",
                "headline": False,
                "catalogued": False,
            }
        )
    table = pd.DataFrame(rows)
    table = table.join(coverage, on="id")
    table["polarity"] = table["polarity"].astype("int8")
    return table


def _classes_by_indicator(catalogue: Catalogue, results: list[ImportResult]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for result in results:
        for spec in result.indicators:
            if not spec.classes:
                continue
            hit = catalogue.source_for_raw(spec.id)
            target = hit[0].id if hit else spec.id
            if hit and hit[2] > 0 and target in out:
                continue
            out[target] = list(spec.classes)
    return out


def build(raw: Path, out: Path, progress: Progress | None = None, catalogue: Catalogue | None = None) -> dict:
    """Build the warehouse from ``raw`` into ``out`` atomically and return the manifest."""
    started = time.time()
    raw, out = Path(raw), Path(out)
    if not raw.is_dir():
        raise BuildError(f"Rohdatenordner „{raw}“ nicht gefunden")
    catalogue = catalogue or load_catalogue()
    if progress:
        progress(0.02, "Suche amtliche Dateien")
    inputs = read_inputs(raw, progress)
    if progress:
        progress(0.68, "Harmonisiere Gebietsstände und führe Quellen zusammen")
    facts, extras, report = combine(inputs, catalogue, progress)
    breaks = report.pop("breaks")
    districts = registry.districts(inputs.areas, inputs.kreistypen)
    indicators = indicator_table(catalogue, facts, extras, inputs.results)
    facts = facts[facts["indicator"].isin(indicators["id"])]
    facts_out = facts_frame_out(facts)
    flagged = facts_out[facts_out["break"]].groupby(["indicator", "year"]).size().rename("regions").reset_index()
    breaks = breaks.merge(flagged.astype({"indicator": "string", "year": "int16"}), how="left")
    breaks = breaks[breaks["indicator"].isin(indicators["id"])].assign(regions=lambda b: b["regions"].fillna(0))
    published = inputs.published_reference
    if published is not None:
        published = published.assign(official=published["indicator"].isin(indicators["id"]))
    if progress:
        progress(0.85, "Schreibe Warehouse")
    manifest = {
        "demo": False,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "build_seconds": None,
        "gebietsstand": "Kreise zum 31.12.2021 (400 Kreise)",
        "raw_dir": str(raw.resolve()),
        "sources": [
            {
                "file": str(f.path.relative_to(raw)) if f.path.is_relative_to(raw) else f"(mitgeliefert) {f.path.name}",
                "format": f.format,
                "format_label": importers.FORMAT_LABELS[f.format],
                "sha256": f.sha256,
                "bytes": f.size,
                "rows": f.rows,
                "title": f.result.title if f.result else "",
                "publisher": f.result.publisher if f.result else "",
                "stand": f.result.stand if f.result else "",
                "licence": f.result.licence if f.result else "",
                "problems": f.problems,
            }
            for f in inputs.files
        ],
        "unrecognised_files": [str(p.relative_to(raw)) for p in inputs.unrecognised],
        "unrecognised": [
            {"file": str(p.relative_to(raw)), "message": unrecognised.message(p)} for p in inputs.unrecognised
        ],
        "counts": {
            "districts": int(len(districts)),
            "indicators": int(len(indicators)),
            "facts": int(len(facts_out)),
            "geometry_kreise": len(inputs.geometry.get("kreise", [])) if inputs.geometry else 0,
        },
        "report": report,
    }
    manifest["build_seconds"] = round(time.time() - started, 2)
    warehouse.write(
        out,
        districts=districts,
        indicators=indicators,
        facts=facts_out,
        manifest=manifest,
        geometry=inputs.geometry,
        published_reference=published,
        extra_tables={"breaks": breaks.astype({"regions": "int32"})},
    )
    if progress:
        progress(1.0, "Fertig")
    return manifest


def facts_frame_out(facts: pd.DataFrame) -> pd.DataFrame:
    out = facts.copy()
    for col, default in (("harmonised", False), ("estimated", False), ("break", False), ("suppressed", False)):
        out[col] = out[col].fillna(default).astype(bool) if col in out else default
    if "value_label" not in out:
        out["value_label"] = None
    out = out[FACT_OUTPUT_COLUMNS]
    out["region"] = out["region"].astype("string")
    out["indicator"] = out["indicator"].astype("string")
    out["year"] = out["year"].astype("int16")
    out["value"] = out["value"].astype("float64")
    out["value_label"] = out["value_label"].astype("string")
    out["source"] = out["source"].astype("string")
    return out.sort_values(["indicator", "year", "region"]).reset_index(drop=True)
