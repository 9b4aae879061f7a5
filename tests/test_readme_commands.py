"""Every command README.md shows runs as written.

The commands are read from README.md itself: every line of a fenced ``bash`` block and every inline command in
backticks that starts with ``python``, ``pip`` or ``streamlit``. Each one is run in README order with ``bash -c``
in a scratch copy of the project (so ``data/warehouse``, ``bench/results.json`` and the other relative paths land
there, never in the working tree), with small parameters where the README's would take minutes: fewer sessions and
seconds, ``--tiny``, one test module, the hand-made fixtures as ``data/raw``. ``SMALL`` below says for every
command how it is made small; a command added to README without an entry there fails the first test. Long-running
commands (``streamlit run``) are started, checked for a healthy server that serves the app, and stopped. The
PostgreSQL commands run against a throwaway cluster (skipped with the reason where PostgreSQL is not installed).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.userdata_postgres import postgres_server  # noqa: F401 - fixture

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
#: What the scratch copy holds: the code, the configuration and the tests (the fixtures become data/raw), and the
#: list of equivalent mutants the mutation command checks its survivors against. Not the rest of docs/: the
#: validate command must write docs/validation.md itself.
COPIED = ["app.py", "serve.py", "app_pages", "ui", "indicators", "bench", "deploy", "tests", ".streamlit"]
COPIED += ["pyproject.toml"]
COPIED += ["requirements.txt", "requirements-dev.txt", "docs/mutation.md"]
PLACEHOLDER_URL = "postgresql://nutzer:passwort@host:5432/regiomonitor"
PASSWORD = "Lange-Passphrase-fuer-den-Test-2026"


def readme_commands(text: str) -> list[str]:
    """The commands in README order, without their trailing comments."""
    found: list[tuple[int, str]] = []
    for block in re.finditer(r"^[ \t]*```bash\n(.*?)^[ \t]*```", text, re.S | re.M):
        for offset, line in enumerate(block.group(1).splitlines()):
            command = line.split("  #")[0].strip()
            if command:
                found.append((block.start(1) + offset, command))
    for inline in re.finditer(r"`((?:python|pip|streamlit) [^`]+)`", text):
        found.append((inline.start(), inline.group(1).strip()))
    return [command for _, command in sorted(found)]


def replace(**numbers: str) -> Callable[[str], str]:
    """Smaller values for options, e.g. ``--sessions 25`` -> ``--sessions 2``."""

    def small(command: str) -> str:
        for option, value in numbers.items():
            command = re.sub(rf"--{option} \S+", f"--{option} {value}", command)
        return command

    return small


def append(extra: str) -> Callable[[str], str]:
    return lambda command: f"{command} {extra}"


def as_written(command: str) -> str:
    return command


SERVER = "server"
DEPLOY = "deploy"
#: README command -> how it runs here (SERVER, DEPLOY: started, checked and stopped).
SMALL: dict[str, Callable[[str], str] | str] = {
    "pip install -r requirements.txt && streamlit run serve.py": SERVER,
    "streamlit run serve.py --server.fileWatcherType auto": SERVER,
    "pip install -r requirements-dev.txt && python -m pytest -q": append("tests/test_ags.py -p no:cacheprovider"),
    "python -m pytest -q": append("tests/test_ags.py -p no:cacheprovider"),
    'python -m pytest -q -m "not slow"': append("tests/test_ags.py -p no:cacheprovider"),
    "python -m tests.mutation": append("formatting"),
    "python -m tests.mutation formatting": as_written,
    "python -m indicators build --raw data/raw --out data/warehouse": as_written,
    "python -m indicators report --out data/warehouse": as_written,
    "python -m indicators demo --out data/warehouse": as_written,
    "python -m indicators hash-password": as_written,
    "python -m indicators account set anna": as_written,  # the password twice on standard input
    "python -m indicators account list": as_written,
    "python -m indicators account remove anna": as_written,
    "createdb regiomonitor": as_written,
    f"python -m indicators userdata migrate --to {PLACEHOLDER_URL}": as_written,
    f"export REGIOMONITOR_DATABASE_URL={PLACEHOLDER_URL}": as_written,
    "python -m indicators userdata backup --to sicherung/2026-11-21.sqlite": as_written,
    "python -m indicators userdata restore --from sicherung/2026-11-21.sqlite": as_written,
    "python -m indicators validate --warehouse data/warehouse --out docs/validation.md": as_written,
    "python -m bench": append("--tiny"),
    "python -m bench --tiny": as_written,
    "python bench/load.py": append("--sessions 2 --duration 3 --editors 1"),
    (
        "python bench/load.py --warehouse data/warehouse --sessions 25 --duration 60 --editors 25 "
        "--json bench/load-real.json"
    ): replace(sessions="2", duration="3", editors="2"),
    "python -m deploy.local --replicas 2 --port 8080": DEPLOY,
    "python -m bench.replicas": append("--sessions 2 --duration 3 --editors 1 --warm 1 --only 1-sqlite 2-postgresql"),
    "python -m bench.replicas --only direkt": append("--sessions 2 --duration 3 --editors 1 --warm 1"),
}


def test_every_readme_command_has_a_small_way_to_run():
    commands = readme_commands(README.read_text(encoding="utf-8"))
    assert commands, "no commands found in README.md"
    assert sorted(set(commands) - set(SMALL)) == [], "README commands without an entry in SMALL"
    assert sorted(set(SMALL) - set(commands)) == [], "entries in SMALL that README no longer shows"


def test_the_extraction_finds_fenced_and_inline_commands():
    text = "a\n```bash\nx --y 1   # comment\n\n  z\n```\nrun `python -m q --r` or `ruff`\n```toml\nk = 1\n```\n"
    assert readme_commands(text) == ["x --y 1", "z", "python -m q --r"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _scratch(tmp_path: Path) -> Path:
    work = tmp_path / "projekt"
    work.mkdir()
    ignore = shutil.ignore_patterns(
        "__pycache__", "*.pyc", "results.json", "results.md", "load*.json", "replicas.json", "replicas.md"
    )
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, work / name, ignore=ignore)
        elif source.exists():
            (work / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, work / name)
    shutil.copytree(ROOT / "tests" / "fixtures", work / "data" / "raw")
    return work


def _user_data(work: Path) -> None:
    """A user-data file at the default path with one target, so backup, restore and migrate have something."""
    from indicators.domain.targets import Target
    from indicators.userdata import UserData

    path = work / "data" / "userdata" / "regiomonitor.sqlite"
    path.parent.mkdir(parents=True)
    UserData(path).add_target(Target(None, "15087", "alq", 8.0, 2030), "readme")


def _serve(command: str, work: Path, env: dict) -> str:
    """Start the long-running command on a free port, wait for a healthy server that serves the app, stop it."""
    port = _free_port()
    command += f" --server.port {port} --server.address 127.0.0.1 --server.headless true"
    server = subprocess.Popen(
        ["bash", "-c", command], cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            assert server.poll() is None, server.stdout.read().decode(errors="replace")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as answer:
                    if answer.read().strip() == b"ok":
                        break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail(f"{command}: no healthy server within 180 s")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as answer:
            page = answer.read().decode(errors="replace")
        assert answer.status == 200 and "<html" in page.lower()
        return page
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


def _serve_replicas(command: str, work: Path, env: dict) -> None:
    """Start the replicas behind nginx on a free port, wait until the app answers through nginx, stop them with
    SIGTERM as Ctrl+C would, and expect a clean exit."""
    from tests.deploy_support import require_nginx

    require_nginx()
    port = _free_port()
    command = re.sub(r"--port \S+", f"--port {port}", command)
    launcher = subprocess.Popen(
        ["bash", "-c", f"exec {command}"], cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            assert launcher.poll() is None, launcher.stdout.read().decode(errors="replace")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as answer:
                    if answer.status == 200 and "<html" in answer.read().decode(errors="replace").lower():
                        break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail(f"{command}: nothing served through nginx within 240 s")
    finally:
        launcher.send_signal(signal.SIGTERM)
        try:
            code = launcher.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(launcher.pid, signal.SIGKILL)
            raise
    assert code == 0, launcher.stdout.read().decode(errors="replace")


@pytest.mark.slow
def test_every_readme_command_runs_as_written(tmp_path, request):
    commands = readme_commands(README.read_text(encoding="utf-8"))
    work = _scratch(tmp_path)
    _user_data(work)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REGIOMONITOR_", "STREAMLIT_", "PG"))}
    env |= {"PYTHONPATH": str(work), "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"}
    needs_postgres = [c for c in commands if "postgresql://" in c or c.startswith("createdb")]
    url = None
    if needs_postgres:
        server = request.getfixturevalue("postgres_server")  # skips with the reason without PostgreSQL
        match = re.match(r"postgresql://(?P<user>[^:]+):(?P<password>[^@]+)@(?P<host>[^:]+):(?P<port>\d+)", server)
        env |= {"PGHOST": match["host"], "PGPORT": match["port"], "PGUSER": match["user"]}
        env |= {"PGPASSWORD": match["password"], "PGDATABASE": "postgres"}
        url = f"{server}/regiomonitor"
    for command in commands:
        how = SMALL[command]
        if how == SERVER:
            _serve(command, work, env)
            continue
        if how == DEPLOY:
            _serve_replicas(command, work, env)
            continue
        small = how(command)
        if url:
            small = small.replace(PLACEHOLDER_URL, url)
        done = subprocess.run(
            ["bash", "-c", small], cwd=work, env=env, capture_output=True, text=True, timeout=900,
            input=f"{PASSWORD}\n{PASSWORD}\n", start_new_session=True,
        )  # fmt: skip
        assert done.returncode == 0, f"{small}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    # what the commands promise is there
    assert (work / "data" / "warehouse" / "manifest.json").exists()
    assert (work / "sicherung" / "2026-11-21.sqlite").exists()
    assert (work / "docs" / "validation.md").exists()
    assert (work / "bench" / "results.json").exists() and (work / "bench" / "load.json").exists()
    assert (work / "bench" / "load-real.json").exists()
    assert (work / "bench" / "replicas.json").exists()
