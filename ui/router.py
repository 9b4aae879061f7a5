"""Make every first request go through the router in app.py.

Streamlit treats an app with a ``pages/`` folder as an old-style multipage app until ``st.navigation`` has run
once in the process. A deep link opened as the very first request after a server start would then run the page
file alone, without the global selection. Each page calls :func:`ensure_router` first: in that case it switches
the process to ``st.navigation`` mode and reruns, so app.py runs and resolves the same page from the URL.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def ensure_router() -> None:
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
