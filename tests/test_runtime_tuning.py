"""The server's collector settings: applied by the first page run of a process, collecting cycles still."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

PROBE = """
import gc, os, sys
sys.path.insert(0, {root!r})
os.environ["REGIOMONITOR_WAREHOUSE"] = {warehouse!r}
os.environ["REGIOMONITOR_USERDATA"] = {userdata!r}
from streamlit.testing.v1 import AppTest
before = gc.get_threshold()
AppTest.from_file({app!r}, default_timeout=60).run()
print(before[0], gc.get_threshold()[0], gc.get_freeze_count() > 0)
class Node:
    pass
a, b = Node(), Node()
a.other, b.other = b, a
del a, b
print(gc.collect() >= 2)
"""


def test_first_page_run_raises_the_young_threshold_and_cycles_are_still_collected(demo_warehouse, tmp_path):
    """In a fresh interpreter, so that the threshold before is Python's own: 700 before the first run,
    10,000 and a frozen start-up heap after it, and a reference cycle is still freed by a collection."""
    code = PROBE.format(
        root=str(ROOT),
        warehouse=str(demo_warehouse),
        userdata=str(tmp_path / "ud.sqlite"),
        app=str(ROOT / "app.py"),
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    first, cycle = out.stdout.split("\n")[:2]
    assert first.split() == ["700", "10000", "True"]
    assert cycle == "True"
