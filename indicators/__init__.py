"""RegioMonitor domain and data layer: catalogue, importers, warehouse store, benchmarks, targets.

Everything here is plain Python that tests can call without Streamlit.
"""
