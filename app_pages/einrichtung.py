"""Einrichtung: no warehouse yet. Explain how to load official files, build from data/raw, or start with demo data."""

import streamlit as st

from indicators import importers
from indicators.domain import official_sources
from indicators.errors import BuildError, SourceFileError
from indicators.warehouse import demo
from indicators.warehouse.build import build, discover
from ui import data, html

st.title("RegioMonitor einrichten")
st.markdown(
    f"""
Noch ist kein Datenbestand (Warehouse) unter `{data.warehouse_path()}` vorhanden.

**Amtliche Daten laden**
1. Die amtlichen Dateien herunterladen (Adressen unten: Regionaldatenbank / GENESIS-CSV, INKAR-Exporte,
   Deutschlandatlas-Excel, Destatis-Kreisliste, BBSR-Kreistypen und -Umsteigeschlüssel, BA-Tabellen,
   BKG VG2500-Shapefile).
2. Die Dateien in den Ordner `{data.raw_path()}` legen (Unterordner sind erlaubt).
3. Hier auf **Aus Rohdateien aufbauen** klicken oder `python -m indicators build` ausführen.

Quellen und Lizenzen stehen in der README und später auf der Seite *Methodik*.
"""
)

st.markdown("**Wo es die amtlichen Dateien gibt**\n\n" + official_sources.markdown_list())

raw = data.raw_path()
found, unknown = discover(raw) if raw.is_dir() else ([], [])
if found:
    st.markdown(f"**Im Ordner `{raw}` erkannt:**")
    st.dataframe(
        {
            "Datei": [str(p.relative_to(raw)) for p, _ in found],
            "Format": [importers.FORMAT_LABELS.get(f, f) for _, f in found],
        },
        hide_index=True,
    )
if unknown:
    st.caption("Nicht erkannt: " + ", ".join(html.md(p.name) for p in unknown))

left, right = st.columns(2)
with left:
    if st.button("Aus Rohdateien aufbauen", type="primary", disabled=not found):
        bar = st.progress(0.0, text="Starte …")
        try:
            build(raw, data.warehouse_path(), progress=lambda f, m: bar.progress(min(1.0, f), text=m))
        except (BuildError, SourceFileError) as exc:
            st.error(f"Aufbau fehlgeschlagen: {html.md(exc)}")
        else:
            st.success("Warehouse aufgebaut.")
            st.rerun()
with right:
    if st.button("Mit Demodaten starten"):
        demo.write_demo(data.warehouse_path())
        st.rerun()
    st.caption("Demodaten sind synthetisch und werden auf jeder Seite deutlich als solche gekennzeichnet.")
