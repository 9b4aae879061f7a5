"""Sitzung: one indicator at a time for the RAK meeting – value, median, verdict, the reference rows and the trend."""

import streamlit as st

from indicators.domain import agenda, benchmark
from indicators.domain import formatting as fmt
from ui import components, context, data, html, since, time_series_panel
from ui import meeting as meeting_mode

ctx = context.page()
sel, names = ctx.sel, ctx.names
order = meeting_mode.agenda_order(ctx.wh, sel.home, tuple(ctx.peers), sel.year)
if not order:
    components.header(
        "Sitzung", components.selection_caption(ctx.kreis["display_name"], sel.year, ctx.peer_label, len(ctx.peers))
    )
    st.info("Für den Kreis liegen keine Werte vor.")
    st.stop()
current = sel.indicator if sel.indicator in order else order[0]
profile = data.profile(ctx.wh, sel.home, tuple(ctx.peers), sel.year)
row = profile.set_index("indicator").loc[current]
unit = row["unit"] or ""
year = int(row["year"])

components.header(
    html.md(row["label"]),
    f"{html.md(ctx.kreis['display_name'])} · Jahr {year} · Vergleichsgruppe: {html.md(ctx.peer_label)} "
    f"({len(ctx.peers)} Kreise) · {html.md(unit)} · {benchmark.POLARITY_TEXT[int(row['polarity'])]} · Indikator {order.index(current) + 1} von {len(order)}",
)


def go(offset: int) -> None:
    st.session_state["indikator"] = agenda.step(order, current, offset)


if not sel.meeting:  # in meeting mode the frame's control row pages through the same agenda
    with st.container(horizontal=True):
        st.button("◀ Zurück", on_click=go, args=(-1,), shortcut="Left", help="Taste ←", key="sitzung_zurueck")
        st.button("Weiter ▶", on_click=go, args=(1,), shortcut="Right", help="Taste →", key="sitzung_weiter")
        st.button(
            "Sitzungsmodus starten",
            on_click=lambda: st.session_state.update(sitzung=True),
            icon=":material/co_present:",
            key="sitzung_starten",
        )

rank = f"Rang {int(row['rank'])} von {int(row['n'])}" if row["rank"] == row["rank"] and row["rank"] is not None else ""
with st.container(horizontal=True):
    change = fmt.change(row["change_1y"], unit)
    st.metric(
        f"{html.md(ctx.kreis['display_name'])} {year}",
        fmt.value(row["value"], unit),
        delta=f"{change} zum Vorjahr" if change != "–" else None,
        delta_color={1: "normal", -1: "inverse"}.get(int(row["polarity"]), "off"),
        border=True,
    )
    st.metric("Median Vergleichsgruppe", fmt.value(row["median"], unit), border=True)
    st.metric(
        f"Einordnung · {rank}" if rank else "Einordnung",
        f"{row['assessment_icon']} {row['assessment_label']}",
        border=True,
    )
with st.container(horizontal=True):
    for label, key in (("Mittelwert", "mean"), ("Minimum", "min"), ("Maximum", "max"), ("Deutschland", "germany")):
        st.metric(label, fmt.value(row[key], unit))
# below the figures, so that value, median and verdict stay above the fold on a projector
since.since_last_meeting(ctx.wh, sel.home, ctx.kreis["display_name"], expanded=current == order[0])

time_series_panel.show(ctx, current, f"{row['label']} im Zeitverlauf", unit, row["source"], show_peers=False)
components.source_caption(row["source"])
