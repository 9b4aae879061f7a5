"""Vergleichsgruppen: choose and inspect peer groups, find statistical neighbours, keep hand-picked groups."""

import pandas as pd
import streamlit as st

from indicators.domain import benchmark
from indicators.domain import formatting as fmt
from indicators.domain import neighbours as neighbours_rule
from ui import components, context, data, html, peer_group_widgets, state, user
from ui import meeting as meeting_mode

ctx = context.page()
wh, sel, d, names, peers, peer_label = (
    ctx.wh,
    ctx.sel,
    ctx.districts,
    ctx.names,
    ctx.peers,
    ctx.peer_label,
)
districts = d.reset_index()
labels = data.indicator_meta(wh)["label"].to_dict()
units = data.indicator_meta(wh)["unit"].to_dict()

components.header(
    "Vergleichsgruppen",
    f"Eigener Kreis: {html.md(names[sel.home])} · aktive Gruppe: {html.md(peer_label)} ({len(peers)} Kreise)",
)
meeting_mode.key_figures(ctx)


def use_group(option: str) -> None:
    st.session_state["gruppe"] = option


def members_table(members: list[str]) -> pd.DataFrame:
    sub = d.loc[[m for m in members if m in d.index]]
    return pd.DataFrame(
        {
            "AGS": sub.index,
            "Kreis": sub["display_name"],
            "Land": sub["land_name"],
            "Kreistyp": sub["kreistyp_name"],
            "Einwohner": [fmt.number(x, 0) for x in sub["population"]],
            "Eigener Kreis": sub.index == sel.home,
        }
    )


st.subheader("Gruppen im Überblick")
st.caption(
    "Jede Gruppe enthält den eigenen Kreis. Ein Klick auf „verwenden“ macht sie zur Vergleichsgruppe auf allen Seiten."
)
# A group's member table is built only while its box is open (opening it reruns the page): four tables of up to
# 400 Kreise on every visit were a quarter of this page's time.
for kind in data.FIXED_PEER_KINDS:
    members, group_label = data.peer_group(wh, sel.home, kind)
    with st.expander(
        f"{html.md(group_label)} – {len(members)} Kreise",
        expanded=kind == sel.peer_kind,
        key=f"mitglieder_{kind}",
        on_change="rerun",
    ) as box:
        if box.open:
            st.button("verwenden", key=f"use_{kind}", on_click=use_group, args=(kind,), disabled=sel.peer_kind == kind)
            st.dataframe(members_table(members), hide_index=True, height=260)

st.subheader("Statistische Nachbarn")
st.markdown(
    "Die *k* Kreise, die dem eigenen Kreis auf den gewählten Kontextvariablen am ähnlichsten sind "
    "(Variablen über alle Kreise standardisiert, euklidischer Abstand; Vorbild: IAB-Vergleichstypen der BA)."
)


def keep_neighbour_settings() -> None:
    st.session_state["vars"] = st.session_state["_vars"] or list(benchmark.DEFAULT_NEIGHBOUR_VARIABLES)
    st.session_state["k"] = st.session_state["_k"]


ratio_ids = [i for i, s in data.indicator_meta(wh)["scale"].items() if s == "ratio"]
with st.container(horizontal=True):
    st.multiselect(
        "Kontextvariablen",
        ratio_ids,
        default=[x for x in sel.neighbour_vars if x in ratio_ids],
        format_func=lambda i: labels.get(i, i),
        key="_vars",
        on_change=keep_neighbour_settings,
    )
    st.slider("Zahl der Nachbarn (k)", 3, 30, value=sel.k, key="_k", on_change=keep_neighbour_settings)

matching = state.neighbour_variables(sel)
if sel.indicator in sel.neighbour_vars:
    st.caption(
        f"„{html.md(labels.get(sel.indicator, sel.indicator))}“ ist der verglichene Indikator und wird bei der Suche "
        "ausgelassen: Nachbarn, die nach genau diesem Wert ausgewählt sind, hätten ihn zwangsläufig ähnlich."
    )
neighbours = state.neighbours(wh, sel)
if neighbours.empty:
    st.info("Für den eigenen Kreis fehlen Werte der gewählten Variablen im gewählten Jahr.")
else:
    m = data.matrix(wh, matching, sel.year)
    gaps = neighbours_rule.standardised_gaps(m, sel.home)

    def describe(vars_: list[str], ags: str) -> str:
        return "; ".join(
            f"{labels.get(x, x)} {fmt.value(m.loc[ags, x], units.get(x, ''))} "
            f"(eigener Kreis {fmt.value(m.loc[sel.home, x], units.get(x, ''))})"
            for x in vars_
        )

    table = pd.DataFrame(
        {
            "AGS": neighbours["ags"],
            "Kreis": neighbours["ags"].map(names),
            "Land": neighbours["ags"].map(d["land_name"]),
            "Abstand": [fmt.number(d, 2) for d in neighbours["distance"]],
            "warum Nachbar": [
                neighbours_rule.reason(neighbours_rule.closest_variables(gaps, a), m, sel.home, a, labels, units)
                for a in neighbours["ags"]
            ],
            "unterscheidet sich bei": [
                describe(s, a) or "–" for s, a in zip(neighbours["differs_on"], neighbours["ags"], strict=True)
            ],
        }
    )
    st.dataframe(table, hide_index=True, column_config={"warum Nachbar": st.column_config.TextColumn(width="large")})
    st.button(
        "Statistische Nachbarn verwenden", on_click=use_group, args=("nachbarn",), disabled=sel.peer_kind == "nachbarn"
    )
    st.caption(
        "Abstand 0 = identisch; „warum Nachbar“: die drei Variablen, bei denen der Kreis dem eigenen am nächsten "
        "liegt (gemessen in Standardabweichungen über alle Kreise); „unterscheidet sich bei“: ab einer "
        "Standardabweichung Unterschied."
    )

st.subheader("Eigene Gruppen")
st.caption(
    "Von Hand zusammengestellte Gruppen (z. B. Fachkräfteallianz Sachsen-Anhalt Süd). Sie sind Nutzerdaten und bleiben bei jedem Neuaufbau der Daten erhalten."
)
saved = {g.name: g for g in user.userdata().peer_groups()}
for name, group in saved.items():
    with st.expander(
        f"{html.md(name)} – {len(group.members)} Kreise (Version {group.version}, zuletzt {html.md(group.updated_by)})",
        key=f"mitglieder_eigene:{name}",
        on_change="rerun",
    ) as box:
        if box.open:
            st.button("verwenden", key=f"use_custom_{name}", on_click=use_group, args=(f"eigene:{name}",))
            st.dataframe(members_table(list(group.members)), hide_index=True)

peer_group_widgets.editor(saved, list(d.index), lambda a: f"{names[a]} ({d.loc[a, 'land_name']})", sel.home)
