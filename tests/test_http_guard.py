"""The HTTP guard of serve.py: headers against framing, no public metrics, no cache flushing from a browser.

In-process tests drive the ASGI middleware with hand-built messages; the server tests start the real app with
``streamlit run serve.py`` and read the headers with urllib; Chromium checks that another origin cannot frame it.
"""

from __future__ import annotations

import asyncio
import http.server
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg

from ui.http_guard import HttpGuard, is_clear_cache

ROOT = Path(__file__).resolve().parents[1]


def back_message(kind: str) -> bytes:
    message = BackMsg()
    if kind == "clear_cache":
        message.clear_cache = True
    else:
        message.rerun_script.query_string = "kreis=15087"
    return message.SerializeToString()


class Recorder:
    """An inner ASGI app that records what reaches it."""

    def __init__(self):
        self.received: list[dict] = []

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket":
            while True:
                message = await receive()
                self.received.append(message)
                if message["type"] == "websocket.disconnect":
                    return
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"ok"})


def run_websocket(guard, frames: list[bytes]) -> None:
    queue = [{"type": "websocket.receive", "bytes": f} for f in frames] + [{"type": "websocket.disconnect"}]

    async def receive():
        return queue.pop(0)

    async def send(message):
        pass

    asyncio.run(guard({"type": "websocket", "path": "/_stcore/stream"}, receive, send))


def run_http(guard, path: str) -> list[dict]:
    sent = []

    async def receive():
        return {"type": "http.request", "body": b""}

    async def send(message):
        sent.append(message)

    asyncio.run(guard({"type": "http", "path": path, "method": "GET", "headers": []}, receive, send))
    return sent


def test_clear_cache_frames_never_reach_streamlit_and_the_rest_does():
    inner = Recorder()
    guard = HttpGuard(inner, environ={})
    frames = [back_message("rerun"), back_message("clear_cache"), back_message("rerun"), b"\xff\x00 kein protobuf"]
    run_websocket(guard, frames)
    passed = [m.get("bytes") for m in inner.received if m["type"] == "websocket.receive"]
    assert passed == [frames[0], frames[2], frames[3]]
    assert is_clear_cache(frames[1]) and not is_clear_cache(frames[0]) and not is_clear_cache(frames[3])


def test_every_response_gets_the_framing_headers_and_metrics_are_closed():
    guard = HttpGuard(Recorder(), environ={})
    start = run_http(guard, "/")[0]
    headers = dict(start["headers"])
    assert headers[b"content-security-policy"] == b"frame-ancestors 'self'"
    assert headers[b"x-frame-options"] == b"SAMEORIGIN"
    assert headers[b"x-content-type-options"] == b"nosniff"
    assert run_http(guard, "/_stcore/metrics")[0]["status"] == 404
    assert (
        run_http(HttpGuard(Recorder(), environ={"REGIOMONITOR_METRICS": "1"}), "/_stcore/metrics")[0]["status"] == 200
    )


def test_a_configured_portal_may_frame_it():
    guard = HttpGuard(
        Recorder(), environ={"REGIOMONITOR_FRAME_ANCESTORS": "https://intranet.kreis.example javascript:x"}
    )
    headers = dict(run_http(guard, "/")[0]["headers"])
    assert headers[b"content-security-policy"] == b"frame-ancestors 'self' https://intranet.kreis.example"
    assert b"x-frame-options" not in headers  # it cannot name an origin; the CSP does


# --- the real server ------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(demo_warehouse, tmp_path_factory):
    """``streamlit run serve.py`` as README says, on a free loopback port."""
    folder = tmp_path_factory.mktemp("served")
    port = free_port()
    env = dict(os.environ, REGIOMONITOR_WAREHOUSE=str(demo_warehouse), REGIOMONITOR_USERDATA=str(folder / "ud.sqlite"))
    command = [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.port", str(port)]
    command += ["--server.headless", "true", "--browser.gatherUsageStats", "false"]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/_stcore/health", timeout=1)
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail("serve.py did not start")
            time.sleep(0.2)
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.mark.parametrize("path", ["/", "/ziele", "/_stcore/health", "/_stcore/host-config"])
def test_the_real_server_sends_the_framing_headers(served, path):
    with urllib.request.urlopen(served + path, timeout=10) as response:
        assert response.headers["Content-Security-Policy"] == "frame-ancestors 'self'"
        assert response.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_the_real_server_keeps_its_metrics_to_itself(served):
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(served + "/_stcore/metrics", timeout=10)
    assert caught.value.code == 404


@pytest.mark.browser
def test_another_site_cannot_frame_the_app(served, tmp_path):
    """A page on another origin embeds the app; Chromium must refuse to show it in the frame."""
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Chromium not installed (Debian package chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    (tmp_path / "index.html").write_text(
        f'<html><body><iframe id="app" src="{served}/" width="800" height="600"></iframe></body></html>'
    )
    handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=str(tmp_path), **k)  # noqa: E731
    other = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page()
            # "localhost" is another origin than "127.0.0.1" for the browser, like any other site
            with page.expect_console_message(lambda m: "frame-ancestors" in m.text, timeout=30_000) as message:
                page.goto(f"http://localhost:{other.server_address[1]}/index.html")
            assert "The request has been blocked" in message.value.text
            assert page.frame_locator("#app").locator("[data-testid=stApp]").count() == 0
            browser.close()
    finally:
        other.shutdown()
