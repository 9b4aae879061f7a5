"""Cached access for the Daten page: filtered facts, and the download files built from them when clicked.

Keys are the warehouse version and the filter, so a rebuild invalidates everything; the files themselves are
built by the pure functions in :mod:`indicators.outputs.exports`, only when a button is clicked (most views of
the page download nothing, and building four files on every run cost more than the rest of the page).
"""

from __future__ import annotations

import pandas as pd

from indicators.outputs import exports
from ui.data import Warehouse, shared


@shared(max_entries=16)
def facts(wh: Warehouse, regions: tuple[str, ...], indicators: tuple[str, ...], years: tuple[int, int]) -> pd.DataFrame:
    return wh.store.facts(list(regions), list(indicators), years)


def deferred(
    wh: Warehouse,
    selected: pd.DataFrame,
    districts: pd.DataFrame,
    indicators: pd.DataFrame,
    fmt: str,
    layout: str,
    stem: str,
    bundled: bool = True,
):
    """A callable that builds the file only when the button is clicked (``st.download_button(data=...)``)."""

    def build() -> bytes:
        return exports.export(selected, districts, indicators, wh.manifest, fmt, layout, stem, bundled=bundled).data

    return build
