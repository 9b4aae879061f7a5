"""The one object the app talks to: :class:`UserData` opens a transaction per call on the configured database
(SQLite by default, PostgreSQL with ``REGIOMONITOR_DATABASE_URL``) and hands it to the module that knows the
records (targets, peer groups, notes, CSV, sign-in throttle)."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from indicators import settings
from indicators.domain.targets import Target
from indicators.userdata import backup, meetings, notes, peer_groups, sign_in, targets, targets_csv, transfer
from indicators.userdata.editors import Editor, acting_name
from indicators.userdata.postgresql import PostgreSQLDatabase, is_database_url
from indicators.userdata.records import ImportReport, Meeting, Note, PeerGroup, TargetRecord
from indicators.userdata.sqlite import BUSY_TIMEOUT_SECONDS, SQLiteDatabase

ENV_VAR = "REGIOMONITOR_USERDATA"
DATABASE_URL_ENV = "REGIOMONITOR_DATABASE_URL"
DEFAULT_PATH = Path(__file__).resolve().parents[2] / "data" / "userdata" / "regiomonitor.sqlite"

__all__ = ["BUSY_TIMEOUT_SECONDS", "DATABASE_URL_ENV", "DEFAULT_PATH", "ENV_VAR", "UserData", "default_location"]


class _Rollback(Exception):
    """Raised inside a transaction to undo it after collecting row errors."""


def _nothing_stored(report: ImportReport) -> None:
    report.created = report.updated = report.unchanged = 0
    report.targets = []


def default_path() -> Path:
    """``$REGIOMONITOR_USERDATA`` or ``data/userdata/regiomonitor.sqlite`` in the project: the SQLite file."""
    return Path(settings.get(ENV_VAR) or DEFAULT_PATH)


def default_location() -> str:
    """``$REGIOMONITOR_DATABASE_URL`` (PostgreSQL) if set, else the SQLite file of :func:`default_path`."""
    return settings.get(DATABASE_URL_ENV) or str(default_path())


class UserData:
    """Targets, peer groups, notes and failed sign-ins of one installation, in one database.

    ``location`` is a SQLite file path or a ``postgresql://`` URL; without it, :func:`default_location`.
    """

    def __init__(self, location: str | Path | None = None):
        location = default_location() if location is None else location
        if is_database_url(location):
            self.db = PostgreSQLDatabase(str(location))
            self.path: Path | None = None
        else:
            self.db = SQLiteDatabase(Path(location))
            self.path = self.db.path
        self.db.migrate()

    @property
    def kind(self) -> str:
        """``SQLite`` or ``PostgreSQL``."""
        return self.db.kind

    def describe(self) -> str:
        """Where the data live (file path, or the URL without its password)."""
        return self.db.describe()

    @contextmanager
    def _transaction(self, write: bool = False) -> Iterator:
        with self.db.transaction(write) as conn:
            yield conn

    def schema_version(self) -> int:
        return self.db.schema_version()

    # --- targets ---------------------------------------------------------------------------------

    def add_target(self, target: Target, user: Editor | str) -> Target:
        """Store a new target as version 1; another active target on the same key is a conflict."""
        user = acting_name(user)
        target = targets.check_target(target)
        with self._transaction(write=True) as conn:
            return targets.insert_target(conn, target, user, "angelegt")

    def update_target(
        self, target_id: int, changes: Mapping[str, object], user: Editor | str, expected_version: int
    ) -> Target:
        """Apply ``changes`` (field -> value, typed or as text) if nobody changed the target since
        ``expected_version``; otherwise raise :class:`ConflictError` and write nothing.

        Kreis and indicator cannot change (that is a different target). No actual change, no new version.
        """
        user = acting_name(user)
        with self._transaction(write=True) as conn:
            row = targets.target_row(conn, target_id)
            targets.check_version(row, expected_version)
            current = targets.row_target(row)
            updated = targets.apply_changes(current, changes)
            if targets.same_content(updated, current):
                return current
            targets.ensure_key_free(conn, updated, exclude_id=current.id)
            return targets.write_version(conn, row, updated, user, "geändert")

    def delete_target(self, target_id: int, user: Editor | str, expected_version: int) -> Target:
        """Soft delete: the target leaves every view but stays, with its history, in the file."""
        user = acting_name(user)
        with self._transaction(write=True) as conn:
            row = targets.target_row(conn, target_id)
            targets.check_version(row, expected_version)
            return targets.write_version(conn, row, targets.row_target(row), user, "gelöscht", deleted=True)

    def get_target(self, target_id: int) -> TargetRecord:
        with self._transaction() as conn:
            return targets.row_record(targets.target_row(conn, target_id))

    def target_records(self, ags: str | None = None, include_deleted: bool = False) -> list[TargetRecord]:
        with self._transaction() as conn:
            return targets.records(conn, ags, include_deleted)

    def targets(self, ags: str | None = None, include_deleted: bool = False) -> list[Target]:
        return [record.target for record in self.target_records(ags, include_deleted)]

    def target_history(self, target_id: int) -> list[dict]:
        """Every version, oldest first: ``version``, ``changed_at``, ``changed_by``, ``action``,
        ``old`` and ``new`` (field dicts, ``old`` is None for the first) and ``changes``
        (field -> ``(old, new)``)."""
        with self._transaction() as conn:
            return targets.history(conn, target_id)

    # --- peer groups -----------------------------------------------------------------------------

    def save_peer_group(
        self,
        name: str,
        members: Iterable[str],
        user: Editor | str,
        expected_version: int | None = None,
        known_ags: set[str] | None = None,
    ) -> PeerGroup:
        """Create (``expected_version=None``) or change a hand-picked peer group, keyed by its name.

        Saving over an existing group needs the version that was loaded; saving a new group under a
        name that exists is a conflict, never a silent overwrite.
        """
        user = acting_name(user)
        name, members = peer_groups.check_peer_group(name, members, known_ags)
        with self._transaction(write=True) as conn:
            return peer_groups.save(conn, name, members, user, expected_version)

    def peer_groups(self) -> list[PeerGroup]:
        with self._transaction() as conn:
            return peer_groups.active(conn)

    def delete_peer_group(self, name: str, user: Editor | str, expected_version: int) -> None:
        user = acting_name(user)
        with self._transaction(write=True) as conn:
            peer_groups.delete(conn, name, user, expected_version)

    def peer_group_history(self, name: str) -> list[dict]:
        with self._transaction() as conn:
            return peer_groups.history(conn, name)

    # --- notes -----------------------------------------------------------------------------------

    def add_note(self, ags: str, text: str, author: Editor | str, indicator: str | None = None) -> Note:
        """Append a note to a Kreis (optionally to one indicator); notes are never edited."""
        author = acting_name(author)
        ags, text, indicator = notes.check_note(ags, text, indicator)
        with self._transaction(write=True) as conn:
            return notes.add(conn, ags, text, author, indicator)

    def notes(self, ags: str, indicator: str | None = None) -> list[Note]:
        """Notes of a Kreis, newest first; with ``indicator`` only those on that indicator."""
        with self._transaction() as conn:
            return notes.of_kreis(conn, ags, indicator)

    # --- meetings --------------------------------------------------------------------------------

    def add_meeting(
        self, ags: str, held_on: object, user: Editor | str, title: str = "", snapshot: str | None = None
    ) -> Meeting:
        """Record a meeting of the Kreis's RAK on ``held_on`` (a date or ``12.03.2025``), with the data snapshot
        current then; one meeting per Kreis and day."""
        user = acting_name(user)
        ags, date, title = meetings.check_meeting(ags, held_on, title)
        with self._transaction(write=True) as conn:
            return meetings.add(conn, ags, date, title, snapshot, user)

    def meetings(self, ags: str) -> list[Meeting]:
        """The Kreis's meetings, latest first."""
        with self._transaction() as conn:
            return meetings.of_kreis(conn, ags)

    def last_meeting(self, ags: str, before: dt.date | None = None) -> Meeting | None:
        """The latest meeting of the Kreis (strictly before ``before`` when given), or ``None``."""
        found = [m for m in self.meetings(ags) if before is None or m.held_on < before]
        return found[0] if found else None

    # --- sign-in throttle -------------------------------------------------------------------------

    def sign_in_attempt(self, account: str, address: str, now: float | None = None) -> sign_in.Attempt:
        """May a password for ``account`` from ``address`` be checked now? If so, the attempt is stored as a
        failure until :meth:`sign_in_succeeded` takes it back; if not, nothing is stored."""
        with self._transaction(write=True) as conn:
            return sign_in.begin(conn, sign_in.account_key(account), address, time.time() if now is None else now)

    def sign_in_succeeded(self, attempt: sign_in.Attempt, account: str) -> None:
        with self._transaction(write=True) as conn:
            sign_in.succeeded(conn, attempt.id, sign_in.account_key(account))

    # --- CSV -------------------------------------------------------------------------------------

    def export_targets_csv(self, ags: str | None = None) -> bytes:
        """Active targets as CSV for German Excel: ``;``, decimal comma, UTF-8 BOM, ``31.12.2024``.

        Text cells that Excel would treat as a formula get a leading apostrophe.
        """
        return targets_csv.export(self.target_records(ags))

    def import_targets_csv(
        self, data: bytes, user: Editor | str, known_indicators: set[str], known_ags: set[str]
    ) -> ImportReport:
        """Import targets from our export (or a plain ``,`` CSV): all rows or none.

        Rows are matched to active targets by Kreis, indicator and target year: new ones are created,
        changed ones get a new version (if the file carries a version, it must be the stored one),
        identical ones are left alone, so importing a file twice changes nothing. The ``Nr.`` column
        is ignored (numbers differ between installations). Problems name line and column.
        """
        user = acting_name(user)
        report = ImportReport()
        parsed = targets_csv.parse(data, known_indicators, known_ags, report)
        if report.errors:
            return report
        try:
            with self._transaction(write=True) as conn:
                for line, target, has_version in parsed:
                    targets_csv.import_row(conn, line, target, has_version, user, report)
                if report.errors:
                    raise _Rollback
        except _Rollback:
            _nothing_stored(report)
        return report

    def preview_targets_csv(self, data: bytes, known_indicators: set[str], known_ags: set[str]) -> ImportReport:
        """What :meth:`import_targets_csv` would do with ``data`` now, checked in a read transaction against the
        stored targets: the same counts, errors and warnings, nothing written, no copy of the database."""
        report = ImportReport()
        parsed = targets_csv.parse(data, known_indicators, known_ags, report)
        if report.errors:
            return report
        with self._transaction() as conn:
            for line, target, has_version in parsed:
                targets_csv.import_row(conn, line, target, has_version, None, report, dry_run=True)
        if report.errors:
            _nothing_stored(report)
        return report

    # --- backup ----------------------------------------------------------------------------------

    def backup(self, dest_path: str | Path) -> Path:
        """A consistent copy in one self-contained SQLite file, also while others keep reading and writing; it
        appears only when complete. From PostgreSQL the copy is verified row by row (same file format, so a
        backup can be restored into either database)."""
        dest = Path(dest_path)
        if isinstance(self.db, SQLiteDatabase):
            return self.db.backup(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        partial = dest.with_name(dest.name + ".teilweise")
        for leftover in (partial, partial.with_name(partial.name + "-wal"), partial.with_name(partial.name + "-shm")):
            leftover.unlink(missing_ok=True)
        copy = SQLiteDatabase(partial)
        copy.migrate()
        transfer.copy(self.db, copy)
        backup.make_self_contained(copy.connect())
        os.replace(partial, dest)
        return dest

    def restore(self, src_path: str | Path) -> Path:
        """Replace all user data by a backup after checking it is a sound RegioMonitor user database.

        The current state is saved first (beside the SQLite file, or in the default user-data folder when the
        data live in PostgreSQL); its path is returned.
        """
        src = Path(src_path)
        if isinstance(self.db, SQLiteDatabase):
            return self.db.restore(src)
        backup.check_backup_file(src)
        safety = self.backup(backup.safety_path(default_path()))
        with tempfile.TemporaryDirectory(prefix="regiomonitor-restore-") as folder:
            upgraded = SQLiteDatabase(Path(folder) / src.name)
            backup.read_into(src, upgraded.connect())
            upgraded.migrate()  # an older backup is brought up to the current schema first
            transfer.copy(upgraded, self.db, replace=True)
        return safety

    def copy_into(self, other: UserData) -> str:
        """Copy everything into the empty database ``other`` and verify it (the migration to PostgreSQL)."""
        return transfer.copy(self.db, other.db)

    def close(self) -> None:
        """Release pooled connections (PostgreSQL); a SQLite database holds none between calls."""
        if hasattr(self.db, "close"):
            self.db.close()
