"""What people enter (targets, peer groups, notes), kept in its own SQLite file with a full audit trail.

The warehouse can be rebuilt from the official files at any time; user data cannot, so it lives apart,
in one embedded file (WAL mode, so the dashboard can read while a meeting edits). Every change is one
``BEGIN IMMEDIATE`` transaction that writes the row and its history entry together, and optimistic
versions make sure nobody overwrites a colleague's change unseen.

A connection is opened per call: the object is safe to share between Streamlit sessions, threads and
forked processes, and holds nothing but the path.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from indicators.domain.targets import (
    FIELD_LABELS,
    Target,
    target_from_record,
    target_to_record,
    validate_target_fields,
)

ENV_VAR = "REGIOMONITOR_USERDATA"
DEFAULT_PATH = Path(__file__).resolve().parents[1] / "data" / "userdata" / "regiomonitor.sqlite"
BUSY_TIMEOUT_SECONDS = 30.0
LOCAL_TZ = ZoneInfo("Europe/Berlin")

_APPEND_ONLY = """
CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
BEGIN SELECT RAISE(ABORT, 'Verlauf ist unveränderlich'); END;
CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
BEGIN SELECT RAISE(ABORT, 'Verlauf ist unveränderlich'); END;
"""

#: Migration ``i`` brings the schema from ``user_version`` i to i + 1. Append, never edit.
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
]
SCHEMA_VERSION = len(MIGRATIONS)

_TARGET_COLUMNS = [name for name in Target.__dataclass_fields__ if name != "id"]
_EDITABLE = {"target_value", "target_year", "baseline_value", "baseline_year", "tolerance", "tolerance_kind"}
_EDITABLE |= {"agreed_by", "agreed_on", "note"}
#: Cells Excel would run as a formula, also after leading spaces or with full-width signs; a leading
#: apostrophe makes them text (OWASP CSV injection).
_FORMULA = re.compile(r"^'*[ \u00a0]*[=+\-@\t\r\n\uff1d\uff0b\uff0d\uff20]")
_EXPORT_FIELDS = list(FIELD_LABELS)
_EXPORT_INFO = ["Zuletzt geändert von", "Zuletzt geändert am"]
_TEXT_FIELDS = {"ags", "indicator", "agreed_by", "note", "tolerance_kind"}


class UserDataError(Exception):
    """A user-data operation failed; the message is German and meant for the person at the screen."""


class ValidationError(UserDataError):
    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("; ".join(errors))


class ConflictError(UserDataError):
    """Someone else changed the record since it was loaded; nothing was written."""

    def __init__(self, message: str, stored_version: int | None = None, changed_by: str | None = None):
        self.stored_version = stored_version
        self.changed_by = changed_by
        super().__init__(message)


class NotFoundError(UserDataError):
    pass


@dataclass(frozen=True)
class TargetRecord:
    """A stored target with its audit columns (timestamps are UTC ISO text)."""

    target: Target
    deleted: bool
    created_at: str
    created_by: str
    updated_at: str
    updated_by: str


@dataclass(frozen=True)
class PeerGroup:
    id: int
    name: str
    members: tuple[str, ...]
    created_by: str
    updated_by: str
    updated_at: str
    version: int


@dataclass(frozen=True)
class Note:
    id: int
    ags: str
    indicator: str | None
    text: str
    author: str
    created_at: str


@dataclass
class ImportReport:
    """Outcome of a CSV import: either everything was stored or (with ``errors``) nothing."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class _Rollback(Exception):
    """Raised inside a transaction to undo it after collecting row errors."""


def default_path() -> Path:
    """``$REGIOMONITOR_USERDATA`` or ``data/userdata/regiomonitor.sqlite`` in the project."""
    return Path(os.environ.get(ENV_VAR) or DEFAULT_PATH)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def _local_date(timestamp: str) -> str:
    return dt.datetime.fromisoformat(timestamp).astimezone(LOCAL_TZ).strftime("%d.%m.%Y")


def _json(value: object) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _user(user: object) -> str:
    if not isinstance(user, str) or not user.strip():
        raise ValidationError(["Bearbeiter: erwartet wird ein Name, das Feld ist leer"])
    return user.strip()


def _check_target(target: Target) -> Target:
    """Re-validate a target built in code, so the file never holds NaN or a negative tolerance."""
    record = target_to_record(target)
    checked, errors = validate_target_fields(record, {target.indicator}, {target.ags})
    if errors:
        raise ValidationError([str(e) for e in errors])
    return checked


def _same_content(a: Target, b: Target) -> bool:
    return replace(a, id=None, version=0) == replace(b, id=None, version=0)


class UserData:
    """Targets, peer groups and notes of one installation, in one SQLite file."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._migrate()
        except sqlite3.DatabaseError as error:
            raise UserDataError(
                f"Die Nutzerdatenbank „{self.path}“ lässt sich nicht öffnen: {error}. "
                "Bitte eine Sicherung zurückspielen."
            ) from error

    # --- connection and schema -------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")  # durable against crashes in WAL mode
        return conn

    @contextmanager
    def _transaction(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        """One transaction on a fresh connection; writers take the write lock up front."""
        conn = self._open()
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

    def _migrate(self) -> None:
        conn = self._open()
        try:
            conn.execute("PRAGMA journal_mode = WAL")  # outside a transaction, as SQLite requires
        finally:
            conn.close()
        with self._transaction(write=True) as conn:
            current = conn.execute("PRAGMA user_version").fetchone()[0]
            if current > SCHEMA_VERSION:
                raise UserDataError(
                    f"Die Nutzerdatenbank „{self.path.name}“ stammt aus einer neueren Programmversion "
                    f"(Schema {current}, dieses Programm kennt {SCHEMA_VERSION})."
                )
            _apply_migrations(conn, current, SCHEMA_VERSION)

    def schema_version(self) -> int:
        with self._transaction() as conn:
            return conn.execute("PRAGMA user_version").fetchone()[0]

    # --- targets ---------------------------------------------------------------------------------

    def add_target(self, target: Target, user: str) -> Target:
        """Store a new target as version 1; another active target on the same key is a conflict."""
        user = _user(user)
        target = _check_target(target)
        with self._transaction(write=True) as conn:
            return _insert_target(conn, target, user, "angelegt")

    def update_target(self, target_id: int, changes: Mapping[str, object], user: str, expected_version: int) -> Target:
        """Apply ``changes`` (field -> value, typed or as text) if nobody changed the target since
        ``expected_version``; otherwise raise :class:`ConflictError` and write nothing.

        Kreis and indicator cannot change (that is a different target). No actual change, no new version.
        """
        user = _user(user)
        with self._transaction(write=True) as conn:
            row = _target_row(conn, target_id)
            _check_version(row, expected_version)
            current = _row_target(row)
            updated = _apply_changes(current, changes)
            if _same_content(updated, current):
                return current
            _ensure_key_free(conn, updated, exclude_id=current.id)
            return _write_version(conn, row, updated, user, "geändert")

    def delete_target(self, target_id: int, user: str, expected_version: int) -> Target:
        """Soft delete: the target leaves every view but stays, with its history, in the file."""
        user = _user(user)
        with self._transaction(write=True) as conn:
            row = _target_row(conn, target_id)
            _check_version(row, expected_version)
            return _write_version(conn, row, _row_target(row), user, "gelöscht", deleted=True)

    def get_target(self, target_id: int) -> TargetRecord:
        with self._transaction() as conn:
            return _row_record(_target_row(conn, target_id))

    def target_records(self, ags: str | None = None, include_deleted: bool = False) -> list[TargetRecord]:
        sql = "SELECT * FROM targets WHERE 1 = 1"
        params: list[object] = []
        if ags is not None:
            sql += " AND ags = ?"
            params.append(ags)
        if not include_deleted:
            sql += " AND deleted = 0"
        sql += " ORDER BY ags, indicator, target_year, id"
        with self._transaction() as conn:
            return [_row_record(row) for row in conn.execute(sql, params)]

    def targets(self, ags: str | None = None, include_deleted: bool = False) -> list[Target]:
        return [record.target for record in self.target_records(ags, include_deleted)]

    def target_history(self, target_id: int) -> list[dict]:
        """Every version, oldest first: ``version``, ``changed_at``, ``changed_by``, ``action``,
        ``old`` and ``new`` (field dicts, ``old`` is None for the first) and ``changes``
        (field -> ``(old, new)``)."""
        with self._transaction() as conn:
            rows = conn.execute(
                "SELECT * FROM target_history WHERE target_id = ? ORDER BY version", (target_id,)
            ).fetchall()
        return [_history_entry(row) for row in rows]

    # --- peer groups -----------------------------------------------------------------------------

    def save_peer_group(
        self,
        name: str,
        members: Iterable[str],
        user: str,
        expected_version: int | None = None,
        known_ags: set[str] | None = None,
    ) -> PeerGroup:
        """Create (``expected_version=None``) or change a hand-picked peer group, keyed by its name.

        Saving over an existing group needs the version that was loaded; saving a new group under a
        name that exists is a conflict, never a silent overwrite.
        """
        user = _user(user)
        name, members = _check_peer_group(name, members, known_ags)
        with self._transaction(write=True) as conn:
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
                if row["version"] != expected_version:
                    raise ConflictError(
                        f"Die Vergleichsgruppe wurde inzwischen von {row['updated_by']} geändert "
                        f"(Version {row['version']}). Bitte neu laden.",
                        row["version"],
                        row["updated_by"],
                    )
            return _write_peer_group(conn, row, name, members, user)

    def peer_groups(self) -> list[PeerGroup]:
        with self._transaction() as conn:
            rows = conn.execute("SELECT * FROM peer_groups WHERE deleted = 0 ORDER BY name").fetchall()
        return [_row_peer_group(row) for row in rows]

    def delete_peer_group(self, name: str, user: str, expected_version: int) -> None:
        user = _user(user)
        with self._transaction(write=True) as conn:
            row = conn.execute("SELECT * FROM peer_groups WHERE name = ? AND deleted = 0", (name,)).fetchone()
            if row is None:
                raise NotFoundError(f"Eine Vergleichsgruppe „{name}“ gibt es nicht (mehr).")
            if row["version"] != expected_version:
                raise ConflictError(
                    f"Die Vergleichsgruppe wurde inzwischen von {row['updated_by']} geändert "
                    f"(Version {row['version']}). Bitte neu laden.",
                    row["version"],
                    row["updated_by"],
                )
            _write_peer_group(conn, row, name, json.loads(row["members"]), user, deleted=True)

    def peer_group_history(self, name: str) -> list[dict]:
        with self._transaction() as conn:
            rows = conn.execute(
                "SELECT h.* FROM peer_group_history h JOIN peer_groups g ON g.id = h.peer_group_id "
                "WHERE g.name = ? ORDER BY h.version",
                (name,),
            ).fetchall()
        return [_history_entry(row) for row in rows]

    # --- notes -----------------------------------------------------------------------------------

    def add_note(self, ags: str, text: str, author: str, indicator: str | None = None) -> Note:
        """Append a note to a Kreis (optionally to one indicator); notes are never edited."""
        author = _user(author)
        errors = []
        if not isinstance(ags, str) or not re.fullmatch(r"\d{5}", ags):
            errors.append(f"Kreis (AGS): erwartet wird ein fünfstelliger Kreisschlüssel, eingegeben wurde „{ags}“")
        if not isinstance(text, str) or not text.strip():
            errors.append("Notiz: erwartet wird ein Text, das Feld ist leer")
        if errors:
            raise ValidationError(errors)
        indicator = (indicator.strip() or None) if isinstance(indicator, str) else None
        with self._transaction(write=True) as conn:
            cursor = conn.execute(
                "INSERT INTO notes (ags, indicator, text, author, created_at) VALUES (?, ?, ?, ?, ?)",
                (ags, indicator, text.strip(), author, _now()),
            )
            row = conn.execute("SELECT * FROM notes WHERE id = ?", (cursor.lastrowid,)).fetchone()
        return _row_note(row)

    def notes(self, ags: str, indicator: str | None = None) -> list[Note]:
        """Notes of a Kreis, newest first; with ``indicator`` only those on that indicator."""
        sql = "SELECT * FROM notes WHERE ags = ?"
        params: list[object] = [ags]
        if indicator is not None:
            sql += " AND indicator = ?"
            params.append(indicator)
        with self._transaction() as conn:
            rows = conn.execute(sql + " ORDER BY created_at DESC, id DESC", params).fetchall()
        return [_row_note(row) for row in rows]

    # --- CSV -------------------------------------------------------------------------------------

    def export_targets_csv(self, ags: str | None = None) -> bytes:
        """Active targets as CSV for German Excel: ``;``, decimal comma, UTF-8 BOM, ``31.12.2024``.

        Text cells that Excel would treat as a formula get a leading apostrophe.
        """
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        writer.writerow([FIELD_LABELS[name] for name in _EXPORT_FIELDS] + _EXPORT_INFO)
        for record in self.target_records(ags):
            values = target_to_record(record.target)
            cells = [_export_cell(name, values[name]) for name in _EXPORT_FIELDS]
            writer.writerow(cells + [_neutralise(record.updated_by), _local_date(record.updated_at)])
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")

    def import_targets_csv(
        self, data: bytes, user: str, known_indicators: set[str], known_ags: set[str]
    ) -> ImportReport:
        """Import targets from our export (or a plain ``,`` CSV): all rows or none.

        Rows are matched to active targets by Kreis, indicator and target year: new ones are created,
        changed ones get a new version (if the file carries a version, it must be the stored one),
        identical ones are left alone, so importing a file twice changes nothing. The ``Nr.`` column
        is ignored (numbers differ between installations). Problems name line and column.
        """
        user = _user(user)
        report = ImportReport()
        rows = _read_csv_rows(data, report)
        parsed = [] if report.errors else _validate_rows(rows, known_indicators, known_ags, report)
        if report.errors:
            return report
        try:
            with self._transaction(write=True) as conn:
                for line, target, has_version in parsed:
                    _import_row(conn, line, target, has_version, user, report)
                if report.errors:
                    raise _Rollback
        except _Rollback:
            report.created = report.updated = report.unchanged = 0
            report.targets = []
        return report

    # --- backup ----------------------------------------------------------------------------------

    def backup(self, dest_path: str | Path) -> Path:
        """Consistent copy via SQLite's online backup, while others keep reading and writing.

        The copy is one self-contained file (rollback journal, no ``-wal``); it appears only when complete.
        """
        dest = Path(dest_path)
        if dest.resolve() == self.path.resolve():
            raise UserDataError("Die Sicherung kann nicht die Nutzerdatenbank selbst überschreiben.")
        dest.parent.mkdir(parents=True, exist_ok=True)
        partial = dest.with_name(dest.name + ".teilweise")
        partial.unlink(missing_ok=True)
        source = self._open()
        copy = sqlite3.connect(partial, isolation_level=None)
        try:
            source.backup(copy)
            copy.execute("PRAGMA journal_mode = DELETE")
        finally:
            copy.close()
            source.close()
        os.replace(partial, dest)
        return dest

    def restore(self, src_path: str | Path) -> Path:
        """Replace all user data by a backup after checking it is a sound RegioMonitor user database.

        The current state is saved next to the file first; its path is returned.
        """
        src = Path(src_path)
        _check_backup_file(src)
        stamp = dt.datetime.now(LOCAL_TZ).strftime("%Y%m%d-%H%M%S-%f")
        safety = self.backup(self.path.with_name(f"{self.path.stem}.vor-wiederherstellung-{stamp}.sqlite"))
        source = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
        target = self._open()
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        self._migrate()  # an older backup is brought up to the current schema
        return safety


# --- helpers on an open transaction ----------------------------------------------------------------


def _apply_migrations(conn: sqlite3.Connection, current: int, wanted: int) -> None:
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


def _row_target(row: sqlite3.Row) -> Target:
    return target_from_record(dict(row))


def _row_record(row: sqlite3.Row) -> TargetRecord:
    return TargetRecord(
        _row_target(row),
        bool(row["deleted"]),
        row["created_at"],
        row["created_by"],
        row["updated_at"],
        row["updated_by"],
    )


def _history_record(target: Target, deleted: bool) -> dict:
    return target_to_record(target) | {"deleted": deleted}


def _target_row(conn: sqlite3.Connection, target_id: int) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM targets WHERE id = ?", (target_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"Ein Ziel Nr. {target_id} gibt es nicht.")
    return row


def _check_version(row: sqlite3.Row, expected_version: int) -> None:
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


def _apply_changes(current: Target, changes: Mapping[str, object]) -> Target:
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


def _ensure_key_free(conn: sqlite3.Connection, target: Target, exclude_id: int | None) -> None:
    row = conn.execute(
        "SELECT id, version, updated_by FROM targets "
        "WHERE ags = ? AND indicator = ? AND target_year = ? AND deleted = 0 AND id IS NOT ?",
        (target.ags, target.indicator, target.target_year, exclude_id),
    ).fetchone()
    if row is not None:
        raise ConflictError(
            f"Für Kreis {target.ags}, Indikator „{target.indicator}“ und Zieljahr {target.target_year} gibt es "
            f"bereits ein Ziel (Nr. {row['id']}, Version {row['version']}, zuletzt geändert von {row['updated_by']}).",
            row["version"],
            row["updated_by"],
        )


def _insert_target(conn: sqlite3.Connection, target: Target, user: str, action: str) -> Target:
    _ensure_key_free(conn, target, exclude_id=None)
    now = _now()
    values = target_to_record(replace(target, id=None, version=1))
    columns = _TARGET_COLUMNS + ["created_at", "created_by", "updated_at", "updated_by", "deleted"]
    params = [values[name] for name in _TARGET_COLUMNS] + [now, user, now, user, 0]
    cursor = conn.execute(
        f"INSERT INTO targets ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", params
    )
    stored = replace(target, id=cursor.lastrowid, version=1)
    _write_history(conn, stored, None, _history_record(stored, False), user, now, action)
    return stored


def _write_version(
    conn: sqlite3.Connection, row: sqlite3.Row, target: Target, user: str, action: str, deleted: bool = False
) -> Target:
    """Store ``target`` as the next version of ``row`` and its history entry, in the caller's transaction."""
    old = _row_target(row)
    new = replace(target, id=old.id, version=old.version + 1)
    now = _now()
    values = target_to_record(new)
    assignments = ", ".join(f"{name} = ?" for name in _TARGET_COLUMNS)
    cursor = conn.execute(
        f"UPDATE targets SET {assignments}, updated_at = ?, updated_by = ?, deleted = ? WHERE id = ? AND version = ?",
        [values[name] for name in _TARGET_COLUMNS] + [now, user, int(deleted), old.id, old.version],
    )
    if cursor.rowcount != 1:  # cannot happen under BEGIN IMMEDIATE; guards against a future refactoring
        raise ConflictError("Das Ziel wurde inzwischen geändert. Bitte neu laden.")
    old_record = _history_record(old, bool(row["deleted"]))
    _write_history(conn, new, old_record, _history_record(new, deleted), user, now, action)
    return new


def _write_history(
    conn: sqlite3.Connection, target: Target, old: dict | None, new: dict, user: str, now: str, action: str
) -> None:
    conn.execute(
        "INSERT INTO target_history (target_id, version, changed_at, changed_by, action, old, new) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (target.id, target.version, now, user, action, _json(old), _json(new)),
    )


def _history_entry(row: sqlite3.Row) -> dict:
    old = json.loads(row["old"]) if row["old"] else None
    new = json.loads(row["new"])
    names = sorted(set(new) | set(old or {}))
    changes = {
        name: ((old or {}).get(name), new.get(name)) for name in names if old is None or old.get(name) != new.get(name)
    }
    return {
        "version": row["version"],
        "changed_at": row["changed_at"],
        "changed_by": row["changed_by"],
        "action": row["action"],
        "old": old,
        "new": new,
        "changes": changes,
    }


def _check_peer_group(name: object, members: Iterable[str], known_ags: set[str] | None) -> tuple[str, list[str]]:
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


def _write_peer_group(
    conn: sqlite3.Connection,
    row: sqlite3.Row | None,
    name: str,
    members: list[str],
    user: str,
    deleted: bool = False,
) -> PeerGroup:
    now = _now()
    new_state = {"name": name, "members": members, "deleted": deleted}
    if row is None:
        cursor = conn.execute(
            "INSERT INTO peer_groups (name, members, created_by, created_at, updated_by, updated_at, version) "
            "VALUES (?, ?, ?, ?, ?, ?, 1)",
            (name, _json(members), user, now, user, now),
        )
        group_id, version, old_state, action = cursor.lastrowid, 1, None, "angelegt"
    else:
        group_id, version = row["id"], row["version"] + 1
        old_state = {
            "name": row["name"],
            "members": json.loads(row["members"]),
            "deleted": bool(row["deleted"]),
        }
        action = "gelöscht" if deleted else ("angelegt" if row["deleted"] else "geändert")
        conn.execute(
            "UPDATE peer_groups SET members = ?, updated_by = ?, updated_at = ?, version = ?, deleted = ? WHERE id = ?",
            (_json(members), user, now, version, int(deleted), group_id),
        )
    conn.execute(
        "INSERT INTO peer_group_history (peer_group_id, version, changed_at, changed_by, action, old, new) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (group_id, version, now, user, action, _json(old_state), _json(new_state)),
    )
    return _row_peer_group(conn.execute("SELECT * FROM peer_groups WHERE id = ?", (group_id,)).fetchone())


def _row_peer_group(row: sqlite3.Row) -> PeerGroup:
    return PeerGroup(
        row["id"],
        row["name"],
        tuple(json.loads(row["members"])),
        row["created_by"],
        row["updated_by"],
        row["updated_at"],
        row["version"],
    )


def _row_note(row: sqlite3.Row) -> Note:
    return Note(row["id"], row["ags"], row["indicator"], row["text"], row["author"], row["created_at"])


# --- CSV helpers -------------------------------------------------------------------------------------


def _neutralise(text: str) -> str:
    return "'" + text if _FORMULA.match(text) else text


def _unneutralise(text: str) -> str:
    return text[1:] if text.startswith("'") and _FORMULA.match(text[1:]) else text


def _decimal_de(value: float) -> str:
    """Shortest exact decimal without exponent, decimal comma: Excel reads it, the import gets the same float."""
    text = format(Decimal(repr(float(value))), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _export_cell(name: str, value: object) -> str:
    if value is None:
        return ""
    if name == "agreed_on":
        return dt.date.fromisoformat(str(value)).strftime("%d.%m.%Y")
    if isinstance(value, float):
        return _decimal_de(value)
    if isinstance(value, int):
        return str(value)
    return _neutralise(str(value))


def _header_key(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\ufeff", "")).strip().strip(".").lower()


#: Header text (German label or English field name, any case) -> field name.
_HEADER_FIELDS = {_header_key(label): name for name, label in FIELD_LABELS.items()}
_HEADER_FIELDS |= {name: name for name in FIELD_LABELS}
_HEADER_FIELDS |= {"ags": "ags", "kreis": "ags", "kreisschlüssel": "ags", "nr": "id"}
_HEADER_INFO = {_header_key(text) for text in _EXPORT_INFO}


def _decode(data: bytes, report: ImportReport) -> str | None:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        report.errors.append("Datei: erwartet wird Text in UTF-8 oder Windows-1252, die Datei ist keine Textdatei")
        return None
    report.warnings.append("Datei ist nicht UTF-8 kodiert und wurde als Windows-1252 (Excel-CSV) gelesen")
    return text


def _read_csv_rows(data: bytes, report: ImportReport) -> list[tuple[int, dict[str, str]]]:
    """Rows as ``(line number, field -> cell)``; header problems go to ``report.errors``."""
    try:
        return _csv_rows(data, report)
    except csv.Error as error:
        report.errors.append(f"Datei: erwartet wird eine CSV-Datei, gelesen wurde nicht lesbarer Inhalt ({error})")
        return []


def _csv_rows(data: bytes, report: ImportReport) -> list[tuple[int, dict[str, str]]]:
    text = _decode(data, report)
    if text is None:
        return []
    first = next((line.strip() for line in text.splitlines() if line.strip()), None)
    if first is None:
        report.errors.append("Zeile 1: erwartet wird eine Kopfzeile mit Spaltennamen, die Datei ist leer")
        return []
    delimiter = ";" if ";" in first else ("\t" if "\t" in first else ",")
    hint = re.fullmatch(r'"?sep=(.)"?', first)  # Excel's delimiter hint line
    if hint:
        delimiter = hint.group(1)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next((cells for cells in reader if any(c.strip() for c in cells)), [])
    if hint:
        header = next((cells for cells in reader if any(c.strip() for c in cells)), [])
    header_line = reader.line_num
    columns = _map_header(header, header_line, report)
    if report.errors:
        return []
    rows: list[tuple[int, dict[str, str]]] = []
    previous_end = reader.line_num
    for cells in reader:
        line = previous_end + 1
        previous_end = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
            report.errors.append(
                f"Zeile {line}: erwartet werden höchstens {len(header)} Spalten wie in der Kopfzeile, "
                f"gefunden {len(cells)} (Trennzeichen „{delimiter}“ im Text ohne Anführungszeichen?)"
            )
            continue
        rows.append((line, {name: cells[i] for i, name in columns.items() if i < len(cells)}))
    return rows


def _map_header(header: list[str], line: int, report: ImportReport) -> dict[int, str]:
    columns: dict[int, str] = {}
    for index, cell in enumerate(header):
        key = _header_key(cell)
        if key in _HEADER_FIELDS and _HEADER_FIELDS[key] not in columns.values():
            columns[index] = _HEADER_FIELDS[key]
        elif key and key not in _HEADER_INFO:
            report.warnings.append(f"Zeile {line}: Spalte „{cell.strip()}“ ist unbekannt und wird nicht gelesen")
    for name in ("ags", "indicator", "target_value", "target_year"):
        if name not in columns.values():
            report.errors.append(
                f"Zeile {line}: erwartet wird eine Spalte „{FIELD_LABELS[name]}“, sie fehlt in der Kopfzeile"
            )
    return columns


def _validate_rows(
    rows: list[tuple[int, dict[str, str]]],
    known_indicators: set[str],
    known_ags: set[str],
    report: ImportReport,
) -> list[tuple[int, Target, bool]]:
    parsed: list[tuple[int, Target, bool]] = []
    seen: dict[tuple[str, str, int], int] = {}
    for line, cells in rows:
        fields = {name: (_unneutralise(value) if name in _TEXT_FIELDS else value) for name, value in cells.items()}
        fields.pop("id", None)
        ags = fields.get("ags", "").strip()
        if re.fullmatch(r"\d{4}", ags):  # Excel drops the leading zero of 01001
            fields["ags"] = "0" + ags
            report.warnings.append(f"Zeile {line}: Kreisschlüssel „{ags}“ als „0{ags}“ gelesen (führende Null ergänzt)")
        target, errors = validate_target_fields(fields, known_indicators, known_ags)
        for error in errors:
            report.errors.append(f"Zeile {line}, Spalte „{error.label}“: {error.message}")
        if target is None:
            continue
        key = (target.ags, target.indicator, target.target_year)
        if key in seen:
            report.errors.append(
                f"Zeile {line}: dasselbe Ziel (Kreis {key[0]}, Indikator „{key[1]}“, Zieljahr {key[2]}) "
                f"steht schon in Zeile {seen[key]}"
            )
            continue
        seen[key] = line
        parsed.append((line, target, bool(str(cells.get("version", "")).strip())))
    return parsed


def _import_row(
    conn: sqlite3.Connection, line: int, target: Target, has_version: bool, user: str, report: ImportReport
) -> None:
    row = conn.execute(
        "SELECT * FROM targets WHERE ags = ? AND indicator = ? AND target_year = ? AND deleted = 0",
        (target.ags, target.indicator, target.target_year),
    ).fetchone()
    if row is None:
        report.targets.append(_insert_target(conn, target, user, "importiert"))
        report.created += 1
        return
    current = _row_target(row)
    if _same_content(target, current):
        report.unchanged += 1
        report.targets.append(current)
        return
    if has_version and target.version != current.version:
        report.errors.append(
            f"Zeile {line}, Spalte „Version“: das Ziel wurde inzwischen von {row['updated_by']} geändert "
            f"(Version {current.version}, in der Datei {target.version}). Bitte neu exportieren."
        )
        return
    if not has_version:
        report.warnings.append(
            f"Zeile {line}: Ziel Nr. {current.id} überschrieben (Version {current.version} → {current.version + 1})"
        )
    report.targets.append(_write_version(conn, row, target, user, "importiert"))
    report.updated += 1


def _check_backup_file(src: Path) -> None:
    """Refuse anything that is not a sound user database this program can read."""
    problem = f"Die Datei „{src.name}“ ist keine gültige RegioMonitor-Nutzerdatenbank"
    if not src.is_file():
        raise UserDataError(f"Die Sicherung „{src}“ gibt es nicht.")
    try:
        conn = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
        try:
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            actual = _table_columns(conn)
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        raise UserDataError(f"{problem}: {error}.") from error
    if check != "ok":
        raise UserDataError(f"{problem}: Prüfung meldet „{check}“.")
    if not 1 <= version <= SCHEMA_VERSION:
        raise UserDataError(f"{problem}: erwartet wird Schema 1 bis {SCHEMA_VERSION}, gefunden {version}.")
    expected = _expected_columns(version)
    missing = [
        f"{table}.{column}" for table, columns in expected.items() for column in columns - actual.get(table, set())
    ]
    if missing:
        raise UserDataError(f"{problem}: es fehlen {', '.join(sorted(missing))}.")


def _table_columns(conn: sqlite3.Connection) -> dict[str, set[str]]:
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {table: {r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')} for table in tables}


def _expected_columns(version: int) -> dict[str, set[str]]:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        _apply_migrations(conn, 0, version)
        return _table_columns(conn)
    finally:
        conn.close()
