"""A throwaway PostgreSQL cluster for the user-data tests: started once per test session in a temporary folder on a
free loopback port (as the ``postgres`` user when the tests run as root, since PostgreSQL refuses to run as root),
one fresh database per test, stopped and removed at the end.

Without PostgreSQL installed the tests that need it skip with the reason; in CI (``CI=true``) they fail instead,
because CI installs it (.ci/run). Import the fixtures into a test module to use them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

MISSING = "PostgreSQL ist nicht installiert (Debian: apt-get install -y postgresql)"
USER, PASSWORD = "regiomonitor", "pg-test-geheim"


def _bindir() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return candidates[-1].parent if candidates else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def throwaway_cluster(fsync: bool = False) -> Iterator[str]:
    """Start a cluster in a temporary folder; yields its URL without a database name, then stops and removes it.
    ``fsync=False`` for tests (faster, nothing to keep); benchmarks pass ``True`` to measure durable writes."""
    bindir = _bindir()
    if bindir is None:
        raise FileNotFoundError(MISSING)
    folder = Path(tempfile.mkdtemp(prefix="regiomonitor-pg-"))
    as_root = os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    (folder / "pw").write_text(PASSWORD + "\n")
    if as_root:
        for path in (folder, folder / "pw"):
            shutil.chown(path, "postgres")

    def run(*command: str) -> None:
        done = subprocess.run([*prefix, *command], capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            log = folder / "log"
            raise RuntimeError(f"{command[0]} failed: {done.stderr}\n{log.read_text() if log.exists() else ''}")

    port = _free_port()
    data = folder / "data"
    run(
        str(bindir / "initdb"),
        "-D",
        str(data),
        "-U",
        USER,
        "-A",
        "scram-sha-256",
        f"--pwfile={folder / 'pw'}",
        "-E",
        "UTF8",
        "--locale=C",
    )
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync={'on' if fsync else 'off'} -c max_connections=300"
    try:
        run(str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start")
        yield f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{port}"
    finally:
        if (data / "postmaster.pid").exists():
            run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server():
    """``postgresql://regiomonitor:…@127.0.0.1:<port>`` of a running cluster (no database name)."""
    if _bindir() is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{MISSING} – in CI muss es installiert sein (.ci/run)")
        pytest.skip(MISSING)
    with throwaway_cluster() as url:
        yield url


@pytest.fixture
def postgres_url(postgres_server, tmp_path, monkeypatch):
    """A fresh, empty database for one test. The default SQLite path points into ``tmp_path``, since a restore
    into PostgreSQL keeps the state before it beside that path."""
    import psycopg

    monkeypatch.setenv("REGIOMONITOR_USERDATA", str(tmp_path / "nutzer" / "regiomonitor.sqlite"))
    name = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(f"{postgres_server}/postgres", autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    yield f"{postgres_server}/{name}"
    with psycopg.connect(f"{postgres_server}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE {name} WITH (FORCE)")
