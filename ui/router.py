"""Make every request go through the router in app.py.

Streamlit treats an app with a ``pages/`` folder as an old-style multipage app until ``st.navigation`` has run
once in the process (and AppTest resets that on every run). A deep link opened as the very first request would
then run the page file alone, without the global selection. Each page calls :func:`ensure_router` first: in that
case it switches the process to ``st.navigation`` mode and runs app.py in the same script run, which resolves
the same page from the URL; button clicks of this run are kept.
"""

from __future__ import annotations

import runpy
from pathlib import Path

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

APP = Path(__file__).resolve().parents[1] / "app.py"


def ensure_router() -> None:
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        runpy.run_path(str(APP), run_name="__main__")
        st.stop()
