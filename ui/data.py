"""Cached access to the warehouse: one store per process, query results shared by every session.

Every cached function takes the warehouse version (its path and build time) as an argument, so a rebuild or a
switch to demo data invalidates the cache without a restart. Results are computed once per process and shared
by all sessions (``shared``: ``st.cache_resource``); each call hands out a shallow copy, which pandas'
copy-on-write keeps apart from the shared frame, instead of unpickling a fresh copy on every hit as
``st.cache_data`` does (with 25 sessions that unpickling was a tenth of the server's time).
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import streamlit as st

from indicators import settings
from indicators.domain import agenda, benchmark
from indicators.domain.catalog import load_catalogue
from indicators.warehouse import snapshots
from indicators.warehouse.store import Store, WarehouseMissing

TTL = 3600


def shared(max_entries: int) -> Callable:
    """``st.cache_resource`` for immutable results, handing out copies that callers may change freely.

    A frame is copied shallowly (copy-on-write: a change to the copy never reaches the shared frame), a dict or
    list one level deep; the cached object itself is never handed out.
    """

    def decorate(func: Callable) -> Callable:
        cached = st.cache_resource(ttl=TTL, max_entries=max_entries, show_spinner=False)(func)

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            result = cached(*args, **kwargs)
            if isinstance(result, pd.DataFrame | pd.Series):
                return result.copy(deep=False)
            return copy.copy(result)

        wrapper.clear = cached.clear
        return wrapper

    return decorate


def warehouse_path() -> Path:
    return Path(settings.get("REGIOMONITOR_WAREHOUSE"))


def raw_path() -> Path:
    return Path(settings.get("REGIOMONITOR_RAW"))


#: Session key of the data snapshot the pages show ("Datenstand"); unset = the current one.
SNAPSHOT_KEY = "datenstand"


@st.cache_resource(show_spinner=False, max_entries=4)
def _store(path: str, stamp: float) -> Store:
    return Store(path)


#: Session key of the snapshot folder the current script run reads (set by :func:`pin_snapshot`).
RUN_FOLDER_KEY = "_warehouse_folder_this_run"


def pin_snapshot() -> None:
    """Read the pointer once at the start of a run (app.py), so every :func:`store` of the run opens the same
    snapshot: a rebuild that switches the pointer while a page is drawn takes effect on the next run, not halfway
    (the sidebar of one snapshot beside the page of another)."""
    st.session_state[RUN_FOLDER_KEY] = str(snapshots.resolve(warehouse_path(), st.session_state.get(SNAPSHOT_KEY)))


def _folder() -> Path:
    pinned = st.session_state.get(RUN_FOLDER_KEY)
    if pinned and (Path(pinned) / "manifest.json").exists():  # pruned meanwhile: read the pointer again
        return Path(pinned)
    return snapshots.resolve(warehouse_path(), st.session_state.get(SNAPSHOT_KEY))


def store() -> Store | None:
    """The shared store of the current data snapshot (or of the one chosen for this session), or ``None`` when
    no warehouse exists yet. The pointer file is read at the start of every run, so a rebuild is picked up by the
    next run."""
    path = _folder()
    manifest = path / "manifest.json"
    try:
        stamp = manifest.stat().st_mtime
    except FileNotFoundError:
        return None
    try:
        return _store(str(path), stamp)
    except WarehouseMissing:
        return None


def version(s: Store) -> str:
    return f"{s.path}|{s.manifest.get('built_at', '')}"


@shared(max_entries=4)
def districts(_s: Store, v: str) -> pd.DataFrame:
    return _s.districts()


@shared(max_entries=4)
def indicators(_s: Store, v: str) -> pd.DataFrame:
    return _s.indicators()


@shared(max_entries=4)
def picker_labels(_s: Store, v: str) -> dict[str, str]:
    """The indicator picker's labels (``Thema › Bezeichnung``), once per warehouse instead of once per run."""
    return agenda.picker_labels(indicators(_s, v))


@shared(max_entries=4)
def indicator_order(_s: Store, v: str) -> list[str]:
    """The indicator picker's order (headline indicators first, as in the catalogue), once per warehouse."""
    return agenda.ordered(indicators(_s, v), [i.id for i in load_catalogue()])


@shared(max_entries=256)
def years(_s: Store, v: str, indicator: str) -> list[int]:
    return _s.years(indicator)


@shared(max_entries=256)
def year_coverage(_s: Store, v: str, indicator: str) -> pd.DataFrame:
    return _s.year_coverage(indicator)


@shared(max_entries=256)
def year_labels(_s: Store, v: str, indicator: str) -> dict[int, str]:
    """The year selector's label of every year the indicator has: a year covered only thinly says how many Kreise
    it holds (computed once per indicator, not once per option and run)."""
    coverage = _s.year_coverage(indicator)
    n_kreise = len(_s.districts())
    return {
        int(year): str(year) if covering else f"{year} (nur {int(kreise)} von {n_kreise} Kreisen)"
        for year, kreise, covering in zip(coverage["year"], coverage["kreise"], coverage["covering"], strict=True)
    }


@shared(max_entries=256)
def latest_year(_s: Store, v: str, indicator: str, up_to: int | None = None) -> int | None:
    return _s.latest_year(indicator, up_to)


@shared(max_entries=256)
def breaks(_s: Store, v: str, indicator: str) -> pd.DataFrame:
    return _s.breaks(indicator)


@shared(max_entries=256)
def published_reference(_s: Store, v: str, indicator: str | None = None) -> pd.DataFrame:
    return _s.published_reference(indicator)


@shared(max_entries=8)
def all_years(_s: Store, v: str) -> list[int]:
    """Every year from the first to the last with a value (min/max only: cheaper than the coverage per indicator)."""
    span = _s.year_range()
    if span is None:
        return []
    return list(range(span[0], span[1] + 1))


@shared(max_entries=256)
def profile(_s: Store, v: str, home: str, peers: tuple[str, ...], year: int) -> pd.DataFrame:
    return benchmark.enrich_profile(_s.profile(home, list(peers), year), indicators(_s, v))


@shared(max_entries=256)
def ranking(_s: Store, v: str, indicator: str, year: int, regions: tuple[str, ...], polarity: int) -> pd.DataFrame:
    return _s.ranking(indicator, year, list(regions), polarity)


@shared(max_entries=256)
def reference_statistics(_s: Store, v: str, indicator: str, year: int, regions: tuple[str, ...]) -> dict:
    return _s.reference_statistics(indicator, year, list(regions))


@shared(max_entries=256)
def band(_s: Store, v: str, indicator: str, regions: tuple[str, ...]) -> pd.DataFrame:
    return _s.band(indicator, list(regions))


@shared(max_entries=256)
def series(_s: Store, v: str, indicator: str, regions: tuple[str, ...]) -> pd.DataFrame:
    return _s.series(indicator, list(regions))


@shared(max_entries=64)
def values(_s: Store, v: str, indicator: str, year: int) -> pd.DataFrame:
    return _s.values(indicator, year)


@shared(max_entries=64)
def matrix(_s: Store, v: str, variables: tuple[str, ...], year: int) -> pd.DataFrame:
    kreise = districts(_s, v)["ags"].tolist()
    return _s.matrix(list(variables), year, kreise)


@st.cache_resource(ttl=TTL, max_entries=4, show_spinner=False)
def geometry(_s: Store, v: str, level: str) -> dict | None:
    """The GeoJSON, shared and read-only: a cache_data hit would unpickle 0.5 MB of coordinates on every run
    (about 10 ms on the map page). Callers copy a feature before changing it (see ui.choropleth)."""
    return _s.geometry(level)


@shared(max_entries=4)
def coverage(_s: Store, v: str) -> pd.DataFrame:
    return _s.coverage()
