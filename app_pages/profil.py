"""Kreisprofil: every indicator of the Kreis against the peer group, Germany and its own past."""

import streamlit as st

from ui import components, context, data, html, insight, profile_table, published
from ui import meeting as meeting_mode

ctx = context.page()
wh, sel, kreis, peers, peer_label = ctx.wh, ctx.sel, ctx.kreis, ctx.peers, ctx.peer_label
profile = data.profile(wh, sel.home, tuple(peers), sel.year)

components.header(
    f"Kreisprofil: {html.md(kreis['display_name'])}",
    components.selection_caption(kreis["display_name"], sel.year, peer_label, len(peers))
    + " · je Indikator das letzte Jahr bis zum gewählten Jahr, das mindestens 90 % der Kreise abdeckt",
)
meeting_mode.key_figures(ctx)

if profile.empty:
    st.info("Für diesen Kreis liegen bis zum gewählten Jahr keine Werte vor.")
    st.stop()

listed = data.indicators(wh)
catalogued_ids = set(listed.loc[listed["catalogued"], "id"])
core = profile[profile["indicator"].isin(catalogued_ids)]
bad = core[core["assessment"] == "unguenstig"]
good = core[core["assessment"] == "guenstig"]
with st.container(horizontal=True):
    st.metric("Katalogisierte Indikatoren mit Wert", len(core))
    st.metric("▼ im ungünstigsten Viertel", len(bad))
    st.metric("▲ im günstigsten Viertel", len(good))
    st.metric("○ Kontextindikatoren", int((core["assessment"] == "kontext").sum()))

with st.container(horizontal=True):
    topics = st.multiselect("Themen", sorted(profile["topic"].unique()), placeholder="alle Themen")
    search = st.text_input("Suche", placeholder="Name oder Kennung des Indikators")
    only_bad = st.checkbox(
        "nur ungünstigstes Viertel",
        help="Indikatoren, bei denen der Kreis im ungünstigsten Viertel der Vergleichsgruppe liegt",
    )
    uncatalogued = st.checkbox(
        "auch nicht katalogisierte",
        help="Indikatoren aus importierten Tabellen, die noch keinen Katalogeintrag (Polarität, Definition) haben",
    )

shown = profile if uncatalogued else core
if topics:
    shown = shown[shown["topic"].isin(topics)]
if search:
    needle = search.lower()
    shown = shown[
        shown["label"].str.lower().str.contains(needle, regex=False)
        | shown["indicator"].str.contains(needle, regex=False)
    ]
if only_bad:
    shown = shown[shown["assessment"] == "unguenstig"]

html.render(profile_table.TABLE_CSS)
for topic, rows in profile_table.topics(shown):
    st.subheader(html.md(topic))
    html.render(profile_table.rows_html(rows))

published.show_for_profile(data.published_reference(wh), profile, sel.home, kreis["display_name"])

st.caption(
    "Rang 1 = günstigster Wert in der Vergleichsgruppe (bei Kontextindikatoren: höchster Wert). "
    "▼ ungünstig = ungünstigstes Viertel, ▲ günstig = günstigstes Viertel, ● Mitte = Mittelfeld, ○ Kontext = ohne Wertung. "
    "Deutschland mit * = aus den Kreiswerten geschätzt. Gebietsstand: 400 Kreise (31.12.2021). "
    "In schmalen Fenstern entfallen Mittelwert, Minimum, Maximum und Position (sie stehen auf der Seite Indikator)."
)
if shown.empty:
    st.info("Keine Indikatoren entsprechen dem Filter.")

insight.expectation_profile(wh, sel.home, sel.year, ctx.names)
