"""A process killed in the middle of the warehouse swap: the next start finds and finishes or rolls it back.

Each test writes an old demo warehouse, then lets a child process build a new one and die (``os._exit``, no
clean-up runs) at one point of the swap. The parent then does what the app and the command line do at start
(``files.recover``, ``python -m indicators report``) and checks, with the manifest's build seed written by each
build, which warehouse ``data/warehouse`` holds, that it is complete, agrees with the snapshot pointer and that
nothing is left beside it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from indicators.warehouse import demo, files, snapshots
from indicators.warehouse.store import Store

ROOT = Path(__file__).resolve().parents[1]
OLD_SEED, NEW_SEED = 1, 2

#: Child process: build with NEW_SEED and die at the chosen step. Path.rename is called, in this order, for
#: the snapshot being published (1), ``out`` -> previous (2) and the build -> ``out`` (3).
CHILD = textwrap.dedent(
    """
    import os, shutil, sys
    from pathlib import Path
    from indicators.warehouse import demo, files

    out, point = Path(sys.argv[1]), sys.argv[2]
    renames = {"publishing": 1, "after_pointer": 2, "without_out": 3}
    calls = {"n": 0}
    original_rename, original_rmtree = Path.rename, shutil.rmtree

    def rename(self, target):
        calls["n"] += 1
        if renames.get(point) == calls["n"]:
            os._exit(9)
        return original_rename(self, target)

    def rmtree(path, *args, **kwargs):
        if point == "before_cleanup" and Path(path).name.endswith(".previous"):
            os._exit(9)
        return original_rmtree(path, *args, **kwargs)

    def parquet_dies(*args, **kwargs):
        os._exit(9)

    Path.rename = rename
    shutil.rmtree = rmtree
    if point == "while_writing":
        import pandas as pd
        pd.DataFrame.to_parquet = parquet_dies
    demo.write_demo(out, seed=int(sys.argv[3]))
    """
)


def seed_of(path: Path) -> int:
    return json.loads((path / "manifest.json").read_text(encoding="utf-8"))["seed"]


def crash(out: Path, point: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(out), point, str(NEW_SEED)], cwd=ROOT, capture_output=True, timeout=300
    )
    assert done.returncode == 9, done.stderr.decode(errors="replace")[-2000:]


def leftovers(out: Path) -> list[str]:
    beside = [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")]
    root = snapshots.folder(out)
    inside = [p.name for p in root.iterdir() if p.name.startswith(".")] if root.is_dir() else []
    return sorted(beside + inside)


@pytest.fixture
def out(tmp_path) -> Path:
    target = tmp_path / "data" / "warehouse"
    demo.write_demo(target, seed=OLD_SEED)
    return target


@pytest.mark.parametrize(
    "point, expected_seed, state_after_crash",
    [
        ("while_writing", OLD_SEED, "the build folder is incomplete"),
        ("publishing", OLD_SEED, "the snapshot was being linked, the pointer still names the old one"),
        ("after_pointer", NEW_SEED, "the pointer names the new build, data/warehouse is the old one"),
        ("without_out", NEW_SEED, "data/warehouse is gone: renamed to .previous, the build not yet in place"),
        ("before_cleanup", NEW_SEED, "the new warehouse is in place, the previous one still beside it"),
    ],
)
def test_every_crash_point_is_finished_or_rolled_back(out, point, expected_seed, state_after_crash):
    crash(out, point)
    if point == "without_out":
        assert not out.exists()  # the state the issue describes: no data/warehouse at all
    assert leftovers(out), f"the crash should leave something behind ({state_after_crash})"

    notes = files.recover(out)

    assert notes
    assert files.is_warehouse(out) and seed_of(out) == expected_seed
    assert leftovers(out) == []
    current = snapshots.resolve(out)
    assert seed_of(current) == expected_seed, "what readers of the pointer see agrees with data/warehouse"
    Store(out).districts()  # opens and answers
    assert files.recover(out) == []  # nothing left to do


def test_the_command_line_recovers_before_it_reads(out):
    crash(out, "without_out")
    done = subprocess.run(
        [sys.executable, "-m", "indicators", "report", "--out", str(out)], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "Unterbrochener Austausch des Datenbestands abgeschlossen" in done.stderr
    assert "# Datenqualitätsbericht" in done.stdout and seed_of(out) == NEW_SEED


def test_the_app_start_recovers(out, monkeypatch, tmp_path):
    from streamlit.testing.v1 import AppTest

    crash(out, "without_out")
    monkeypatch.setenv("REGIOMONITOR_WAREHOUSE", str(out))
    monkeypatch.setenv("REGIOMONITOR_USERDATA", str(tmp_path / "ud" / "ud.sqlite"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.run()
    assert not at.exception
    assert seed_of(out) == NEW_SEED and leftovers(out) == []
    assert not any("einrichten" in t.value for t in at.title)  # the pages, not the set-up page


def test_a_running_build_is_left_alone(out):
    """A build folder of a live process (here: this one) means a swap may be under way: nothing is touched."""
    import os

    building = out.with_name(f".{out.name}.building-{os.getpid()}")
    building.mkdir()
    previous = out.with_name(f".{out.name}.previous")
    out.rename(previous)
    assert files.recover(out) == []
    assert previous.exists() and not out.exists()
    building.rmdir()
    previous.rename(out)


def test_a_build_of_another_host_sharing_the_volume_is_left_alone(out):
    """Replicas and the build container share the warehouse volume but not their process ids."""
    building = out.with_name(f".{out.name}.building-anderer-container-1")
    building.mkdir()
    assert files.recover(out) == []
    assert building.exists()
    building.rmdir()


def test_a_read_only_warehouse_is_reported_not_raised(out, monkeypatch):
    crash(out, "without_out")

    def read_only(*args, **kwargs):
        raise PermissionError(30, "Read-only file system")

    monkeypatch.setattr(Path, "rename", read_only)
    [note] = files.recover(out)
    assert "nicht geprüft" in note and "Read-only file system" in note
