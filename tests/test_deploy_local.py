"""``python -m deploy.local``: one command starts the replicas and nginx, the app answers through nginx with the
security headers of serve.py (once), a fresh installation's first editor password appears on the command's console
(not in a replica's log), a replica that dies is started again, and SIGTERM stops everything it started."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from deploy import local
from tests.deploy_support import require_nginx

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def streamlit_on(port: int) -> int:
    """The process id of the Streamlit server started with ``--server.port <port>``."""
    for proc in Path("/proc").iterdir():
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"streamlit" in args and b"--server.port" in args and args[args.index(b"--server.port") + 1] == b"%d" % port:
            return int(proc.name)
    raise AssertionError(f"kein Streamlit-Prozess auf Port {port}")


def websocket_status(port: int, host: str) -> int:
    """HTTP status of a websocket upgrade to the app through nginx, with the Host header a browser would send."""
    request = (
        f"GET /_stcore/stream HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Protocol: streamlit\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request.encode())
        return int(sock.recv(100).split()[1])


def wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    raise AssertionError(f"nicht erreicht in {seconds} s: {what}")


def test_one_command_starts_replicas_behind_nginx_and_sigterm_stops_them_all(tmp_path, demo_warehouse):
    require_nginx()
    port = local.free_port()
    run_dir = tmp_path / "betrieb"
    env = os.environ | {"REGIOMONITOR_USERDATA": str(tmp_path / "nutzer.sqlite"), "PYTHONUNBUFFERED": "1"}
    env.pop(local.DATABASE_URL_ENV, None)
    command = [sys.executable, "-m", "deploy.local", "--replicas", "2", "--port", str(port)]
    command += ["--warehouse", str(demo_warehouse), "--run-dir", str(run_dir), "--server-name", "rm.kreis.example"]
    output = tmp_path / "ausgabe.txt"
    with open(output, "wb") as sink:
        starter = subprocess.Popen(command, cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: "läuft" in output.read_text() or starter.poll() is not None, 240, "Startmeldung")
        text = output.read_text()
        assert f"RegioMonitor läuft: http://127.0.0.1:{port} (2 Replikate" in text, text
        assert "SQLite" in text and "Hinweis" in text  # says that several machines need PostgreSQL
        conf = (run_dir / "nginx.conf").read_text()
        ports = [int(p) for p in re.findall(r"server 127\.0\.0\.1:(\d+) ", conf)]
        assert len(ports) == 2
        for replica_port in ports:
            assert answers(f"http://127.0.0.1:{replica_port}/_stcore/health")
        assert answers(f"http://127.0.0.1:{port}/")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
            assert response.headers.get_all("Content-Security-Policy") == ["frame-ancestors 'self'"]  # serve.py's
            assert response.headers.get_all("X-Frame-Options") == ["SAMEORIGIN"]
        assert "erstes Bearbeitungskonto angelegt" in text and "Name:     redaktion" in text
        assert (tmp_path / "accounts.toml").exists()  # beside the user data, for every replica
        for log in run_dir.glob("replica-*.log"):
            assert "Passwort" not in log.read_text(errors="replace")
        # the websocket through nginx: accepted under the names given, refused under any other (DNS rebinding)
        assert websocket_status(port, f"127.0.0.1:{port}") == 101
        assert websocket_status(port, "rm.kreis.example") == 101
        assert websocket_status(port, "angreifer.example") != 101
        nginx_pid = int((run_dir / "nginx.pid").read_text())

        # a replica that dies is started again on its port
        os.kill(streamlit_on(ports[0]), signal.SIGKILL)
        wait_for(lambda: "Replikat 1 war beendet" in output.read_text(), 60, "Neustart gemeldet")
        wait_for(lambda: answers(f"http://127.0.0.1:{ports[0]}/_stcore/health"), 180, "Replikat 1 wieder da")

        starter.send_signal(signal.SIGTERM)
        assert starter.wait(timeout=60) == 0
    finally:
        if starter.poll() is None:
            starter.kill()
    assert output.read_text().rstrip().endswith("Beendet.")
    assert not answers(f"http://127.0.0.1:{port}/")
    for replica_port in ports:
        assert not answers(f"http://127.0.0.1:{replica_port}/_stcore/health")
    with pytest.raises(ProcessLookupError):
        os.kill(nginx_pid, 0)
