"""Plotly charts with titles, units and German number formats; the home Kreis always stands out.

Plotly renders a subset of HTML in titles, names and hover texts, so every text that reaches a figure here
(labels, units, Kreis names) goes through ``html.plot`` first; callers pass plain text.
"""

from __future__ import annotations

import copy

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from _plotly_utils.basevalidators import is_homogeneous_array
from _plotly_utils.utils import is_skipped_key, to_typed_array_spec

from ui.components import HOME_COLOUR, NEUTRAL, PEER_COLOUR
from ui.html import plot

# The template as the process-wide default: naming it in every figure's layout deep-copies the whole template on
# each update_layout (about 10 ms per figure, a tenth of the server's time under load).
pio.templates.default = "plotly_white"
LAYOUT = dict(
    separators=",.",
    margin=dict(l=10, r=10, t=60, b=40),
    font=dict(size=14),
    legend=dict(orientation="h", yanchor="bottom", y=-0.35, x=0),
)


#: Whether Plotly checks every property against its schema while a figure is built. The check walks every value
#: of every trace (two thirds of building a chart of 400 Kreise) and finds mistakes in our dictionaries, which are
#: the same on every run: the tests switch it on (tests/conftest.py) and compare both ways of building
#: (tests/test_chart_figures.py); the pages build without it.
VALIDATE = False


class Chart(go.Figure):
    """A figure that hands out its dictionary without copying every value.

    ``st.plotly_chart`` asks a figure for ``to_dict()`` once per run; Plotly's answer deep-copies every point and
    hover text and then walks them all again to turn arrays into typed arrays (most of drawing a chart of 400
    Kreise on a page). Here the dictionaries and lists of dictionaries are new, arrays become typed arrays as
    Plotly converts them, and plain values are shared: nothing changes them.
    """

    def to_dict(self) -> dict:
        if self._frame_objs:  # animation frames: none of ours has them; Plotly's own copy then
            return super().to_dict()
        layout = self._layout
        template = layout.get("template")
        if template is None:
            return {"data": _sendable(self._data), "layout": _sendable(layout)}
        rest = _sendable({k: v for k, v in layout.items() if k != "template"})
        return {"data": _sendable(self._data), "layout": {**rest, "template": _sent_template(template)}}


_TEMPLATES: list[tuple[dict, dict]] = []


def _sent_template(template: dict) -> dict:
    """The template as sent, converted once: every figure carries the same theme (half of converting a chart)."""
    for source, sent in _TEMPLATES:
        if source == template:  # a comparison in C, a tenth of converting it again
            return sent
    sent = _sendable(template)
    _TEMPLATES[:] = [*_TEMPLATES[-3:], (copy.deepcopy(template), sent)]
    return sent


_CONTAINERS = (dict, list, tuple)


def _sendable(value):
    """``convert_to_base64(deepcopy(value))`` without copying what is neither a dictionary nor a list of them."""
    if isinstance(value, dict):
        return {
            k: v if is_skipped_key(k) else to_typed_array_spec(v) if is_homogeneous_array(v) else _sendable(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple) and any(issubclass(t, _CONTAINERS) for t in set(map(type, value))):
        return type(value)(_sendable(v) for v in value)
    return value


def figure(traces: list[dict], layout: dict, shapes: list[dict] = (), annotations: list[dict] = ()) -> go.Figure:
    """The figure in one construction from plain trace and layout dictionaries.

    ``add_trace``, ``add_vline`` and ``update_layout`` walk and validate the growing figure at every call: three to
    four times the cost of building it whole, and the charts are drawn on every page run.
    """
    marks = {k: list(v) for k, v in (("shapes", shapes), ("annotations", annotations)) if len(v)}
    return Chart(data=traces, layout={**LAYOUT, **layout, **marks}, _validate=VALIDATE)


def vline(x: float, style: dict, label: str | None = None) -> tuple[dict, list[dict]]:
    """A vertical line across the plot at ``x`` and its label at the top right, as ``fig.add_vline`` draws them."""
    shape = dict(type="line", x0=x, x1=x, xref="x", y0=0, y1=1, yref="y domain", line=style)
    note = dict(text=label, x=x, xref="x", y=1, yref="y domain", xanchor="left", yanchor="top", showarrow=False)
    return shape, [note] if label else []


def distribution(
    values: pd.DataFrame, home: str, peers: set[str], names: dict[str, str], title: str, unit: str, median
) -> go.Figure:
    """All Kreise as dots on one axis; peers and the home Kreis marked, median as a line."""
    title, unit = plot(title), plot(unit)
    df = values.dropna(subset=["value"])
    regions = df["region"].tolist()
    group_of = [
        "Eigener Kreis" if r == home else "Vergleichsgruppe" if r in peers else "Übrige Kreise" for r in regions
    ]
    styles = {
        "Übrige Kreise": dict(color="#c7c7c7", size=7),
        "Vergleichsgruppe": dict(color=PEER_COLOUR, size=9),
        "Eigener Kreis": dict(color=HOME_COLOUR, size=18, symbol="diamond", line=dict(color="black", width=1)),
    }
    traces = []
    for group, style in styles.items():
        rows = [i for i, g in enumerate(group_of) if g == group]
        if not rows:
            continue
        members = [regions[i] for i in rows]
        traces.append(
            dict(
                type="scatter",
                x=df["value"].to_numpy()[rows],
                y=[0] * len(rows) if group == "Eigener Kreis" else [(hash(r) % 100) / 250 - 0.2 for r in members],
                mode="markers",
                name=group,
                marker=style,
                text=[plot(names.get(r, r)) for r in members],
                customdata=[unit] * len(rows),
                hovertemplate="%{text}: %{x:,.2f} %{customdata}<extra></extra>",
            )
        )
    shapes, notes = [], []
    if median is not None and not pd.isna(median):
        median_line, notes = vline(median, dict(color="black", dash="dash"), "Median Vergleichsgruppe")
        shapes = [median_line]
    layout = dict(
        title=dict(text=title), xaxis=dict(title=dict(text=unit)), yaxis=dict(visible=False, range=[-0.5, 0.5])
    )
    return figure(traces, {**layout, "height": 300}, shapes, notes)


def band_traces(x, lower, upper, colour: str, name: str) -> list[dict]:
    """A shaded band between two lines: the upper edge invisible, the lower one filled up to it."""
    return [
        dict(type="scatter", x=x, y=upper, mode="lines", line=dict(width=0), showlegend=False, hoverinfo="skip"),
        dict(
            type="scatter", x=x, y=lower, mode="lines", fill="tonexty", fillcolor=colour, line=dict(width=0), name=name
        ),
    ]


def line(x, y, name: str, **style) -> dict:
    """A plain line trace (median, Germany, an expectation) in the given line style."""
    return dict(type="scatter", x=x, y=y, mode="lines", name=name, line=style)


def _full_years(frame: pd.DataFrame, years: range) -> pd.DataFrame:
    """One row per year of the range: a missing year is an empty row, so no line is drawn across the gap."""
    return frame.set_index("year").reindex(years).rename_axis("year").reset_index()


def _break_reason(breaks: pd.DataFrame | None, year: int) -> str:
    """The reason of the latest documented break at or before ``year`` (a series may resume a year later)."""
    if breaks is None or breaks.empty:
        return "Reihenbruch: Definition geändert"
    earlier = breaks[breaks["year"] <= year].sort_values("year")
    return f"Reihenbruch: {earlier['reason'].iloc[-1]}" if len(earlier) else "Reihenbruch"


def time_series(
    band: pd.DataFrame,
    series: pd.DataFrame,
    home: str,
    names: dict[str, str],
    title: str,
    unit: str,
    show_peers: bool,
    breaks: pd.DataFrame | None = None,
) -> go.Figure:
    """Home Kreis over time against the peers' median, interquartile and min-max band, Germany and peer lines.

    Missing years stay gaps (no line through them); a series break is marked at the home Kreis's value with its
    reason on hover and a dotted vertical line, because a difference across a break is not a change.
    """
    title, unit = plot(title), plot(unit)
    traces: list[dict] = []
    shapes: list[dict] = []
    known = [y for y in list(band.get("year", [])) + list(series.get("year", [])) if pd.notna(y)]
    years = range(int(min(known)), int(max(known)) + 1) if known else range(0)
    if not band.empty:
        band = _full_years(band, years)
        x = band["year"].to_numpy()
        traces += band_traces(x, band["min"], band["max"], "rgba(150,150,150,0.15)", "Minimum–Maximum")
        traces += band_traces(x, band["q25"], band["q75"], "rgba(31,119,180,0.25)", "mittlere Hälfte (25–75 %)")
        traces.append(line(x, band["median"], "Median", color="black", dash="dash"))
        if band["germany"].notna().any():
            traces.append(line(x, band["germany"], "Deutschland", color=NEUTRAL, dash="dot"))
    if show_peers:
        # one row per year of the range (a missing year is a gap in the line), one column per peer
        lines = series[series["region"] != home].pivot(index="year", columns="region", values="value").reindex(years)
        for region in lines.columns:
            traces.append(
                dict(
                    type="scatter",
                    x=list(years),
                    y=lines[region].to_numpy(),
                    mode="lines",
                    name=plot(names.get(region, region)),
                    line=dict(color=PEER_COLOUR, width=1),
                    opacity=0.45,
                    showlegend=False,
                )
            )
    mine = series[series["region"] == home]
    full = _full_years(mine[["year", "value"]], years)
    traces.append(
        dict(
            type="scatter",
            x=full["year"],
            y=full["value"],
            name=plot(names.get(home, home)),
            line=dict(color=HOME_COLOUR, width=4),
            mode="lines+markers",
        )
    )
    if "break" in mine.columns:
        at_break = mine[mine["break"].fillna(False).astype(bool)]
        if len(at_break):
            reasons = [_break_reason(breaks, int(y)) for y in at_break["year"]]
            traces.append(
                dict(
                    type="scatter",
                    x=at_break["year"],
                    y=at_break["value"],
                    mode="markers",
                    name="Reihenbruch",
                    marker=dict(symbol="line-ns-open", size=26, color="black", line=dict(width=3)),
                    text=[plot(r) for r in reasons],
                    hovertemplate="%{x}: %{text}<extra></extra>",
                )
            )
            shapes = [
                vline(float(year) - 0.5, dict(color="black", width=1, dash="dot"))[0] for year in at_break["year"]
            ]
    layout = dict(
        title=dict(text=title), yaxis=dict(title=dict(text=unit)), xaxis=dict(dtick=1, title=dict(text="Jahr"))
    )
    return figure(traces, {**layout, "height": 440}, shapes)


def class_counts(values: pd.DataFrame, home: str, classes: list[str], title: str) -> go.Figure:
    """Ordinal or nominal indicators: how many Kreise fall into each class; the home Kreis's class marked."""
    counts = values["value_label"].value_counts()
    order = classes or list(counts.index)
    home_label = values.loc[values["region"] == home, "value_label"]
    home_label = home_label.iloc[0] if len(home_label) else None
    colours = [HOME_COLOUR if c == home_label else "#9ecae1" for c in order]
    fig = go.Figure(go.Bar(x=[plot(c) for c in order], y=[int(counts.get(c, 0)) for c in order], marker_color=colours))
    fig.update_layout(title=plot(title), yaxis_title="Zahl der Kreise", height=320, **LAYOUT)
    return fig


#: Colour-blind safe palette (Okabe-Ito, without the red of the home Kreis) for the other Kreise of a comparison.
OTHERS = ["#0072B2", "#E69F00", "#009E73", "#56B4E9", "#CC79A7", "#F0E442", "#000000", "#999999", "#D55E00"]


def download_config(name: str) -> dict:
    """Plotly's camera button saves the chart as SVG in the browser (title, source and Stand are in the figure:
    :func:`ui.chart_export.stamped`)."""
    return {
        "displaylogo": False,
        "toImageButtonOptions": {"format": "svg", "filename": name, "scale": 1},
        "modeBarButtonsToRemove": ["lasso2d", "select2d"],
    }


def small_multiples(
    series: dict[str, pd.DataFrame],
    labels: dict[str, str],
    units: dict[str, str],
    names: dict[str, str],
    home: str,
    title: str,
) -> go.Figure:
    """One small line chart per indicator, a line per Kreis; the home Kreis thick and red, the others Okabe-Ito."""
    from plotly.subplots import make_subplots

    ids = list(series)
    cols = min(3, max(1, len(ids)))
    rows = (len(ids) + cols - 1) // cols
    titles = [f"{labels.get(i, i)} ({units.get(i)})" if units.get(i) else labels.get(i, i) for i in ids]
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[t[:60] for t in titles], vertical_spacing=0.18)
    regions = sorted({r for df in series.values() for r in df["region"]}, key=lambda r: (r != home, r))
    colour = {r: HOME_COLOUR if r == home else OTHERS[n % len(OTHERS)] for n, r in enumerate(regions)}
    for k, ind in enumerate(ids):
        df = series[ind]
        for region in regions:
            sub = df[df["region"] == region]
            if sub.empty:
                continue
            fig.add_trace(
                go.Scatter(
                    x=sub["year"],
                    y=sub["value"],
                    mode="lines",
                    name=names.get(region, region),
                    legendgroup=region,
                    showlegend=k == 0,
                    line=dict(color=colour[region], width=4 if region == home else 1.8),
                ),
                row=k // cols + 1,
                col=k % cols + 1,
            )
    fig.update_layout(title=title, height=260 * rows + 120, **{**LAYOUT, "legend": dict(orientation="h", y=-0.12)})
    return fig


def scatter(
    pairs: pd.DataFrame,
    home: str,
    peers: set[str],
    names: dict[str, str],
    x_label: str,
    y_label: str,
    x_unit: str,
    y_unit: str,
    result,
) -> go.Figure:
    """All Kreise as points (x, y); peers and the home Kreis highlighted; least-squares line with r."""
    fig = go.Figure()
    groups = {
        "Übrige Kreise": (pairs[~pairs["region"].isin(peers | {home})], dict(color="#bdbdbd", size=7)),
        "Vergleichsgruppe": (pairs[pairs["region"].isin(peers - {home})], dict(color=PEER_COLOUR, size=9)),
        "Eigener Kreis": (
            pairs[pairs["region"] == home],
            dict(color=HOME_COLOUR, size=18, symbol="diamond", line=dict(color="black", width=1)),
        ),
    }
    for name, (sub, marker) in groups.items():
        if sub.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=sub["value_x"],
                y=sub["value_y"],
                mode="markers",
                name=name,
                marker=marker,
                text=[names.get(r, r) for r in sub["region"]],
                hovertemplate="%{text}: %{x:,.1f} / %{y:,.1f}<extra></extra>",
            )
        )
    if result is not None:
        lo, hi = float(pairs["value_x"].min()), float(pairs["value_x"].max())
        fig.add_trace(
            go.Scatter(
                x=[lo, hi],
                y=[result.intercept + result.slope * lo, result.intercept + result.slope * hi],
                mode="lines",
                name=f"Trendlinie (r = {result.r:.2f})".replace(".", ","),
                line=dict(color="black", dash="dash"),
            )
        )
    fig.update_layout(
        title=f"{y_label} gegen {x_label}",
        xaxis_title=f"{x_label} ({x_unit})" if x_unit else x_label,
        yaxis_title=f"{y_label} ({y_unit})" if y_unit else y_label,
        height=560,
        **{**LAYOUT, "margin": dict(l=10, r=10, t=60, b=110)},
    )
    return fig
