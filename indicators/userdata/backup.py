"""Backups of the SQLite user database: a consistent copy while others work, and a restore that first checks the
file is a sound RegioMonitor user database and keeps the state it replaces."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from pathlib import Path

from indicators.userdata.errors import UserDataError
from indicators.userdata.history import LOCAL_TZ
from indicators.userdata.schema import SCHEMA_VERSION, expected_columns, table_columns


def write_copy(source: sqlite3.Connection, dest: Path) -> Path:
    """Copy via SQLite's online backup into one self-contained file (rollback journal, no ``-wal``) that
    appears only when complete. Closes ``source``."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".teilweise")
    partial.unlink(missing_ok=True)
    copy = sqlite3.connect(partial, isolation_level=None)
    try:
        source.backup(copy)
    finally:
        source.close()
    make_self_contained(copy)
    os.replace(partial, dest)
    return dest


def make_self_contained(conn: sqlite3.Connection) -> None:
    """One file, no ``-wal`` beside it (rollback journal), so the backup can be moved as it is. Closes ``conn``."""
    try:
        conn.execute("PRAGMA journal_mode = DELETE")
    finally:
        conn.close()


def safety_path(path: Path) -> Path:
    """Where the state before a restore is kept: beside the database, stamped with local time."""
    stamp = dt.datetime.now(LOCAL_TZ).strftime("%Y%m%d-%H%M%S-%f")
    return path.with_name(f"{path.stem}.vor-wiederherstellung-{stamp}.sqlite")


def read_into(src: Path, target: sqlite3.Connection) -> None:
    """Replace everything in ``target`` by the contents of the backup ``src``. Closes ``target``."""
    source = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def check_backup_file(src: Path) -> None:
    """Refuse anything that is not a sound user database this program can read."""
    problem = f"Die Datei „{src.name}“ ist keine gültige RegioMonitor-Nutzerdatenbank"
    if not src.is_file():
        raise UserDataError(f"Die Sicherung „{src}“ gibt es nicht.")
    try:
        conn = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
        try:
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            actual = table_columns(conn)
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        raise UserDataError(f"{problem}: {error}.") from error
    if check != "ok":
        raise UserDataError(f"{problem}: Prüfung meldet „{check}“.")
    if not 1 <= version <= SCHEMA_VERSION:
        raise UserDataError(f"{problem}: erwartet wird Schema 1 bis {SCHEMA_VERSION}, gefunden {version}.")
    expected = expected_columns(version)
    missing = [
        f"{table}.{column}" for table, columns in expected.items() for column in columns - actual.get(table, set())
    ]
    if missing:
        raise UserDataError(f"{problem}: es fehlen {', '.join(sorted(missing))}.")
