"""Data vintages: immutable snapshots with a pointer file, switched atomically, the last N kept."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from indicators.warehouse import files, snapshots


def staging(tmp_path: Path, built_at: str, value: float, name: str = "stage") -> Path:
    folder = tmp_path / f"{name}-{built_at.replace(':', '')}"
    folder.mkdir()
    for table in ("districts", "indicators"):
        pd.DataFrame({"id": ["a"]}).to_parquet(folder / f"{table}.parquet")
    pd.DataFrame({"region": ["15087"], "indicator": ["alq"], "year": [2023], "value": [value]}).to_parquet(
        folder / "facts.parquet"
    )
    (folder / "geometry").mkdir()
    (folder / "geometry" / "kreise.geojson").write_text("{}", encoding="utf-8")
    (folder / "manifest.json").write_text(json.dumps({"built_at": built_at, "demo": False}), encoding="utf-8")
    return folder


def test_publish_keeps_an_immutable_copy_and_switches_the_pointer(tmp_path):
    out = tmp_path / "warehouse"
    first = snapshots.publish(staging(tmp_path, "2025-03-01T08:00:00+00:00", 9.9), out)
    assert first.id == "20250301T080000Z"
    assert snapshots.current_id(out) == first.id
    assert (snapshots.folder(out) / "CURRENT").read_text(encoding="utf-8").strip() == first.id
    assert snapshots.resolve(out) == first.path
    assert (first.path / "geometry" / "kreise.geojson").exists()
    second = snapshots.publish(staging(tmp_path, "2025-09-01T08:00:00+00:00", 9.5), out)
    assert snapshots.resolve(out) == second.path
    # the older snapshot is untouched and can still be opened by name
    assert pd.read_parquet(snapshots.resolve(out, first.id) / "facts.parquet")["value"].tolist() == [9.9]
    assert pd.read_parquet(snapshots.resolve(out) / "facts.parquet")["value"].tolist() == [9.5]
    assert [s.id for s in snapshots.available(out)] == [second.id, first.id]


def test_only_the_last_n_are_kept_and_never_the_current(tmp_path):
    out = tmp_path / "warehouse"
    for month in range(1, 6):
        snapshots.publish(staging(tmp_path, f"2025-0{month}-01T08:00:00+00:00", month), out, keep=2)
    assert [s.id for s in snapshots.available(out)] == ["20250501T080000Z", "20250401T080000Z"]
    # the pointer names an older snapshot (rolled back by hand): pruning keeps it
    snapshots.write_pointer(snapshots.folder(out), "20250401T080000Z")
    snapshots.publish(staging(tmp_path, "2025-06-01T08:00:00+00:00", 6), out, keep=1)
    assert snapshots.current_id(out) == "20250601T080000Z"
    assert [s.id for s in snapshots.available(out)] == ["20250601T080000Z"]


def test_keep_count_from_the_environment(monkeypatch):
    monkeypatch.setenv(snapshots.KEEP_ENV, "3")
    assert snapshots.keep_count() == 3
    monkeypatch.setenv(snapshots.KEEP_ENV, "viele")
    assert snapshots.keep_count() == snapshots.DEFAULT_KEEP


def test_a_failed_publication_leaves_the_pointer_alone(tmp_path):
    out = tmp_path / "warehouse"
    good = snapshots.publish(staging(tmp_path, "2025-03-01T08:00:00+00:00", 9.9), out)
    broken = staging(tmp_path, "2025-04-01T08:00:00+00:00", 1.0, name="broken")
    (broken / "manifest.json").write_text("{kaputt", encoding="utf-8")
    with pytest.raises(ValueError):
        snapshots.publish(broken, out)
    assert snapshots.current_id(out) == good.id
    assert not any(p.name.startswith(".publishing") for p in snapshots.folder(out).iterdir())


def test_a_damaged_pointer_falls_back_to_the_plain_warehouse(tmp_path):
    out = tmp_path / "warehouse"
    snapshots.publish(staging(tmp_path, "2025-03-01T08:00:00+00:00", 9.9), out)
    (snapshots.folder(out) / "CURRENT").write_text("../../etc\n", encoding="utf-8")
    assert snapshots.current_id(out) is None and snapshots.resolve(out) == out
    (snapshots.folder(out) / "CURRENT").write_text("20990101T000000Z\n", encoding="utf-8")  # no such snapshot
    assert snapshots.resolve(out) == out
    assert snapshots.resolve(out, "../CURRENT") == out


def test_as_of_finds_the_snapshot_current_at_a_meeting(tmp_path):
    out = tmp_path / "warehouse"
    snapshots.publish(staging(tmp_path, "2025-03-01T08:00:00+00:00", 1), out)
    snapshots.publish(staging(tmp_path, "2025-09-01T08:00:00+00:00", 2), out)
    assert snapshots.as_of(out, dt.date(2025, 3, 12)).id == "20250301T080000Z"
    assert snapshots.as_of(out, dt.date(2025, 9, 1)).id == "20250901T080000Z"  # built that morning
    assert snapshots.as_of(out, dt.datetime(2025, 9, 1, 7, 0, tzinfo=dt.UTC)).id == "20250301T080000Z"
    assert snapshots.as_of(out, dt.date(2025, 1, 1)) is None
    assert snapshots.as_of(out, dt.date(2025, 3, 12)).label == "Stand 01.03.2025, 08:00 Uhr"


def test_every_warehouse_write_publishes_a_snapshot_and_keeps_the_plain_folder(tmp_path):
    out = tmp_path / "warehouse"
    frames = dict(
        districts=pd.DataFrame({"ags": ["15087"]}),
        indicators=pd.DataFrame({"id": ["alq"], "label": ["ALQ"]}),
    )
    for when, value in (("2025-03-01T08:00:00+00:00", 9.9), ("2025-09-01T08:00:00+00:00", 9.5)):
        facts = pd.DataFrame(
            {
                "region": ["15087"],
                "indicator": ["alq"],
                "year": [2023],
                "value": [value],
                "suppressed": [False],
                "harmonised": [False],
                "estimated": [False],
                "break": [False],
            }
        )
        files.write(out, facts=facts, manifest={"built_at": when}, **frames)
    assert files.is_warehouse(out)
    assert pd.read_parquet(out / "facts.parquet")["value"].tolist() == [9.5]
    ids = [s.id for s in snapshots.available(out)]
    assert ids == ["20250901T080000Z", "20250301T080000Z"]
    current = snapshots.resolve(out)
    assert current.name == ids[0]
    for name in ("facts.parquet", "manifest.json", "quality.md"):
        assert (current / name).read_bytes() == (out / name).read_bytes()
