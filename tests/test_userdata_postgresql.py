"""What only PostgreSQL has to prove: the same schema as SQLite, its own schema version, the migration command that
copies an SQLite file and checks the copy, and a killed writer that leaves no lock and no half-written change.

The contract tests in test_userdata*.py run against PostgreSQL as well. Everything here needs a PostgreSQL
installation (tests/userdata_postgres.py starts a throwaway cluster) and skips with the reason without one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from indicators.domain.targets import Target
from indicators.userdata import MIGRATIONS, POSTGRESQL_MIGRATIONS, SCHEMA_VERSION, UserData, UserDataError, transfer
from indicators.userdata.schema import TABLES, expected_columns
from tests.userdata_postgres import PASSWORD, postgres_server, postgres_url  # noqa: F401 - fixtures

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def url(request) -> str:
    """A fresh PostgreSQL database (see tests/userdata_postgres.py)."""
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def server(request) -> str:
    return request.getfixturevalue("postgres_server")


def pg_rows(url: str, table: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()


def sqlite_rows(path: Path, table: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
    finally:
        conn.close()


def test_both_databases_have_the_same_tables_and_columns(url):
    UserData(url).close()
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'"
        ).fetchall()
    in_postgres: dict[str, set[str]] = {}
    for table, column in rows:
        in_postgres.setdefault(table, set()).add(column)
    assert in_postgres.pop("regiomonitor_schema") == {"version"}
    assert in_postgres == expected_columns(SCHEMA_VERSION)
    assert set(in_postgres) == set(TABLES)
    assert len(POSTGRESQL_MIGRATIONS) == len(MIGRATIONS) == SCHEMA_VERSION


def test_a_newer_schema_is_refused(url):
    UserData(url).close()
    with psycopg.connect(url) as conn:
        conn.execute("UPDATE regiomonitor_schema SET version = version + 1")
    with pytest.raises(UserDataError, match="neueren Programmversion"):
        UserData(url)


def test_the_history_cannot_be_truncated(url):
    ud = UserData(url)
    stored = ud.add_target(Target(None, "15087", "alq", 8.0, 2027), "anna")
    with psycopg.connect(url) as conn, pytest.raises(psycopg.Error, match="Verlauf ist unveränderlich"):
        conn.execute("TRUNCATE target_history")
    assert len(ud.target_history(stored.id)) == 1
    ud.close()


def test_an_unreachable_database_gives_a_german_error_without_the_password(server):
    port = server.rsplit(":", 1)[1]
    wrong = server.replace(f":{port}", ":1") + "/regiomonitor"
    with pytest.raises(UserDataError) as caught:
        UserData(wrong)
    message = str(caught.value)
    assert message.startswith(
        "Die Nutzerdatenbank postgresql://regiomonitor@127.0.0.1:1/regiomonitor ist nicht erreichbar"
    )
    assert PASSWORD not in message


# --- migration from SQLite ------------------------------------------------------------------------------------------


def filled_sqlite(path: Path) -> None:
    """A file as a year of meetings leaves it: edited and deleted targets, groups with history, notes, failures."""
    ud = UserData(path)
    first = ud.add_target(Target(None, "15087", "alq", 8.0, 2027, note='Ziel "Süd"; RAK'), "anna")
    ud.update_target(first.id, {"target_value": 7.5}, "ben", 1)
    ud.update_target(first.id, {"tolerance": 0.25, "agreed_on": dt.date(2025, 3, 1)}, "cem", 2)
    gone = ud.add_target(Target(None, "03159", "alq", 5.0, 2030), "anna")
    ud.delete_target(gone.id, "ben", 1)
    ud.add_target(
        Target(None, "01001", "sgb2_quote", 0.30000000000000004, 2029, baseline_value=1e-5, baseline_year=2020), "dora"
    )
    ud.save_peer_group("Fachkräfteallianz Süd", ["15087", "15088"], "anna")
    ud.save_peer_group("Fachkräfteallianz Süd", ["15087", "15089"], "ben", 1)
    ud.save_peer_group("Alt", ["15087"], "anna")
    ud.delete_peer_group("Alt", "anna", 1)
    ud.add_note("15087", "Sitzung: Schwerpunkt U25", "anna", indicator="alq")
    ud.sign_in_attempt("mallory", "203.0.113.7")
    ud.add_meeting("15087", dt.date(2025, 3, 12), "anna", title="RAK Frühjahr", snapshot="20250301T080000Z")


def cli(*args: str) -> subprocess.CompletedProcess:
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    env.pop("REGIOMONITOR_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "indicators", *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120
    )


def test_migrate_copies_every_row_and_the_history_and_checks_it(tmp_path, url):
    source = tmp_path / "regiomonitor.sqlite"
    filled_sqlite(source)
    fingerprint = hashlib.sha256(source.read_bytes()).hexdigest()
    counts = {table: len(sqlite_rows(source, table)) for table in TABLES}
    assert counts == {
        "targets": 3,
        "target_history": 6,
        "peer_groups": 2,
        "peer_group_history": 4,
        "notes": 1,
        "sign_in_failures": 1,
        "meetings": 1,
    }

    done = cli("userdata", "migrate", "--db", str(source), "--to", url)
    assert done.returncode == 0, done.stderr
    assert "3 Ziele, 6 Verlaufseinträge der Ziele, 2 Vergleichsgruppen, 4 Verlaufseinträge der Vergleichsgruppen, " in (
        done.stdout
    )
    assert "Zeilenzahlen, Inhalte und Verlauf geprüft" in done.stdout
    assert PASSWORD not in done.stdout + done.stderr
    for table in TABLES:  # read back with the drivers themselves, not with the code under test
        assert pg_rows(url, table) == sqlite_rows(source, table), table
    assert hashlib.sha256(source.read_bytes()).hexdigest() == fingerprint  # the SQLite file is left as it was

    # PostgreSQL goes on where SQLite stopped: versions continue, new ids come after the copied ones
    ud = UserData(url)
    [target] = [t for t in ud.targets() if t.ags == "15087"]
    assert ud.update_target(target.id, {"target_value": 7.0}, "emil", 3).version == 4
    assert [h["changed_by"] for h in ud.target_history(target.id)] == ["anna", "ben", "cem", "emil"]
    assert ud.add_target(Target(None, "11000", "alq", 4.0, 2030), "emil").id == 4
    assert ud.save_peer_group("Neu", ["15087"], "emil").id == 3
    assert ud.peer_group_history("Fachkräfteallianz Süd")[1]["changes"]["members"] == (
        ["15087", "15088"],
        ["15087", "15089"],
    )
    ud.close()

    again = cli("userdata", "migrate", "--db", str(source), "--to", url)
    assert again.returncode == 2
    assert "enthält schon Nutzerdaten; es wurde nichts kopiert" in again.stderr
    assert len(pg_rows(url, "targets")) == 4


def test_a_copy_that_differs_is_not_kept(tmp_path, url, monkeypatch):
    source = tmp_path / "regiomonitor.sqlite"
    filled_sqlite(source)
    real_write = transfer.write_all

    def losing_a_history_row(conn, contents):
        real_write(conn, contents | {"target_history": contents["target_history"][:-1]})

    monkeypatch.setattr(transfer, "write_all", losing_a_history_row)
    sqlite_side, postgres_side = UserData(source), UserData(url)
    with pytest.raises(UserDataError) as caught:
        sqlite_side.copy_into(postgres_side)
    assert str(caught.value) == (
        "Kopie unvollständig: Verlaufseinträge der Ziele: 6 in der Quelle, 5 in der Kopie. Es wurde nichts übernommen."
    )
    assert all(pg_rows(url, table) == [] for table in TABLES)
    postgres_side.close()


# --- a writer killed in the middle of its transaction ----------------------------------------------------------------

CHILD = """
import sys, time
from indicators.userdata import UserData, targets

ud = UserData(sys.argv[1])
[target] = ud.targets()
with ud._transaction(write=True) as conn:
    row = targets.target_row(conn, target.id)
    conn.execute("UPDATE targets SET target_value = 99, version = 2 WHERE id = ?", (target.id,))
    print("mitten", flush=True)  # the row is changed, its history entry not yet written, the write lock held
    time.sleep(120)
"""


def test_a_killed_writer_leaves_neither_its_lock_nor_a_half_written_change(url):
    ud = UserData(url)
    stored = ud.add_target(Target(None, "15087", "alq", 8.0, 2027), "vorher")
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", CHILD, url], stdout=subprocess.PIPE, env=env, text=True)
    try:
        assert child.stdout.readline().strip() == "mitten"
        with psycopg.connect(url, autocommit=True) as probe:
            held = probe.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted").fetchone()
            assert held == (1,)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    with psycopg.connect(url, autocommit=True) as probe:  # the server ends the dead session's transaction
        probe.execute("SET lock_timeout = '20s'")
        with probe.transaction():
            probe.execute("SELECT pg_advisory_xact_lock(7401563204)")
    [target] = ud.targets()
    assert (target.target_value, target.version) == (8.0, 1)
    assert ud.update_target(stored.id, {"target_value": 7.5}, "nachher", 1).version == 2
    assert [h["changed_by"] for h in ud.target_history(stored.id)] == ["vorher", "nachher"]
    ud.close()


def test_a_lost_database_gives_a_german_error_not_a_driver_traceback(url, monkeypatch):
    from indicators.userdata import postgresql

    monkeypatch.setattr(postgresql, "CONNECT_TIMEOUT_SECONDS", 1)
    ud = UserData(url)
    assert ud.targets() == []
    admin_url, name = url.rsplit("/", 1)
    with psycopg.connect(f"{admin_url}/postgres", autocommit=True) as admin:
        admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
    try:
        with pytest.raises(
            UserDataError, match=r"^Die Nutzerdatenbank postgresql://regiomonitor@.* ist nicht erreichbar"
        ):
            ud.add_target(Target(None, "15087", "alq", 8.0, 2027), "anna")
    finally:
        with psycopg.connect(f"{admin_url}/postgres", autocommit=True) as admin:
            admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
        ud.close()
