"""User data: audit trail, optimistic versions, concurrency, crash safety, CSV, backup.

The contract tests run against both databases (``ud``, ``location`` and ``open_ud`` are parametrised over SQLite
and PostgreSQL); the tests that look into the SQLite file itself take ``sqlite_ud`` / ``db_path``.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest

from indicators.domain.targets import Target, target_to_record
from indicators.userdata import (
    ENV_VAR,
    SCHEMA_VERSION,
    ConflictError,
    Editor,
    NotAllowedError,
    NotFoundError,
    UserData,
    UserDataError,
    ValidationError,
    default_path,
    transfer,
)
from tests.userdata_postgres import postgres_server, postgres_url  # noqa: F401 - fixtures

ROOT = Path(__file__).resolve().parents[1]
INDICATORS = {"alq", "sgb2_quote", "schulabg_ohne_hsa"}
KREISE = {"15087", "01001", "11000", "02000", "03159"} | {f"09{n:03d}" for n in range(161, 200)}
TRICKY_NAME = 'Landkreis Göttingen (Stadt Göttingen); "Test"'


def target(ags="15087", indicator="alq", value=8.0, year=2027, **kw) -> Target:
    return Target(None, ags, indicator, value, year, **kw)


def content(t: Target) -> Target:
    return replace(t, id=None, version=0)


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "nutzer" / "regiomonitor.sqlite"


@pytest.fixture
def sqlite_ud(db_path) -> UserData:
    return UserData(db_path)


@pytest.fixture(params=["sqlite", "postgresql"])
def location(request, db_path) -> str:
    """Where the user data live: a SQLite file, or a fresh PostgreSQL database."""
    return str(db_path) if request.param == "sqlite" else request.getfixturevalue("postgres_url")


@pytest.fixture
def open_ud(location):
    """Opens UserData on the test's database (another session, another process's view); closed at the end."""
    opened: list[UserData] = []

    def open_one() -> UserData:
        opened.append(UserData(location))
        return opened[-1]

    yield open_one
    for each in opened:
        each.close()


@pytest.fixture
def ud(open_ud) -> UserData:
    return open_ud()


#: What either database raises when a rule in the schema is broken.
INTEGRITY = (sqlite3.IntegrityError, psycopg.errors.IntegrityError, psycopg.errors.RaiseException)


# --- file and schema --------------------------------------------------------------------------------


def test_file_is_created_in_wal_mode_with_schema_version(sqlite_ud, db_path):
    assert db_path.is_file()
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        conn.close()
    assert {"targets", "target_history", "peer_groups", "peer_group_history", "notes"} <= tables
    assert sqlite_ud.schema_version() == SCHEMA_VERSION


def test_reopening_keeps_data_and_schema(ud, open_ud):
    stored = ud.add_target(target(), "anna")
    again = open_ud()
    assert again.targets() == [stored]
    assert again.schema_version() == SCHEMA_VERSION


def test_newer_schema_is_refused(db_path, sqlite_ud):
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(UserDataError, match="neueren Programmversion"):
        UserData(db_path)


def test_default_path_from_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("REGIOMONITOR_DATABASE_URL", raising=False)
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "x.sqlite"))
    assert default_path() == tmp_path / "x.sqlite"
    assert UserData().path == tmp_path / "x.sqlite"
    monkeypatch.delenv(ENV_VAR)
    assert default_path() == ROOT / "data" / "userdata" / "regiomonitor.sqlite"


def test_foreign_keys_are_enforced(ud):
    with pytest.raises(INTEGRITY), ud._transaction(write=True) as conn:
        conn.execute(
            "INSERT INTO target_history (target_id, version, changed_at, changed_by, action, new) "
            "VALUES (999, 1, 'x', 'x', 'angelegt', '{}')"
        )


def test_history_is_append_only(ud):
    stored = ud.add_target(target(), "anna")
    ud.save_peer_group("Süd", ["15087"], "anna")
    for sql in [
        "UPDATE target_history SET changed_by = 'mallory' WHERE target_id = ?",
        "DELETE FROM target_history WHERE target_id = ?",
        "UPDATE peer_group_history SET changed_by = 'mallory' WHERE id >= ?",
        "DELETE FROM peer_group_history WHERE id >= ?",
    ]:
        with pytest.raises(INTEGRITY, match="Verlauf ist unveränderlich"), ud._transaction(write=True) as conn:
            conn.execute(sql, (stored.id,))
    assert [h["changed_by"] for h in ud.target_history(stored.id)] == ["anna"]
    assert [h["changed_by"] for h in ud.peer_group_history("Süd")] == ["anna"]


def test_not_a_database_gives_german_error(tmp_path):
    path = tmp_path / "kaputt.sqlite"
    path.write_bytes(b"das ist keine Datenbank" * 100)
    with pytest.raises(UserDataError, match="lässt sich nicht öffnen"):
        UserData(path)


# --- targets and audit trail ------------------------------------------------------------------------


def test_every_version_is_kept_with_old_and_new_values(ud):
    created = ud.add_target(target(value=8.0, tolerance=0.5, agreed_by="RAK"), "anna")
    v2 = ud.update_target(created.id, {"target_value": "7,5"}, "ben", expected_version=1)
    v3 = ud.update_target(created.id, {"tolerance": 0.25, "note": "nach Sitzung"}, "cem", expected_version=2)
    v4 = ud.update_target(created.id, {"target_year": 2028, "agreed_on": "01.02.2025"}, "dora", expected_version=3)
    assert [v2.version, v3.version, v4.version] == [2, 3, 4]

    history = ud.target_history(created.id)
    assert [h["version"] for h in history] == [1, 2, 3, 4]
    assert [h["changed_by"] for h in history] == ["anna", "ben", "cem", "dora"]
    assert [h["action"] for h in history] == ["angelegt", "geändert", "geändert", "geändert"]
    assert history[0]["old"] is None
    assert history[0]["new"]["target_value"] == 8.0
    assert history[1]["changes"] == {"target_value": (8.0, 7.5), "version": (1, 2)}
    assert history[2]["changes"] == {
        "tolerance": (0.5, 0.25),
        "note": ("", "nach Sitzung"),
        "version": (2, 3),
    }
    assert history[3]["changes"]["target_year"] == (2027, 2028)
    assert history[3]["changes"]["agreed_on"] == (None, "2025-02-01")
    for before, after in zip(history, history[1:], strict=False):
        assert after["old"] == before["new"]  # an unbroken chain: nothing changed outside the trail
        assert after["changed_at"] >= before["changed_at"]
    assert ud.targets() == [v4]
    assert v4.agreed_on == dt.date(2025, 2, 1)


def test_update_without_change_writes_no_version(ud):
    created = ud.add_target(target(value=8.0), "anna")
    same = ud.update_target(created.id, {"target_value": "8,0"}, "ben", expected_version=1)
    assert same.version == 1
    assert len(ud.target_history(created.id)) == 1


def test_conflict_between_two_sessions_keeps_the_first_save(open_ud):
    open_ud().add_target(target(value=8.0), "anna")
    session_a, session_b = open_ud(), open_ud()
    loaded_a, loaded_b = session_a.targets()[0], session_b.targets()[0]
    assert loaded_a.version == loaded_b.version == 1

    session_a.update_target(loaded_a.id, {"target_value": 7.0}, "Ben Becker", expected_version=loaded_a.version)
    with pytest.raises(ConflictError) as caught:
        session_b.update_target(loaded_b.id, {"target_value": 6.0}, "Cem", expected_version=loaded_b.version)

    assert str(caught.value) == "Das Ziel wurde inzwischen von Ben Becker geändert (Version 2). Bitte neu laden."
    assert caught.value.stored_version == 2
    stored = open_ud().targets()[0]
    assert stored.target_value == 7.0
    assert [h["changed_by"] for h in open_ud().target_history(stored.id)] == ["anna", "Ben Becker"]


def test_soft_delete_keeps_target_and_history(ud):
    created = ud.add_target(target(), "anna")
    with pytest.raises(ConflictError):
        ud.delete_target(created.id, "ben", expected_version=5)
    deleted = ud.delete_target(created.id, "ben", expected_version=1)
    assert deleted.version == 2
    assert ud.targets() == []
    records = ud.target_records(include_deleted=True)
    assert [(r.target.id, r.deleted, r.updated_by) for r in records] == [(created.id, True, "ben")]
    history = ud.target_history(created.id)
    assert history[-1]["action"] == "gelöscht"
    assert history[-1]["changes"]["deleted"] == (False, True)
    with pytest.raises(ConflictError, match="von ben gelöscht"):
        ud.update_target(created.id, {"target_value": 1.0}, "cem", expected_version=2)
    # the key is free again for a new agreement
    renewed = ud.add_target(target(), "cem")
    assert renewed.id != created.id


def test_two_active_targets_on_the_same_key_are_refused(ud):
    first = ud.add_target(target(), "anna")
    with pytest.raises(ConflictError, match=f"Nr. {first.id}"):
        ud.add_target(target(value=1.0), "ben")
    other_year = ud.add_target(target(year=2030), "ben")
    with pytest.raises(ConflictError, match="bereits ein Ziel"):
        ud.update_target(other_year.id, {"target_year": 2027}, "ben", expected_version=1)


def test_invalid_changes_are_refused_in_german(ud):
    created = ud.add_target(target(), "anna")
    with pytest.raises(ValidationError) as caught:
        ud.update_target(created.id, {"tolerance": "-1", "target_year": "20x5"}, "ben", expected_version=1)
    assert any(e.startswith("Toleranz:") for e in caught.value.errors)
    assert any(e.startswith("Zieljahr:") and "„20x5“" in e for e in caught.value.errors)
    with pytest.raises(ValidationError, match="Kreis \\(AGS\\): lässt sich bei einem bestehenden Ziel nicht ändern"):
        ud.update_target(created.id, {"ags": "01001"}, "ben", expected_version=1)
    with pytest.raises(ValidationError, match="Version"):
        ud.update_target(created.id, {"version": 7}, "ben", expected_version=1)
    with pytest.raises(ValidationError, match="farbe: dieses Feld"):
        ud.update_target(created.id, {"farbe": "rot"}, "ben", expected_version=1)
    with pytest.raises(NotFoundError, match="Nr. 999"):
        ud.update_target(999, {"target_value": 1}, "ben", expected_version=1)
    assert len(ud.target_history(created.id)) == 1
    # a form may send the whole record back: fixed fields with their stored value are fine
    whole = target_to_record(created) | {"target_value": "9,5"}
    assert ud.update_target(created.id, whole, "ben", expected_version=1).target_value == 9.5
    assert len(ud.target_history(created.id)) == 2


def test_add_target_checks_values_and_user(ud):
    with pytest.raises(ValidationError, match="Zielwert"):
        ud.add_target(target(value=float("nan")), "anna")
    with pytest.raises(ValidationError, match="Toleranz"):
        ud.add_target(target(tolerance=2.0, tolerance_kind="relativ"), "anna")
    with pytest.raises(ValidationError, match="Bearbeiter"):
        ud.add_target(target(), "  ")
    with pytest.raises(ValidationError, match="Bearbeiter"):
        ud.add_target(target(), object())
    assert ud.targets() == []


def test_targets_filter_by_kreis(ud):
    a = ud.add_target(target(ags="15087"), "anna")
    b = ud.add_target(target(ags="01001"), "anna")
    assert ud.targets("15087") == [a]
    assert ud.targets() == [b, a]  # ordered by AGS
    assert ud.get_target(a.id).created_by == "anna"


# --- concurrency and crashes ------------------------------------------------------------------------

WORKERS = 8
EDITS = 3
SHARED_INCREMENTS = 4


def _worker(path: str, worker: int) -> None:
    """Adds its own targets, edits each a few times, and increments a shared target with retries."""
    ud = UserData(path)
    ags = f"09{161 + worker:03d}"
    for year in (2030, 2031):
        stored = ud.add_target(target(ags=ags, year=year, value=0.0), f"w{worker}")
        for edit in range(1, EDITS + 1):
            stored = ud.update_target(stored.id, {"target_value": float(edit)}, f"w{worker}", stored.version)
    shared_id = next(t.id for t in ud.targets("15087"))
    done = 0
    while done < SHARED_INCREMENTS:
        current = ud.get_target(shared_id).target
        try:
            ud.update_target(shared_id, {"target_value": current.target_value + 1}, f"w{worker}", current.version)
            done += 1
        except ConflictError:
            continue  # someone else was faster: reload and try again, as a person would


@pytest.mark.parametrize("kind", ["threads", "processes"])
def test_concurrent_writers_lose_nothing(ud, location, kind):
    shared = ud.add_target(target(ags="15087", value=0.0), "start")
    if kind == "threads":
        runners = [threading.Thread(target=_worker, args=(location, w)) for w in range(WORKERS)]
    else:
        context = multiprocessing.get_context("fork")
        runners = [context.Process(target=_worker, args=(location, w)) for w in range(WORKERS)]
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join(timeout=60)
    if kind == "processes":
        assert [r.exitcode for r in runners] == [0] * WORKERS

    final = ud.get_target(shared.id).target
    assert final.target_value == WORKERS * SHARED_INCREMENTS  # no lost update
    assert final.version == 1 + WORKERS * SHARED_INCREMENTS
    own = [t for t in ud.targets() if t.ags != "15087"]
    assert len(own) == WORKERS * 2
    assert all(t.version == EDITS + 1 and t.target_value == EDITS for t in own)
    for t in ud.targets():
        history = ud.target_history(t.id)
        assert [h["version"] for h in history] == list(range(1, t.version + 1))
        assert history[-1]["new"]["target_value"] == t.target_value
    shared_history = ud.target_history(shared.id)
    values = [h["new"]["target_value"] for h in shared_history]
    assert values == [float(i) for i in range(len(values))]  # every increment built on the one before


def _racer(location: str, name: str, value: float, barrier, results) -> None:
    """Loads version 1, waits until the other process has loaded it too, then saves."""
    ud = UserData(location)
    loaded = ud.targets()[0]
    barrier.wait(timeout=30)
    try:
        ud.update_target(loaded.id, {"target_value": value}, name, expected_version=loaded.version)
        results.put((name, "gespeichert"))
    except ConflictError as error:
        results.put((name, str(error)))


def test_two_processes_saving_the_same_version_one_wins_the_other_gets_the_message(ud, location):
    stored = ud.add_target(target(value=8.0), "start")
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(2), context.Queue()
    racers = [
        context.Process(target=_racer, args=(location, name, value, barrier, results))
        for name, value in (("Anna", 7.0), ("Ben", 6.0))
    ]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(timeout=60)
    outcome = dict(results.get(timeout=10) for _ in racers)
    winner = next(name for name, text in outcome.items() if text == "gespeichert")
    loser = next(name for name in outcome if name != winner)
    assert outcome[loser] == f"Das Ziel wurde inzwischen von {winner} geändert (Version 2). Bitte neu laden."
    final = ud.get_target(stored.id).target
    assert (final.target_value, final.version) == ({"Anna": 7.0, "Ben": 6.0}[winner], 2)
    assert [h["changed_by"] for h in ud.target_history(stored.id)] == ["start", winner]


CHILD = """
import sys
from indicators.domain.targets import Target, target_to_record
from indicators.userdata import UserData

ud = UserData(sys.argv[1])
stored = ud.add_target(Target(None, "15087", "alq", 0.0, 2030), "kind")
print("bereit", flush=True)
i = 0
while True:
    i += 1
    stored = ud.update_target(stored.id, {"target_value": float(i), "note": "x" * (i % 50)}, "kind", stored.version)
    if i % 7 == 0:
        ud.add_target(Target(None, "15087", "alq", float(i), 2000 + (i // 7) % 100), "kind")
        ud.add_note("15087", f"Notiz {i}", "kind")
"""


def _count(path: Path, sql: str) -> int:
    conn = sqlite3.connect(path, timeout=5)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def test_killed_writer_leaves_a_sound_file(db_path):
    db_path.parent.mkdir(parents=True)
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db_path)], stdout=subprocess.PIPE, cwd=ROOT, env=env, text=True
    )
    try:
        assert child.stdout.readline().strip() == "bereit"
        deadline = time.monotonic() + 10
        while _count(db_path, "SELECT count(*) FROM target_history") < 150 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    assert child.returncode == -signal.SIGKILL

    ud = UserData(db_path)
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()
    stored = ud.targets()
    main = next(t for t in stored if t.target_year == 2030)
    assert main.version > 20
    for t in stored:
        history = ud.target_history(t.id)
        assert [h["version"] for h in history] == list(range(1, t.version + 1))
        assert history[-1]["new"]["target_value"] == t.target_value
        assert history[-1]["new"]["note"] == t.note
    # the file still takes writes after the crash
    ud.update_target(main.id, {"target_value": -1.0}, "nachher", main.version)


# --- CSV --------------------------------------------------------------------------------------------


def tricky_targets() -> list[Target]:
    return [
        target(
            value=7.5,
            baseline_value=9.25,
            baseline_year=2022,
            tolerance=0.05,
            tolerance_kind="relativ",
            agreed_by=TRICKY_NAME,
            agreed_on=dt.date(2024, 3, 14),
            note='=HYPERLINK("http://x";"klick")\nzweite Zeile; mit Semikolon',
        ),
        target(ags="01001", indicator="sgb2_quote", value=-0.1, year=2030, tolerance=1e-5, note="@SUMME(A1)"),
        target(ags="11000", indicator="schulabg_ohne_hsa", value=1234567.891, year=2029, note="'+ schon markiert"),
        target(
            ags="02000",
            value=0.30000000000000004,
            year=2026,
            agreed_by="-Kreisverwaltung",
            note="Ümläüte ß €",
        ),
    ]


def test_export_is_excel_csv(ud):
    for t in tricky_targets():
        ud.add_target(t, "anna")
    data = ud.export_targets_csv()
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    lines = text.split("\r\n")
    assert lines[0].split(";")[:5] == ["Nr.", "Kreis (AGS)", "Indikator", "Zielwert", "Zieljahr"]
    assert ";7,5;2027;9,25;2022;0,05;relativ;" in text
    assert ";14.03.2024;" in text
    assert ";1234567,891;" in text
    assert ";0,00001;" in text  # no exponent Excel would misread
    assert "\"'=HYPERLINK" in text  # formula neutralised
    assert ";'@SUMME(A1)" in text
    assert ";'-Kreisverwaltung;" in text
    assert ";-0,1;" in text  # numbers stay numbers
    assert "01001" in text  # AGS keeps its leading zero
    assert ud.export_targets_csv("01001").decode("utf-8-sig").count("\r\n") == 2


def test_csv_round_trip_into_a_fresh_file(ud, tmp_path):
    originals = [ud.add_target(t, "anna") for t in tricky_targets()]
    ud.update_target(originals[0].id, {"note": originals[0].note + " (geändert)"}, "ben", 1)
    data = ud.export_targets_csv()

    fresh = UserData(tmp_path / "frisch.sqlite")
    report = fresh.import_targets_csv(data, "import", INDICATORS, KREISE)
    assert report.ok, report.errors
    assert report.created == len(originals)
    assert sorted(map(content, fresh.targets()), key=repr) == sorted(map(content, ud.targets()), key=repr)
    assert {h["action"] for t in fresh.targets() for h in fresh.target_history(t.id)} == {"importiert"}

    again = fresh.import_targets_csv(data, "import", INDICATORS, KREISE)
    assert (again.created, again.updated, again.unchanged) == (0, 0, len(originals))
    assert all(t.version == 1 for t in fresh.targets())


def test_import_updates_matching_targets_with_version_check(ud):
    stored = ud.add_target(target(value=8.0), "anna")
    data = ud.export_targets_csv().decode("utf-8-sig").replace(";8;2027;", ";6,5;2027;").encode("utf-8-sig")
    report = ud.import_targets_csv(data, "ben", INDICATORS, KREISE)
    assert (report.created, report.updated) == (0, 1)
    assert ud.targets()[0].target_value == 6.5
    assert ud.target_history(stored.id)[-1]["action"] == "importiert"
    assert ud.target_history(stored.id)[-1]["changes"]["target_value"] == (8.0, 6.5)

    # the same file again: it was exported at version 1, the target is at 2 now, and it would change it back
    stale = data.decode("utf-8-sig").replace(";6,5;2027;", ";5;2027;").encode("utf-8-sig")
    report = ud.import_targets_csv(stale, "cem", INDICATORS, KREISE)
    assert not report.ok
    assert report.errors == [
        "Zeile 2, Spalte „Version“: das Ziel wurde inzwischen von ben geändert (Version 2, in der Datei 1). "
        "Bitte neu exportieren."
    ]
    assert ud.targets()[0].target_value == 6.5


def _stored_rows(ud: UserData) -> dict:
    with ud._transaction() as conn:
        return transfer.read_all(conn)


def test_preview_says_what_the_import_would_do_and_writes_nothing(ud, db_path):
    ud.add_target(target(ags="15087", value=8.0), "anna")
    changed = ud.add_target(target(ags="01001", value=5.0), "anna")
    data = (
        b"Kreis (AGS);Indikator;Zielwert;Zieljahr\r\n"
        b"15087;alq;8;2027\r\n"  # as stored
        b"01001;alq;4,5;2027\r\n"  # changed, without a version column: overwritten, with a warning
        b"11000;alq;3;2030\r\n"  # new
    )
    folder = db_path.parent
    before, files = _stored_rows(ud), sorted(p.name for p in folder.iterdir()) if folder.exists() else []

    preview = ud.preview_targets_csv(data, INDICATORS, KREISE)
    assert (preview.created, preview.updated, preview.unchanged, preview.errors) == (1, 1, 1, [])
    assert preview.warnings == [f"Zeile 3: Ziel Nr. {changed.id} überschrieben (Version 1 → 2)"]
    assert _stored_rows(ud) == before
    assert (sorted(p.name for p in folder.iterdir()) if folder.exists() else []) == files  # no copy was made

    done = ud.import_targets_csv(data, "ben", INDICATORS, KREISE)
    assert (done.created, done.updated, done.unchanged, done.warnings) == (1, 1, 1, preview.warnings)
    assert [(t.ags, t.target_value, t.version) for t in preview.targets] == [
        (t.ags, t.target_value, t.version) for t in done.targets
    ]
    assert [t.id for t in preview.targets[:2]] == [t.id for t in done.targets[:2]]

    # the same file again: exported nowhere, but now it would change nothing
    again = ud.preview_targets_csv(data, INDICATORS, KREISE)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_preview_reports_a_stale_version_like_the_import(ud):
    stored = ud.add_target(target(value=8.0), "anna")
    old_export = ud.export_targets_csv().decode("utf-8-sig").replace(";8;2027;", ";5;2027;").encode("utf-8-sig")
    ud.update_target(stored.id, {"target_value": 6.5}, "ben", 1)
    preview = ud.preview_targets_csv(old_export, INDICATORS, KREISE)
    assert preview.errors == [
        "Zeile 2, Spalte „Version“: das Ziel wurde inzwischen von ben geändert (Version 2, in der Datei 1). "
        "Bitte neu exportieren."
    ]
    assert preview.errors == ud.import_targets_csv(old_export, "cem", INDICATORS, KREISE).errors
    assert (preview.created, preview.updated, preview.unchanged, preview.targets) == (0, 0, 0, [])


def test_plain_comma_csv_with_field_names(ud):
    data = (
        b"ags,indicator,target_value,target_year,tolerance,tolerance_kind,agreed_on,note\n"
        b'15087,alq,7.25,2027,0.5,absolut,2024-03-14,"Komma, im Text"\n'
        b"1001,sgb2_quote,-3,2030,,,,\n"
    )
    report = ud.import_targets_csv(data, "anna", INDICATORS, KREISE)
    assert report.ok, report.errors
    assert report.warnings == ["Zeile 3: Kreisschlüssel „1001“ als „01001“ gelesen (führende Null ergänzt)"]
    by_ags = {t.ags: t for t in ud.targets()}
    assert by_ags["15087"].target_value == 7.25
    assert by_ags["15087"].note == "Komma, im Text"
    assert by_ags["15087"].agreed_on == dt.date(2024, 3, 14)
    assert by_ags["01001"].target_value == -3.0


def test_excel_windows_encoding_is_read(ud):
    text = "Kreis (AGS);Indikator;Zielwert;Zieljahr;Notiz\r\n15087;alq;5,5;2027;Übergänge verbessern\r\n"
    report = ud.import_targets_csv(text.encode("cp1252"), "anna", INDICATORS, KREISE)
    assert report.ok, report.errors
    assert ud.targets()[0].note == "Übergänge verbessern"
    assert any("Windows-1252" in w for w in report.warnings)


def test_bad_line_stores_nothing_and_names_line_and_column(ud):
    ud.add_target(target(ags="03159"), "anna")
    before = ud.targets()
    data = (
        "\ufeffKreis (AGS);Indikator;Zielwert;Zieljahr;Toleranz;Toleranzart\r\n"
        "15087;alq;5,5;2027;0,5;absolut\r\n"
        "01001;alq;4,5;20x5;0,5;absolut\r\n"
        "11000;alq;abc;2027;2;relativ\r\n"
    ).encode()
    report = ud.import_targets_csv(data, "anna", INDICATORS, KREISE)
    assert not report.ok
    assert report.errors == [
        "Zeile 3, Spalte „Zieljahr“: erwartet wird ein Jahr zwischen 2000 und 2100, eingegeben wurde „20x5“",
        "Zeile 4, Spalte „Zielwert“: erwartet wird eine endliche Zahl (z. B. 12,5), eingegeben wurde „abc“",
        "Zeile 4, Spalte „Toleranz“: bei relativer Toleranz erwartet wird ein Anteil zwischen 0 und 1 "
        "(z. B. 0,05 für 5 %), eingegeben wurde „2“",
    ]
    assert report.created == 0
    assert ud.targets() == before


def test_conflict_in_a_late_row_rolls_back_earlier_rows(ud):
    ud.add_target(target(ags="01001"), "anna")
    ud.update_target(ud.targets()[0].id, {"target_value": 1.0}, "ben", 1)
    data = b"Kreis (AGS);Indikator;Zielwert;Zieljahr;Version\n15087;alq;5;2027;\n01001;alq;9;2027;1\n"
    report = ud.import_targets_csv(data, "cem", INDICATORS, KREISE)
    assert [e.split(",")[0] for e in report.errors] == ["Zeile 3"]
    assert report.created == 0 and report.targets == []
    assert [t.ags for t in ud.targets()] == ["01001"]


def test_multiline_cells_keep_line_numbers_right(ud):
    data = b'Kreis (AGS);Indikator;Zielwert;Zieljahr;Notiz\n15087;alq;5;2027;"eins\nzwei\ndrei"\n01001;alq;5;1900;x\n'
    report = ud.import_targets_csv(data, "anna", INDICATORS, KREISE)
    assert [e.split(",")[0] for e in report.errors] == ["Zeile 5"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Zeile 1: erwartet wird eine Kopfzeile"),
        (b"Kreis;Zielwert;Zieljahr\n15087;5;2027\n", "Spalte „Indikator“"),
        (
            b"Kreis (AGS);Indikator;Zielwert;Zieljahr\n15087;alq;5;2027\n15087;alq;6;2027\n",
            "Zeile 3: dasselbe Ziel (Kreis 15087, Indikator „alq“, Zieljahr 2027) steht schon in Zeile 2",
        ),
        (
            b"Kreis (AGS);Indikator;Zielwert;Zieljahr\n15087;alq;5;2027;x;y\n",
            "Zeile 2: erwartet werden höchstens 4",
        ),
        (b"\x00\x01\xff\xfe" * 10, "Zeile 1"),
    ],
)
def test_import_problems(ud, data, message):
    report = ud.import_targets_csv(data, "anna", INDICATORS, KREISE)
    assert not report.ok
    assert any(message in e for e in report.errors), report.errors
    assert ud.targets() == []


def test_excel_separator_hint_line(ud):
    data = b'sep=,\nags,indicator,target_value,target_year\n15087,alq,"5,5",2027\n'
    report = ud.import_targets_csv(data, "anna", INDICATORS, KREISE)
    assert report.ok, report.errors
    assert ud.targets()[0].target_value == 5.5


# --- peer groups and notes --------------------------------------------------------------------------


def test_peer_group_with_quotes_and_semicolons_survives(ud, open_ud):
    saved = ud.save_peer_group(TRICKY_NAME, ["03159", "15087", "03159"], "anna")
    assert saved.members == ("03159", "15087")
    loaded = open_ud().peer_groups()
    assert [(g.name, g.members, g.version) for g in loaded] == [(TRICKY_NAME, ("03159", "15087"), 1)]


def test_peer_group_versions_and_conflicts(ud):
    ud.save_peer_group("Fachkräfteallianz Süd", ["15087", "15088"], "anna")
    with pytest.raises(ConflictError, match="gibt es bereits"):
        ud.save_peer_group("Fachkräfteallianz Süd", ["15087"], "ben")
    changed = ud.save_peer_group("Fachkräfteallianz Süd", ["15087", "15089"], "ben", expected_version=1)
    assert changed.version == 2
    with pytest.raises(ConflictError, match="von ben geändert \\(Version 2\\)"):
        ud.save_peer_group("Fachkräfteallianz Süd", ["15087"], "cem", expected_version=1)
    with pytest.raises(ConflictError):
        ud.delete_peer_group("Fachkräfteallianz Süd", "cem", expected_version=1)
    ud.delete_peer_group("Fachkräfteallianz Süd", "cem", expected_version=2)
    assert ud.peer_groups() == []
    with pytest.raises(ConflictError, match="gelöscht"):
        ud.save_peer_group("Fachkräfteallianz Süd", ["15087"], "dora", expected_version=3)
    revived = ud.save_peer_group("Fachkräfteallianz Süd", ["15091"], "dora")
    assert revived.version == 4
    history = ud.peer_group_history("Fachkräfteallianz Süd")
    assert [(h["version"], h["action"], h["changed_by"]) for h in history] == [
        (1, "angelegt", "anna"),
        (2, "geändert", "ben"),
        (3, "gelöscht", "cem"),
        (4, "angelegt", "dora"),
    ]
    assert history[1]["changes"]["members"] == (["15087", "15088"], ["15087", "15089"])


def test_saving_an_unchanged_peer_group_writes_no_version(ud):
    ud.save_peer_group("Süd", ["15087", "15088"], "anna")
    same = ud.save_peer_group("Süd", ["15088", "15087", "15087"], "ben", expected_version=1)
    assert (same.version, same.updated_by, same.members) == (1, "anna", ("15087", "15088"))
    assert len(ud.peer_group_history("Süd")) == 1
    changed = ud.save_peer_group("Süd", ["15087"], "ben", expected_version=1)
    assert changed.version == 2
    # the list loaded at version 1 comes back from a stale form: refused, naming who changed it and the version
    with pytest.raises(ConflictError) as caught:
        ud.save_peer_group("Süd", ["15087", "15088"], "cem", expected_version=1)
    assert str(caught.value) == (
        "Die Vergleichsgruppe „Süd“ wurde inzwischen von ben geändert (Version 2). Bitte neu laden."
    )
    assert (caught.value.stored_version, caught.value.changed_by) == (2, "ben")
    assert ud.peer_groups()[0].members == ("15087",)
    assert [h["changed_by"] for h in ud.peer_group_history("Süd")] == ["anna", "ben"]


def test_peer_group_validation(ud):
    with pytest.raises(ValidationError) as caught:
        ud.save_peer_group(" ", ["1508", "99999"], "anna", known_ags=KREISE)
    assert any(e.startswith("Name der Vergleichsgruppe") for e in caught.value.errors)
    assert any("„1508“" in e for e in caught.value.errors)
    assert any("„99999“ ist kein bekannter Kreis" in e for e in caught.value.errors)
    with pytest.raises(ValidationError, match="mindestens ein Kreis"):
        ud.save_peer_group("leer", [], "anna")
    with pytest.raises(NotFoundError):
        ud.delete_peer_group("gibt es nicht", "anna", 1)


def test_notes_per_kreis_and_indicator(ud):
    first = ud.add_note("15087", "Sitzung RAK: Schwerpunkt U25", "anna")
    second = ud.add_note("15087", TRICKY_NAME, "ben", indicator="alq")
    ud.add_note("01001", "anderer Kreis", "cem")
    assert [n.id for n in ud.notes("15087")] == [second.id, first.id]
    assert [n.text for n in ud.notes("15087", indicator="alq")] == [TRICKY_NAME]
    assert first.indicator is None
    with pytest.raises(ValidationError) as caught:
        ud.add_note("1508", " ", "anna")
    assert len(caught.value.errors) == 2


# --- backup and restore -----------------------------------------------------------------------------


def test_backup_and_restore_round_trip(ud, tmp_path):
    kept = ud.add_target(target(), "anna")
    ud.save_peer_group(TRICKY_NAME, ["15087"], "anna")
    backup = ud.backup(tmp_path / "sicherung" / "stand.sqlite")
    assert not Path(str(backup) + "-wal").exists()

    ud.update_target(kept.id, {"target_value": 1.0}, "ben", 1)
    ud.add_target(target(ags="01001"), "ben")
    ud.add_note("15087", "nach der Sicherung", "ben")

    safety = ud.restore(backup)
    assert ud.targets() == [kept]
    assert [h["version"] for h in ud.target_history(kept.id)] == [1]
    assert [g.name for g in ud.peer_groups()] == [TRICKY_NAME]
    assert ud.notes("15087") == []
    assert len(UserData(safety).targets()) == 2  # the state before the restore was kept
    if ud.kind == "SQLite":
        conn = sqlite3.connect(ud.path)
        try:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        finally:
            conn.close()
    # still writable, versions continue
    assert ud.update_target(kept.id, {"target_value": 2.0}, "cem", 1).version == 2


def test_restore_refuses_foreign_files_and_keeps_data(ud, tmp_path):
    ud.add_target(target(), "anna")
    text_file = tmp_path / "notizen.sqlite"
    text_file.write_text("keine Datenbank" * 300)
    other = tmp_path / "andere.sqlite"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE targets (id INTEGER)")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    unversioned = tmp_path / "leer.sqlite"
    sqlite3.connect(unversioned).close()

    with pytest.raises(UserDataError, match="keine gültige RegioMonitor-Nutzerdatenbank"):
        ud.restore(text_file)
    with pytest.raises(UserDataError, match="es fehlen .*targets.ags"):
        ud.restore(other)
    with pytest.raises(UserDataError, match="Schema 1 bis"):
        ud.restore(unversioned)
    with pytest.raises(UserDataError, match="gibt es nicht"):
        ud.restore(tmp_path / "fehlt.sqlite")
    if ud.path is not None:
        with pytest.raises(UserDataError, match="selbst"):
            ud.backup(ud.path)
    assert len(ud.targets()) == 1


# --- the role is checked on every write ------------------------------------------------------------------------


def test_every_write_refuses_a_reader_and_writes_nothing(ud):
    anna = Editor("anna", "editor")
    stored = ud.add_target(target(), anna)
    ud.save_peer_group("Süd", ["15087"], anna)
    export = ud.export_targets_csv().decode("utf-8-sig").replace(";8;2027;", ";6;2027;").encode("utf-8-sig")
    reader = Editor("anna", "reader")  # the same person after the role was withdrawn
    writes = {
        "add_target": lambda: ud.add_target(target(year=2030), reader),
        "update_target": lambda: ud.update_target(stored.id, {"target_value": 1.0}, reader, 1),
        "delete_target": lambda: ud.delete_target(stored.id, reader, 1),
        "save_peer_group": lambda: ud.save_peer_group("Süd", ["15088"], reader, 1),
        "new_peer_group": lambda: ud.save_peer_group("Neu", ["15088"], reader),
        "delete_peer_group": lambda: ud.delete_peer_group("Süd", reader, 1),
        "add_note": lambda: ud.add_note("15087", "Notiz", reader),
        "import_targets_csv": lambda: ud.import_targets_csv(export, reader, INDICATORS, KREISE),
    }
    for name, write in writes.items():
        with pytest.raises(NotAllowedError) as caught:
            write()
        assert str(caught.value) == (
            "Nicht gespeichert: anna hat kein Bearbeitungsrecht (mehr). Das Recht wird bei jedem Speichern neu geprüft."
        ), name
    assert ud.targets() == [stored]
    assert [h["changed_by"] for h in ud.target_history(stored.id)] == ["anna"]
    assert [(g.name, g.members, g.version) for g in ud.peer_groups()] == [("Süd", ("15087",), 1)]
    assert ud.notes("15087") == []
    assert ud.update_target(stored.id, {"target_value": 1.0}, anna, 1).version == 2
