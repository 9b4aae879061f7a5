"""Methodik: the indicator catalogue (definition, polarity and why, source, Stand, licence, caveats, coverage),
the data-quality report of the current warehouse, and the licence and attribution of every source file."""

import json

import pandas as pd
import streamlit as st

from indicators.domain import formatting as fmt
from indicators.domain.catalog import POLARITY_TEXT, load_catalogue
from indicators.outputs import exports
from ui import components, context, data, html, insight, since
from ui import meeting as meeting_mode

ctx = context.page()
wh, sel = ctx.wh, ctx.sel
indicators = data.indicators(wh)
coverage = data.coverage(wh).set_index("indicator")
manifest = wh.manifest
n_kreise = len(ctx.districts)

components.header(
    "Methodik: Indikatoren, Datenqualität, Quellen",
    f"Datenbestand vom {fmt.german_datetime(manifest.get('built_at', ''))} · Gebietsstand: {manifest.get('gebietsstand', '–')} · "
    f"{fmt.number(len(indicators), 0)} Indikatoren",
)
meeting_mode.key_figures(ctx)

POLARITY_ICON = {1: "▲", -1: "▼", 0: "○"}
AGGREGATION_TEXT = {
    "sum": "summiert (geteilte Kreise nach Bevölkerungsanteil des BBSR-Umsteigeschlüssels)",
    "sum_area": "summiert (Fläche; geteilte Kreise nach Flächenanteil)",
    "mean": "bevölkerungsgewichtetes Mittel bzw. aus Zähler und Nenner neu berechnet (als geschätzt markiert)",
    "none": "nicht zusammengefasst (Klassen und Kategorien)",
}

# Only the open tab runs (a click on another tab reruns the page): the quality table, the model checks and the
# source list are not computed on every visit of the catalogue.
catalogue_tab, quality_tab, models_tab, sources_tab = st.tabs(
    ["Indikatorenkatalog", "Datenqualität", "Modelle und Prüfung", "Quellen und Lizenzen"],
    key="methodik_tab",
    on_change="rerun",
)

# -- Indikatorenkatalog ------------------------------------------------------------------------------------
with catalogue_tab:
    if catalogue_tab.open:
        with st.container(horizontal=True):
            search = st.text_input(
                "Suche", placeholder="Name, Kennung oder Begriff aus der Definition", key="methodik_suche"
            )
            topics = st.multiselect(
                "Themen", sorted(indicators["topic"].unique()), placeholder="alle Themen", key="methodik_themen"
            )
        shown = indicators
        if topics:
            shown = shown[shown["topic"].isin(topics)]
        if search.strip():
            needle = search.strip().lower()
            text = (shown["label"] + " " + shown["id"] + " " + shown["definition"].fillna("")).str.lower()
            shown = shown[text.str.contains(needle, regex=False)]

        covered = {
            ind: (f"{first}–{last} ({n_years} Jahre)" if first != last else str(first), f"{kreise} von {n_kreise}")
            for ind, first, last, n_years, kreise in zip(
                coverage.index,
                coverage["first_year"].astype(int),
                coverage["last_year"].astype(int),
                coverage["years"].astype(int),
                coverage["kreise"].astype(int),
                strict=True,
            )
        }

        def coverage_text(ind: str) -> tuple[str, str]:
            return covered.get(ind, ("–", "–"))

        overview = pd.DataFrame(
            {
                "Kennung": shown["id"],
                "Indikator": shown["label"],
                "Thema": shown["topic"],
                "Einheit": shown["unit"],
                "Polarität": [f"{POLARITY_ICON[int(p)]} {POLARITY_TEXT[int(p)]}" for p in shown["polarity"]],
                "Jahre": [coverage_text(i)[0] for i in shown["id"]],
                "Kreise mit Werten": [coverage_text(i)[1] for i in shown["id"]],
            }
        )
        st.caption(
            f"{len(shown)} von {len(indicators)} Indikatoren · ▲ höher ist günstiger · ▼ niedriger ist günstiger · ○ Kontext (keine Wertung)"
        )
        st.dataframe(overview, hide_index=True, height=300)

        if shown.empty:
            st.info("Kein Indikator passt zur Suche.")
        else:
            options = shown.sort_values(["topic", "label"])["id"].tolist()
            label_of = dict(zip(shown["id"], shown["label"], strict=True))
            chosen = st.selectbox(
                "Details zu",
                options,
                index=options.index(sel.indicator) if sel.indicator in options else 0,
                format_func=lambda i: f"{label_of[i]} ({i})",
                key="methodik_detail",
            )
            row = shown.set_index("id").loc[chosen]
            years, kreise = coverage_text(chosen)
            polarity = int(row["polarity"])
            sources = [s for s in str(row["source"] or "").split(" | ") if s]
            stands = sorted({exports.stand_of(s) for s in sources} - {""})
            lines = [
                f"**Definition:** {html.md(row['definition'] or '–')}",
                f"**Einheit:** {html.md(row['unit'] or '–')} · **Thema:** {html.md(row['topic'])} · **Skala:** "
                + {"ratio": "Zahlenwert", "ordinal": "geordnete Klassen", "nominal": "Kategorien"}.get(
                    row["scale"], row["scale"]
                ),
                f"**Polarität:** {POLARITY_ICON[polarity]} {POLARITY_TEXT[polarity]}"
                + (f" – {html.md(row['polarity_reason'])}" if row["polarity_reason"] else ""),
                "**Quelle:** " + ("; ".join(html.md(s) for s in sources) if sources else "–"),
                f"**Stand:** {html.md(', '.join(stands)) if stands else '–'}",
                f"**Gebietsstand:** {html.md(manifest.get('gebietsstand', '–'))}",
                f"**Lizenz:** {html.md(row['licence'] or '–')}",
                f"**Abdeckung:** Jahre {years} · Kreise mit Werten: {kreise}",
                f"**Zusammenfassung mehrerer Kreise** (Gebietsänderungen, Länder, Deutschland): "
                f"{AGGREGATION_TEXT.get(row['aggregation'], row['aggregation'])}"
                + (f" ({row['aggregation_reason']})" if row.get("aggregation_reason") else ""),
            ]
            classes = json.loads(row["classes"]) if isinstance(row["classes"], str) and row["classes"] else []
            if classes:
                lines.append("**Klassen:** " + " · ".join(html.md(c) for c in classes))
            if row["caveats"]:
                lines.append(f"**Hinweise:** {html.md(row['caveats'])}")
            if not bool(row["catalogued"]):
                lines.append("**Noch nicht im Katalog:** Bezeichnung aus der Datei übernommen, ohne Wertung angezeigt.")
            with st.container(border=True):
                st.markdown(f"##### {html.md(row['label'])} (`{chosen}`)")
                st.markdown("  \n".join(lines))

        present = set(indicators["id"])
        missing = [ind for ind in load_catalogue() if ind.id not in present]
        if missing:
            with st.expander(f"Im Katalog beschrieben, aber ohne Daten im Datenbestand: {len(missing)} Indikatoren"):
                st.dataframe(
                    pd.DataFrame(
                        {
                            "Kennung": [i.id for i in missing],
                            "Indikator": [i.label for i in missing],
                            "Quellen (laut Katalog)": [
                                "; ".join(f"{s.publisher}: {s.table}" for s in i.sources)
                                or ("nur veröffentlichter Referenzwert (JUGEND STÄRKEN, 2022)" if i.seed_id else "–")
                                for i in missing
                            ],
                        }
                    ),
                    hide_index=True,
                )
                st.caption(
                    "Diese Indikatoren erscheinen, sobald die genannten amtlichen Dateien importiert sind (Daten › Import)."
                )

# -- Datenqualität -----------------------------------------------------------------------------------------
with quality_tab:
    if quality_tab.open:
        quality = wh.store.quality()
        if quality.empty:
            st.info("Für diesen Datenbestand liegt keine Qualitätstabelle vor.")
        else:
            labels = data.indicator_meta(wh)["label"]
            per_indicator = quality.groupby("indicator").agg(
                first=("year", "min"),
                last=("year", "max"),
                years=("year", "nunique"),
                min_kreise=("kreise_mit_wert", "min"),
                max_kreise=("kreise_mit_wert", "max"),
                gaps=("luecken", "sum"),
                suppressed=("unterdrueckt", "sum"),
                harmonised=("harmonisiert", "sum"),
                estimated=("geschaetzt", "sum"),
                breaks=("reihenbruch", "sum"),
            )
            table = pd.DataFrame(
                {
                    "Indikator": [f"{labels.get(i, i)} ({i})" for i in per_indicator.index],
                    "Jahre": [
                        f"{a}–{b} ({n})"
                        for a, b, n in zip(
                            per_indicator["first"], per_indicator["last"], per_indicator["years"], strict=True
                        )
                    ],
                    "Kreise mit Wert (min–max)": [
                        f"{fmt.number(a, 0)}–{fmt.number(b, 0)}"
                        for a, b in zip(per_indicator["min_kreise"], per_indicator["max_kreise"], strict=True)
                    ],
                    "Lücken": [fmt.number(x, 0) for x in per_indicator["gaps"]],
                    "unterdrückt": [fmt.number(x, 0) for x in per_indicator["suppressed"]],
                    "harmonisiert": [fmt.number(x, 0) for x in per_indicator["harmonised"]],
                    "geschätzt": [fmt.number(x, 0) for x in per_indicator["estimated"]],
                    "Reihenbrüche": [fmt.number(x, 0) for x in per_indicator["breaks"]],
                }
            )
            with st.container(horizontal=True):
                st.metric("Indikatoren", fmt.number(len(per_indicator), 0))
                st.metric("Lücken (Kreis × Jahr)", fmt.number(int(per_indicator["gaps"].sum()), 0))
                st.metric("unterdrückte Werte", fmt.number(int(per_indicator["suppressed"].sum()), 0))
                st.metric("harmonisierte Werte", fmt.number(int(per_indicator["harmonised"].sum()), 0))
            st.dataframe(table, hide_index=True)
            st.caption(
                f"Lücken = Kreise ohne Wert im Jahr, gezählt über {n_kreise} Kreise. Unterdrückt = geheim gehalten oder zu unsicher "
                "(. x / *). Harmonisiert = von früheren Gebietsständen auf die heutigen Kreise umgerechnet (BBSR-Umsteigeschlüssel). "
                "Geschätzt = Deutschland- oder Landeswert aus den Kreiswerten abgeleitet. Reihenbruch = ab diesem Jahr andere Quelle."
            )
        report = wh.store.quality_report()
        if report:
            with st.expander("Vollständiger Datenqualitätsbericht"):
                # written by the build, which escapes the labels and file names it quotes (warehouse/files.py)
                st.markdown(report.replace("# Datenqualitätsbericht", "#### Datenqualitätsbericht", 1))
            st.download_button(
                "Qualitätsbericht herunterladen (Markdown)",
                data=report.encode("utf-8"),
                file_name="regiomonitor_datenqualitaet.md",
                mime="text/markdown",
                on_click="ignore",
                icon=":material/download:",
                key="dl_quality",
            )

# -- Modelle und Prüfung (Erwartungswert, Zielprognose) ----------------------------------------------------
with models_tab:
    if models_tab.open:
        insight.methodik_models(wh)
        since.revisions_section(wh)

# -- Quellen und Lizenzen ----------------------------------------------------------------------------------
with sources_tab:
    if sources_tab.open:
        if manifest.get("demo"):
            st.warning(exports.DEMO_MARKER, icon=":material/warning:")
        st.markdown("**Namensnennung** (so in Berichten und Präsentationen angeben):")
        for line in exports.attribution_lines(manifest) or ["Keine Quellenangaben im Datenbestand."]:
            st.markdown(f"- {html.md(line)}")
        bkg = exports.map_attribution(manifest)
        if bkg:
            st.markdown(f"**Karte** (Kreis- und Landesgrenzen, VG2500): {html.md(bkg)}")
        files = manifest.get("sources", [])
        if files:
            st.markdown("**Dateien des Datenbestands**")
            st.dataframe(
                pd.DataFrame(
                    {
                        "Datei": [f.get("file", "") for f in files],
                        "Format": [f.get("format_label") or f.get("format", "") for f in files],
                        "Herausgeber": [f.get("publisher", "") for f in files],
                        "Titel": [f.get("title", "") for f in files],
                        "Stand": [f.get("stand", "") for f in files],
                        "Lizenz": [
                            exports.licence_text(f.get("licence")) or "in der Datei nicht angegeben" for f in files
                        ],
                        "Zeilen": [fmt.number(f["rows"], 0) if f.get("rows") is not None else "–" for f in files],
                        "Prüfsumme (SHA-256)": [f.get("sha256", "") for f in files],
                    }
                ),
                hide_index=True,
            )
            st.caption(
                "Die Prüfsumme belegt, welche Fassung einer Datei eingelesen wurde: gleiche Prüfsumme, gleicher Inhalt. "
                "Stand = Angabe der Datei selbst."
            )
        if manifest.get("unrecognised_files"):
            st.markdown(
                "**Nicht erkannte Dateien im Rohdatenordner** (nicht eingelesen): "
                + ", ".join(html.md(f) for f in manifest["unrecognised_files"])
            )
        st.markdown(
            f"**Gebietsstand:** {html.md(manifest.get('gebietsstand', '–'))}. Werte früherer Jahre sind, wo nötig, mit dem "
            "BBSR-Umsteigeschlüssel auf die heutigen Kreise umgerechnet (gekennzeichnet als „harmonisiert“). "
            "Eigene Berechnungen (Quoten aus Zählgrößen, Deutschland- und Landeswerte aus Kreiswerten) sind in der Quelle "
            "als „Eigene Berechnung“ ausgewiesen."
        )
