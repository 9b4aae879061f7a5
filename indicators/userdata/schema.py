"""The user database's schema as a list of migrations, and the checks that a file holds what a version promises.

Migration ``i`` brings the schema from ``PRAGMA user_version`` i to i + 1; a new installation runs them all,
an old file (or an old backup being restored) runs the ones it lacks. Append, never edit.
"""

from __future__ import annotations

import sqlite3

_APPEND_ONLY = """
CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
BEGIN SELECT RAISE(ABORT, 'Verlauf ist unveränderlich'); END;
CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
BEGIN SELECT RAISE(ABORT, 'Verlauf ist unveränderlich'); END;
"""

MIGRATIONS: list[str] = [
    """
    CREATE TABLE targets (
        id INTEGER PRIMARY KEY,
        ags TEXT NOT NULL CHECK (length(ags) = 5),
        indicator TEXT NOT NULL CHECK (indicator <> ''),
        target_value REAL NOT NULL,
        target_year INTEGER NOT NULL,
        baseline_value REAL,
        baseline_year INTEGER,
        tolerance REAL NOT NULL DEFAULT 0 CHECK (tolerance >= 0),
        tolerance_kind TEXT NOT NULL DEFAULT 'absolut' CHECK (tolerance_kind IN ('absolut', 'relativ')),
        agreed_by TEXT NOT NULL DEFAULT '',
        agreed_on TEXT,
        note TEXT NOT NULL DEFAULT '',
        version INTEGER NOT NULL CHECK (version >= 1),
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        updated_by TEXT NOT NULL,
        deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
    );
    -- one active target per Kreis, indicator and target year, so a status is never ambiguous
    CREATE UNIQUE INDEX targets_active_key ON targets (ags, indicator, target_year) WHERE deleted = 0;
    CREATE TABLE target_history (
        id INTEGER PRIMARY KEY,
        target_id INTEGER NOT NULL REFERENCES targets (id),
        version INTEGER NOT NULL,
        changed_at TEXT NOT NULL,
        changed_by TEXT NOT NULL,
        action TEXT NOT NULL CHECK (action IN ('angelegt', 'geändert', 'gelöscht', 'importiert')),
        old TEXT,
        new TEXT NOT NULL,
        UNIQUE (target_id, version)
    );
    CREATE TABLE peer_groups (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        members TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_by TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        version INTEGER NOT NULL CHECK (version >= 1),
        deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
    );
    CREATE TABLE peer_group_history (
        id INTEGER PRIMARY KEY,
        peer_group_id INTEGER NOT NULL REFERENCES peer_groups (id),
        version INTEGER NOT NULL,
        changed_at TEXT NOT NULL,
        changed_by TEXT NOT NULL,
        action TEXT NOT NULL CHECK (action IN ('angelegt', 'geändert', 'gelöscht')),
        old TEXT,
        new TEXT NOT NULL,
        UNIQUE (peer_group_id, version)
    );
    CREATE TABLE notes (
        id INTEGER PRIMARY KEY,
        ags TEXT NOT NULL CHECK (length(ags) = 5),
        indicator TEXT,
        text TEXT NOT NULL,
        author TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX notes_by_region ON notes (ags, indicator);
    """
    + _APPEND_ONLY.format(table="target_history")
    + _APPEND_ONLY.format(table="peer_group_history"),
    # 2: failed sign-ins, so that the throttle holds across sessions, restarts and replicas
    """
    CREATE TABLE sign_in_failures (
        id INTEGER PRIMARY KEY,
        account TEXT NOT NULL,
        address TEXT NOT NULL,
        failed_at REAL NOT NULL
    );
    CREATE INDEX sign_in_failures_by_account ON sign_in_failures (account, failed_at);
    CREATE INDEX sign_in_failures_by_address ON sign_in_failures (address, failed_at);
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


def apply_migrations(conn: sqlite3.Connection, current: int, wanted: int) -> None:
    for version in range(current, wanted):
        for statement in _statements(MIGRATIONS[version]):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {version + 1}")


def _statements(script: str) -> list[str]:
    """Split a migration into statements (``executescript`` would commit the open transaction)."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        if line.strip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements


def table_columns(conn: sqlite3.Connection) -> dict[str, set[str]]:
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {table: {r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')} for table in tables}


def expected_columns(version: int) -> dict[str, set[str]]:
    """The tables and columns a file of schema ``version`` holds, from running the migrations in memory."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        apply_migrations(conn, 0, version)
        return table_columns(conn)
    finally:
        conn.close()
