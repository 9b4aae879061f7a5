"""Daten: choose Kreise, indicators and years, preview the table, download it with its sources and licence."""

import pandas as pd
import streamlit as st

from indicators.domain import formatting as fmt
from indicators.outputs import exports
from ui import components, context, data, downloads, html
from ui import meeting as meeting_mode

ctx = context.page()
wh, sel, d, peers, peer_label = ctx.wh, ctx.sel, ctx.districts, ctx.peers, ctx.peer_label
districts = d.reset_index()
indicators = data.indicators(wh)
labels = data.indicator_meta(wh)["label"].to_dict()
home_name = d.loc[sel.home, "display_name"]

components.header(
    "Daten: Tabellen filtern und herunterladen",
    f"Eigener Kreis: {html.md(home_name)} · Vergleichsgruppe: {html.md(peer_label)} ({len(peers)} Kreise) · "
    "jede Datei enthält Quellen und Lizenzen",
)
meeting_mode.key_figures(ctx)

# -- 1. Kreise ---------------------------------------------------------------------------------------------
st.subheader("1. Kreise")
kreis_modes = {
    "gruppe": f"Eigener Kreis und Vergleichsgruppe ({len(peers)})",
    "land": "nach Land",
    "kreistyp": "nach BBSR-Kreistyp",
    "liste": "einzelne Kreise",
    "alle": f"alle {len(districts)} Kreise",
}
kreis_mode = st.radio(
    "Kreise auswählen", list(kreis_modes), format_func=kreis_modes.get, horizontal=True, key="daten_kreis_modus"
)
if kreis_mode == "gruppe":
    chosen = list(peers)
elif kreis_mode == "land":
    lands = sorted(districts["land_name"].unique())
    picked = st.multiselect("Länder", lands, default=[d.loc[sel.home, "land_name"]], key="daten_laender")
    chosen = districts.loc[districts["land_name"].isin(picked), "ags"].tolist()
elif kreis_mode == "kreistyp":
    types = [t for t in districts.dropna(subset=["kreistyp"]).sort_values("kreistyp")["kreistyp_name"].unique()]
    if not types:
        st.info("Im Datenbestand sind keine BBSR-Kreistypen hinterlegt (Datei kreistypen_*.csv importieren).")
    own = d.loc[sel.home, "kreistyp_name"]
    picked = st.multiselect("Kreistypen", types, default=[own] if own in types else [], key="daten_kreistypen")
    chosen = districts.loc[districts["kreistyp_name"].isin(picked), "ags"].tolist()
elif kreis_mode == "liste":
    chosen = st.multiselect(
        "Kreise",
        districts["ags"].tolist(),
        default=[sel.home],
        format_func=lambda a: f"{d.loc[a, 'display_name']} ({d.loc[a, 'land_name']}) – {a}",
        key="daten_kreisliste",
        placeholder="Kreis suchen",
    )
else:
    chosen = districts["ags"].tolist()
chosen = ([sel.home] if sel.home in chosen else []) + sorted(a for a in chosen if a != sel.home)
with_references = st.checkbox(
    "Deutschland und die Länder der gewählten Kreise als Vergleichszeilen mitliefern",
    key="daten_vergleichszeilen",
    help="Deutschland ist der amtliche Bundeswert (nicht der Mittelwert der Kreise); fehlt er, ist er aus den Kreiswerten geschätzt.",
)

# -- 2. Indikatoren ----------------------------------------------------------------------------------------
st.subheader("2. Indikatoren")
ind_modes = {
    "leit": "Leitindikatoren",
    "thema": "nach Thema",
    "suche": "Suche nach Name oder Kennung",
    "liste": "einzelne Indikatoren",
    "alle": f"alle {len(indicators)} Indikatoren",
}
ind_mode = st.radio(
    "Indikatoren auswählen", list(ind_modes), format_func=ind_modes.get, horizontal=True, key="daten_ind_modus"
)
if ind_mode == "leit":
    wanted = indicators.loc[indicators["headline"].astype(bool), "id"].tolist()
    st.caption("Leitindikatoren: " + (", ".join(html.md(labels[i]) for i in wanted) or "keine im Datenbestand"))
elif ind_mode == "thema":
    topics = st.multiselect(
        "Themen", sorted(indicators["topic"].unique()), key="daten_themen", placeholder="Thema wählen"
    )
    wanted = indicators.loc[indicators["topic"].isin(topics), "id"].tolist()
elif ind_mode == "suche":
    needle = st.text_input("Suche", key="daten_suche", placeholder="z. B. Arbeitslos, alq, SGB II").strip().lower()
    hits = indicators["label"].str.lower().str.contains(needle, regex=False) | indicators["id"].str.contains(
        needle, regex=False
    )
    wanted = indicators.loc[hits, "id"].tolist() if needle else []
    if needle:
        st.caption(
            f"{len(wanted)} Treffer: "
            + ", ".join(html.md(labels[i]) for i in wanted[:12])
            + (" …" if len(wanted) > 12 else "")
        )
elif ind_mode == "liste":
    wanted = st.multiselect(
        "Indikatoren",
        indicators["id"].tolist(),
        default=[sel.indicator] if sel.indicator in labels else [],
        format_func=lambda i: f"{labels[i]} ({i})",
        key="daten_indikatorliste",
        placeholder="Indikator suchen",
    )
else:
    wanted = indicators["id"].tolist()

# -- 3. Jahre ----------------------------------------------------------------------------------------------
st.subheader("3. Jahre")
all_years = data.all_years(wh)
if not all_years:
    st.info("Der Datenbestand enthält noch keine Werte.")
    st.stop()
first, last = min(all_years), max(all_years)
if first == last:
    years = (first, last)
    st.caption(f"Der Datenbestand enthält nur das Jahr {first}.")
else:
    end = min(max(sel.year, first), last)  # the year chosen in the sidebar ends the default range
    years = st.slider("Zeitraum", first, last, (max(first, end - 4), end), key="daten_jahre", format="%d")

# -- Vorschau ----------------------------------------------------------------------------------------------
st.subheader("Vorschau")
regions = list(chosen)
if with_references:
    regions += ["DG"] + sorted({a[:2] for a in chosen})
if not chosen or not wanted:
    st.info("Bitte mindestens einen Kreis und einen Indikator wählen.")
    st.stop()
selected = downloads.facts(wh, tuple(regions), tuple(wanted), (int(years[0]), int(years[1])))
kreise_rows = selected[selected["region"].str.len() == 5]
with st.container(horizontal=True):
    st.metric("Zeilen", fmt.number(len(selected), 0))
    st.metric("Kreise mit Werten", fmt.number(kreise_rows["region"].nunique(), 0))
    st.metric("Indikatoren mit Werten", fmt.number(selected["indicator"].nunique(), 0))
    st.metric("Jahre mit Werten", fmt.number(selected["year"].nunique(), 0))
if selected.empty:
    st.info("Für diese Auswahl liegen keine Werte vor. Anderen Zeitraum oder andere Indikatoren wählen.")
    st.stop()

PREVIEW_ROWS = 500
preview = exports.long_table(selected.head(PREVIEW_ROWS), districts, indicators)
shown = preview.assign(
    Wert=[fmt.number(x, 2).rstrip("0").rstrip(",") if pd.notna(x) else "–" for x in preview["Wert"]],
    Jahr=preview["Jahr"].astype(str),
    Klasse=preview["Klasse"].fillna(""),
)
st.dataframe(shown, hide_index=True, height=320)
st.caption(
    f"Vorschau der ersten {fmt.number(min(PREVIEW_ROWS, len(selected)), 0)} von {fmt.number(len(selected), 0)} Zeilen "
    "(Werte in der Vorschau auf zwei Nachkommastellen gekürzt; die Dateien enthalten die vollen Werte)."
)

# -- Herunterladen -----------------------------------------------------------------------------------------
st.subheader("Herunterladen")
layout = st.radio(
    "Tabellenform", list(exports.LAYOUTS), format_func=exports.LAYOUTS.get, horizontal=True, key="daten_tabellenform"
)
stem = exports.file_stem(chosen, wanted, years, layout, demo=wh.is_demo)
with st.container(horizontal=True):
    # the plain CSV first: what most people want, opened with a double click
    st.download_button(
        "CSV für Excel",
        data=downloads.deferred(wh, selected, districts, indicators, "csv_de", layout, stem, bundled=False),
        file_name=exports.member_name(stem, "csv_de"),
        mime=exports.PLAIN_CSV["csv_de"],
        key="dl_csv_de_plain",
        icon=":material/download:",
        type="primary",
        on_click="ignore",
        help=exports.FORMATS["csv_de"] + "; nur die Tabelle",
    )
    button_labels = {
        "csv_de": "CSV für Excel mit Quellen (ZIP)",
        "csv": "CSV international (ZIP)",
        "xlsx": "Excel (XLSX)",
        "parquet": "Parquet (ZIP)",
    }
    for format_id, label in button_labels.items():
        too_big = format_id == "xlsx" and len(selected) + 1 > exports.XLSX_MAX_ROWS
        # built only when clicked: most page views download nothing
        content = b"" if too_big else downloads.deferred(wh, selected, districts, indicators, format_id, layout, stem)
        st.download_button(
            label,
            data=content,
            file_name=exports.file_name(stem, format_id),
            mime=exports.MIME[format_id],
            key=f"dl_{format_id}",
            icon=":material/download:",
            on_click="ignore",
            disabled=too_big,
            help="Zu viele Zeilen für ein Excel-Blatt: CSV oder Parquet wählen."
            if too_big
            else exports.FORMATS[format_id],
        )
st.caption(
    f"Dateiname: `{stem}` · „CSV für Excel“ ist die Tabelle allein; Quellen und Lizenzen stehen in den ZIP-Dateien "
    "(Datei QUELLEN.txt) und in der XLSX-Datei (Blatt „Quellen“) und unten auf dieser Seite. "
    "CSV für Excel: Semikolon, Dezimalkomma, UTF-8 mit BOM, ohne Tausenderpunkte – öffnet direkt in deutschem Excel."
)
if len(selected) > 25_000:
    st.caption(
        f"Große Auswahl ({fmt.number(len(selected), 0)} Zeilen): die Datei wird beim Klick erstellt und kann einige Sekunden dauern."
    )

# built only while open (opening reruns the page): the downloads carry the same list in QUELLEN.txt
with st.expander("Quellen und Lizenzen dieser Auswahl", key="daten_quellen", on_change="rerun") as box:
    if box.open:
        st.dataframe(exports.sources_table(selected, indicators, wh.manifest), hide_index=True)
        for line in exports.attribution_lines(wh.manifest, sorted(set(selected["source"].dropna()))):
            st.markdown(f"- {html.md(line)}")
