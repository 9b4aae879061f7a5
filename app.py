"""RegioMonitor: router and global selection (Kreis, Jahr, Vergleichsgruppe, Indikator, Sitzungsmodus).

The navigation is declared before the global widgets so that Streamlit gives those widgets the same identity on
every page and every run; their values live in the session and in the URL.

The screens live in ``app_pages/``, not ``pages/``: Streamlit treats a ``pages/`` folder next to the entry file as a
legacy multipage app until ``st.navigation`` has run once in the process, so a deep link opened as the first
request would run the page without this router. Streamlit's own guidance names the folder ``app_pages/`` for
exactly this reason.
"""

from __future__ import annotations

import streamlit as st

from ui import auth, components, data, html, since, startup, state, user
from ui import meeting as meeting_mode

st.set_page_config(page_title="RegioMonitor", page_icon="📊", layout="wide")
startup.prepare()  # once per process: the first editor account of a fresh installation
html.render(components.PRINT_CSS)

if not auth.may_read():  # sign-in required (REGIOMONITOR_REQUIRE_LOGIN / require_login) and nobody signed in
    st.navigation([st.Page(auth.sign_in_page, title="Anmeldung", icon=":material/login:", default=True)]).run()
    st.stop()

data.pin_snapshot()  # one snapshot for the whole run, even if a rebuild switches the pointer now
wh = data.warehouse()

if wh is None:
    setup = st.Page("app_pages/einrichtung.py", title="Einrichtung", icon=":material/build:", default=True)
    first_import = st.Page("app_pages/datenimport.py", title="Import", icon=":material/upload_file:")
    page = st.navigation([setup, first_import])
    with st.sidebar:
        auth.sidebar()
    page.run()
    st.stop()

districts = data.districts(wh)
indicators = data.indicators(wh)
groups = user.custom_groups()
state.load_from_url(wh, list(groups))
state.keep_selection()
meeting = bool(st.session_state.get("sitzung"))

pages = {
    "Benchmarking": [
        st.Page("app_pages/profil.py", title="Kreisprofil", icon=":material/table_chart:", default=True),
        st.Page("app_pages/indikator.py", title="Indikator", icon=":material/bar_chart:"),
        st.Page("app_pages/karte.py", title="Karte", icon=":material/map:"),
        st.Page("app_pages/vergleichsgruppen.py", title="Vergleichsgruppen", icon=":material/groups:"),
        st.Page("app_pages/vergleich.py", title="Kreisvergleich", icon=":material/compare:"),
        st.Page("app_pages/zusammenhang.py", title="Zusammenhang", icon=":material/scatter_plot:"),
        st.Page("app_pages/sitzung.py", title="Sitzung", icon=":material/co_present:"),
    ],
    "Steuerung": [
        st.Page("app_pages/ziele.py", title="Ziele", icon=":material/flag:"),
        st.Page("app_pages/schwerpunkte.py", title="Handlungsschwerpunkte", icon=":material/priority_high:"),
        st.Page("app_pages/landrat.py", title="Landrat", icon=":material/summarize:"),
    ],
    "Daten": [
        st.Page("app_pages/daten.py", title="Daten", icon=":material/download:"),
        st.Page("app_pages/datenimport.py", title="Import", icon=":material/upload_file:"),
        st.Page("app_pages/methodik.py", title="Methodik", icon=":material/menu_book:"),
    ],
}
# In the sidebar the pages are our own links (components.page_links): Streamlit's sidebar menu puts the section
# headings inside its list (axe-core: "list", "listitem", serious) and folds long menus behind an English "View more".
page = st.navigation(pages, position="top" if meeting else "hidden")

kreis_labels = data.kreis_labels(wh)
picker = data.picker_labels(wh)
indicator_order = data.indicator_order(wh)
years = sorted(data.all_years(wh), reverse=True)
year_labels = state.year_labels(wh, st.session_state.get("indikator", state.DEFAULT_INDICATOR), years)


def kreis_label(ags: str) -> str:
    return kreis_labels.get(ags, ags)


def year_label(year: int) -> str:
    return year_labels.get(int(year), str(year))


if meeting:
    html.render(meeting_mode.CSS)
    peers, _ = state.peers(wh, state.current(), groups)
    order = meeting_mode.agenda_order(wh, st.session_state["kreis"], tuple(peers), st.session_state["jahr"])
    meeting_mode.controls(districts, years, order, picker, kreis_label, year_label)
else:
    with st.sidebar:
        components.page_links(pages)
        st.markdown("### RegioMonitor")
        st.selectbox("Kreis", list(districts["ags"]), format_func=kreis_label, key="kreis", placeholder="Kreis suchen")
        st.selectbox(
            "Jahr",
            years,
            format_func=year_label,
            key="jahr",
            help="Voreingestellt ist das letzte Jahr, das mindestens 90 % der Kreise abdeckt.",
        )
        st.selectbox(
            "Vergleichsgruppe",
            options=state.peer_options(list(groups)),
            format_func=state.peer_option_label,
            key="gruppe",
        )
        st.selectbox(
            "Indikator",
            indicator_order,
            format_func=picker.get,
            key="indikator",
            placeholder="Thema oder Bezeichnung eintippen",
            help="Leitindikatoren zuerst, dann nach Thema; noch nicht katalogisierte Reihen unter „Weitere Tabellen“. "
            "Zum Suchen ein Wort eintippen, z. B. „Jugend“ oder „Arbeitslos“.",
        )
        st.toggle(
            "Sitzungsmodus (Beamer)",
            key="sitzung",
            help="Große Schrift und eine Leiste mit Kreis, Jahr und Indikator (← → blättern) auf jeder Seite; "
            "auch per Link mit ?modus=sitzung",
        )
        st.divider()
        auth.sidebar()

sel = state.current()
if sel.peer_kind == "eigene" and sel.peer_name not in groups:
    st.session_state["gruppe"] = "alle"
    sel = state.current()
state.write_to_url(sel)

components.demo_banner(wh)
since.snapshot_banner()
state.link_notices()
page.run()
