"""The load test's baseline for a page run: a Streamlit app with the same page addresses and nothing else.

    streamlit run bench/streamlit_floor_app.py --server.port 8599
    python bench/load.py --url http://127.0.0.1:8599 --warehouse data/warehouse --editors 0

Each page draws three lines of text, so a page run here is what Streamlit itself costs (websocket, script
thread, navigation, messages), with no data, no widgets and no sidebar. Its throughput under the same load is
the ceiling one Streamlit process reaches on this machine; RegioMonitor's pages are measured against it.
"""

import streamlit as st

PAGES = ("profil", "indikator", "karte", "vergleichsgruppen", "ziele", "schwerpunkte", "landrat", "daten", "methodik")


def page() -> None:
    st.title("Leere Seite")
    st.write("Grundlast einer Streamlit-Seite ohne Daten.")
    st.caption("bench/streamlit_floor_app.py")


st.navigation(
    [st.Page(page, title=name, url_path=name, default=name == "profil") for name in PAGES], position="hidden"
).run()
