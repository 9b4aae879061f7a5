"""Screen components shared by the pages: banners, headers, the reference rows, position markers, legends."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from indicators.domain import formatting as fmt
from ui import html
from ui.data import Warehouse
from ui.html import Markup

#: Colour-blind safe diverging palette (blue = favourable, orange = unfavourable) and a neutral sequence; checked
#: for deuteranopia, protanopia and tritanopia by tests/test_colour_vision.py (change a colour here, nowhere else).
FAVOURABLE = "#2166ac"
UNFAVOURABLE = "#b35806"
NEUTRAL = "#6b6b6b"
HOME_COLOUR = "#d62728"
PEER_COLOUR = "#1f77b4"
#: Ends of the map's scale for context indicators (no verdict): light to dark purple.
SEQUENTIAL = ("#f7f4f9", "#54278f")
#: The median of the diverging map scale.
MIDPOINT = "#f7f7f7"
#: A Kreis without a value. Mid-grey: a light grey looked like the near-white median under every kind of vision.
NO_VALUE = "#787878"
#: Outline of the home Kreis on the map. Dark red: the chart red (HOME_COLOUR) vanished on the orange
#: (unfavourable) fill for deuteranopes.
MAP_HOME_OUTLINE = "#960000"
#: Backgrounds of the status badges by tone (the border repeats the map colour); icon and label carry the status.
BADGE_BACKGROUND = {"guenstig": "#9ecae1", "mittel": "#f0f0f0", "unguenstig": "#fdd0a2"}


def rgb(hex_colour: str) -> list[int]:
    """``#rrggbb`` as ``[r, g, b]`` (pydeck and the map's colour arithmetic take numbers)."""
    return [int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]


PRINT_CSS = html.stylesheet(
    """
@media print {
  [data-testid="stSidebar"], header, [data-testid="stToolbar"], .stButton, .stDownloadButton {display: none !important;}
  .block-container {padding: 0 !important;}
}
/* Streamlit's file uploader speaks English ("Upload", "200MB per file"); its texts are swapped for ours. The
   English nodes are hidden (display:none, so screen readers do not read them either); limits and formats are
   in the uploader's German label and help. */
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {display:none;}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"]::after {content:"Datei wählen";}
[data-testid="stFileUploaderDropzoneInstructions"] span {display:none;}
[data-testid="stFileUploaderDropzoneInstructions"] > div::after {content:"oder hierher ziehen"; font-size:0.875rem;}
/* Keyboard focus is always visible (WCAG 2.4.7), a ring in the theme's primary colour: Streamlit shows none on
   page links, the scrollable main area, the map (arrow keys pan it), tables and toggles/checkboxes (their input
   is visually hidden), and only a 1-px border colour on select boxes, text and date fields
   (tests/browser/test_keyboard.py). */
a:focus-visible, summary:focus-visible {outline:3px solid #1f4e79 !important; outline-offset:2px;}
[data-testid="stMain"]:focus-visible, [data-testid="stDeckGlJsonChart"] [tabindex]:focus-visible,
[data-testid="stDataFrame"] canvas:focus-visible {outline:3px solid #1f4e79 !important; outline-offset:-3px;}
:is([data-testid="stSelectbox"], [data-testid="stMultiSelect"]) [role="group"]:focus-within,
[data-testid="stTextInputRootElement"]:focus-within, [data-testid="stDateInputField"]:focus-within
  {box-shadow:0 0 0 2px #1f4e79 !important;}
label:has(input:is([type="checkbox"], [type="radio"]):focus-visible) {outline:3px solid #1f4e79; outline-offset:2px;
  border-radius:0.25rem;}
.rm-badge {display:inline-block; padding:0.1rem 0.45rem; border-radius:0.3rem; border:1px solid #999;
           font-size:0.85rem; white-space:nowrap;}
.rm-meeting-title {font-size:2.4rem; font-weight:700; line-height:1.2; margin:0.6rem 0 0.3rem 0;}
.rm-meeting-sub {font-size:1.2rem; color:#444; margin-bottom:1rem;}
.rm-cards {display:flex; flex-wrap:wrap; gap:0.8rem; margin:0.6rem 0 1rem 0;}
.rm-card {border:1px solid #ccc; border-radius:0.5rem; padding:0.6rem 0.8rem; min-width:8rem; flex:1;}
.rm-card-home {border:3px solid #d62728;}
.rm-card-label {font-size:1rem; color:#444;}
.rm-card-value {font-size:2.2rem; font-weight:700; white-space:nowrap;}
.rm-card-note {font-size:0.95rem; color:#333;}
.rm-pos {position:relative; height:0.9rem; background:linear-gradient(90deg,#f0f0f0,#f0f0f0); border:1px solid #bbb;
         border-radius:0.45rem; min-width:70px;}
.rm-pos span {position:absolute; top:-0.25rem; width:0.5rem; height:1.3rem; background:#1a1a1a; border-radius:0.2rem;}
"""
    f".rm-guenstig {{background:{BADGE_BACKGROUND['guenstig']}; border-color:{FAVOURABLE};}}\n"
    f".rm-unguenstig {{background:{BADGE_BACKGROUND['unguenstig']}; border-color:{UNFAVOURABLE}; font-weight:600;}}\n"
    f".rm-mittel, .rm-kontext, .rm-keine {{background:{BADGE_BACKGROUND['mittel']};}}\n"
)


def demo_banner(wh: Warehouse) -> None:
    if wh.is_demo:
        st.warning(
            "**DEMODATEN** – Alle Werte sind synthetisch erzeugt und keine amtlichen Zahlen. "
            "Amtliche Daten lassen sich unter *Daten › Import* oder mit `python -m indicators build` laden.",
            icon=":material/warning:",
        )


def header(title: str, subtitle: str) -> None:
    """Page title and the caption under it; both are Markdown, so callers pass foreign parts through ``html.md``."""
    st.title(title)
    st.caption(subtitle)


def selection_caption(kreis_name: str, year: int, peer_label: str, n_peers: int) -> str:
    """Markdown line naming the Kreis, year and peer group (names are escaped: a group name is typed by users)."""
    return f"{html.md(kreis_name)} · Jahr {year} · Vergleichsgruppe: {html.md(peer_label)} ({n_peers} Kreise)"


def badge(code: str, icon: str, label: str) -> Markup:
    """Status as icon and text, never colour alone."""
    code = code if re.fullmatch(r"[a-z_]+", code) else "keine"
    return html.element("span", f"{icon} {label}", cls=f"rm-badge rm-{code}")


def position_marker(position: float | None, polarity: int) -> Markup:
    """A bar from the peers' minimum to maximum with the Kreis marked; the favourable end is labelled."""
    if position is None or pd.isna(position):
        return html.escape("–")
    left = max(0.0, min(1.0, float(position))) * 100
    if polarity == 0:
        ends = ("Min.", "Max.")
    else:
        ends = ("ungünstig", "günstig")
    marker = html.element("span", style=f"left:calc({left:.0f}% - 0.25rem)")
    return html.element(
        "div",
        ends[0],
        html.element("div", marker, cls="rm-pos", style="flex:1"),
        ends[1],
        style="display:flex;gap:0.3rem;align-items:center;font-size:0.7rem;color:#555",
    )


def reference_frame(row: dict | pd.Series, kreis_name: str, land_name: str | None = None) -> pd.DataFrame:
    """The five reference rows of the JUGEND STÄRKEN table plus the Kreis (and its Land) as a small table."""
    unit = row.get("unit", "")
    label = row.get("value_label")
    rows = [
        (kreis_name, fmt.value(row.get("value"), unit, label if isinstance(label, str) else None)),
        ("Median", fmt.value(row.get("median"), unit)),
        ("Mittelwert", fmt.value(row.get("mean"), unit)),
        ("Minimum", fmt.value(row.get("min"), unit)),
        ("Maximum", fmt.value(row.get("max"), unit)),
        (
            "Deutschland",
            fmt.value(row.get("germany"), unit) + (" (geschätzt)" if row.get("germany_estimated") is True else ""),
        ),
    ]
    if land_name is not None:
        rows.append((land_name, fmt.value(row.get("land"), unit)))
    return pd.DataFrame(rows, columns=["", "Wert"])


def source_caption(source: str | None, licence: str | None = None) -> None:
    text = f"Quelle: {html.md(source or 'unbekannt')}"
    if licence:
        text += f" · Lizenz: {html.md(licence)}"
    st.caption(text)


def diverging_colour(value, median, low, high, polarity: int) -> list[int]:
    """RGB for a map cell: favourable blue, unfavourable orange, centred on the median; light to dark purple for
    context indicators; grey without a value."""
    if value is None or pd.isna(value):
        return rgb(NO_VALUE)
    if polarity == 0:
        span = (high - low) or 1.0
        t = (value - low) / span
        base, top = rgb(SEQUENTIAL[0]), rgb(SEQUENTIAL[1])
        return [round(base[i] + (top[i] - base[i]) * t) for i in range(3)]
    if value >= median:
        t = 0 if high == median else (value - median) / (high - median)
        direction = 1
    else:
        t = 0 if low == median else (median - value) / (median - low)
        direction = -1
    favourable = direction * polarity > 0
    end = rgb(FAVOURABLE if favourable else UNFAVOURABLE)
    mid = rgb(MIDPOINT)
    t = max(0.0, min(1.0, t)) ** 0.8
    return [round(mid[i] + (end[i] - mid[i]) * t) for i in range(3)]


def page_links(pages: dict[str, list]) -> None:
    """The page menu of the sidebar: a heading per section, a link per page (plain links, read by screen readers
    as a navigation of headed groups)."""
    for section, members in pages.items():
        st.markdown(f"**{section}**")
        for p in members:
            st.page_link(p)
