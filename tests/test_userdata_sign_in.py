"""The sign-in throttle in the user data: per account and per client address, across sessions and processes, and
which client address is believed behind a proxy."""

from __future__ import annotations

import multiprocessing
import sqlite3

import pytest

from indicators.userdata import SCHEMA_VERSION, UserData, schema, sign_in
from indicators.userdata.sign_in import ACCOUNT_LIMIT, ADDRESS_LIMIT, WINDOW_SECONDS, client_address
from tests.userdata_postgres import postgres_server, postgres_url  # noqa: F401 - fixtures

T0 = 1_000_000.0


@pytest.fixture(params=["sqlite", "postgresql"])
def path(request, tmp_path) -> str:
    """The user database: a SQLite file or a fresh PostgreSQL database."""
    return str(tmp_path / "nutzer.sqlite") if request.param == "sqlite" else request.getfixturevalue("postgres_url")


@pytest.fixture
def sqlite_path(tmp_path):
    return tmp_path / "nutzer.sqlite"


def attempts(ud: UserData, account: str, addresses: list[str], start: float = T0) -> list[sign_in.Attempt]:
    return [ud.sign_in_attempt(account, address, now=start + i) for i, address in enumerate(addresses)]


def test_an_account_is_locked_after_five_failures_from_anywhere(path):
    ud = UserData(path)
    tried = attempts(ud, "anna", [f"198.51.100.{i}" for i in range(ACCOUNT_LIMIT)])
    assert all(a.allowed for a in tried)
    blocked = ud.sign_in_attempt(" Anna ", "203.0.113.9", now=T0 + 10)  # case and blanks: the same account
    assert not blocked.allowed
    # the oldest of the five failures (at T0) leaves the 15-minute window at T0 + 900
    assert blocked.wait_seconds == 900 - 10
    assert ud.sign_in_attempt("ben", "203.0.113.9", now=T0 + 10).allowed  # another account is not affected
    assert ud.sign_in_attempt("anna", "203.0.113.9", now=T0 + WINDOW_SECONDS + 0.5).allowed


def test_the_lock_holds_for_a_new_session_and_after_a_restart(path):
    attempts(UserData(path), "anna", ["lokal"] * ACCOUNT_LIMIT)
    assert not UserData(path).sign_in_attempt("anna", "lokal", now=T0 + 60).allowed


def test_the_failures_are_rows_in_the_file(sqlite_path):
    attempts(UserData(sqlite_path), "anna", ["lokal"] * ACCOUNT_LIMIT)
    conn = sqlite3.connect(sqlite_path)
    try:
        assert conn.execute("SELECT count(*) FROM sign_in_failures").fetchone()[0] == ACCOUNT_LIMIT
    finally:
        conn.close()


def test_one_address_trying_many_accounts_is_locked(path):
    ud = UserData(path)
    for i in range(ADDRESS_LIMIT):
        assert ud.sign_in_attempt(f"konto{i}", "203.0.113.7", now=T0 + i).allowed
    blocked = ud.sign_in_attempt("konto-neu", "203.0.113.7", now=T0 + 30)
    assert not blocked.allowed and blocked.wait_seconds == 900 - 30
    assert ud.sign_in_attempt("konto-neu", "203.0.113.8", now=T0 + 30).allowed


def test_a_successful_sign_in_forgives_the_accounts_failures(path):
    ud = UserData(path)
    attempts(ud, "anna", ["lokal"] * (ACCOUNT_LIMIT - 1))
    right = ud.sign_in_attempt("anna", "lokal", now=T0 + 10)
    ud.sign_in_succeeded(right, "ANNA")
    again = attempts(ud, "anna", ["lokal"] * ACCOUNT_LIMIT, start=T0 + 20)
    assert all(a.allowed for a in again)
    assert not ud.sign_in_attempt("anna", "lokal", now=T0 + 40).allowed


def _try(path: str, now: float, queue) -> None:
    queue.put(UserData(path).sign_in_attempt("anna", "lokal", now=now).allowed)


def test_parallel_attempts_from_many_processes_cannot_pass_the_limit(path):
    UserData(path)
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    runners = [context.Process(target=_try, args=(str(path), T0 + i / 100, queue)) for i in range(12)]
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join(timeout=60)
    allowed = [queue.get(timeout=10) for _ in runners]
    assert allowed.count(True) == ACCOUNT_LIMIT


def test_an_old_file_gets_the_table_by_migration(sqlite_path):
    conn = sqlite3.connect(sqlite_path, isolation_level=None)
    schema.apply_migrations(conn, 0, 1)
    conn.close()
    ud = UserData(sqlite_path)
    assert ud.schema_version() == SCHEMA_VERSION >= 2
    assert ud.sign_in_attempt("anna", "lokal").allowed


# --- which address counts --------------------------------------------------------------------------------------


def test_without_a_trusted_proxy_the_header_is_ignored():
    assert client_address(None, None, frozenset()) == "lokal"
    assert client_address("203.0.113.7", "198.51.100.1", frozenset()) == "203.0.113.7"
    assert client_address(None, "198.51.100.1", frozenset()) == "lokal"  # a local client cannot claim another
    assert client_address("::ffff:203.0.113.7", None, frozenset()) == "203.0.113.7"


def test_behind_a_trusted_proxy_the_right_most_untrusted_hop_counts():
    proxies = frozenset({"10.0.0.2", "10.0.0.3"})
    # the client put a made-up address in front; the proxy appended the one it saw
    assert client_address("10.0.0.2", "1.2.3.4, 198.51.100.9", proxies) == "198.51.100.9"
    assert client_address("10.0.0.2", "198.51.100.9, 10.0.0.3", proxies) == "198.51.100.9"
    assert client_address("10.0.0.2", None, proxies) == "10.0.0.2"
    assert client_address(None, "198.51.100.9", frozenset({"127.0.0.1"})) == "198.51.100.9"
    assert sign_in.trusted_proxies({"REGIOMONITOR_TRUSTED_PROXIES": " 10.0.0.2, ::ffff:10.0.0.3 "}) == proxies
    assert sign_in.trusted_proxies({}) == frozenset()
