"""Targets on an open transaction: insert as version 1, write the next version with its history entry, check the
version a person loaded, and keep one active target per Kreis, indicator and target year."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from indicators.domain.targets import FIELD_LABELS, Target, target_from_record, target_to_record, validate_target_fields
from indicators.userdata.database import Connection, Row
from indicators.userdata.errors import ConflictError, NotFoundError, ValidationError
from indicators.userdata.history import history_entry, now, to_json
from indicators.userdata.records import TargetRecord

TARGET_COLUMNS = [name for name in Target.__dataclass_fields__ if name != "id"]
_EDITABLE = {"target_value", "target_year", "baseline_value", "baseline_year", "tolerance", "tolerance_kind"}
_EDITABLE |= {"agreed_by", "agreed_on", "note"}


def check_target(target: Target) -> Target:
    """Re-validate a target built in code, so the file never holds NaN or a negative tolerance."""
    record = target_to_record(target)
    checked, errors = validate_target_fields(record, {target.indicator}, {target.ags})
    if errors:
        raise ValidationError([str(e) for e in errors])
    return checked


def same_content(a: Target, b: Target) -> bool:
    return replace(a, id=None, version=0) == replace(b, id=None, version=0)


def row_target(row: Row) -> Target:
    return target_from_record(dict(row))


def row_record(row: Row) -> TargetRecord:
    return TargetRecord(
        row_target(row),
        bool(row["deleted"]),
        row["created_at"],
        row["created_by"],
        row["updated_at"],
        row["updated_by"],
    )


def target_row(conn: Connection, target_id: int) -> Row:
    row = conn.execute("SELECT * FROM targets WHERE id = ?", (target_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"Ein Ziel Nr. {target_id} gibt es nicht.")
    return row


def active_row(conn: Connection, target: Target) -> Row | None:
    """The active target on the same Kreis, indicator and target year, if any."""
    return conn.execute(
        "SELECT * FROM targets WHERE ags = ? AND indicator = ? AND target_year = ? AND deleted = 0",
        (target.ags, target.indicator, target.target_year),
    ).fetchone()


def records(conn: Connection, ags: str | None, include_deleted: bool) -> list[TargetRecord]:
    sql = "SELECT * FROM targets WHERE 1 = 1"
    params: list[object] = []
    if ags is not None:
        sql += " AND ags = ?"
        params.append(ags)
    if not include_deleted:
        sql += " AND deleted = 0"
    sql += " ORDER BY ags, indicator, target_year, id"
    return [row_record(row) for row in conn.execute(sql, params)]


def history(conn: Connection, target_id: int) -> list[dict]:
    rows = conn.execute("SELECT * FROM target_history WHERE target_id = ? ORDER BY version", (target_id,)).fetchall()
    return [history_entry(row) for row in rows]


def check_version(row: Row, expected_version: int) -> None:
    if row["deleted"]:
        raise ConflictError(
            f"Das Ziel wurde inzwischen von {row['updated_by']} gelöscht (Version {row['version']}). Bitte neu laden.",
            row["version"],
            row["updated_by"],
        )
    if row["version"] != expected_version:
        raise ConflictError(
            f"Das Ziel wurde inzwischen von {row['updated_by']} geändert (Version {row['version']}). Bitte neu laden.",
            row["version"],
            row["updated_by"],
        )


def apply_changes(current: Target, changes: Mapping[str, object]) -> Target:
    """``current`` with ``changes`` applied and validated; fixed fields may only repeat their value."""
    errors = []
    editable: dict[str, object] = {}
    for name, value in changes.items():
        if name in _EDITABLE:
            editable[name] = value
        elif name in ("ags", "indicator") and value != getattr(current, name):
            errors.append(
                f"{FIELD_LABELS[name]}: lässt sich bei einem bestehenden Ziel nicht ändern, bitte ein neues Ziel anlegen"
            )
        elif name not in Target.__dataclass_fields__ or value != getattr(current, name):
            errors.append(f"{FIELD_LABELS.get(name, name)}: dieses Feld lässt sich nicht ändern")
    if errors:
        raise ValidationError(errors)
    record = target_to_record(current) | editable
    updated, field_errors = validate_target_fields(record, {current.indicator}, {current.ags})
    if field_errors:
        raise ValidationError([str(e) for e in field_errors])
    return updated


def ensure_key_free(conn: Connection, target: Target, exclude_id: int | None) -> None:
    row = conn.execute(
        "SELECT id, version, updated_by FROM targets "
        "WHERE ags = ? AND indicator = ? AND target_year = ? AND deleted = 0 AND id <> ?",
        (target.ags, target.indicator, target.target_year, exclude_id or 0),  # ids start at 1
    ).fetchone()
    if row is not None:
        raise ConflictError(
            f"Für Kreis {target.ags}, Indikator „{target.indicator}“ und Zieljahr {target.target_year} gibt es "
            f"bereits ein Ziel (Nr. {row['id']}, Version {row['version']}, zuletzt geändert von {row['updated_by']}).",
            row["version"],
            row["updated_by"],
        )


def insert_target(conn: Connection, target: Target, user: str, action: str) -> Target:
    ensure_key_free(conn, target, exclude_id=None)
    stamp = now()
    values = target_to_record(replace(target, id=None, version=1))
    columns = TARGET_COLUMNS + ["created_at", "created_by", "updated_at", "updated_by", "deleted"]
    params = [values[name] for name in TARGET_COLUMNS] + [stamp, user, stamp, user, 0]
    row = conn.execute(
        f"INSERT INTO targets ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) RETURNING id", params
    ).fetchone()
    stored = replace(target, id=row["id"], version=1)
    _write_history(conn, stored, None, _history_record(stored, False), user, stamp, action)
    return stored


def write_version(conn: Connection, row: Row, target: Target, user: str, action: str, deleted: bool = False) -> Target:
    """Store ``target`` as the next version of ``row`` and its history entry, in the caller's transaction."""
    old = row_target(row)
    new = replace(target, id=old.id, version=old.version + 1)
    stamp = now()
    values = target_to_record(new)
    assignments = ", ".join(f"{name} = ?" for name in TARGET_COLUMNS)
    cursor = conn.execute(
        f"UPDATE targets SET {assignments}, updated_at = ?, updated_by = ?, deleted = ? WHERE id = ? AND version = ?",
        [values[name] for name in TARGET_COLUMNS] + [stamp, user, int(deleted), old.id, old.version],
    )
    if cursor.rowcount != 1:  # cannot happen under the write lock; guards against a future refactoring
        raise ConflictError("Das Ziel wurde inzwischen geändert. Bitte neu laden.")
    old_record = _history_record(old, bool(row["deleted"]))
    _write_history(conn, new, old_record, _history_record(new, deleted), user, stamp, action)
    return new


def _history_record(target: Target, deleted: bool) -> dict:
    return target_to_record(target) | {"deleted": deleted}


def _write_history(
    conn: Connection, target: Target, old: dict | None, new: dict, user: str, stamp: str, action: str
) -> None:
    conn.execute(
        "INSERT INTO target_history (target_id, version, changed_at, changed_by, action, old, new) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (target.id, target.version, stamp, user, action, to_json(old), to_json(new)),
    )
