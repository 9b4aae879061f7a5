"""Meeting mode (Sitzungsmodus): a display mode of every page for the projector, not a page of its own.

The frame (app.py) swaps the sidebar for one compact row of controls (Kreis, Jahr, Indikator, previous/next by
keyboard); each page shows, under its headline, the key figures of the indicator the meeting is looking at: the
Kreis's value, the median of the peer group and the verdict, in type readable from the back of the room.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from indicators.domain import agenda
from indicators.domain import formatting as fmt
from indicators.domain.catalog import load_catalogue
from ui import context, data, html

#: Root font size in meeting mode: Streamlit sizes text in rem, so 20 px body text and metric values of 45 px.
CSS = html.stylesheet("""
html {font-size: 20px !important;}
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"] {display: none;}
.block-container, [data-testid="stMainBlockContainer"] {padding-top: 3.2rem !important; padding-bottom: 1rem !important;
  max-width: 100% !important; padding-left: 1.5rem !important; padding-right: 1.5rem !important;}
h1 {font-size: 2.1rem !important; padding: 0.2rem 0 0.1rem 0 !important;}
[data-testid="stMain"] :is(p, li, td, th, label, small) {font-size: 1rem !important;}
[data-testid="stMain"] [data-testid="stMetricValue"], [data-testid="stMain"] [data-testid="stMetricValue"] * {font-size: 2rem !important;}
[data-testid="stMetricLabel"] p {font-size: 1rem !important;}
.st-key-sitzung_leiste [data-testid="stMetricValue"] div {white-space: nowrap;}
.st-key-sitzung_steuerung {gap: 0.5rem !important;}
""")


def agenda_order(wh: data.Warehouse, home: str, peers: tuple[str, ...], year: int) -> list[str]:
    """The meeting's indicators for this Kreis: catalogued, numeric, with a value up to ``year``."""
    profile = data.profile(wh, home, peers, year)
    with_value = profile.loc[profile["value"].notna(), "indicator"] if not profile.empty else []
    return agenda.meeting_order(data.indicators(wh), with_value, [i.id for i in load_catalogue()])


def controls(
    districts: pd.DataFrame,
    years: list[int],
    order: list[str],
    labels: dict[str, str],
    kreis_label: Callable,
    year_label: Callable,
) -> None:
    """One row: Kreis, Jahr, Indikator, ◀ ▶ (also the ← and → keys) and leaving the meeting mode."""
    current = st.session_state.get("indikator")
    options = order if current in order else [current, *order]

    def go(offset: int) -> None:
        st.session_state["indikator"] = agenda.step(order, st.session_state.get("indikator"), offset)

    def leave() -> None:
        st.session_state["sitzung"] = False

    with st.container(horizontal=True, vertical_alignment="center", key="sitzung_steuerung"):
        hidden = "collapsed"  # the values speak for themselves; screen readers still get the labels
        st.selectbox(
            "Kreis", list(districts["ags"]), format_func=kreis_label, key="kreis", width=270, label_visibility=hidden
        )
        st.selectbox("Jahr", years, format_func=year_label, key="jahr", width=100, label_visibility=hidden)
        st.selectbox(
            "Indikator",
            options,
            format_func=lambda i: labels.get(i, i),
            key="indikator",
            width=320,
            label_visibility=hidden,
        )
        st.button(
            "◀ Zurück", on_click=go, args=(-1,), shortcut="Left", help="Vorheriger Indikator (Taste ←)", key="zurueck"
        )
        st.button(
            "Weiter ▶", on_click=go, args=(1,), shortcut="Right", help="Nächster Indikator (Taste →)", key="weiter"
        )
        st.button(
            "Beenden", on_click=leave, icon=":material/close:", help="Sitzungsmodus beenden", key="sitzung_beenden"
        )


def key_figures_when_data() -> None:
    """Key figures on a page that also works without a warehouse (Import)."""
    if st.session_state.get("sitzung") and data.warehouse() is not None:
        key_figures(context.page())


def key_figures(ctx) -> None:
    """Under a page's headline in meeting mode: the indicator, the Kreis's value, the median and the verdict."""
    if not ctx.sel.meeting:
        return
    profile = data.profile(ctx.wh, ctx.sel.home, tuple(ctx.peers), ctx.sel.year)
    rows = profile[profile["indicator"] == ctx.sel.indicator] if not profile.empty else profile
    meta = ctx.meta
    unit = meta["unit"] or ""
    with st.container(border=True, key="sitzung_leiste"):
        if rows.empty:
            st.markdown(
                f"**{html.md(meta['label'])}**: für {html.md(ctx.kreis['display_name'])} kein Wert bis {ctx.sel.year}."
            )
            return
        row = rows.iloc[0]
        label = row["value_label"] if isinstance(row["value_label"], str) else None
        st.markdown(f"**{html.md(meta['label'])}** · {int(row['year'])} · Vergleichsgruppe: {html.md(ctx.peer_label)}")
        with st.container(horizontal=True):
            st.metric(f"{html.md(ctx.kreis['display_name'])} {int(row['year'])}", fmt.value(row["value"], unit, label))
            st.metric("Median Vergleichsgruppe", fmt.value(row["median"], unit))
            rank = f" · Rang {int(row['rank'])} von {int(row['n'])}" if pd.notna(row["rank"]) else ""
            st.metric("Einordnung" + rank, f"{row['assessment_icon']} {row['assessment_label']}")
