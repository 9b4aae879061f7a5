"""Two replicas read the warehouse as immutable snapshots from one shared folder while it is rebuilt under them.

A publisher writes six new versions of the warehouse through the build's own write path (files.write: staging
folder, then a new snapshot and the pointer switched), about one a second, while four browser sessions (two per
replica) open the Methodik page again and again. Each version is recognisable in two files: its build time in
manifest.json (the page header, "Datenbestand vom …") and a marker in Mansfeld-Südharz's display name in
districts.parquet (the Kreis picker in the sidebar). Every run must succeed, show one and the same version in
both places (never a mix, never a half-written snapshot), never go back to an older version, show at least the
version whose publication had finished when the run started (the switch happens on the next request), and the
last run of every session shows the last version.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from deploy import local
from indicators.warehouse import files, snapshots
from tests.deploy_support import AppSession, cookies_per_replica, require_nginx

pytestmark = pytest.mark.slow

KREIS = "15087"
VERSIONS = 6


def built_at(version: int) -> str:
    return f"2030-01-01T10:{version:02d}:00+00:00"


def publish(source: Path, out: Path, version: int) -> None:
    """Version ``version`` of the demo warehouse, written as a build writes it."""
    districts = pd.read_parquet(source / "districts.parquet")
    districts.loc[districts["ags"] == KREIS, "display_name"] = f"Mansfeld-Südharz Stand {version}"
    manifest = json.loads((source / "manifest.json").read_text(encoding="utf-8"))
    manifest["built_at"] = built_at(version)
    files.write(
        out,
        districts=districts,
        indicators=pd.read_parquet(source / "indicators.parquet"),
        facts=pd.read_parquet(source / "facts.parquet"),
        manifest=manifest,
    )


def shown_versions(run) -> tuple[int | None, int | None]:
    """(version in the page header, version in the sidebar's Kreis picker) of one Methodik run."""
    header = next(
        # built at 10:MM UTC, shown in Berlin time: 11:MM in January (CET = UTC+1)
        (re.search(r"Datenbestand vom 01\.01\.2030 11:(\d\d)", t) for t in run.texts if "Datenbestand" in t),
        None,
    )
    picker = run.widgets["kreis"].options
    marker = next((re.search(r"Mansfeld-Südharz Stand (\d+)", o) for o in picker if "Mansfeld-Südharz" in o), None)
    return (int(header.group(1)) if header else None, int(marker.group(1)) if marker else None)


async def watch(cluster: local.Cluster, cookie: str, done: threading.Event, runs: list, seen: dict) -> None:
    async with AppSession(cluster.url, cookie) as session:
        while True:
            finished = done.is_set()  # one more run after the last publication
            started = time.monotonic()
            run = await session.run("methodik", {"kreis": KREIS})
            shown = shown_versions(run)
            runs.append({"started": started, "ended": time.monotonic(), "shown": shown, "exceptions": run.exceptions})
            seen[cookie] = max(seen.get(cookie, -1), shown[0] if shown[0] is not None else -1)
            if finished:
                return


def test_replicas_switch_to_each_new_snapshot_on_the_next_request_and_never_mix_two(tmp_path, demo_warehouse):
    require_nginx()
    out = tmp_path / "geteilt" / "warehouse"
    publish(demo_warehouse, out, 0)
    env = dict(os.environ) | {"REGIOMONITOR_USERDATA": str(tmp_path / "nutzer.sqlite")}
    env.pop(local.DATABASE_URL_ENV, None)
    published: dict[int, float] = {0: time.monotonic()}
    done = threading.Event()
    seen: dict[str, int] = {}

    def publisher(cookies: list[str]) -> None:
        """The next version once every session has been shown the current one (so none can skip a version)."""
        try:
            for version in range(1, VERSIONS + 1):
                deadline = time.monotonic() + 300
                while not all(seen.get(c, -1) >= version - 1 for c in cookies) and time.monotonic() < deadline:
                    time.sleep(0.05)
                publish(demo_warehouse, out, version)
                published[version] = time.monotonic()
        finally:
            done.set()

    with local.Cluster(2, warehouse=out, run_dir=tmp_path / "betrieb", env=env) as cluster:
        cookies = [c for pair in cookies_per_replica(cluster).values() for c in pair[:2]]
        runs: dict[str, list] = {cookie: [] for cookie in cookies}

        async def main() -> None:
            thread = threading.Thread(target=publisher, args=(cookies,))
            thread.start()
            try:
                await asyncio.gather(*(watch(cluster, c, done, runs[c], seen) for c in cookies))
            finally:
                thread.join()

        asyncio.run(main())

    assert sorted(published) == list(range(VERSIONS + 1))
    assert snapshots.current_id(out) is not None
    overlapping = 0
    for mine in runs.values():
        versions = []
        for run in mine:
            assert not run["exceptions"], run["exceptions"]
            header, picker = run["shown"]
            assert header is not None and header == picker, run  # one complete snapshot per run
            newest_done = max(v for v, at in published.items() if at <= run["started"])
            assert header >= newest_done, (run, newest_done)  # switched on the next request
            versions.append(header)
            overlapping += any(run["started"] < at < run["ended"] for at in published.values())
        assert versions == sorted(versions), versions  # never back to an older snapshot
        assert sorted(set(versions)) == list(range(VERSIONS + 1)), versions  # every version, the last one too
    assert overlapping > 0  # pages were being drawn while a new snapshot was published
