"""The global selection (home Kreis, year, peer group, indicator, meeting mode), kept across pages and in the URL.

A link copied from the browser reproduces the view for everyone in the meeting: the selection is read from
the query parameters when a session starts and written back on every run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from indicators import settings
from indicators.domain import benchmark
from indicators.domain import neighbours as neighbours_rule
from ui import data, html
from ui.data import Warehouse

DEFAULT_HOME = settings.get("REGIOMONITOR_HOME_KREIS")
DEFAULT_INDICATOR = "alq"
DEFAULT_NEIGHBOURS = 10
URL_KEYS = ("kreis", "jahr", "gruppe", "indikator", "modus", "k", "vars", "vergleich")
#: Session keys of the global selection drawn as widgets by app.py.
GLOBAL_KEYS = ("kreis", "jahr", "gruppe", "indikator", "sitzung", "vergleich")


@dataclass(frozen=True)
class Selection:
    home: str
    year: int
    peer_kind: str  # alle | land | ostwest | kreistyp | nachbarn | eigene
    peer_name: str  # name of a saved group for "eigene"
    indicator: str
    meeting: bool
    k: int
    neighbour_vars: tuple[str, ...]


def peer_options(custom_names: list[str]) -> list[str]:
    return [k for k in benchmark.PEER_GROUP_KINDS if k != "eigene"] + [f"eigene:{n}" for n in custom_names]


def peer_option_label(option: str) -> str:
    if option.startswith("eigene:"):
        return f"Eigene Gruppe: {option.split(':', 1)[1]}"
    return benchmark.PEER_GROUP_KINDS.get(option, option)


def default_year(wh: Warehouse, indicator: str = DEFAULT_INDICATOR) -> int:
    """The latest year that covers Germany (>= 90 % of Kreise) for the indicator, not one a few Kreise have."""
    year = data.latest_year(wh, indicator)
    if year is None:
        yrs = data.all_years(wh)
        return int(max(yrs)) if yrs else 2023
    return int(year)


def year_labels(wh: Warehouse, indicator: str, years: list[int]) -> dict[int, str]:
    """The year selector's labels, once per run: a year the indicator covers only thinly says how many Kreise it
    holds, a year without values says so."""
    known = data.year_labels(wh, indicator)
    return {int(y): known.get(int(y), f"{y} (für diesen Indikator keine Werte)") for y in years}


def load_from_url(wh: Warehouse, custom_names: list[str]) -> None:
    """Fill the session's selection from the query parameters once, validating every value."""
    if st.session_state.get("_url_loaded"):
        return
    st.session_state["_url_loaded"] = True
    q = st.query_params
    ags = set(data.districts(wh)["ags"])
    home = q.get("kreis", DEFAULT_HOME)
    st.session_state["kreis"] = home if home in ags else (DEFAULT_HOME if DEFAULT_HOME in ags else sorted(ags)[0])
    if home not in ags:
        st.session_state["_unknown_kreis"] = home
    inds = set(data.indicators(wh)["id"])
    ind = q.get("indikator", DEFAULT_INDICATOR)
    st.session_state["indikator"] = (
        ind if ind in inds else (DEFAULT_INDICATOR if DEFAULT_INDICATOR in inds else sorted(inds)[0])
    )
    years = data.all_years(wh)
    try:
        year = int(q.get("jahr", ""))
    except ValueError:
        year = None
    st.session_state["jahr"] = year if year in years else default_year(wh, st.session_state["indikator"])
    gruppe = q.get("gruppe", "alle")
    st.session_state["gruppe"] = gruppe if gruppe in peer_options(custom_names) else "alle"
    st.session_state["sitzung"] = q.get("modus", "") == "sitzung"
    compared = [a for a in q.get("vergleich", "").split(",") if a in ags]
    if compared:
        st.session_state["vergleich"] = list(dict.fromkeys(compared))[:10]
    try:
        st.session_state["k"] = max(3, min(50, int(q.get("k", DEFAULT_NEIGHBOURS))))
    except ValueError:
        st.session_state["k"] = DEFAULT_NEIGHBOURS
    wanted = [x for x in q.get("vars", "").split(",") if x in inds]
    st.session_state["vars"] = wanted or [x for x in benchmark.DEFAULT_NEIGHBOUR_VARIABLES if x in inds]


def select_kreis(ags: str | None, source: str) -> None:
    """Make ``ags`` the home Kreis from inside a page (the sidebar box is already drawn): rerun and take it over.

    Acts once per new pick of ``source``: a map that still shows an older pick does not undo a later choice in
    the sidebar."""
    handled = f"_picked_{source}"
    if ags == st.session_state.get(handled):
        return
    st.session_state[handled] = ags
    if ags and ags != st.session_state.get("kreis"):
        st.session_state["_next_kreis"] = ags
        st.rerun()


def keep_selection() -> None:
    """Keep the global selection when its widgets are not drawn in a run (the sidebar is hidden in meeting mode).

    Streamlit forgets the value of a widget that a run does not draw; assigning the key to itself first makes
    it the session's own value (the documented way to carry widget values across pages).
    """
    for key in GLOBAL_KEYS:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]
    if "_next_kreis" in st.session_state:  # a click on the map (see select_kreis)
        st.session_state["kreis"] = st.session_state.pop("_next_kreis")


def unknown_kreis_notice(raw: str, shown: str) -> str:
    """German notice for a link with a Kreis key that does not exist; only letters and digits of it are echoed."""
    cleaned = re.sub(r"[^0-9A-Za-z]", "", raw)[:12] or "(leer)"
    return f"Den Kreis „{cleaned}“ aus dem Link gibt es nicht (Kreisschlüssel: fünf Ziffern, z. B. 15087). Gezeigt wird {shown}."


def link_notices() -> None:
    """Say once what the link asked for that could not be shown."""
    raw = st.session_state.pop("_unknown_kreis", None)
    if raw is not None:
        sel = current()
        d = data.districts(data.warehouse()).set_index("ags")
        name = d["display_name"].get(sel.home, sel.home)
        st.warning(unknown_kreis_notice(raw, f"{html.md(name)} ({sel.home})"), icon=":material/help:")


def write_to_url(sel: Selection) -> None:
    wanted = {
        "kreis": sel.home,
        "jahr": str(sel.year),
        "gruppe": sel.peer_kind if sel.peer_kind != "eigene" else f"eigene:{sel.peer_name}",
        "indikator": sel.indicator,
    }
    if sel.meeting:
        wanted["modus"] = "sitzung"
    if len(st.session_state.get("vergleich") or []) >= 2:
        wanted["vergleich"] = ",".join(st.session_state["vergleich"])
    if sel.peer_kind == "nachbarn":
        wanted["k"] = str(sel.k)
        wanted["vars"] = ",".join(sel.neighbour_vars)
    current = {k: st.query_params.get(k) for k in URL_KEYS}
    if any(current.get(k) != v for k, v in wanted.items()) or any(
        current.get(k) is not None and k not in wanted for k in URL_KEYS
    ):
        st.query_params.from_dict(wanted)


def current() -> Selection:
    gruppe = st.session_state.get("gruppe", "alle")
    kind, _, name = gruppe.partition(":")
    return Selection(
        home=st.session_state.get("kreis", DEFAULT_HOME),
        year=int(st.session_state.get("jahr", 2023)),
        peer_kind=kind,
        peer_name=name,
        indicator=st.session_state.get("indikator", DEFAULT_INDICATOR),
        meeting=bool(st.session_state.get("sitzung", False)),
        k=int(st.session_state.get("k", DEFAULT_NEIGHBOURS)),
        neighbour_vars=tuple(st.session_state.get("vars", benchmark.DEFAULT_NEIGHBOUR_VARIABLES)),
    )


def neighbour_variables(sel: Selection) -> tuple[str, ...]:
    """The variables the neighbour search matches on: the chosen ones without the compared indicator."""
    return neighbours_rule.matching_variables(sel.neighbour_vars, sel.indicator)


def neighbours(wh: Warehouse, sel: Selection) -> pd.DataFrame:
    m = data.matrix(wh, neighbour_variables(sel), sel.year)
    if sel.home not in m.index:
        return pd.DataFrame(columns=["ags", "distance", "similar_on", "differs_on"])
    return benchmark.statistical_neighbours(m, sel.home, sel.k)


def peers(wh: Warehouse, sel: Selection, custom_groups: dict[str, list[str]]) -> tuple[list[str], str]:
    """Members and German label of the selected peer group."""
    if sel.peer_kind in data.FIXED_PEER_KINDS:
        members, label = data.peer_group(wh, sel.home, sel.peer_kind)
        return list(members), label
    districts = data.districts(wh)
    custom = None
    if sel.peer_kind == "nachbarn":
        custom = neighbours(wh, sel)["ags"].tolist()
    elif sel.peer_kind == "eigene":
        custom = custom_groups.get(sel.peer_name, [])
    members = benchmark.peer_members(districts, sel.home, sel.peer_kind, custom)
    label = benchmark.peer_group_label(sel.peer_kind, districts, sel.home, sel.peer_name)
    if sel.peer_kind == "nachbarn":
        label = f"{sel.k} statistische Nachbarn"
    return members, label
