"""Karte: the chosen indicator and year for all 400 Kreise; click a Kreis to select it."""

import streamlit as st

from indicators.domain import benchmark
from indicators.domain import formatting as fmt
from indicators.outputs import chart_credits, exports
from ui import chart_export, choropleth, components, context, data, html, state
from ui import meeting as meeting_mode

ctx = context.page()
wh, sel, peers, peer_label, meta, names = (
    ctx.wh,
    ctx.sel,
    ctx.peers,
    ctx.peer_label,
    ctx.meta,
    ctx.names,
)
unit = meta["unit"] or ""
polarity = int(meta["polarity"])
year = ctx.indicator_year

components.header(
    f"Karte: {html.md(meta['label'])}",
    f"{html.md(unit)} · {benchmark.POLARITY_TEXT[polarity]} · Jahr {year} · Farbskala zentriert auf den Median: "
    f"{html.md(peer_label)}",
)
meeting_mode.key_figures(ctx)

if ctx.thin_year_note:
    st.warning(ctx.thin_year_note, icon=":material/info:")

geo = data.geometry(wh, "kreise")
if not geo:
    st.info(
        "Für dieses Warehouse liegt keine Kreisgeometrie vor. BKG VG2500 (Shapefile) in den Rohdatenordner legen und neu bauen."
    )
    st.stop()
if wh.is_demo:
    st.caption("Schematische Karte (Demodaten): Kästchen je Kreis, gruppiert nach Ländern, keine echten Grenzen.")

values = data.values(wh, sel.indicator, year)
stats = data.reference_statistics(wh, sel.indicator, year, tuple(peers))
if meta["scale"] != "ratio":
    stats = {"median": None}
features = choropleth.colour_features(geo["features"], values, names, unit, polarity, stats)
home = next((f for f in geo["features"] if f["properties"].get("ags") == sel.home), None)
laender = data.geometry(wh, "laender")


event = st.pydeck_chart(
    choropleth.deck(
        features,
        laender["features"] if laender else None,
        home,
        geometries={"kreise": data.geometry_json(wh, "kreise"), "laender": data.geometry_json(wh, "laender")},
    ),
    height=540 if sel.meeting else 620,
    on_select="rerun",
    selection_mode="single-object",
    key="karte",
)
state.select_kreis(choropleth.clicked_kreis(event, names), "karte")
html.render(choropleth.legend_html(stats, unit, polarity))
components.source_caption(meta["source"], meta["licence"])
bkg = exports.map_attribution(wh.manifest) or "© GeoBasis-DE / BKG"
median_text = f"Median {fmt.value(stats['median'], unit)}; " if stats.get("median") is not None else ""
credit = [f"{median_text}{choropleth.legend_note(polarity)} Rot umrandet: {names.get(sel.home, sel.home)}."]
credit += chart_credits.credit_lines(values["source"], ctx.built) + [f"Karte: {bkg.split(', ')[0]}"]
chart_export.image_buttons(
    lambda: choropleth.picture(features, sel.home, f"{meta['label']} {year} – {peer_label}", credit),
    f"karte_{sel.indicator}_{year}_{sel.home}",
    "karte",
)
st.caption(f"Geometrie (VG2500): {html.md(bkg)}. Ein Klick auf einen Kreis wählt ihn für alle Seiten aus.")
