"""Indikator: one indicator across all Kreise: distribution, ranking, time series and metadata."""

import json

import pandas as pd
import streamlit as st

from indicators.domain import benchmark
from indicators.domain import formatting as fmt
from ui import chart_export, charts, components, context, data, html, insight, published, time_series_panel

ctx = context.page()
wh, sel, peers, peer_label, meta = ctx.wh, ctx.sel, ctx.peers, ctx.peer_label, ctx.meta
districts = ctx.districts.reset_index()
names = ctx.names
lands = ctx.districts["land_name"].to_dict()
unit = meta["unit"] or ""
polarity = int(meta["polarity"])
years = data.years(wh, sel.indicator)
year = ctx.indicator_year

components.header(
    html.md(meta["label"]),
    f"{html.md(unit)} · {benchmark.POLARITY_TEXT[polarity]} · Jahr {year}"
    + (f" (gewählt {sel.year}: letzter verfügbarer Wert)" if year != sel.year else "")
    + f" · Vergleichsgruppe: {html.md(peer_label)} ({len(peers)} Kreise)",
)

if ctx.thin_year_note:
    st.warning(ctx.thin_year_note, icon=":material/info:")

with st.popover("ℹ️ Metadaten: Definition, Quelle, Lizenz"):
    facts = [
        f"**Definition:** {html.md(meta['definition'])}",
        f"**Einheit:** {html.md(unit or '–')} · **Polarität:** {benchmark.POLARITY_TEXT[polarity]}",
        f"**Warum:** {html.md(meta['polarity_reason'])}" if meta.get("polarity_reason") else "",
        f"**Quelle und Stand:** {html.md(meta['source'])}",
        "**Gebietsstand:** 400 Kreise zum 31.12.2021; ältere Jahre auf diesen Stand umgerechnet (BBSR-Umsteigeschlüssel).",
        f"**Lizenz:** {html.md(meta['licence'])}",
        f"**Hinweise:** {html.md(meta['caveats'])}" if meta.get("caveats") else "",
        f"**Verfügbare Jahre:** {', '.join(map(str, years))}",
    ]
    st.markdown("\n\n".join(f for f in facts if f))  # one element, one paragraph per fact
    st.caption(f"Kennung: `{sel.indicator}`")

values = data.values(wh, sel.indicator, year)
home_row = values[values["region"] == sel.home]
home_value = home_row["value"].iloc[0] if len(home_row) else None
home_label = home_row["value_label"].iloc[0] if len(home_row) else None
home_label = home_label if isinstance(home_label, str) else None

if meta["scale"] != "ratio":
    classes = json.loads(meta["classes"] or "[]")
    st.metric(html.md(names[sel.home]), home_label or "–")
    chart_export.show(
        charts.class_counts(values, sel.home, classes, f"{meta['label']} {year}: Kreise je Klasse"),
        f"{sel.indicator}_{year}_klassen",
        values["source"],
        ctx.built,
    )
    st.info("Klassen und Kategorien werden nicht gemittelt; Median, Mittelwert und Rang entfallen.")
    table = values.assign(Kreis=values["region"].map(names), Land=values["region"].map(lands))
    st.dataframe(
        table[["region", "Kreis", "Land", "value_label"]].rename(columns={"region": "AGS", "value_label": "Klasse"}),
        hide_index=True,
    )
    st.stop()

stats = data.reference_statistics(wh, sel.indicator, year, tuple(peers))
ranking = data.ranking(wh, sel.indicator, year, tuple(peers), polarity)
mine = ranking[ranking["region"] == sel.home]
rank_text = f"{int(mine['rank'].iloc[0])} von {int(mine['n'].iloc[0])}" if len(mine) else "–"
assessment = benchmark.assess(mine["percentile"].iloc[0] if len(mine) else None, polarity)

with st.container(horizontal=True):
    st.metric(html.md(names[sel.home]), fmt.value(home_value, unit))
    st.metric("Median Vergleichsgruppe", fmt.value(stats["median"], unit))
    st.metric(
        "Deutschland" + (" (geschätzt)" if stats.get("germany_estimated") is True else ""),
        fmt.value(stats["germany"], unit),
        help="Geschätzt: aus den Kreiswerten berechnet, weil keine Datei einen amtlichen Deutschland-Wert enthält."
        if stats.get("germany_estimated") is True
        else None,
    )
    st.metric("Rang in der Vergleichsgruppe", rank_text)
    st.metric("Einordnung", f"{assessment.icon} {assessment.label}")

left, right = st.columns([1, 2])
with left:
    st.markdown("**Referenzwerte der Vergleichsgruppe**")
    ref = components.reference_frame({**stats, "value": home_value, "unit": unit}, names[sel.home])
    st.table(ref.set_index(""))
    published.show_for_indicator(data.published_reference(wh, sel.indicator), sel.home, names[sel.home])
with right:
    chart_export.show(
        charts.distribution(
            values, sel.home, set(peers), names, f"{meta['label']} {year}: alle Kreise", unit, stats["median"]
        ),
        f"{sel.indicator}_{year}_verteilung_{sel.home}",
        values["source"],
        ctx.built,
    )

insight.expectation_section(wh, sel.indicator, year, sel.home, names)

st.subheader("Zeitreihe")
show_peers = len(peers) <= 40
time_series_panel.show(
    ctx, sel.indicator, f"{meta['label']}: {names[sel.home]} und Vergleichsgruppe", unit, meta["source"], show_peers
)
st.caption("Lücken in der Linie: Jahre ohne Wert. Senkrechte Punktlinie: Reihenbruch (Grund beim Überfahren).")
if not show_peers:
    st.caption(
        "Bei mehr als 40 Kreisen in der Vergleichsgruppe werden deren einzelne Linien nicht gezeichnet, nur das Band."
    )

st.subheader("Rangliste")
only_peers = st.toggle("nur Vergleichsgruppe", value=sel.peer_kind != "alle")
full = data.ranking(wh, sel.indicator, year, tuple(peers) if only_peers else tuple(districts["ags"]), polarity)
value_column = f"Wert ({unit})" if unit else "Wert"
table = pd.DataFrame(
    {
        "Rang": full["rank"].astype(int),
        "AGS": full["region"],
        "Kreis": full["region"].map(names),
        "Land": full["region"].map(lands),
        # German number text, not the browser's locale (an English browser would show 9.9 and 1,234)
        value_column: [fmt.value(x, unit, with_unit=False) for x in full["value"]],
        "Perzentil": full["percentile"].round(0),
        "Eigener Kreis": full["region"] == sel.home,
    }
)
st.dataframe(
    table,
    hide_index=True,
    column_config={
        value_column: st.column_config.TextColumn(alignment="right"),
        "Perzentil": st.column_config.NumberColumn(
            help="Anteil der anderen Kreise mit ungünstigerem Wert (100 = bester)", format="%d"
        ),
        "Eigener Kreis": st.column_config.CheckboxColumn(),
    },
    height=420,
)
st.caption(
    f"Rang 1 = {'günstigster' if polarity else 'höchster'} Wert (zum Sortieren nach Werten die Spalte Rang "
    "anklicken). Quelle: {html.md(meta['source'])} · "
    f"Lizenz: {html.md(meta['licence'])}"
)
