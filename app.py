"""RegioMonitor: entry point. Shows which warehouse the app reads."""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from indicators.store import Store, WarehouseMissing

WAREHOUSE = Path(os.environ.get("REGIOMONITOR_WAREHOUSE", "data/warehouse"))

st.set_page_config(page_title="RegioMonitor", layout="wide")
st.title("RegioMonitor")
try:
    store = Store(WAREHOUSE)
except WarehouseMissing:
    st.warning(
        f"Kein Warehouse unter `{WAREHOUSE}`. Amtliche Dateien nach `data/raw` legen und "
        "`python -m indicators build` ausführen, oder mit `python -m indicators demo` Demodaten erzeugen."
    )
    st.stop()
if store.is_demo:
    st.error("DEMODATEN – synthetisch erzeugt, keine amtlichen Werte.")
counts = store.manifest.get("row_counts", {})
st.write(f"Warehouse: `{WAREHOUSE}` – {counts.get('districts')} Kreise, {counts.get('indicators')} Indikatoren")
