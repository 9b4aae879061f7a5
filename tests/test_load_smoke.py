"""Smoke test of the load script: the real server on loopback, 3 sessions and 3 editing processes for ~5 s."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def test_load_script_serves_every_run_and_keeps_every_edit(demo_warehouse, tmp_path):
    out = tmp_path / "last.json"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "load.py"),
            "--sessions",
            "3",
            "--editors",
            "3",
            "--duration",
            "5",
            "--warehouse",
            str(demo_warehouse),
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["error_count"] == 0, result["errors"]
    assert result["page_runs"] >= 6  # every session opened a page and changed the selection at least once
    assert result["page_runs"] == sum(result["runs_by_page"].values())
    assert result["server_survived"]
    assert result["edits_written"] > 0
    assert result["history_rows"] == result["targets_created"] + result["edits_written"]
    assert "Verlaufseinträge: alle angekommen" in done.stdout
    # what the figures were measured on is printed with them and kept in the JSON
    facts = pd.read_parquet(demo_warehouse / "facts.parquet")
    assert result["warehouse"]["facts"] == len(facts)
    assert result["warehouse"]["indicators"] == len(pd.read_parquet(demo_warehouse / "indicators.parquet"))
    assert (result["sessions"], result["editors"], result["duration_requested_s"]) == (3, 3, 5.0)
    assert result["machine"]["cores"] >= 1 and len(result["machine"]["load_average_before"]) == 3
    assert f"{len(facts):_} Werte".replace("_", ".") in done.stdout
    assert "Last: 3 Sitzungen und 3 Bearbeiter-Prozesse" in done.stdout and "Rechner:" in done.stdout
    assert result["server_rss"]["max_mb"] >= result["server_rss"]["start_mb"] > 0
