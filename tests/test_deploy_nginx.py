"""The nginx configuration in front of the replicas, checked against two small echo servers that report what
reached them: sticky routing by cookie, the client address the app believes, websocket upgrade headers, the
security headers, the upload limit, and failover when a replica is gone."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from deploy import local, nginx
from tests.deploy_support import require_nginx

BIG = bytes(range(256)) * 20_000  # 5 MB, a large download
#: What serve.py's middleware (ui/http_guard.py) sends; nginx adds the same where no replica answered.
SECURITY_HEADERS = {
    "Content-Security-Policy": "frame-ancestors 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
    "Referrer-Policy": "same-origin",
}
#: The app's headers when an intranet portal may frame it (REGIOMONITOR_FRAME_ANCESTORS): no X-Frame-Options.
APP_HEADERS = {
    "Content-Security-Policy": "frame-ancestors 'self' https://portal.kreis.example",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


class Echo(BaseHTTPRequestHandler):
    """Answers with its server's name and the request headers it received (``/missing`` answers 404, ``/app``
    carries the app's security headers)."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if self.path == "/_stcore/health":
            body, status = b"ok", 200
        elif self.path == "/media/gross.xlsx":
            body, status = BIG, 200
        else:
            body = json.dumps({"name": self.server.name, "headers": dict(self.headers.items())}).encode()
            status = 404 if self.path == "/missing" else 200
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for name, value in APP_HEADERS.items() if self.path == "/app" else ():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = _answer

    def log_message(self, *args) -> None:
        pass


class EchoServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, name: str):
        super().__init__(("127.0.0.1", 0), Echo)
        self.name = name
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.server_address[1]

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


@pytest.fixture
def proxy(tmp_path: Path):
    """nginx rendered from the template in front of two echo servers; yields (port, servers by name)."""
    require_nginx()
    servers = [EchoServer("eins"), EchoServer("zwei")]
    port = local.free_port()
    settings = nginx.local_settings([s.port for s in servers], f"127.0.0.1:{port}", tmp_path)
    process = local.start_nginx(settings, tmp_path)
    try:
        local.wait_healthy(f"http://127.0.0.1:{port}", time.monotonic() + 60, process, "nginx", tmp_path / "x")
        yield port, {s.name: s for s in servers}
    finally:
        local.stop_group(process)
        for server in servers:
            server.stop()


def request(port: int, path: str = "/", headers: dict | None = None, method: str = "GET", body: bytes | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        return response.status, dict(response.getheaders()), data
    finally:
        conn.close()


def echoed(port: int, path: str = "/", headers: dict | None = None) -> tuple[str, dict]:
    status, _, data = request(port, path, headers)
    assert status == 200, data
    answer = json.loads(data)
    return answer["name"], {k.lower(): v for k, v in answer["headers"].items()}


def route(cookie: str) -> dict:
    return {"Cookie": f"regiomonitor_route={cookie}"}


def test_a_browser_gets_a_route_cookie_and_stays_on_one_replica(proxy):
    port, _ = proxy
    status, headers, _ = request(port, "/")
    assert status == 200
    cookie = headers["Set-Cookie"]
    assert cookie.startswith("regiomonitor_route=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    value = cookie.split(";")[0].split("=", 1)[1]
    assert len(value) == 32  # nginx's random request id
    # with the cookie: no new cookie, and every request (pages, assets, the websocket) lands on the same replica
    status, headers, _ = request(port, "/", route(value))
    assert "Set-Cookie" not in headers
    names = {echoed(port, path, route(value))[0] for path in ["/", "/static/a.js", "/_stcore/stream", "/media/x"] * 5}
    assert len(names) == 1


def test_different_browsers_are_spread_over_both_replicas(proxy):
    port, servers = proxy
    counts = dict.fromkeys(servers, 0)
    for n in range(40):
        counts[echoed(port, "/", route(f"sitzung-{n}"))[0]] += 1
    assert all(count >= 5 for count in counts.values()), counts  # consistent hashing: roughly half each


def test_the_client_address_is_the_one_nginx_saw_never_the_one_the_client_claims(proxy):
    port, _ = proxy
    _, seen = echoed(port, "/", {"X-Forwarded-For": "10.9.8.7", "X-Real-IP": "10.9.8.7", "Forwarded": "for=10.9.8.7"})
    assert seen["x-forwarded-for"] == "127.0.0.1"
    assert seen["x-real-ip"] == "127.0.0.1"
    assert "forwarded" not in seen
    assert seen["host"] == f"127.0.0.1:{port}"  # Streamlit sees the address the browser used


def test_websocket_upgrade_headers_reach_the_replica_and_plain_requests_carry_none(proxy):
    port, _ = proxy
    upgrade = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13"}
    _, seen = echoed(port, "/_stcore/stream", upgrade)
    assert seen["upgrade"] == "websocket"
    assert seen["connection"].lower() == "upgrade"
    assert seen["x-forwarded-for"] == "127.0.0.1"  # the websocket gets the same client address
    _, plain = echoed(port, "/")
    assert "upgrade" not in plain and plain["connection"] == "close"


def header_values(port: int, path: str) -> tuple[int, dict[str, list[str]]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        values: dict[str, list[str]] = {}
        for name, value in response.getheaders():
            values.setdefault(name.lower(), []).append(value)
        return response.status, values
    finally:
        conn.close()


@pytest.mark.parametrize("path", ["/", "/missing"])
def test_nginx_adds_the_security_headers_where_the_replica_sent_none(proxy, path):
    port, _ = proxy
    status, headers = header_values(port, path)
    assert status == (404 if path == "/missing" else 200)
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name.lower()) == [value], name
    assert len(headers["permissions-policy"]) == 1
    assert headers["server"] == ["nginx"]  # no version number


def test_the_apps_own_security_headers_pass_once_and_unchanged(proxy):
    port, _ = proxy
    status, headers = header_values(port, "/app")
    assert status == 200
    for name, value in APP_HEADERS.items():
        assert headers.get(name.lower()) == [value], name  # exactly once, the app's value
    assert "x-frame-options" not in headers  # the app allows a portal to frame it: nginx must not forbid it


def test_answers_nginx_makes_itself_carry_the_headers(proxy):
    port, servers = proxy
    for server in servers.values():
        server.stop()
    status, headers = header_values(port, "/")
    assert status == 502
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name.lower()) == [value], name


def test_uploads_up_to_50_mb_pass_and_larger_ones_are_refused(proxy):
    """Also from a run folder the nginx workers (another user when started as root) could not enter."""
    port, _ = proxy
    status, _, _ = request(port, "/_stcore/upload_file/x", method="PUT", body=b"x" * 5_000_000)
    assert status == 200
    status, _, data = request(port, "/media/gross.xlsx")
    assert status == 200 and data == BIG
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(b"PUT /_stcore/upload_file/x HTTP/1.1\r\nHost: a\r\nContent-Length: 52428801\r\n\r\n")
        assert sock.recv(200).startswith(b"HTTP/1.1 413")


def test_sessions_of_a_stopped_replica_go_to_the_other(proxy):
    port, servers = proxy
    cookie = next(f"s{n}" for n in range(100) if echoed(port, "/", route(f"s{n}"))[0] == "eins")
    servers["eins"].stop()
    assert echoed(port, "/", route(cookie))[0] == "zwei"
