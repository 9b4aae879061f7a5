"""What the web server adds to Streamlit: no framing by other sites, no public metrics, no cache flushing.

Streamlit 1.67 has no setting for response headers, for switching off ``/_stcore/metrics`` or for ignoring a
browser's "clear cache" request (it empties every cache for every user). Its supported way to extend the
server is ``st.App(..., middleware=[...])``; ``serve.py`` starts the app with this ASGI middleware:

* every HTTP response gets ``Content-Security-Policy: frame-ancestors 'self'`` and ``X-Frame-Options:
  SAMEORIGIN`` (no other site can frame the app and trick a signed-in editor into clicks), plus
  ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: same-origin``. ``REGIOMONITOR_FRAME_ANCESTORS``
  (space-separated origins) allows an intranet portal to embed it; then only the CSP names them.
* ``/_stcore/metrics`` answers 404 unless ``REGIOMONITOR_METRICS=1`` (then restrict it at the proxy).
* a ``clear_cache`` message on the websocket is dropped for everybody; the caches are keyed by the warehouse
  version, so a rebuild shows without it (``ui/data.py``).

Pure ASGI, no Streamlit session involved; :data:`ACTIVE` tells the pages whether they are served through it.
"""

from __future__ import annotations

from indicators import settings

FRAME_ANCESTORS_ENV = "REGIOMONITOR_FRAME_ANCESTORS"
METRICS_ENV = "REGIOMONITOR_METRICS"
METRICS_PATH = "/_stcore/metrics"

#: Set when the middleware has been built into the running server (``serve.py``).
ACTIVE = False


def security_headers(environ: dict | None = None) -> list[tuple[bytes, bytes]]:
    extra = " ".join(
        o for o in settings.get(FRAME_ANCESTORS_ENV, environ).split() if o.startswith(("https://", "http://"))
    )
    headers = [
        (b"content-security-policy", f"frame-ancestors 'self'{' ' + extra if extra else ''}".encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
    ]
    if not extra:
        headers.append((b"x-frame-options", b"SAMEORIGIN"))
    return headers


def is_clear_cache(data: bytes) -> bool:
    """Whether a websocket frame from the browser is Streamlit's "clear cache" request."""
    from streamlit.proto.BackMsg_pb2 import BackMsg

    message = BackMsg()
    try:
        message.ParseFromString(data)
    except Exception:  # noqa: BLE001 - protobuf's DecodeError: not a BackMsg, let Streamlit answer it
        return False
    return message.WhichOneof("type") == "clear_cache"


class HttpGuard:
    """ASGI middleware for the Streamlit app (see the module docstring)."""

    def __init__(self, app, environ: dict | None = None):
        global ACTIVE
        self.app = app
        self.headers = security_headers(environ)
        self.metrics = settings.switched_on(METRICS_ENV, environ)
        ACTIVE = True

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            if not self.metrics and scope.get("path", "").rstrip("/").endswith(METRICS_PATH):
                await _not_found(send, self.headers)
                return

            async def send_with_headers(message):
                if message["type"] == "http.response.start":
                    names = {name.lower() for name, _ in message.get("headers", [])}
                    message = dict(message)
                    message["headers"] = list(message.get("headers", [])) + [
                        (name, value) for name, value in self.headers if name not in names
                    ]
                await send(message)

            await self.app(scope, receive, send_with_headers)
            return
        if scope["type"] == "websocket":

            async def receive_without_cache_flush():
                while True:
                    message = await receive()
                    data = message.get("bytes") if message["type"] == "websocket.receive" else None
                    if data and is_clear_cache(data):
                        continue
                    return message

            await self.app(scope, receive_without_cache_flush, send)
            return
        await self.app(scope, receive, send)


async def _not_found(send, headers: list[tuple[bytes, bytes]]) -> None:
    body = b"Nicht gefunden."
    start = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 404, "headers": start + headers})
    await send({"type": "http.response.body", "body": body})
