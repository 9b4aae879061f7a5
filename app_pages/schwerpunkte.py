"""Handlungsschwerpunkte: indicators where the Kreis is unfavourable against its peers AND getting worse; Stärken."""

import streamlit as st

from indicators.domain import priorities
from indicators.outputs import exports
from ui import components, context, data, html, insight
from ui import meeting as meeting_mode

ctx = context.page()
wh, sel, kreis, peers, peer_label = ctx.wh, ctx.sel, ctx.kreis, ctx.peers, ctx.peer_label
profile = data.profile(wh, sel.home, tuple(peers), sel.year)

components.header(
    f"Handlungsschwerpunkte: {html.md(kreis['display_name'])}",
    components.selection_caption(kreis["display_name"], sel.year, peer_label, len(peers))
    + " · je Indikator das letzte Jahr bis zum gewählten Jahr",
)
meeting_mode.key_figures(ctx)
st.markdown(
    "Eine automatisch erstellte, begründete Liste als **Ausgangspunkt für den RAK**: Wo liegt der Kreis "
    "ungünstig im Vergleich **und** entwickelt sich in die falsche Richtung? Die Einordnung ist keine "
    "Bewertung der Arbeit vor Ort; sie zeigt, wo ein genauer Blick lohnt."
)
with st.expander("Wie die Liste entsteht", icon=":material/info:"):
    st.markdown(priorities.RULE_TEXT)
    st.markdown(
        "Die **Vergleichsgruppe** wählen Sie links in der Seitenleiste (z. B. alle Kreise, gleiches Land, "
        "gleicher BBSR-Kreistyp oder statistische Nachbarn); Rang, Median und Liste beziehen sich auf sie. "
        "Veränderungen unterhalb der halben veröffentlichten Genauigkeit gelten als unverändert."
    )


def open_indicator(indicator: str) -> None:
    st.session_state["indikator"] = indicator


def item_card(rank: int, item: priorities.PriorityItem, key: str) -> None:
    icon = "▼" if item.kind == "schwerpunkt" else "▲"
    with st.container(border=True):
        st.markdown(  # heading and sentence as two paragraphs of one element (a card per indicator, every run)
            f"**{rank}. {icon} {html.md(item.label)}** · {html.md(item.topic)} · {item.year} · {item.score:.0f} Punkte"
            f"\n\n{html.md(item.explanation)}"
        )
        if st.button(
            "Zum Indikator", key=key, icon=":material/bar_chart:", on_click=open_indicator, args=(item.indicator,)
        ):
            st.switch_page("app_pages/indikator.py")


if profile.empty:
    st.info("Für diesen Kreis liegen bis zum gewählten Jahr keine Werte vor.")
    st.stop()

judged = priorities.judged_rows(profile)
weak = priorities.priorities(judged)
strong = priorities.strengths(judged)
n_judged = len(judged)
with st.container(horizontal=True):
    st.metric("▼ Handlungsschwerpunkte", len(weak), border=True)
    st.metric("▲ Stärken", len(strong), border=True)
    st.metric(
        "Indikatoren mit Wertung",
        n_judged,
        border=True,
        help="Indikatoren mit Richtung (Polarität ±1) und Rang in der Vergleichsgruppe",
    )

topics = st.multiselect("Themen", sorted(set(profile["topic"])), placeholder="alle Themen", key="schwerpunkte_themen")
if topics:
    weak = [i for i in weak if i.topic in topics]
    strong = [i for i in strong if i.topic in topics]

left, right = st.columns(2, gap="large")
with left:
    st.subheader(f"▼ Handlungsschwerpunkte ({len(weak)})")
    st.caption("ungünstiger als der Median der Vergleichsgruppe und verschlechtert – höchste Punktzahl zuerst")
    if not weak:
        st.info("Kein Indikator ist zugleich ungünstig und verschlechtert.")
    for n, item in enumerate(weak, start=1):
        item_card(n, item, f"schwerpunkt_{item.indicator}")
with right:
    st.subheader(f"▲ Stärken ({len(strong)})")
    st.caption("günstiger als der Median der Vergleichsgruppe und verbessert – höchste Punktzahl zuerst")
    if not strong:
        st.info("Kein Indikator ist zugleich günstig und verbessert.")
    for n, item in enumerate(strong, start=1):
        item_card(n, item, f"staerke_{item.indicator}")

insight.break_alerts_section(wh, sel.home, sel.year, kreis["display_name"])

table = priorities.download_frame(weak + strong)
if not table.empty:
    table.insert(0, "Liste", ["Handlungsschwerpunkt"] * len(weak) + ["Stärke"] * len(strong))
    source = f"Quelle: RegioMonitor, eigene Auswertung; Vergleichsgruppe {peer_label}; Datenlizenz der Einzelquellen siehe Indikator-Metadaten"
    st.download_button(
        "Liste als CSV herunterladen (Excel)",
        # labels come from imported files and peer-group names from users: cells that would run as a formula
        # get an apostrophe (exports.neutralise)
        data=lambda: exports.to_csv(table) + exports.note_line(source),  # written when clicked, not on every view
        file_name=f"handlungsschwerpunkte_{sel.home}_{sel.year}.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
    )
