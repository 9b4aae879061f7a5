"""Hand-picked peer groups on an open transaction, keyed by name, versioned like targets, with their history."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from indicators.userdata.database import Connection, Row
from indicators.userdata.errors import ConflictError, NotFoundError, ValidationError
from indicators.userdata.history import history_entry, now, to_json
from indicators.userdata.records import PeerGroup


def check_peer_group(name: object, members: Iterable[str], known_ags: set[str] | None) -> tuple[str, list[str]]:
    errors = []
    name = name.strip() if isinstance(name, str) else ""
    if not name or len(name) > 200:
        errors.append("Name der Vergleichsgruppe: erwartet wird ein Name mit 1 bis 200 Zeichen")
    cleaned: list[str] = []
    for member in members:
        text = str(member).strip()
        if not re.fullmatch(r"\d{5}", text):
            errors.append(f"Mitglieder: erwartet wird ein fünfstelliger Kreisschlüssel, eingegeben wurde „{text}“")
        elif known_ags is not None and text not in known_ags:
            errors.append(f"Mitglieder: „{text}“ ist kein bekannter Kreis")
        elif text not in cleaned:
            cleaned.append(text)
    if not cleaned and not errors:
        errors.append("Mitglieder: erwartet wird mindestens ein Kreis")
    if errors:
        raise ValidationError(errors)
    return name, cleaned


def save(conn: Connection, name: str, members: list[str], user: str, expected_version: int | None) -> PeerGroup:
    row = conn.execute("SELECT * FROM peer_groups WHERE name = ?", (name,)).fetchone()
    active = row is not None and not row["deleted"]
    if expected_version is None and active:
        raise ConflictError(
            f"Eine Vergleichsgruppe „{name}“ gibt es bereits (Version {row['version']}, "
            f"zuletzt geändert von {row['updated_by']}). Bitte neu laden.",
            row["version"],
            row["updated_by"],
        )
    if expected_version is not None:
        if not active:
            who = f" von {row['updated_by']} gelöscht" if row is not None else " gelöscht"
            raise ConflictError(f"Die Vergleichsgruppe „{name}“ wurde inzwischen{who}. Bitte neu laden.")
        _check_version(row, expected_version)
        if sorted(json.loads(row["members"])) == sorted(members):
            return _row_peer_group(row)  # nothing changed: no new version, no history entry
    return _write(conn, row, name, members, user)


def delete(conn: Connection, name: str, user: str, expected_version: int) -> None:
    row = conn.execute("SELECT * FROM peer_groups WHERE name = ? AND deleted = 0", (name,)).fetchone()
    if row is None:
        raise NotFoundError(f"Eine Vergleichsgruppe „{name}“ gibt es nicht (mehr).")
    _check_version(row, expected_version)
    _write(conn, row, name, json.loads(row["members"]), user, deleted=True)


def active(conn: Connection) -> list[PeerGroup]:
    rows = conn.execute("SELECT * FROM peer_groups WHERE deleted = 0 ORDER BY name").fetchall()
    return [_row_peer_group(row) for row in rows]


def history(conn: Connection, name: str) -> list[dict]:
    rows = conn.execute(
        "SELECT h.* FROM peer_group_history h JOIN peer_groups g ON g.id = h.peer_group_id "
        "WHERE g.name = ? ORDER BY h.version",
        (name,),
    ).fetchall()
    return [history_entry(row) for row in rows]


def _check_version(row: Row, expected_version: int) -> None:
    """Refuse a save or delete based on an older version than the stored one (a stale member list)."""
    if row["version"] != expected_version:
        raise ConflictError(
            f"Die Vergleichsgruppe „{row['name']}“ wurde inzwischen von {row['updated_by']} geändert "
            f"(Version {row['version']}). Bitte neu laden.",
            row["version"],
            row["updated_by"],
        )


def _write(
    conn: Connection,
    row: Row | None,
    name: str,
    members: list[str],
    user: str,
    deleted: bool = False,
) -> PeerGroup:
    stamp = now()
    new_state = {"name": name, "members": members, "deleted": deleted}
    if row is None:
        inserted = conn.execute(
            "INSERT INTO peer_groups (name, members, created_by, created_at, updated_by, updated_at, version) "
            "VALUES (?, ?, ?, ?, ?, ?, 1) RETURNING id",
            (name, to_json(members), user, stamp, user, stamp),
        ).fetchone()
        group_id, version, old_state, action = inserted["id"], 1, None, "angelegt"
    else:
        group_id, version = row["id"], row["version"] + 1
        old_state = {
            "name": row["name"],
            "members": json.loads(row["members"]),
            "deleted": bool(row["deleted"]),
        }
        action = "gelöscht" if deleted else ("angelegt" if row["deleted"] else "geändert")
        cursor = conn.execute(
            "UPDATE peer_groups SET members = ?, updated_by = ?, updated_at = ?, version = ?, deleted = ? "
            "WHERE id = ? AND version = ?",
            (to_json(members), user, stamp, version, int(deleted), group_id, row["version"]),
        )
        if cursor.rowcount != 1:  # cannot happen under the write lock; guards against a future refactoring
            raise ConflictError(f"Die Vergleichsgruppe „{name}“ wurde inzwischen geändert. Bitte neu laden.")
    conn.execute(
        "INSERT INTO peer_group_history (peer_group_id, version, changed_at, changed_by, action, old, new) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (group_id, version, stamp, user, action, to_json(old_state), to_json(new_state)),
    )
    return _row_peer_group(conn.execute("SELECT * FROM peer_groups WHERE id = ?", (group_id,)).fetchone())


def _row_peer_group(row: Row) -> PeerGroup:
    return PeerGroup(
        row["id"],
        row["name"],
        tuple(json.loads(row["members"])),
        row["created_by"],
        row["updated_by"],
        row["updated_at"],
        row["version"],
    )
