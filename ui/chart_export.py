"""A chart on a page with its sources inside the picture and PNG and SVG downloads beside it.

The sources and their Stand become the chart's subtitle, so every copy of the picture names them: the one the
modebar's camera saves (SVG, in the browser) and the two files offered below the chart. Those are rendered on
the server by Plotly's own exporter (kaleido, which drives the Chromium the server has), only when clicked.
"""

from __future__ import annotations

import functools
import shutil
from collections.abc import Callable, Iterable

import plotly.graph_objects as go
import streamlit as st

from indicators import settings
from indicators.outputs import chart_credits
from ui import charts
from ui.html import plot

MIME = {"png": "image/png", "svg": "image/svg+xml"}
#: Size of a downloaded picture in CSS pixels (PNG at twice the resolution, sharp on a projector and in print).
WIDTH = 1100
PNG_SCALE = 2


def stamped(fig: go.Figure, lines: list[str]) -> go.Figure:
    """``fig`` with ``lines`` (plain text, escaped here) as its subtitle, changed in place: a copy would validate
    every trace again, and two property assignments cost a tenth of one ``update_layout`` (which parses its
    arguments as paths into the whole layout)."""
    fig.layout.title.subtitle = dict(text="<br>".join(plot(line) for line in lines), font=dict(size=11, color="#444"))
    fig.layout.margin.t = (fig.layout.margin.t or 60) + 16 * len(lines)
    return fig


@functools.cache
def available() -> bool:
    """Whether the server can render pictures: kaleido installed and a Chromium it can start."""
    try:
        import kaleido  # noqa: F401
    except ImportError:
        return False
    return bool(settings.external("BROWSER_PATH") or any(shutil.which(n) for n in ("chromium", "google-chrome")))


def image_bytes(fig: go.Figure, fmt: str) -> bytes:
    """The figure as PNG or SVG, as Plotly draws it in the browser."""
    height = int(fig.layout.height or 450)
    return fig.to_image(format=fmt, width=WIDTH, height=height, scale=PNG_SCALE if fmt == "png" else 1)


def show(fig: go.Figure, name: str, sources: Iterable[object], built: str = "", key: str | None = None) -> None:
    """Draw ``fig`` with ``sources`` in its picture and offer it as PNG and SVG (file names ``name.png``/``.svg``)."""
    picture = stamped(fig, chart_credits.credit_lines(sources, built))
    key = key or name
    st.plotly_chart(picture, config=charts.download_config(name), key=f"{key}_chart")
    image_buttons(picture, name, key)


def image_buttons(picture: go.Figure | Callable[[], go.Figure], name: str, key: str) -> None:
    """The PNG and SVG buttons for a figure that already carries its sources (rendered only when clicked).

    ``picture`` may be a function that draws the figure: the map's picture is a figure of its own, built only
    when somebody clicks (on every run it cost more than the rest of the map page).
    """
    can = available()
    with st.container(horizontal=True, gap="small"):
        for fmt in ("png", "svg"):
            st.download_button(
                f"Grafik als {fmt.upper()}",
                data=(lambda f=fmt: image_bytes(picture() if callable(picture) else picture, f)) if can else b"",
                file_name=f"{name}.{fmt}",
                mime=MIME[fmt],
                key=f"{key}_{fmt}",
                icon=":material/image:",
                type="tertiary",
                on_click="ignore",
                disabled=not can,
                help="Mit Titel, Quelle und Stand im Bild"
                if can
                else "Bildexport braucht auf dem Server Chromium (Paket chromium) und kaleido; "
                "die Kamera über der Grafik speichert sie als SVG.",
            )
