"""Data vintages: every build is kept as a dated, immutable snapshot, and a pointer file names the current one.

Layout beside the warehouse ``<out>`` (e.g. ``data/warehouse``)::

    <out>.snapshots/
        CURRENT                    the id of the current snapshot (one line), replaced atomically
        20261204T214617Z/          one complete warehouse per build, never changed after publication
        20261211T080102Z/
        .publishing-<pid>/         a snapshot being linked in (ignored by readers, removed on failure)

Publishing links the finished build's files into a new snapshot folder (hard links: no second copy on disk),
renames that folder into place and only then replaces ``CURRENT`` (write a temporary file, flush, rename:
readers see the old or the new id, never half of one). A process that opens the warehouse through the
pointer therefore always reads one complete snapshot, and switches on its next request after a rebuild.
``<out>`` itself stays a plain warehouse (the current snapshot's files), so tools that read it keep working.

The newest ``keep`` snapshots are kept (``REGIOMONITOR_SNAPSHOTS_KEEP``, default 5); older ones are removed
when a new one is published, never the current one. A process still reading a removed snapshot would fail,
so ``keep`` must exceed the number of rebuilds a replica may lag behind (one request).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from indicators import settings

POINTER = "CURRENT"
KEEP_ENV = "REGIOMONITOR_SNAPSHOTS_KEEP"
DEFAULT_KEEP = int(settings.BY_NAME[KEEP_ENV].default)
REQUIRED = ("districts.parquet", "indicators.parquet", "facts.parquet", "manifest.json")
_ID = re.compile(r"^\d{8}T\d{6}Z(-\d+)?$")


@dataclass(frozen=True)
class Snapshot:
    id: str
    path: Path
    built_at: str  # ISO time of the build (manifest), when it became current
    demo: bool

    @property
    def built(self) -> dt.datetime | None:
        try:
            when = dt.datetime.fromisoformat(self.built_at)
        except ValueError:
            return None
        return when if when.tzinfo else when.replace(tzinfo=dt.UTC)

    @property
    def label(self) -> str:
        """``Stand 04.12.2026, 21:46 Uhr`` (UTC as stored)."""
        when = self.built
        return f"Stand {when:%d.%m.%Y, %H:%M} Uhr" if when else f"Stand {self.id}"


def folder(out: Path) -> Path:
    out = Path(out)
    return out.with_name(f"{out.name}.snapshots")


def keep_count() -> int:
    try:
        return max(1, int(settings.get(KEEP_ENV)))
    except ValueError:
        return DEFAULT_KEEP


def _complete(path: Path) -> bool:
    return all((path / name).exists() for name in REQUIRED)


def _new_id(root: Path, manifest: dict) -> str:
    try:
        when = dt.datetime.fromisoformat(str(manifest.get("built_at", "")))
    except ValueError:
        when = dt.datetime.now(dt.UTC)
    when = when if when.tzinfo else when.replace(tzinfo=dt.UTC)
    base = when.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    candidate, n = base, 1
    while (root / candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _link_tree(source: Path, target: Path) -> None:
    """Hard-link every file of ``source`` into ``target`` (copy where linking is impossible)."""
    for path in sorted(source.rglob("*")):
        destination = target / path.relative_to(source)
        if path.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, destination)
        except OSError:
            shutil.copy2(path, destination)


def write_pointer(root: Path, snapshot_id: str) -> None:
    """Replace ``CURRENT`` atomically: readers see the old id or the new one, never a partial file."""
    temporary = root / f".{POINTER}.{os.getpid()}"
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(snapshot_id + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, root / POINTER)


def publish(staging: Path, out: Path, keep: int | None = None) -> Snapshot:
    """Keep the finished build in ``staging`` as a new snapshot and make it the current one."""
    root = folder(out)
    root.mkdir(parents=True, exist_ok=True)
    manifest = json.loads((Path(staging) / "manifest.json").read_text(encoding="utf-8"))
    snapshot_id = _new_id(root, manifest)
    publishing = root / f".publishing-{os.getpid()}"
    if publishing.exists():
        shutil.rmtree(publishing)
    try:
        _link_tree(Path(staging), publishing)
        publishing.rename(root / snapshot_id)
    except BaseException:
        shutil.rmtree(publishing, ignore_errors=True)
        raise
    write_pointer(root, snapshot_id)
    prune(out, keep_count() if keep is None else keep)
    return _describe(root / snapshot_id)


def current_id(out: Path) -> str | None:
    """The id named by the pointer, if it names a complete snapshot."""
    root = folder(out)
    try:
        snapshot_id = (root / POINTER).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    if not _ID.match(snapshot_id) or not _complete(root / snapshot_id):
        return None
    return snapshot_id


def resolve(out: Path, snapshot_id: str | None = None) -> Path:
    """The folder to read: the named snapshot, else the current one, else ``out`` itself (no snapshots yet)."""
    root = folder(out)
    if snapshot_id is not None and _ID.match(snapshot_id) and _complete(root / snapshot_id):
        return root / snapshot_id
    current = current_id(out)
    return root / current if current else Path(out)


def _describe(path: Path) -> Snapshot:
    try:
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = {}
    return Snapshot(path.name, path, str(manifest.get("built_at", "")), bool(manifest.get("demo")))


def available(out: Path) -> list[Snapshot]:
    """Complete snapshots, newest first."""
    root = folder(out)
    if not root.is_dir():
        return []
    found = [_describe(p) for p in root.iterdir() if p.is_dir() and _ID.match(p.name) and _complete(p)]
    return sorted(found, key=lambda s: s.id, reverse=True)


def as_of(out: Path, moment: dt.datetime | dt.date) -> Snapshot | None:
    """The snapshot that was current at ``moment`` (the newest built at or before it); a date means its end."""
    if not isinstance(moment, dt.datetime):
        moment = dt.datetime.combine(moment, dt.time(23, 59, 59), tzinfo=dt.UTC)
    moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    for snapshot in available(out):
        built = snapshot.built
        if built is not None and built <= moment:
            return snapshot
    return None


def prune(out: Path, keep: int) -> list[str]:
    """Remove all but the newest ``keep`` snapshots (never the current one); returns the removed ids."""
    current = current_id(out)
    removed = []
    for snapshot in available(out)[max(1, keep) :]:
        if snapshot.id == current:
            continue
        shutil.rmtree(snapshot.path, ignore_errors=True)
        removed.append(snapshot.id)
    return removed
