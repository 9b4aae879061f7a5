"""Kreisvergleich: 2 to 10 chosen Kreise side by side – a table and one small chart per indicator; savable as a
peer group and as a link."""

import pandas as pd
import streamlit as st

from indicators.domain import agenda
from indicators.domain import formatting as fmt
from indicators.domain.catalog import load_catalogue
from indicators.userdata import UserDataError
from ui import chart_export, charts, components, context, data, user
from ui import meeting as meeting_mode
from ui.permissions import can_edit, edit_hint

ctx = context.page()
wh, sel, d = ctx.wh, ctx.sel, ctx.districts
indicators = data.indicators(wh)
picker = agenda.picker_labels(indicators)
numeric = indicators[indicators["scale"] == "ratio"]

components.header(
    "Kreisvergleich",
    f"Bis zu zehn Kreise nebeneinander · je Indikator das letzte Jahr bis {sel.year} · "
    "als Link teilen oder als eigene Vergleichsgruppe speichern",
)
meeting_mode.key_figures(ctx)

if not st.session_state.get("vergleich"):
    st.session_state["vergleich"] = [sel.home] + [a for a in ctx.peers if a != sel.home][:3]
chosen = st.multiselect(
    "Kreise (2 bis 10)",
    list(d.index),
    format_func=lambda a: f"{d.loc[a, 'display_name']} ({d.loc[a, 'land_name']}) – {a}",
    key="vergleich",
    max_selections=10,
    placeholder="Kreis suchen",
)
headline = [i.id for i in load_catalogue() if i.headline and i.id in set(numeric["id"])]
wanted = st.multiselect(
    "Indikatoren",
    agenda.ordered(numeric, headline),
    default=headline[:6],
    format_func=picker.get,
    key="vergleich_indikatoren",
    placeholder="Thema oder Bezeichnung eintippen",
)
if len(chosen) < 2 or not wanted:
    st.info("Bitte mindestens zwei Kreise und einen Indikator wählen.")
    st.stop()

rows, series = [], {}
for ind in wanted:
    meta = data.indicator_meta(wh).loc[ind]
    years = [y for y in data.years(wh, ind) if y <= sel.year]
    if not years:
        continue
    values = data.values(wh, ind, max(years)).set_index("region")["value"]
    row = {"Indikator": f"{meta['label']} ({meta['unit']})" if meta["unit"] else meta["label"], "Jahr": str(max(years))}
    for a in chosen:
        row[str(d.loc[a, "display_name"])] = fmt.value(values.get(a), meta["unit"] or "", with_unit=False)
    rows.append(row)
    series[ind] = data.series(wh, ind, tuple(chosen))
st.subheader("Tabelle")
st.dataframe(rows, hide_index=True)
st.caption("Werte in deutschem Zahlenformat; – = kein Wert im Jahr. Der eigene Kreis ist fett in den Diagrammen.")

st.subheader("Verlauf je Indikator")
labels = data.indicator_meta(wh)["label"].to_dict()
units = data.indicator_meta(wh)["unit"].fillna("").to_dict()
chart_export.show(
    charts.small_multiples(series, labels, units, ctx.names, sel.home, "Kreisvergleich im Zeitverlauf"),
    "kreisvergleich",
    pd.concat([s["source"] for s in series.values()]) if series else [],
    ctx.built,
)
components.source_caption("siehe Methodik (je Indikator)", "Datenlizenz Deutschland – Namensnennung – Version 2.0")

st.subheader("Teilen und speichern")
st.markdown("Link zu diesem Vergleich (aus der Adresszeile kopieren oder hier):")
st.code("?" + "&".join(f"{k}={val}" for k, val in st.query_params.to_dict().items()), language=None)
if can_edit():
    with st.form("vergleich_speichern"):
        name = st.text_input("Name der Vergleichsgruppe", placeholder="z. B. Fachkräfteallianz Süd")
        if st.form_submit_button("Als eigene Vergleichsgruppe speichern") and name.strip():
            try:
                user.userdata().save_peer_group(name.strip(), chosen, user.editor(), known_ags=set(d.index))
                st.success(f"Vergleichsgruppe „{name.strip()}“ gespeichert; sie steht links unter Vergleichsgruppe.")
            except UserDataError as exc:
                st.error(str(exc))
else:
    st.info(edit_hint(), icon=":material/lock:")
