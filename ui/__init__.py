"""Streamlit glue shared by the pages: the global selection, cached data access and screen components.

Rules live in ``indicators/``; this package only decides how they appear on screen.
"""
