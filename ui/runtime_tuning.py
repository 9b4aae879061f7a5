"""Process settings for serving many sessions from one interpreter, applied once at the first page run."""

from __future__ import annotations

import functools
import gc

#: Allocations between two young-generation collections (Python's default is 700). Page runs allocate millions of
#: short-lived objects that reference counting frees anyway; with the default the collector ran about 55 times a
#: second under 25 sessions and took 9 % of the server's time (bench/load.py, gc.callbacks).
YOUNG_THRESHOLD = 10_000


@functools.cache
def for_many_sessions() -> None:
    """Freeze what is alive after the imports (modules, catalogue, Streamlit) out of the collector's view, so that
    a full collection walks only what page runs created, and collect the young generation less often. The ratios
    between the generations stay Python's (10, 10): cyclic garbage is still collected, in fewer, larger steps."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, 10, 10)
