"""Sitzung: one indicator at a time in large type for the projector, with next and previous."""

import html

import streamlit as st

from indicators.domain import benchmark
from indicators.domain import formatting as fmt
from ui import charts, components, context, data

ctx = context.page()
store, v, sel, peers, peer_label, names = ctx.store, ctx.v, ctx.sel, ctx.peers, ctx.peer_label, ctx.names
profile = data.profile(store, v, sel.home, tuple(peers), sel.year)
catalogued = set(data.indicators(store, v).query("catalogued")["id"])
ratio = profile[(profile["scale"] == "ratio") & profile["indicator"].isin(catalogued)]
# Headline indicators first, then the rest by topic: the order a RAK meeting walks through.
headline = set(data.indicators(store, v).query("headline")["id"])
order = sorted(ratio["indicator"], key=lambda i: (i not in headline, ratio.set_index("indicator").loc[i, "topic"], i))

if not order:
    st.info("Für den Kreis liegen keine Werte vor.")
    st.stop()
if sel.indicator not in order:
    current = order[0]
else:
    current = sel.indicator
position = order.index(current)


def go_to(offset: int) -> None:
    st.session_state["indikator"] = order[(position + offset) % len(order)]


def leave_meeting() -> None:
    st.session_state["sitzung"] = False


row = ratio.set_index("indicator").loc[current]
unit = row["unit"] or ""

with st.container(horizontal=True):
    st.button("◀ Zurück", on_click=go_to, args=(-1,), use_container_width=False)
    st.button("Weiter ▶", on_click=go_to, args=(1,))
    st.markdown(f"Indikator {position + 1} von {len(order)}")
    if sel.meeting:
        st.button("Sitzungsmodus beenden", on_click=leave_meeting)
    else:
        st.button("Sitzungsmodus starten", on_click=lambda: st.session_state.update(sitzung=True, _enter_meeting=True))

st.markdown(
    f'<div class="rm-meeting-title">{html.escape(row["label"])}</div>'
    f'<div class="rm-meeting-sub">{html.escape(names[sel.home])} · Jahr {int(row["year"])} · Vergleichsgruppe: '
    f"{html.escape(peer_label)} ({len(peers)} Kreise) · {html.escape(unit)} · {benchmark.POLARITY_TEXT[int(row['polarity'])]}</div>",
    unsafe_allow_html=True,
)

change = fmt.change(row["change_1y"], unit)
trend = {"besser": "besser", "schlechter": "schlechter", "unverändert": "unverändert"}.get(row["trend_1y"], "")
cards = [
    (
        names[sel.home],
        fmt.value(row["value"], unit),
        f"{change} zum Vorjahr ({trend})" if change != "–" and trend else "",
        True,
    ),
    ("Median", fmt.value(row["median"], unit), "", False),
    ("Mittelwert", fmt.value(row["mean"], unit), "", False),
    ("Minimum", fmt.value(row["min"], unit), "", False),
    ("Maximum", fmt.value(row["max"], unit), "", False),
    ("Deutschland", fmt.value(row["germany"], unit), "", False),
]
st.markdown(
    '<div class="rm-cards">'
    + "".join(
        f'<div class="rm-card{" rm-card-home" if home else ""}"><div class="rm-card-label">{html.escape(label)}</div>'
        f'<div class="rm-card-value">{html.escape(value)}</div><div class="rm-card-note">{html.escape(note)}</div></div>'
        for label, value, note, home in cards
    )
    + "</div>",
    unsafe_allow_html=True,
)

rank = f"Rang {int(row['rank'])} von {int(row['n'])}" if row["rank"] == row["rank"] and row["rank"] is not None else ""
st.markdown(
    f'<div class="rm-meeting-sub">{components.badge(row["assessment"], row["assessment_icon"], row["assessment_label"])} {rank}</div>',
    unsafe_allow_html=True,
)

band = data.band(store, v, current, tuple(peers))
series = data.series(store, v, current, (sel.home,))
st.plotly_chart(
    charts.time_series(
        band,
        series,
        sel.home,
        names,
        f"{row['label']} im Zeitverlauf",
        unit,
        show_peers=False,
        breaks=data.breaks(store, v, current),
    )
)
components.source_caption(row["source"])
