"""User data under stress, beyond tests/test_userdata.py: peer groups edited by many processes at once (SQLite and
PostgreSQL), a process killed in the middle of a write transaction, and the backup/restore command line run as a
subprocess against both databases."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from indicators.domain.targets import Target
from indicators.userdata import ConflictError, UserData
from tests.userdata_postgres import postgres_server, postgres_url  # noqa: F401 - fixtures

ROOT = Path(__file__).resolve().parents[1]
WORKERS = 8
ROUNDS = 3
SHARED = "RAK Mitteldeutschland"


@pytest.fixture(params=["sqlite", "postgresql"])
def location(request, tmp_path) -> str:
    return str(tmp_path / "nutzer.sqlite") if request.param == "sqlite" else request.getfixturevalue("postgres_url")


def _group_worker(path: str, worker: int) -> None:
    """Keeps its own group and adds its Kreise to a shared group, reloading after every conflict."""
    ud = UserData(path)
    own_name = f'Gruppe {worker}; "eigene"'
    own = ud.save_peer_group(own_name, ["15087"], f"w{worker}")
    for round_ in range(ROUNDS):
        own = ud.save_peer_group(own_name, ["15087", f"09{161 + round_:03d}"], f"w{worker}", own.version)
        mine = f"09{161 + worker * ROUNDS + round_:03d}"
        while True:
            current = next(g for g in ud.peer_groups() if g.name == SHARED)
            try:
                ud.save_peer_group(SHARED, [*current.members, mine], f"w{worker}", current.version)
                break
            except ConflictError:
                continue  # a colleague saved first: reload and add again, as the page asks people to do


def test_many_processes_editing_peer_groups_lose_nothing(location):
    path = location
    ud = UserData(path)
    ud.save_peer_group(SHARED, ["15087"], "start")
    context = multiprocessing.get_context("fork")
    runners = [context.Process(target=_group_worker, args=(str(path), w)) for w in range(WORKERS)]
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join(timeout=120)
    assert [r.exitcode for r in runners] == [0] * WORKERS

    groups = {g.name: g for g in ud.peer_groups()}
    shared = groups[SHARED]
    expected = {"15087"} | {f"09{161 + w * ROUNDS + r:03d}" for w in range(WORKERS) for r in range(ROUNDS)}
    assert set(shared.members) == expected  # every addition arrived, none overwritten
    assert shared.version == 1 + WORKERS * ROUNDS
    history = ud.peer_group_history(SHARED)
    assert [h["version"] for h in history] == list(range(1, shared.version + 1))
    sizes = [len(h["new"]["members"]) for h in history]
    assert sizes == list(range(1, len(history) + 1))  # each save built on the one before
    for w in range(WORKERS):
        own = groups[f'Gruppe {w}; "eigene"']
        assert own.version == ROUNDS + 1 and own.updated_by == f"w{w}"
    ud.close()


def test_a_stale_peer_group_edit_is_refused_with_a_message(location):
    anna, ben = UserData(location), UserData(location)
    loaded = anna.save_peer_group(SHARED, ["15087"], "anna")
    anna.save_peer_group(SHARED, ["15087", "15088"], "anna", loaded.version)
    with pytest.raises(ConflictError, match=r"inzwischen von anna geändert \(Version 2\)\. Bitte neu laden\."):
        ben.save_peer_group(SHARED, ["15087", "15091"], "ben", loaded.version)
    assert ben.peer_groups()[0].members == ("15087", "15088")
    anna.close()
    ben.close()


# --- a kill in the middle of a transaction ---------------------------------------------------------------------

CHILD = """
import sqlite3, sys, time
import indicators.userdata as m
from indicators.domain.targets import Target
from indicators.userdata.sqlite import SQLiteDatabase

PAUSE = {"on": False}


class Pausing(sqlite3.Connection):
    def execute(self, sql, *args):
        if PAUSE["on"] and sql.startswith(sys.argv[2]):
            print("mitten", flush=True)  # the row is changed, its history entry not yet written
            time.sleep(120)
        return super().execute(sql, *args)


def connect(self):
    conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, factory=Pausing)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


SQLiteDatabase.connect = connect
ud = m.UserData(sys.argv[1])
target = ud.add_target(Target(None, "15087", "alq", 8.0, 2027), "vorher")
group = ud.save_peer_group("Gruppe", ["15087"], "vorher")
PAUSE["on"] = True
if sys.argv[2].startswith("INSERT INTO target_history"):
    ud.update_target(target.id, {"target_value": 99.0, "note": "halb geschrieben"}, "kind", target.version)
else:
    ud.save_peer_group("Gruppe", ["15087", "15088"], "kind", group.version)
print("nicht erreicht", flush=True)
"""


def _write_lock_held(path: Path) -> bool:
    conn = sqlite3.connect(path, timeout=0.2, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as exc:
        return "locked" in str(exc)
    finally:
        conn.close()


@pytest.mark.parametrize("pause_before", ["INSERT INTO target_history", "INSERT INTO peer_group_history"])
def test_kill_inside_a_write_transaction_leaves_the_last_committed_state(tmp_path, pause_before):
    path = tmp_path / "nutzer.sqlite"
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), pause_before], stdout=subprocess.PIPE, cwd=ROOT, env=env, text=True
    )
    try:
        assert child.stdout.readline().strip() == "mitten"
        assert _write_lock_held(path)  # really inside the transaction: the write lock is taken
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    assert child.returncode == -signal.SIGKILL

    ud = UserData(path)
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()
    [target] = ud.targets()
    assert (target.target_value, target.note, target.version) == (8.0, "", 1)
    assert [h["changed_by"] for h in ud.target_history(target.id)] == ["vorher"]
    [group] = ud.peer_groups()
    assert (group.members, group.version) == (("15087",), 1)
    assert [h["version"] for h in ud.peer_group_history("Gruppe")] == [1]
    # the lock died with the process: the file takes writes at once
    assert ud.update_target(target.id, {"target_value": 7.5}, "nachher", 1).version == 2
    assert ud.save_peer_group("Gruppe", ["15087", "15089"], "nachher", 1).version == 2


# --- backup and restore from the command line ------------------------------------------------------------------


def cli(*args: str, db: Path | None = None) -> subprocess.CompletedProcess:
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    env.pop("REGIOMONITOR_USERDATA", None)
    env.pop("REGIOMONITOR_DATABASE_URL", None)
    if db is not None:
        env["REGIOMONITOR_USERDATA"] = str(db)
    return subprocess.run(
        [sys.executable, "-m", "indicators", *args], capture_output=True, text=True, cwd=ROOT, env=env
    )


def test_backup_and_restore_commands(tmp_path, location):
    db = location
    ud = UserData(db)
    kept = ud.add_target(Target(None, "15087", "alq", 6.0, 2027, note='Ziel "Süd"; RAK'), "anna")
    ud.save_peer_group("Landkreis Göttingen (Stadt Göttingen)", ["03159"], "anna")
    backup = tmp_path / "sicherung" / "stand.sqlite"

    beside = tmp_path / "nutzer" / "regiomonitor.sqlite"  # where a restore into PostgreSQL keeps the state before
    done = cli("userdata", "backup", "--to", str(backup), "--db", str(db), db=beside)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Sicherung geschrieben: {backup} (1 Ziele, 1 Vergleichsgruppen")
    assert backup.is_file()

    ud.update_target(kept.id, {"target_value": 1.0}, "ben", 1)
    ud.add_target(Target(None, "01001", "alq", 5.0, 2030), "ben")

    done = cli("userdata", "restore", "--from", str(backup), "--db", str(db), db=beside)
    assert done.returncode == 0, done.stderr
    assert "wiederhergestellt: jetzt 1 Ziele, 1 Vergleichsgruppen" in done.stdout
    safety = Path(done.stdout.rsplit("Der vorherige Stand liegt in ", 1)[1].strip().rstrip("."))
    assert safety.is_file() and len(UserData(safety).targets()) == 2
    assert [(t.target_value, t.note, t.version) for t in ud.targets()] == [(6.0, 'Ziel "Süd"; RAK', 1)]
    assert [g.name for g in ud.peer_groups()] == ["Landkreis Göttingen (Stadt Göttingen)"]
    assert [h["changed_by"] for h in ud.target_history(kept.id)] == ["anna"]  # the history came back as it was
    ud.close()


def test_restore_command_refuses_a_foreign_file_in_german(tmp_path):
    db = tmp_path / "nutzer.sqlite"
    UserData(db).add_target(Target(None, "15087", "alq", 6.0, 2027), "anna")
    foreign = tmp_path / "fremd.sqlite"
    foreign.write_text("keine Datenbank" * 200)
    done = cli("userdata", "restore", "--from", str(foreign), "--db", str(db))
    assert done.returncode == 2
    assert done.stderr.startswith("Fehler: Die Datei „fremd.sqlite“ ist keine gültige RegioMonitor-Nutzerdatenbank")
    assert len(UserData(db).targets()) == 1
    missing = cli("userdata", "restore", "--from", str(tmp_path / "fehlt.sqlite"), "--db", str(db))
    assert missing.returncode == 2 and "gibt es nicht" in missing.stderr
    itself = cli("userdata", "backup", "--to", str(db), "--db", str(db))
    assert itself.returncode == 2 and "nicht die Nutzerdatenbank selbst" in itself.stderr
