"""Sitzung: one indicator at a time in large type for the projector, with next and previous."""

import streamlit as st

from indicators import benchmark
from indicators import formatting as fmt
from ui import charts, components, data, state, user
from ui.router import ensure_router

ensure_router()

store = data.store()
v = data.version(store)
sel = state.current()
districts = data.districts(store, v)
names = dict(zip(districts["ags"], districts["display_name"], strict=True))
peers, peer_label = state.peers(store, v, sel, user.custom_groups())
profile = data.profile(store, v, sel.home, tuple(peers), sel.year)
ratio = profile[profile["scale"] == "ratio"]
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
        st.button("Sitzungsmodus starten", on_click=lambda: st.session_state.update(sitzung=True))

st.title(row["label"])
st.caption(
    f"{names[sel.home]} · Jahr {int(row['year'])} · Vergleichsgruppe: {peer_label} ({len(peers)} Kreise) · "
    f"{unit} · {benchmark.POLARITY_TEXT[int(row['polarity'])]}"
)

with st.container(horizontal=True):
    delta = fmt.change(row["change_1y"], unit) if row["change_1y"] == row["change_1y"] else None
    st.metric(
        names[sel.home],
        fmt.value(row["value"], unit),
        delta=f"{delta} zum Vorjahr" if delta and delta != "–" else None,
        delta_color="off" if int(row["polarity"]) == 0 else ("inverse" if int(row["polarity"]) < 0 else "normal"),
    )
    st.metric("Median", fmt.value(row["median"], unit))
    st.metric("Mittelwert", fmt.value(row["mean"], unit))
    st.metric("Minimum", fmt.value(row["min"], unit))
    st.metric("Maximum", fmt.value(row["max"], unit))
    st.metric("Deutschland", fmt.value(row["germany"], unit))

rank = f"Rang {int(row['rank'])} von {int(row['n'])}" if row["rank"] == row["rank"] and row["rank"] is not None else ""
st.markdown(
    f"### {components.badge(row['assessment'], row['assessment_icon'], row['assessment_label'])} {rank}",
    unsafe_allow_html=True,
)

band = data.band(store, v, current, tuple(peers))
series = data.series(store, v, current, (sel.home,))
st.plotly_chart(charts.time_series(band, series, sel.home, names, f"{row['label']} im Zeitverlauf", unit, show_peers=False))
components.source_caption(row["source"])
