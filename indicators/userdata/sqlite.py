"""The embedded default: user data in one SQLite file.

WAL mode, so the dashboard reads while a meeting edits; every write is one ``BEGIN IMMEDIATE`` transaction
(writers queue for the one write lock, so a version check and the write that follows cannot interleave with
another writer). A connection is opened per transaction: the object holds nothing but the path and is safe to
share between Streamlit sessions, threads and forked processes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from indicators.userdata import backup
from indicators.userdata.errors import UserDataError
from indicators.userdata.schema import SCHEMA_VERSION, apply_migrations

BUSY_TIMEOUT_SECONDS = 30.0


class SQLiteDatabase:
    kind = "SQLite"

    def __init__(self, path: Path):
        self.path = path

    def describe(self) -> str:
        return str(self.path)

    def connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")  # durable against crashes in WAL mode
        return conn

    @contextmanager
    def transaction(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        """One transaction on a fresh connection; writers take the write lock up front."""
        conn = self.connect()
        try:
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()

    def migrate(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = self.connect()
            try:
                conn.execute("PRAGMA journal_mode = WAL")  # outside a transaction, as SQLite requires
            finally:
                conn.close()
            with self.transaction(write=True) as conn:
                current = conn.execute("PRAGMA user_version").fetchone()[0]
                if current > SCHEMA_VERSION:
                    raise UserDataError(
                        f"Die Nutzerdatenbank „{self.path.name}“ stammt aus einer neueren Programmversion "
                        f"(Schema {current}, dieses Programm kennt {SCHEMA_VERSION})."
                    )
                apply_migrations(conn, current, SCHEMA_VERSION)
        except sqlite3.DatabaseError as error:
            raise UserDataError(
                f"Die Nutzerdatenbank „{self.path}“ lässt sich nicht öffnen: {error}. Bitte eine Sicherung zurückspielen."
            ) from error

    def schema_version(self) -> int:
        with self.transaction() as conn:
            return conn.execute("PRAGMA user_version").fetchone()[0]

    def backup(self, dest: Path) -> Path:
        """Consistent copy via SQLite's online backup, while others keep reading and writing."""
        if dest.resolve() == self.path.resolve():
            raise UserDataError("Die Sicherung kann nicht die Nutzerdatenbank selbst überschreiben.")
        return backup.write_copy(self.connect(), dest)

    def restore(self, src: Path) -> Path:
        """Replace the file's contents by a checked backup; the state before is kept beside the file."""
        backup.check_backup_file(src)
        safety = self.backup(backup.safety_path(self.path))
        backup.read_into(src, self.connect())
        self.migrate()  # an older backup is brought up to the current schema
        return safety
