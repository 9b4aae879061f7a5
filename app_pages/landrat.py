"""Landrat: one page, readable in two minutes – headline figures, targets, strengths and weaknesses; as PDF."""

import dataclasses
import datetime as dt

import streamlit as st

from indicators.domain import formatting as fmt
from indicators.domain.targets import STATUS_ORDER, STATUS_TEXT
from indicators.outputs import report, report_pdf
from ui import components, context, data, html, insight, report_figures, user
from ui import meeting as meeting_mode
from ui import target_widgets as tw

ctx = context.page()
wh, sel, kreis, peers, peer_label = ctx.wh, ctx.sel, ctx.kreis, ctx.peers, ctx.peer_label
indicators = data.indicators(wh)
labels = dict(zip(indicators["id"], indicators["label"], strict=True))
profile = data.profile(wh, sel.home, tuple(peers), sel.year)

components.header(
    f"Lagebild Arbeitsmarkt: {html.md(kreis['display_name'])}",
    ("DEMODATEN – synthetische Werte, keine amtlichen Zahlen · " if wh.is_demo else "")
    + f"{html.md(kreis['display_name'])} ({sel.home}), {html.md(kreis['land_name'])} · Jahr {sel.year} · "
    f"Vergleichsgruppe: {html.md(peer_label)} ({len(peers)} Kreise) · Stand {dt.date.today():%d.%m.%Y}",
)
meeting_mode.key_figures(ctx)
default_ids = report.default_headline(indicators)
# Controls that make no sense on paper are hidden when printing (container key -> CSS class).
html.render(html.stylesheet("@media print {.st-key-landrat_controls {display: none !important;}}"))
controls = st.container(key="landrat_controls")
with controls.expander("Kennzahlen auswählen", icon=":material/tune:"):
    headline_ids = st.multiselect(
        "Kennzahlen auf dieser Seite und im PDF",
        options=list(indicators.sort_values("label")["id"]),
        default=default_ids,
        format_func=lambda i: labels.get(i, i),
        key="landrat_kennzahlen",
        help="Voreingestellt sind die Leitindikatoren des Katalogs.",
    )

assessments = tw.kreis_assessments(wh, user.userdata(), sel.home, sel.year)
summary = report.landrat_summary(
    profile,
    assessments,
    indicators,
    kreis_name=str(kreis["display_name"]),
    ags=sel.home,
    land_name=str(kreis["land_name"]),
    year=sel.year,
    peer_label=peer_label,
    n_peers=len(peers),
    headline_ids=headline_ids,
    demo=wh.is_demo,
    built_at=wh.manifest.get("built_at"),
    gebietsstand=wh.manifest.get("gebietsstand", ""),
    today=dt.date.today(),
    odds=insight.odds_texts(wh, assessments, sel.home, sel.year),
)


def pdf() -> bytes:
    """The one-page PDF with its chart and map, drawn only when somebody clicks (not on every view of the page)."""
    first = next((r for r in summary.headline if r.year is not None), None)
    figures = {
        "trends": tuple(report_figures.trends(ctx, summary.headline)),
        "region_map": report_figures.region_map(ctx, first),
    }
    return report_pdf.landrat_pdf(dataclasses.replace(summary, **figures))


with controls.container(horizontal=True):
    st.download_button(
        "Als PDF herunterladen",
        data=pdf,
        file_name=f"lagebild_{summary.ags}_{summary.created:%Y-%m-%d}.pdf",
        mime="application/pdf",
        icon=":material/picture_as_pdf:",
        type="primary",
        key="landrat_pdf",
    )
    st.caption("Oder drucken (Strg+P): Seitenleiste und Schaltflächen werden beim Druck ausgeblendet.")

st.subheader("Kennzahlen")
if not summary.headline:
    st.info("Keine Kennzahlen gewählt.")
columns = st.columns(min(3, max(1, len(summary.headline))))
for n, row in enumerate(summary.headline):
    with columns[n % len(columns)], st.container(border=True):
        st.markdown(f"**{html.md(row.label)}**")
        st.metric(
            html.md(row.label),
            row.value_text,
            delta=fmt.change(row.change_1y, row.unit) + " zum Vorjahr" if row.change_1y is not None else None,
            delta_color={1: "normal", -1: "inverse"}.get(row.polarity, "off"),
            label_visibility="collapsed",
            help=f"Quelle: {html.md(row.source)}",
        )
        st.markdown(
            f"Jahr {row.year or '–'} · {row.assessment_icon} {row.assessment_label}  \n"
            f"**Vorjahr:** {html.md(row.change_1y_text)}  \n"
            f"**5 Jahre:** {html.md(row.change_5y_text)}  \n"
            f"**Vergleichsgruppe:** Median {html.md(row.median_text)}, {row.median_comparison} ({row.rank_text})  \n"
            f"**{html.md(summary.land_name)}:** {html.md(row.land_text)}, {row.land_comparison}"
        )

st.subheader("Zielvereinbarungen")
targets = summary.targets
if targets.total == 0:
    st.info("Für diesen Kreis sind keine Zielvereinbarungen erfasst.")
    st.page_link("app_pages/ziele.py", label="Ziele anlegen", icon=":material/flag:")
else:
    with st.container(horizontal=True):
        for code in STATUS_ORDER:
            icon, label = STATUS_TEXT[code]
            st.metric(f"{icon} {label}", targets.counts[code], border=True)
    if targets.missed:
        st.markdown("**Verfehlte Ziele:**\n\n" + "\n".join(f"- {html.md(line.sentence)}" for line in targets.missed))
    else:
        st.success("Kein Ziel ist verfehlt.", icon=":material/check_circle:")
    st.page_link("app_pages/ziele.py", label="Alle Ziele mit Verlauf", icon=":material/flag:")

st.subheader("Stärken und Schwächen im Vergleich")
left, right = st.columns(2, gap="large")
with left:
    st.markdown(f"**▲ Günstigste Positionen** ({html.md(summary.peer_label)})")
    st.markdown(
        "\n".join(f"- {html.md(i.explanation)}" for i in summary.strengths) or "keine Position günstiger als der Median"
    )
with right:
    st.markdown("**▼ Ungünstigste Positionen**")
    st.markdown(
        "\n".join(f"- {html.md(i.explanation)}" for i in summary.weaknesses)
        or "keine Position ungünstiger als der Median"
    )
st.page_link(
    "app_pages/schwerpunkte.py",
    label=f"Handlungsschwerpunkte: {summary.n_priorities} Indikatoren ungünstig und verschlechtert",
    icon=":material/priority_high:",
)

st.subheader("Quellen und Stand")
for note in summary.notes:
    st.caption(html.md(note))
st.caption(
    f"Stand: {summary.data_stand}" + (f" · Gebietsstand: {summary.gebietsstand}" if summary.gebietsstand else "")
)
st.caption("  \n".join(f"Quelle: {html.md(s)}" for s in summary.sources))
st.caption("  \n".join(f"Lizenz: {html.md(lic)}" for lic in summary.licences))
