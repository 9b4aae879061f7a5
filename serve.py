"""Start RegioMonitor: ``streamlit run serve.py`` (or ``python serve.py``).

Runs the app (``app.py``) through Streamlit's ``st.App`` with the HTTP guard of ``ui/http_guard.py``: no framing
by other sites, no public ``/_stcore/metrics``, no cache flushing from a browser. ``streamlit run app.py`` still
works but lacks these; the sidebar then says so. See SECURITY.md.
"""

import streamlit as st
from starlette.middleware import Middleware

from ui.http_guard import HttpGuard

app = st.App("app.py", middleware=[Middleware(HttpGuard)])

if __name__ == "__main__":
    app.run()
