"""Karte: the chosen indicator and year for all 400 Kreise; click a Kreis to select it."""

import streamlit as st

from indicators import benchmark
from ui import choropleth, components, data, state, user
from ui.router import ensure_router

ensure_router()

store = data.store()
v = data.version(store)
sel = state.current()
districts = data.districts(store, v)
names = dict(zip(districts["ags"], districts["display_name"], strict=True))
meta = data.indicators(store, v).set_index("id").loc[sel.indicator]
unit = meta["unit"] or ""
polarity = int(meta["polarity"])
peers, peer_label = state.peers(store, v, sel, user.custom_groups())
years = data.years(store, v, sel.indicator)
year = max([y for y in years if y <= sel.year], default=years[0] if years else sel.year)

components.header(
    f"Karte: {meta['label']}",
    f"{unit} · {benchmark.POLARITY_TEXT[polarity]} · Jahr {year} · Farbskala zentriert auf den Median: {peer_label}",
)

geo = data.geometry(store, v, "kreise")
if not geo:
    st.info(
        "Für dieses Warehouse liegt keine Kreisgeometrie vor. BKG VG2500 (Shapefile) in den Rohdatenordner legen und neu bauen."
    )
    st.stop()
if store.is_demo:
    st.caption("Schematische Karte (Demodaten): Kästchen je Kreis, gruppiert nach Ländern, keine echten Grenzen.")

values = data.values(store, v, sel.indicator, year)
stats = data.reference_statistics(store, v, sel.indicator, year, tuple(peers))
if meta["scale"] != "ratio":
    stats = {"median": None}
features = choropleth.colour_features(geo["features"], values, names, unit, polarity, stats)
home = next((f for f in geo["features"] if f["properties"].get("ags") == sel.home), None)
laender = data.geometry(store, v, "laender")


def select_clicked_kreis() -> None:
    """A click on the map makes that Kreis the home Kreis for every page."""
    picked = st.session_state.get("karte", {}).get("selection", {}).get("objects", {}).get(choropleth.LAYER_KREISE, [])
    if picked:
        ags = picked[0].get("properties", {}).get("ags")
        if ags in names:
            st.session_state["kreis"] = ags


st.pydeck_chart(
    choropleth.deck(features, laender["features"] if laender else None, home),
    height=720 if sel.meeting else 620,
    on_select=select_clicked_kreis,
    selection_mode="single-object",
    key="karte",
)
st.markdown(choropleth.legend_html(stats, unit, polarity), unsafe_allow_html=True)
components.source_caption(meta["source"], meta["licence"])
st.caption(
    "Geometrie: © GeoBasis-DE / BKG (VG2500), dl-de/by-2-0. Ein Klick auf einen Kreis wählt ihn für alle Seiten aus."
)
