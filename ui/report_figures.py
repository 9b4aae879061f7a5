"""Collect what the Landrat's figures need from the warehouse: trends of the headline indicators, the Land's map."""

from __future__ import annotations

from indicators.domain import formatting as fmt
from indicators.outputs.report import RegionMap, Trend
from ui import choropleth, data


def trends(ctx, rows) -> list[Trend]:
    """The first three headline rows with a value: the Kreis's series and the peers' median per year."""
    out = []
    for row in [r for r in rows if r.year is not None][:3]:
        band = data.band(ctx.wh, row.indicator, tuple(ctx.peers))
        series = data.series(ctx.wh, row.indicator, (ctx.sel.home,))
        mine = dict(zip(series["year"], series["value"], strict=True))
        median = dict(zip(band["year"], band["median"], strict=True)) if not band.empty else {}
        years = sorted(y for y in set(mine) | set(median) if y <= row.year)
        points = tuple((int(y), _num(mine.get(y)), _num(median.get(y))) for y in years)
        out.append(Trend(row.indicator, row.label, row.unit, points))
    return out


def region_map(ctx, row) -> RegionMap | None:
    """The Kreise of the home Kreis's Land coloured by ``row``'s indicator, centred on the peers' median."""
    geo = data.geometry(ctx.wh, "kreise")
    if not geo or row is None or row.year is None:
        return None
    land = ctx.sel.home[:2]
    features = [f for f in geo["features"] if str(f["properties"].get("ags", "")).startswith(land)]
    values = data.values(ctx.wh, row.indicator, row.year)
    stats = data.reference_statistics(ctx.wh, row.indicator, row.year, tuple(ctx.peers))
    coloured = choropleth.colour_features(features, values, ctx.names, row.unit, row.polarity, stats)
    shapes = []
    for f in coloured:
        geom = f["geometry"]
        polygons = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        rings = tuple(tuple((float(x), float(y)) for x, y, *_ in poly[0]) for poly in polygons)
        ags = f["properties"]["ags"]
        shapes.append((ags, rings, tuple(int(c) for c in f["properties"]["fill"]), ags == ctx.sel.home))
    favourable = {1: "Blau = günstiger (höher)", -1: "Blau = günstiger (niedriger)"}.get(row.polarity, "ohne Wertung")
    legend = (
        f"{row.label} {row.year}: Farbe zentriert auf den Median {fmt.value(stats.get('median'), row.unit)}\n"
        f"{favourable}, Orange = ungünstiger; rot umrandet: {ctx.kreis['display_name']}"
    )
    return RegionMap(f"{row.label} {row.year} in {ctx.kreis['land_name']}", tuple(shapes), legend)


def _num(x) -> float | None:
    return None if x is None or x != x else float(x)
