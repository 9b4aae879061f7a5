"""The pydeck choropleth: polarity-aware colours centred on the median, Länder borders, home Kreis outlined.

No basemap by default: the map draws only our own polygons and loads nothing from the internet, so it works
offline, on any projector, and tells no map server who looks at which Kreis. (Streamlit fills in a CARTO style
from a public CDN when ``map_style=None`` is passed; leaving pydeck's default with ``map_provider=None`` keeps
the map empty.) ``REGIOMONITOR_ONLINE_BASEMAP=1`` switches on CARTO's light basemap from the internet.
"""

from __future__ import annotations

import copy
import json

import pandas as pd
import plotly.graph_objects as go
import pydeck as pdk
from pydeck.bindings.json_tools import default_serialize

from indicators import settings
from indicators.domain import formatting as fmt
from ui import html
from ui.components import MAP_HOME_OUTLINE, NO_VALUE, diverging_colour, rgb
from ui.html import Markup, plot

LAYER_KREISE = "kreise"


def clicked_kreis(event, known: dict[str, str]) -> str | None:
    """AGS of the Kreis a map click selected, if any."""
    picked = (event or {}).get("selection", {}).get("objects", {}).get(LAYER_KREISE, [])
    ags = picked[0].get("properties", {}).get("ags") if picked else None
    return ags if ags in known else None


def colour_features(
    geojson_features: list[dict], values: pd.DataFrame, names: dict[str, str], unit: str, polarity: int, stats: dict
) -> list[dict]:
    """Copy of the Kreis features with fill colour and a formatted tooltip value per Kreis."""
    # plain dictionaries: two look-ups in a frame per Kreis were most of the map page's time
    value_of = dict(zip(values["region"], values["value"], strict=True))
    label_of = dict(zip(values["region"], values["value_label"], strict=True))
    out = []
    median, low, high = stats.get("median"), stats.get("min"), stats.get("max")
    for feature in geojson_features:
        f = copy.copy(feature)
        props = dict(feature["properties"])
        ags = props.get("ags")
        value = value_of.get(ags)
        label = label_of.get(ags)
        props["name"] = names.get(ags, props.get("name", ags))
        props["wert"] = fmt.value(value, unit, label if isinstance(label, str) else None)
        if median is None:
            props["fill"] = rgb(NO_VALUE)
        else:
            props["fill"] = diverging_colour(value, median, low, high, polarity)
        f["properties"] = props
        out.append(f)
    return out


class Deck(pdk.Deck):
    """pydeck's Deck, serialised by the C JSON encoder (pydeck indents its JSON, which forces Python's slow encoder
    over every coordinate), with layer data given as JSON already encoded spliced in: the boundaries of 400 Kreise
    are encoded once per warehouse, not on every run (a twentieth of the server's time under load;
    :func:`ui.data.geometry_json`)."""

    __slots__ = ("_encoded",)  # a slot, not in __dict__: pydeck serialises the __dict__

    def __init__(self, *args, encoded: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._encoded = encoded or {}

    def to_json(self) -> str:
        text = json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"))
        for token, encoded in self._encoded.items():
            text = text.replace(json.dumps(token), encoded, 1)
        return text


def _collection_json(features: list[dict], geometries: list[str]) -> str:
    """A GeoJSON FeatureCollection as JSON whose geometries were encoded before; only properties are encoded now."""
    parts = [
        '{"geometry":'
        + geometry
        + ',"properties":'
        + json.dumps(f["properties"], sort_keys=True, default=default_serialize, separators=(",", ":"))
        + ',"type":"Feature"}'
        for f, geometry in zip(features, geometries, strict=True)
    ]
    return '{"features":[' + ",".join(parts) + '],"type":"FeatureCollection"}'


ONLINE_BASEMAP_ENV = "REGIOMONITOR_ONLINE_BASEMAP"


def basemap(environ: dict | None = None) -> dict:
    """pydeck arguments: no basemap (default), or CARTO's light style from the internet when switched on."""
    if settings.switched_on(ONLINE_BASEMAP_ENV, environ):
        return {"map_provider": "carto", "map_style": "light"}
    return {"map_provider": None}


def deck(
    kreise: list[dict],
    laender: list[dict] | None,
    home_feature: dict | None,
    view: dict | None = None,
    geometries: dict[str, list[str]] | None = None,
) -> pdk.Deck:
    """The map; ``geometries`` (``{"kreise": …, "laender": …}`` from :func:`ui.data.geometry_json`) spares encoding
    the boundaries again."""
    geometries = geometries or {}
    encoded: dict[str, str] = {}

    def data(name: str, features: list[dict]) -> dict | str:
        if len(geometries.get(name) or ()) != len(features):
            return {"type": "FeatureCollection", "features": features}
        token = f"\u00a7encoded:{name}\u00a7"
        encoded[token] = _collection_json(features, geometries[name])
        return token

    layers = [
        pdk.Layer(
            "GeoJsonLayer",
            id=LAYER_KREISE,
            data=data("kreise", kreise),
            get_fill_color="properties.fill",
            get_line_color=[255, 255, 255],
            line_width_min_pixels=0.5,
            pickable=True,
            auto_highlight=True,
        )
    ]
    if laender:
        layers.append(
            pdk.Layer(
                "GeoJsonLayer",
                id="laender",
                data=data("laender", laender),
                filled=False,
                get_line_color=[40, 40, 40],
                line_width_min_pixels=1.6,
                pickable=False,
            )
        )
    if home_feature:
        layers.append(
            pdk.Layer(
                "GeoJsonLayer",
                id="heimatkreis",
                data={"type": "FeatureCollection", "features": [home_feature]},
                filled=False,
                get_line_color=rgb(MAP_HOME_OUTLINE),
                line_width_min_pixels=4,
                pickable=False,
            )
        )
    view = view or dict(latitude=51.2, longitude=10.4, zoom=5.0)
    return Deck(
        encoded=encoded,
        layers=layers,
        initial_view_state=pdk.ViewState(**view, pitch=0, bearing=0),
        **basemap(),
        tooltip={"html": "<b>{name}</b><br/>{wert}", "style": {"fontSize": "14px"}},
    )


def legend_note(polarity: int) -> str:
    """What the colours mean, in words (on the page under the map and in the downloaded picture)."""
    if polarity == 0:
        return "Kontextindikator: neutrale Farbskala (hell = niedrig, dunkel = hoch), keine Wertung."
    if polarity < 0:
        return "Blau = günstiger als der Median (niedriger), Orange = ungünstiger (höher). Mitte = Median der Vergleichsgruppe."
    return "Blau = günstiger als der Median (höher), Orange = ungünstiger (niedriger). Mitte = Median der Vergleichsgruppe."


def legend_html(stats: dict, unit: str, polarity: int) -> Markup:
    """Legend with colour boxes and value ranges; the favourable end is named, not just coloured."""
    if stats.get("median") is None:
        return html.Markup("")
    low, median, high = stats["min"], stats["median"], stats["max"]
    if polarity == 0:  # the context scale runs evenly from minimum to maximum, not from the median
        steps = [low + (high - low) * i / 4 for i in range(5)]
    else:
        steps = [low, (low + median) / 2, median, (median + high) / 2, high]
    boxes = []
    for value in steps:
        r, g, b = diverging_colour(value, median, low, high, polarity)
        box = html.element("div", style=f"width:70px;height:18px;background:rgb({r},{g},{b});border:1px solid #999")
        boxes.append(html.element("div", box, fmt.value(value, unit), style="text-align:center;font-size:0.8rem"))
    note = legend_note(polarity)
    return html.join(
        [
            html.element("div", *boxes, style="display:flex;gap:0.4rem;align-items:flex-end"),
            html.element(
                "div",
                f"{note} Grau = kein Wert. Rot umrandet = eigener Kreis.",
                style="font-size:0.8rem;color:#444",
            ),
        ]
    )


def _rings(geometry: dict) -> list[list]:
    if geometry.get("type") == "Polygon":
        return list(geometry["coordinates"])
    if geometry.get("type") == "MultiPolygon":
        return [ring for polygon in geometry["coordinates"] for ring in polygon]
    return []


#: Longitudes shrink with the cosine of the latitude; at Germany's middle (51° N) a degree east is 0.63 of one north.
_EAST = 0.629


def picture(features: list[dict], home: str | None, title: str, credit: list[str]) -> go.Figure:
    """The coloured map as a Plotly figure for the PNG and SVG downloads (the page draws it with deck.gl): each
    Kreis a filled path in its own colour, the home Kreis outlined; drawn on plain axes (no map tiles or world
    outlines to fetch)."""
    shapes = []
    xs, ys = [], []
    for feature in sorted(features, key=lambda f: f["properties"].get("ags") == home):
        props = feature["properties"]
        is_home = props.get("ags") == home
        for ring in _rings(feature.get("geometry") or {}):
            points = [(lon * _EAST, lat) for lon, lat, *_ in ring]
            if len(points) < 3:
                continue
            xs += [p[0] for p in points]
            ys += [p[1] for p in points]
            path = "M " + " L ".join(f"{x:.4f},{y:.4f}" for x, y in points) + " Z"
            shapes.append(
                dict(
                    type="path",
                    path=path,
                    fillcolor="rgb({},{},{})".format(*props.get("fill", rgb(NO_VALUE))[:3]),
                    line=dict(color=MAP_HOME_OUTLINE if is_home else "white", width=3 if is_home else 0.3),
                    layer="above",
                )
            )
    fig = go.Figure(
        go.Scatter(
            x=[min(xs, default=0), max(xs, default=1)],
            y=[min(ys, default=0), max(ys, default=1)],
            mode="markers",
            marker=dict(opacity=0),
            hoverinfo="skip",
            showlegend=False,
        )
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1)
    fig.update_layout(
        shapes=shapes,
        title=dict(text=plot(title), subtitle=dict(text="<br>".join(plot(c) for c in credit), font=dict(size=11))),
        height=1000,
        plot_bgcolor="white",
        margin=dict(l=10, r=10, t=70 + 16 * len(credit), b=10),
    )
    return fig
