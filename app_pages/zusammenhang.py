"""Zusammenhang: two indicators for all Kreise as a scatter plot – the Kreis and its peers highlighted, with the
least-squares trend line and Pearson's r."""

import pandas as pd
import streamlit as st

from indicators.domain import agenda, correlation
from indicators.domain import formatting as fmt
from indicators.domain.catalog import load_catalogue
from ui import chart_export, charts, components, context, data
from ui import meeting as meeting_mode

ctx = context.page()
wh, sel = ctx.wh, ctx.sel
indicators = data.indicators(wh)
numeric = indicators[indicators["scale"] == "ratio"]
order = agenda.ordered(numeric, [i.id for i in load_catalogue() if i.headline])
picker = agenda.picker_labels(indicators)
meta = data.indicator_meta(wh)

components.header(
    "Zusammenhang zweier Indikatoren",
    f"Alle Kreise · hervorgehoben: {ctx.kreis['display_name']} und die Vergleichsgruppe {ctx.peer_label} "
    f"({len(ctx.peers)} Kreise) · je Indikator das letzte Jahr bis {sel.year}",
)
meeting_mode.key_figures(ctx)

with st.container(horizontal=True):
    x_id = st.selectbox(
        "Waagerecht (x)",
        order,
        index=order.index(sel.indicator) if sel.indicator in order else 0,
        format_func=picker.get,
        key="streu_x",
    )
    default_y = next((i for i in order if i != x_id), x_id)
    y_id = st.selectbox("Senkrecht (y)", order, index=order.index(default_y), format_func=picker.get, key="streu_y")


def latest(ind: str):
    years = [y for y in data.years(wh, ind) if y <= sel.year]
    return (max(years), data.values(wh, ind, max(years))) if years else (None, None)


(x_year, xs), (y_year, ys) = latest(x_id), latest(y_id)
if xs is None or ys is None:
    st.info("Für einen der Indikatoren liegt bis zum gewählten Jahr kein Wert vor.")
    st.stop()
pairs = xs[["region", "value"]].merge(ys[["region", "value"]], on="region", suffixes=("_x", "_y"))
pairs = pairs[pairs["region"].isin(ctx.districts.index)]
result = correlation.fit(pairs["value_x"].tolist(), pairs["value_y"].tolist())
x_label, y_label = f"{meta.loc[x_id, 'label']} {x_year}", f"{meta.loc[y_id, 'label']} {y_year}"
chart_export.show(
    charts.scatter(
        pairs,
        sel.home,
        set(ctx.peers),
        ctx.names,
        x_label,
        y_label,
        meta.loc[x_id, "unit"] or "",
        meta.loc[y_id, "unit"] or "",
        result,
    ),
    f"zusammenhang_{x_id}_{y_id}",
    pd.concat([xs["source"], ys["source"]]),
    ctx.built,
)
if result is None:
    st.info("Zu wenige Kreise mit beiden Werten für eine Trendlinie.")
else:
    st.markdown(
        f"**r = {fmt.number(result.r, 2)}** ({correlation.strength(result.r)}) über {result.n} Kreise mit beiden Werten. "
        "Ein Zusammenhang heißt nicht, dass der eine Wert den anderen verursacht."
    )
components.source_caption(f"{meta.loc[x_id, 'source']} | {meta.loc[y_id, 'source']}")
