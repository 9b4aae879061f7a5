"""Cached access for the Daten page: filtered facts and the download files built from them.

Keys are the warehouse version and the filter, so a rebuild invalidates everything; the files themselves are
built by the pure functions in :mod:`indicators.outputs.exports`.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from indicators.outputs import exports
from indicators.warehouse.store import Store
from ui import data

TTL = 3600
#: Up to this many rows the files are built when the page renders; larger selections are built on click.
EAGER_ROWS = 25_000


@st.cache_data(ttl=TTL, max_entries=16, show_spinner=False)
def facts(
    _s: Store, v: str, regions: tuple[str, ...], indicators: tuple[str, ...], years: tuple[int, int]
) -> pd.DataFrame:
    return _s.facts(list(regions), list(indicators), years)


@st.cache_data(ttl=TTL, max_entries=32, show_spinner="Erstelle Datei …")
def download(
    _s: Store,
    v: str,
    regions: tuple[str, ...],
    indicators: tuple[str, ...],
    years: tuple[int, int],
    fmt: str,
    layout: str,
    stem: str,
) -> exports.Download:
    return exports.export(
        facts(_s, v, regions, indicators, years),
        data.districts(_s, v),
        data.indicators(_s, v),
        _s.manifest,
        fmt,
        layout,
        stem,
    )


def deferred(
    s: Store,
    selected: pd.DataFrame,
    districts: pd.DataFrame,
    indicators: pd.DataFrame,
    fmt: str,
    layout: str,
    stem: str,
):
    """A callable that builds the file only when the button is clicked (large selections)."""

    def build() -> bytes:
        return exports.export(selected, districts, indicators, s.manifest, fmt, layout, stem).data

    return build
