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
import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import streamlit as st

from indicators import settings
from indicators.domain import agenda, benchmark
from indicators.domain import formatting as fmt
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
        cached = st.cache_resource(ttl=TTL, max_entries=max_entries, show_spinner=False, hash_funcs=HASH_FUNCS)(func)

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


class Warehouse:
    """One data snapshot as the pages see it: its store and its version (path and build time).

    Cached functions take a ``Warehouse`` and key it by its version only (:data:`HASH_FUNCS`): a rebuild or a
    switch of the Datenstand gives a new version, so no stale result is served, and the store itself (arrays and a
    DuckDB connection) is never hashed.
    """

    __slots__ = ("store", "version")

    def __init__(self, store: Store) -> None:
        self.store = store
        self.version = f"{store.path}|{store.manifest.get('built_at', '')}"

    @property
    def manifest(self) -> dict:
        return self.store.manifest

    @property
    def is_demo(self) -> bool:
        return self.store.is_demo

    @property
    def built(self) -> str:
        """Date the warehouse was built (German), named in a chart whose sources give no Stand."""
        return fmt.german_datetime(self.manifest.get("built_at", ""), with_time=False)


_PLAIN = frozenset({str, int, float, bool, type(None)})


def tuple_key(values: tuple) -> bytes | list:
    """A tuple of strings and numbers as one exact key: the peer groups reach the caches as tuples of up to 400
    AGS, and Streamlit hashes a tuple item by item (1.6 ms for 400 AGS, several times a run, a thirteenth of the
    server's time under load). Their ``repr`` tells every such tuple apart (``'1'`` from ``1``, order included);
    any other tuple is hashed item by item as before."""
    if all(type(v) in _PLAIN for v in values):
        return repr(values).encode()
    return list(values)


#: ``hash_funcs`` of every cache that takes a :class:`Warehouse`; tuples by :func:`tuple_key`.
HASH_FUNCS = {Warehouse: lambda wh: wh.version, tuple: tuple_key}


@st.cache_resource(show_spinner=False, max_entries=4)
def _warehouse(path: str, stamp: float) -> Warehouse:
    return Warehouse(Store(path))


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


def warehouse() -> Warehouse | None:
    """The shared warehouse of the current data snapshot (or of the one chosen for this session), or ``None`` when
    no warehouse exists yet. The pointer file is read at the start of every run, so a rebuild is picked up by the
    next run."""
    path = _folder()
    manifest = path / "manifest.json"
    try:
        stamp = manifest.stat().st_mtime
    except FileNotFoundError:
        return None
    try:
        return _warehouse(str(path), stamp)
    except WarehouseMissing:
        return None


@shared(max_entries=4)
def districts(wh: Warehouse) -> pd.DataFrame:
    return wh.store.districts()


@shared(max_entries=4)
def districts_by_ags(wh: Warehouse) -> pd.DataFrame:
    """The Kreis table indexed by AGS, as every page's context holds it."""
    return districts(wh).set_index("ags")


#: Peer groups that depend on the Kreis table alone (not on user data or the neighbour settings).
FIXED_PEER_KINDS = ("alle", "land", "ostwest", "kreistyp")


@shared(max_entries=2048)
def peer_group(wh: Warehouse, home: str, kind: str) -> tuple[tuple[str, ...], str]:
    """Members and German label of a fixed peer group, once per Kreis and kind (every page run asks)."""
    table = districts(wh)
    return tuple(benchmark.peer_members(table, home, kind)), benchmark.peer_group_label(kind, table, home)


@shared(max_entries=4)
def indicators(wh: Warehouse) -> pd.DataFrame:
    return wh.store.indicators()


@shared(max_entries=4)
def indicator_meta(wh: Warehouse) -> pd.DataFrame:
    """The indicator table indexed by id: pages look indicators up by id several times per run."""
    return indicators(wh).set_index("id")


@shared(max_entries=4)
def last_years(wh: Warehouse) -> dict[str, int]:
    """Each indicator's last year with a value, once per warehouse (asked once per indicator and run)."""
    meta = indicators(wh)
    return {i: int(y) for i, y in zip(meta["id"], meta["last_year"], strict=True) if pd.notna(y)}


@shared(max_entries=4)
def kreis_labels(wh: Warehouse) -> dict[str, str]:
    """The Kreis selector's labels (``Name (Land) – AGS``), once per warehouse instead of once per run."""
    d = districts(wh)
    return {
        ags: f"{name} ({land}) – {ags}"
        for ags, name, land in zip(d["ags"], d["display_name"], d["land_name"], strict=True)
    }


@shared(max_entries=4)
def picker_labels(wh: Warehouse) -> dict[str, str]:
    """The indicator picker's labels (``Thema › Bezeichnung``), once per warehouse instead of once per run."""
    return agenda.picker_labels(indicators(wh))


@shared(max_entries=4)
def indicator_order(wh: Warehouse) -> list[str]:
    """The indicator picker's order (headline indicators first, as in the catalogue), once per warehouse."""
    return agenda.ordered(indicators(wh), [i.id for i in load_catalogue()])


@shared(max_entries=256)
def years(wh: Warehouse, indicator: str) -> list[int]:
    return wh.store.years(indicator)


@shared(max_entries=256)
def year_coverage(wh: Warehouse, indicator: str) -> pd.DataFrame:
    return wh.store.year_coverage(indicator)


@shared(max_entries=256)
def year_labels(wh: Warehouse, indicator: str) -> dict[int, str]:
    """The year selector's label of every year the indicator has: a year covered only thinly says how many Kreise
    it holds (computed once per indicator, not once per option and run)."""
    coverage = wh.store.year_coverage(indicator)
    n_kreise = len(wh.store.districts())
    return {
        int(year): str(year) if covering else f"{year} (nur {int(kreise)} von {n_kreise} Kreisen)"
        for year, kreise, covering in zip(coverage["year"], coverage["kreise"], coverage["covering"], strict=True)
    }


@shared(max_entries=256)
def latest_year(wh: Warehouse, indicator: str, up_to: int | None = None) -> int | None:
    return wh.store.latest_year(indicator, up_to)


@shared(max_entries=256)
def breaks(wh: Warehouse, indicator: str) -> pd.DataFrame:
    return wh.store.breaks(indicator)


@shared(max_entries=256)
def published_reference(wh: Warehouse, indicator: str | None = None) -> pd.DataFrame:
    return wh.store.published_reference(indicator)


@shared(max_entries=8)
def all_years(wh: Warehouse) -> list[int]:
    """Every year from the first to the last with a value (min/max only: cheaper than the coverage per indicator)."""
    span = wh.store.year_range()
    if span is None:
        return []
    return list(range(span[0], span[1] + 1))


@shared(max_entries=256)
def profile(wh: Warehouse, home: str, peers: tuple[str, ...], year: int) -> pd.DataFrame:
    return benchmark.enrich_profile(wh.store.profile(home, list(peers), year), indicators(wh))


@shared(max_entries=256)
def ranking(wh: Warehouse, indicator: str, year: int, regions: tuple[str, ...], polarity: int) -> pd.DataFrame:
    return wh.store.ranking(indicator, year, list(regions), polarity)


@shared(max_entries=256)
def reference_statistics(wh: Warehouse, indicator: str, year: int, regions: tuple[str, ...]) -> dict:
    return wh.store.reference_statistics(indicator, year, list(regions))


@shared(max_entries=256)
def band(wh: Warehouse, indicator: str, regions: tuple[str, ...]) -> pd.DataFrame:
    return wh.store.band(indicator, list(regions))


@shared(max_entries=256)
def series(wh: Warehouse, indicator: str, regions: tuple[str, ...]) -> pd.DataFrame:
    return wh.store.series(indicator, list(regions))


@shared(max_entries=64)
def values(wh: Warehouse, indicator: str, year: int) -> pd.DataFrame:
    return wh.store.values(indicator, year)


@shared(max_entries=64)
def matrix(wh: Warehouse, variables: tuple[str, ...], year: int) -> pd.DataFrame:
    kreise = districts(wh)["ags"].tolist()
    return wh.store.matrix(list(variables), year, kreise)


@st.cache_resource(ttl=TTL, max_entries=4, show_spinner=False, hash_funcs=HASH_FUNCS)
def geometry(wh: Warehouse, level: str) -> dict | None:
    """The GeoJSON, shared and read-only: a cache_data hit would unpickle 0.5 MB of coordinates on every run
    (about 10 ms on the map page). Callers copy a feature before changing it (see ui.choropleth)."""
    return wh.store.geometry(level)


@shared(max_entries=4)
def geometry_json(wh: Warehouse, level: str) -> list[str]:
    """The JSON of each feature's geometry, in the order of :func:`geometry`: the map sends the boundaries on
    every run, and encoding them once per warehouse instead of once per run saves a twentieth of the server's
    time under load (see ui.choropleth.Deck)."""
    geo = geometry(wh, level)
    return [json.dumps(f["geometry"], separators=(",", ":")) for f in geo["features"]] if geo else []


@shared(max_entries=4)
def coverage(wh: Warehouse) -> pd.DataFrame:
    return wh.store.coverage()
