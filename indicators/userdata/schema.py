"""The user database's schema as a list of migrations per database, and the checks that a file holds what a
version promises.

Migration ``i`` brings the schema from version i to i + 1 (SQLite keeps the number in ``PRAGMA user_version``,
PostgreSQL in the table ``regiomonitor_schema``); a new installation runs them all, an old database (or an old
backup being restored) runs the ones it lacks. The tables are written once, in SQLite's words, and translated
for PostgreSQL; only the append-only triggers are written twice (a test compares the resulting schemas).
Append, never edit.
"""

from __future__ import annotations

import sqlite3

_APPEND_ONLY = """
CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
BEGIN SELECT RAISE(ABORT, 'Verlauf ist unveränderlich'); END;
CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
BEGIN SELECT RAISE(ABORT, 'Verlauf ist unveränderlich'); END;
"""

#: Migration 1: targets, peer groups, their history, notes (in SQLite's words; PostgreSQL's follow from them).
_TABLES_1 = """
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
#: Migration 2: failed sign-ins, so that the throttle holds across sessions, restarts and replicas.
_TABLES_2 = """
    CREATE TABLE sign_in_failures (
        id INTEGER PRIMARY KEY,
        account TEXT NOT NULL,
        address TEXT NOT NULL,
        failed_at REAL NOT NULL
    );
    CREATE INDEX sign_in_failures_by_account ON sign_in_failures (account, failed_at);
    CREATE INDEX sign_in_failures_by_address ON sign_in_failures (address, failed_at);
"""

#: Migration 3: meeting dates per Kreis (what is new since the last meeting), with the data snapshot shown then.
_TABLES_3 = """
    CREATE TABLE meetings (
        id INTEGER PRIMARY KEY,
        ags TEXT NOT NULL CHECK (length(ags) = 5),
        held_on TEXT NOT NULL,
        title TEXT NOT NULL DEFAULT '',
        snapshot TEXT,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE UNIQUE INDEX meetings_key ON meetings (ags, held_on);
"""

MIGRATIONS: list[str] = [
    _TABLES_1 + _APPEND_ONLY.format(table="target_history") + _APPEND_ONLY.format(table="peer_group_history"),
    _TABLES_2,
    _TABLES_3,
]

_PG_APPEND_ONLY = """
CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION regiomonitor_history_is_append_only();
CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION regiomonitor_history_is_append_only();
"""
_PG_HISTORY_GUARD = """
CREATE FUNCTION regiomonitor_history_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'Verlauf ist unveränderlich';
END $$;
"""


def _postgresql(ddl: str) -> str:
    """SQLite's DDL in PostgreSQL's words: identity ids (so that copied ids are kept), 8-byte floats for REAL (a
    value round-trips exactly) and 64-bit references to them; TEXT, INTEGER, the checks and indexes stay as
    they are (timestamps and JSON are the same ISO and JSON text in both)."""
    return (
        ddl.replace("id INTEGER PRIMARY KEY", "id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY")
        .replace("INTEGER NOT NULL REFERENCES", "BIGINT NOT NULL REFERENCES")
        .replace(" REAL", " DOUBLE PRECISION")
    )


POSTGRESQL_MIGRATIONS: list[str] = [
    _postgresql(_TABLES_1)
    + _PG_HISTORY_GUARD
    + _PG_APPEND_ONLY.format(table="target_history")
    + _PG_APPEND_ONLY.format(table="peer_group_history"),
    _postgresql(_TABLES_2),
    _postgresql(_TABLES_3),
]
SCHEMA_VERSION = len(MIGRATIONS)
#: Every table with user data, parents before children (the order a copy inserts them in).
TABLES = (
    "targets",
    "target_history",
    "peer_groups",
    "peer_group_history",
    "notes",
    "sign_in_failures",
    "meetings",
)
#: Tables whose rows are never changed or deleted (the audit trail).
HISTORY_TABLES = ("target_history", "peer_group_history")


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
