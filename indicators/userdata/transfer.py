"""All user data copied from one database into another, with the proof that nothing was lost: the migration from
SQLite to PostgreSQL, and backup and restore of a PostgreSQL database through a portable SQLite file.

Rows keep their ids, so the history still points at its target. After the copy both sides are read again and
compared row by row, table by table, and every target's and peer group's history must run from version 1 to its
current version without a gap.
"""

from __future__ import annotations

from collections.abc import Mapping

from indicators.userdata.errors import UserDataError
from indicators.userdata.schema import TABLES

Contents = dict[str, list[dict]]
_LABELS = {
    "targets": "Ziele",
    "target_history": "Verlaufseinträge der Ziele",
    "peer_groups": "Vergleichsgruppen",
    "peer_group_history": "Verlaufseinträge der Vergleichsgruppen",
    "notes": "Notizen",
    "sign_in_failures": "gespeicherte Fehlanmeldungen",
    "meetings": "Sitzungstermine",
}


def read_all(conn) -> Contents:
    """Every row of every table, ordered by id (table names from the schema, never from input)."""
    return {table: [dict(row) for row in conn.execute(f"SELECT * FROM {table} ORDER BY id")] for table in TABLES}


def write_all(conn, contents: Contents) -> None:
    for table in TABLES:
        for row in contents[table]:
            columns = list(row)
            conn.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                [row[name] for name in columns],
            )


def holds_data(conn) -> bool:
    return any(conn.execute(f"SELECT 1 AS found FROM {table} LIMIT 1").fetchone() for table in TABLES)


def copy(source, target, replace: bool = False) -> str:
    """Copy everything from the database ``source`` into ``target`` in one write transaction and verify it.

    ``target`` must be empty unless ``replace`` (a restore), which removes what it holds first. Returns a German
    summary of what was copied and checked; raises :class:`UserDataError` and leaves ``target`` unchanged when it
    is not empty, or when the check finds a difference (then the copy is rolled back).
    """
    with source.transaction() as conn:
        contents = read_all(conn)
    with target.transaction(write=True) as conn:
        if replace:
            target.empty_for_replacement(conn)
        elif holds_data(conn):
            raise UserDataError(
                f"Die Zieldatenbank {target.describe()} enthält schon Nutzerdaten; es wurde nichts kopiert. "
                "Bitte eine leere Datenbank angeben."
            )
        write_all(conn, contents)
        if hasattr(target, "after_copy"):
            target.after_copy(conn)
        check(contents, read_all(conn))
    return summary(contents)


def check(source: Contents, copied: Contents) -> None:
    """Raise if a table's row count or any row differs, or a history has a gap."""
    for table in TABLES:
        if len(source[table]) != len(copied[table]):
            raise UserDataError(
                f"Kopie unvollständig: {_LABELS[table]}: {len(source[table])} in der Quelle, "
                f"{len(copied[table])} in der Kopie. Es wurde nichts übernommen."
            )
        for before, after in zip(source[table], copied[table], strict=True):
            if before != after:
                raise UserDataError(
                    f"Kopie weicht ab: {_LABELS[table]}, Nr. {before.get('id')}. Es wurde nichts übernommen."
                )
    _check_chains(copied["targets"], copied["target_history"], "target_id", "Ziel")
    _check_chains(copied["peer_groups"], copied["peer_group_history"], "peer_group_id", "Vergleichsgruppe")


def _check_chains(records: list[Mapping], history: list[Mapping], key: str, label: str) -> None:
    versions: dict[int, list[int]] = {}
    for entry in history:
        versions.setdefault(entry[key], []).append(entry["version"])
    for record in records:
        if sorted(versions.get(record["id"], [])) != list(range(1, record["version"] + 1)):
            raise UserDataError(
                f"Verlauf lückenhaft: {label} Nr. {record['id']} hat Version {record['version']}, im Verlauf stehen "
                f"die Versionen {sorted(versions.get(record['id'], []))}. Es wurde nichts übernommen."
            )


def summary(contents: Contents) -> str:
    counts = ", ".join(f"{len(contents[table])} {_LABELS[table]}" for table in TABLES)
    return f"{counts}; Zeilenzahlen, Inhalte und Verlauf geprüft"
