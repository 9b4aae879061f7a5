"""User data in PostgreSQL, for installations with several app processes (replicas) on one database.

Chosen by ``REGIOMONITOR_DATABASE_URL=postgresql://user:password@host:port/database``; the schema, migrations,
append-only history and optimistic versions are the same as in SQLite (:mod:`indicators.userdata.schema`).

Writers are serialised like SQLite's ``BEGIN IMMEDIATE``: every write transaction first takes one
transaction-scoped advisory lock, so the version check and the write that follows cannot interleave with a
writer in another process or on another machine; the loser of a race reads the winner's version and gets the
German conflict message. Readers take no lock. Each process keeps a small pool of connections (opened again
after a fork).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from indicators.userdata.errors import UserDataError
from indicators.userdata.schema import HISTORY_TABLES, POSTGRESQL_MIGRATIONS, SCHEMA_VERSION, TABLES

URL_PREFIXES = ("postgresql://", "postgres://")
CONNECT_TIMEOUT_SECONDS = 10
POOL_SIZE = 8


def is_database_url(location: object) -> bool:
    return isinstance(location, str) and location.startswith(URL_PREFIXES)


def _take_write_lock(raw) -> None:
    """The transaction-scoped advisory lock all RegioMonitor writers of one database queue for (any fixed
    number would do); released at commit or rollback, also when the process dies."""
    raw.execute("SELECT pg_advisory_xact_lock(7401563204)")


class _Connection:
    """A psycopg connection that speaks the ``?`` placeholders the shared SQL is written in (our SQL has no
    ``?`` or ``%`` inside literals)."""

    def __init__(self, raw):
        self.raw = raw

    def execute(self, sql: str, params: Sequence[object] = ()):
        return self.raw.execute(sql.replace("?", "%s"), params)


class PostgreSQLDatabase:
    kind = "PostgreSQL"

    def __init__(self, url: str):
        self.url = url
        self._pool = None
        self._pool_pid: int | None = None

    def describe(self) -> str:
        """The URL without the password, for messages and logs."""
        from psycopg.conninfo import conninfo_to_dict

        try:
            parts = conninfo_to_dict(self.url)
        except Exception:  # noqa: BLE001 - a malformed URL is reported when connecting
            return "postgresql://…"
        host = parts.get("host", "localhost")
        port = f":{parts['port']}" if parts.get("port") else ""
        user = f"{parts['user']}@" if parts.get("user") else ""
        return f"postgresql://{user}{host}{port}/{parts.get('dbname', '')}"

    def _connect_directly(self):
        import psycopg
        from psycopg.rows import dict_row

        try:
            return psycopg.connect(
                self.url, autocommit=True, row_factory=dict_row, connect_timeout=CONNECT_TIMEOUT_SECONDS
            )
        except (psycopg.Error, ValueError) as error:
            raise UserDataError(
                f"Die Nutzerdatenbank {self.describe()} ist nicht erreichbar: {error}".strip()
            ) from error

    def _connections(self):
        """This process's pool (a forked child must not use the parent's sockets)."""
        if self._pool is None or self._pool_pid != os.getpid():
            from psycopg.rows import dict_row
            from psycopg_pool import ConnectionPool

            self._pool = ConnectionPool(
                self.url,
                min_size=0,  # opened on demand, idle ones closed again: a replica holds no connection it does not use
                max_size=POOL_SIZE,
                max_idle=300,
                kwargs={"autocommit": True, "row_factory": dict_row, "connect_timeout": CONNECT_TIMEOUT_SECONDS},
                check=ConnectionPool.check_connection,  # a connection the server dropped is replaced, not used
                open=True,
                name="regiomonitor-userdata",
            )
            self._pool_pid = os.getpid()
        return self._pool

    @contextmanager
    def transaction(self, write: bool = False) -> Iterator[_Connection]:
        """Writers queue for the write lock; readers see one snapshot for the whole transaction (as in SQLite).

        A lost server becomes a German :class:`UserDataError` (after at most ``CONNECT_TIMEOUT_SECONDS``), not a
        driver traceback on the page.
        """
        import psycopg
        from psycopg_pool import PoolTimeout

        try:
            with self._connections().connection(timeout=CONNECT_TIMEOUT_SECONDS) as raw, raw.transaction():
                if write:
                    _take_write_lock(raw)
                else:
                    raw.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                yield _Connection(raw)
        except (psycopg.OperationalError, PoolTimeout) as error:
            raise UserDataError(
                f"Die Nutzerdatenbank {self.describe()} ist nicht erreichbar; nichts wurde gespeichert ({error})."
            ) from error

    def migrate(self) -> None:
        conn = self._connect_directly()
        try:
            with conn.transaction():
                _take_write_lock(conn)  # replicas starting together migrate one after the other
                conn.execute("CREATE TABLE IF NOT EXISTS regiomonitor_schema (version INTEGER NOT NULL)")
                row = conn.execute("SELECT max(version) AS version FROM regiomonitor_schema").fetchone()
                current = row["version"] or 0
                if current > SCHEMA_VERSION:
                    raise UserDataError(
                        f"Die Nutzerdatenbank {self.describe()} stammt aus einer neueren Programmversion "
                        f"(Schema {current}, dieses Programm kennt {SCHEMA_VERSION})."
                    )
                for version in range(current, SCHEMA_VERSION):
                    conn.execute(POSTGRESQL_MIGRATIONS[version])
                if current < SCHEMA_VERSION:
                    conn.execute("DELETE FROM regiomonitor_schema")
                    conn.execute("INSERT INTO regiomonitor_schema (version) VALUES (%s)", (SCHEMA_VERSION,))
        finally:
            conn.close()

    def schema_version(self) -> int:
        with self.transaction() as conn:
            return conn.execute("SELECT max(version) AS version FROM regiomonitor_schema").fetchone()["version"]

    def close(self) -> None:
        if self._pool is not None and self._pool_pid == os.getpid():
            self._pool.close()
        self._pool = None

    # --- copies in and out (migration, backup, restore) ----------------------------------------------------------

    def empty_for_replacement(self, conn: _Connection) -> None:
        """Remove every row, the history included, inside the caller's write transaction (a restore only).

        The append-only triggers are switched off for this transaction alone; PostgreSQL's DDL is transactional,
        so either the whole restore happens with them back on, or nothing happens.
        """
        for table in HISTORY_TABLES:
            conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        conn.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY")
        for table in HISTORY_TABLES:
            conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")

    def after_copy(self, conn: _Connection) -> None:
        """Continue the id sequences after the highest copied id, so new rows never collide with copied ones."""
        for table in TABLES:
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(max(id), 0) + 1 FROM {table}), false)"
            )
