"""The time series of one indicator as the Indikator and Sitzung pages show it: chart, sources, PNG and SVG."""

from __future__ import annotations

from ui import chart_export, charts, data
from ui.context import PageContext


def show(ctx: PageContext, indicator: str, title: str, unit: str, source: str, show_peers: bool) -> None:
    """The home Kreis against its peer group's band (and, if asked, each peer's line), breaks marked."""
    regions = tuple(ctx.peers) if show_peers else (ctx.sel.home,)
    figure = charts.time_series(
        data.band(ctx.wh, indicator, tuple(ctx.peers)),
        data.series(ctx.wh, indicator, regions),
        ctx.sel.home,
        ctx.names,
        title,
        unit,
        show_peers,
        data.breaks(ctx.wh, indicator),
    )
    chart_export.show(figure, f"{indicator}_zeitreihe_{ctx.sel.home}", [source], ctx.built)
