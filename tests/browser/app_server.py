"""A RegioMonitor server of its own for browser tests that need a fresh process (deep link as the first request).

Waits for the health endpoint, never for a fixed time; stops the server it started.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Streamlit reruns take well under a second here; generous limit for a loaded CI machine.
CONTENT_TIMEOUT_MS = 180_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_app(warehouse: Path, userdata: Path, extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """Start ``streamlit run serve.py`` (the app with its HTTP guard, as README says) on a free loopback port;
    yield its base URL once it answers."""
    port = free_port()
    env = dict(os.environ)
    env.update(REGIOMONITOR_WAREHOUSE=str(warehouse), REGIOMONITOR_USERDATA=str(userdata), **(extra_env or {}))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "serve.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 360
        while True:
            try:
                urllib.request.urlopen(base + "/_stcore/health", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("Streamlit server did not start") from None
                time.sleep(0.2)  # polling the health endpoint, not waiting for content
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def wait_for_app(page) -> None:
    """Wait until the first script run after a page load has finished (Streamlit marks its root element).

    The state is checked again after the heading appeared: right after connecting, before the run starts, the app
    already says "notRunning", and the heading is drawn early in the run; a test that typed then (Tab through the
    page) lost its focus to elements the rest of the run replaced.
    """
    finished = "[data-testid='stApp'][data-test-script-state='notRunning'][data-test-connection-state='CONNECTED']"
    page.wait_for_selector(finished, timeout=CONTENT_TIMEOUT_MS)
    page.locator("[data-testid='stMain'] h1").first.wait_for(timeout=CONTENT_TIMEOUT_MS)
    page.wait_for_selector(finished, timeout=CONTENT_TIMEOUT_MS)


def wait_for_rerun(page, changed: str) -> None:
    """After an interaction: wait until the JavaScript predicate ``changed`` holds and the run has finished."""
    page.wait_for_function(changed, timeout=CONTENT_TIMEOUT_MS)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=CONTENT_TIMEOUT_MS)
