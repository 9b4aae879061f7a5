"""The warehouse on disk: file layout, atomic replacement, and the data-quality report.

Layout of ``<out>``::

    districts.parquet    the 400 Kreise (contract columns, see README)
    indicators.parquet   the indicator metadata
    facts.parquet        region, indicator, year, value + flags and source, sorted by indicator, year, region
    quality.parquet      coverage per indicator and year
    quality.md           the same as a readable report
    reference_published.parquet   published reference rows (optional)
    geometry/kreise.geojson, geometry/laender.geojson   WGS84, simplified (optional)
    manifest.json        sources with checksum, Stand, licence, row counts, build time, demo flag
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import time
from pathlib import Path

import pandas as pd

from indicators import process
from indicators.domain.safe_text import markdown_escape

FILES = ("districts.parquet", "indicators.parquet", "facts.parquet", "manifest.json")

#: Row groups of facts.parquet. Sorted by indicator, year and region, a question about one indicator-year reads
#: the row groups whose min/max statistics include it (DuckDB skips the others).
FACTS_ROW_GROUP = 256_000


def is_warehouse(path: Path) -> bool:
    path = Path(path)
    return all((path / name).exists() for name in FILES)


def recover(out: Path) -> list[str]:
    """Finish or roll back a swap that a crash interrupted, and remove what dead builds left behind.

    :func:`swap` publishes the finished build as the current snapshot, renames ``out`` to ``.<out>.previous``,
    renames the build folder to ``out`` and removes the previous one. A crash can stop it between any two of
    these steps. A build folder of a process that no longer runs is rolled forward if its build had been
    published (it is what readers of the snapshot pointer already see), else removed; without a build to roll
    forward, the previous warehouse is put back. Nothing is touched while another build is running. Called at
    app start, by the command line, before every build and whenever a store opens. Returns German notes; a
    folder that cannot be changed (a read-only volume in a replica) is reported in them, not raised.
    """
    try:
        return _recover(Path(out))
    except OSError as exc:
        return [f"Austausch des Datenbestands unter {out} nicht geprüft ({exc}); gelesen wird, was vorliegt."]


def _recover(out: Path) -> list[str]:
    previous = out.with_name(f".{out.name}.previous")
    builds = [p for p in out.parent.glob(f".{out.name}.building-*") if p.is_dir()] if out.parent.is_dir() else []
    if any(_build_running(p) for p in builds):
        return []
    notes: list[str] = []
    published = sorted((p for p in builds if is_warehouse(p) and _published(p, out)), key=lambda p: p.stat().st_mtime)
    if published:
        finished = published[-1]
        if out.exists():
            if previous.exists():
                shutil.rmtree(previous)
            out.rename(previous)
        finished.rename(out)
        notes.append(f"Unterbrochener Austausch des Datenbestands abgeschlossen: {out} ist der neue Stand.")
    elif not out.exists() and previous.exists():
        previous.rename(out)
        notes.append(f"Unterbrochener Austausch des Datenbestands zurückgenommen: {out} ist wieder der vorige Stand.")
    if previous.exists() and out.exists():
        shutil.rmtree(previous, ignore_errors=True)
        notes.append(f"Vorigen Stand neben {out} entfernt (Austausch war schon erfolgt).")
    for leftover in builds:
        if leftover.exists():
            shutil.rmtree(leftover, ignore_errors=True)
            notes.append(f"Reste eines abgebrochenen Aufbaus entfernt: {leftover.name}")
    notes += _remove_dead_publishing(out)
    return notes


def _running(pid_text: str) -> bool:
    """Whether the process that named a folder after its id still runs (this one counts as running)."""
    return pid_text.isdigit() and process.running(int(pid_text))


#: A build folder of another machine or container (its process cannot be asked) counts as abandoned after this.
FOREIGN_BUILD_STALE_SECONDS = 6 * 3600


def _build_running(folder: Path) -> bool:
    """``.<out>.building-<host>-<pid>``: a build on this host runs while its process does; one of another host
    (a replica or build container sharing the volume) is left alone unless it is hours old."""
    host, _, pid = folder.name.split(".building-", 1)[1].rpartition("-")
    if host in ("", socket.gethostname()):
        return _running(pid)
    try:
        return time.time() - folder.stat().st_mtime < FOREIGN_BUILD_STALE_SECONDS
    except OSError:
        return False


def _published(build: Path, out: Path) -> bool:
    """Whether ``build`` is the snapshot the pointer names (published, so the swap had begun)."""
    from indicators.warehouse import snapshots

    current = snapshots.current_id(out)
    if current is None:
        return False
    try:
        return (build / "manifest.json").read_bytes() == (
            snapshots.folder(out) / current / "manifest.json"
        ).read_bytes()
    except OSError:
        return False


def _remove_dead_publishing(out: Path) -> list[str]:
    """Half-linked snapshot folders and pointer drafts of processes that died while publishing."""
    from indicators.warehouse import snapshots

    root = snapshots.folder(out)
    notes = []
    for leftover in root.glob(".publishing-*") if root.is_dir() else []:
        if not _running(leftover.name.rsplit("-", 1)[-1]):
            shutil.rmtree(leftover, ignore_errors=True)
            notes.append(f"Reste einer abgebrochenen Veröffentlichung entfernt: {leftover.name}")
    for draft in root.glob(f".{snapshots.POINTER}.*") if root.is_dir() else []:
        if not _running(draft.name.rsplit(".", 1)[-1]):
            draft.unlink(missing_ok=True)
    return notes


def write(
    out: Path,
    *,
    districts: pd.DataFrame,
    indicators: pd.DataFrame,
    facts: pd.DataFrame,
    manifest: dict,
    geometry: dict | None = None,
    published_reference: pd.DataFrame | None = None,
    extra_tables: dict[str, pd.DataFrame] | None = None,
) -> None:
    """Write a complete warehouse next to ``out`` and swap it in; ``out`` is untouched if anything fails."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    recover(out)
    staging = out.with_name(f".{out.name}.building-{socket.gethostname()}-{os.getpid()}")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    try:
        districts.to_parquet(staging / "districts.parquet", index=False)
        indicators.to_parquet(staging / "indicators.parquet", index=False)
        facts.to_parquet(staging / "facts.parquet", index=False, row_group_size=FACTS_ROW_GROUP, compression="zstd")
        quality = quality_table(facts, indicators)
        quality.to_parquet(staging / "quality.parquet", index=False)
        (staging / "quality.md").write_text(quality_markdown(quality, indicators, manifest), encoding="utf-8")
        if published_reference is not None and len(published_reference):
            published_reference.to_parquet(staging / "reference_published.parquet", index=False)
        for name, table in (extra_tables or {}).items():
            table.to_parquet(staging / f"{name}.parquet", index=False)
        if geometry:
            from indicators.importers import geometry as geo

            (staging / "geometry").mkdir()
            for level in ("kreise", "laender"):
                if geometry.get(level):
                    geo.write_geojson(geometry[level], staging / "geometry" / f"{level}.geojson")
        manifest = dict(manifest)
        manifest["row_counts"] = {
            "districts": int(len(districts)),
            "indicators": int(len(indicators)),
            "facts": int(len(facts)),
        }
        (staging / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    swap(staging, out)


def swap(staging: Path, out: Path) -> None:
    """Keep the finished build as a dated snapshot and make it current (:mod:`snapshots`), then replace ``out``."""
    from indicators.warehouse import snapshots

    snapshots.publish(staging, out)
    previous = out.with_name(f".{out.name}.previous")
    if previous.exists():
        shutil.rmtree(previous)
    if out.exists():
        out.rename(previous)
    staging.rename(out)
    if previous.exists():
        shutil.rmtree(previous)


def quality_table(facts: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    """Coverage per indicator and year over the 400 Kreise: values, gaps, suppressed and harmonised cells."""
    kreise = facts[facts["region"].str.len() == 5]
    grouped = kreise.groupby(["indicator", "year"])
    table = pd.DataFrame(
        {
            "kreise_mit_wert": grouped["value"].count(),
            "unterdrueckt": grouped["suppressed"].sum(),
            "harmonisiert": grouped["harmonised"].sum(),
            "geschaetzt": grouped["estimated"].sum(),
            "reihenbruch": grouped["break"].sum(),
        }
    ).reset_index()
    table["luecken"] = 400 - table["kreise_mit_wert"]
    table["abdeckung"] = table["kreise_mit_wert"] / 400
    for col in ("kreise_mit_wert", "unterdrueckt", "harmonisiert", "geschaetzt", "reihenbruch", "luecken"):
        table[col] = table[col].astype("int32")
    return table


def quality_markdown(quality: pd.DataFrame, indicators: pd.DataFrame, manifest: dict) -> str:
    """The report as Markdown; labels, file names and importer notes come from the files and are escaped."""
    esc = markdown_escape
    labels = indicators.set_index("id")["label"]
    lines = [
        "# Datenqualitätsbericht",
        "",
        f"Erstellt: {manifest.get('built_at', '')}  ",
        f"Demodaten: {'ja' if manifest.get('demo') else 'nein'}  ",
        f"Gebietsstand: {esc(manifest.get('gebietsstand', ''))}",
        "",
        "| Indikator | Jahre | Kreise mit Wert (min–max) | Lücken gesamt | unterdrückt | harmonisiert | geschätzt |",
        "|---|---|---|---|---|---|---|",
    ]
    for ind, grp in quality.groupby("indicator", sort=True):
        years = f"{grp['year'].min()}–{grp['year'].max()} ({len(grp)})"
        lines.append(
            f"| {esc(labels.get(ind, ind))} (`{ind}`) | {years} | {grp['kreise_mit_wert'].min()}–{grp['kreise_mit_wert'].max()}"
            f" | {grp['luecken'].sum()} | {grp['unterdrueckt'].sum()} | {grp['harmonisiert'].sum()} | {grp['geschaetzt'].sum()} |"
        )
    problems = [(s["file"], p) for s in manifest.get("sources", []) for p in s.get("problems", [])]
    if problems:
        lines += ["", "## Hinweise der Importer", ""]
        lines += [f"- {esc(f)}: {esc(p)}" for f, p in problems]
    if manifest.get("unrecognised"):
        lines += ["", "## Nicht erkannte Dateien", ""]
        lines += [f"- {esc(item['message'])}" for item in manifest["unrecognised"]]
    elif manifest.get("unrecognised_files"):
        lines += ["", "## Nicht erkannte Dateien", ""]
        lines += [f"- {esc(f)}" for f in manifest["unrecognised_files"]]
    return "\n".join(lines) + "\n"
