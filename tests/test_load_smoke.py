"""Smoke test of the load script: the real server on loopback, 3 sessions and 3 editing processes for ~5 s."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
    assert result["server_survived"]
    assert result["edits_written"] > 0
    assert result["history_rows"] == result["targets_created"] + result["edits_written"]
    assert "Verlaufseinträge: alle angekommen" in done.stdout
