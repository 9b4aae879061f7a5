"""Shared pieces of the deploy tests: nginx must be installed (skip with the reason without it; CI installs it
and fails instead), and a session that drives the real app over Streamlit's websocket as a browser does."""

from __future__ import annotations

import asyncio
import re
import time
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import urlencode

from deploy import local
from tests.conftest import skip_or_fail

MISSING_NGINX = "nginx ist nicht installiert (Debian: apt-get install -y nginx)"


def require_nginx() -> str:
    try:
        return local.nginx_binary()
    except local.DeployError:
        skip_or_fail(MISSING_NGINX)


def replica_of(cluster: local.Cluster, cookie: str) -> str:
    """Which replica nginx sends a route cookie to, read from nginx's access log (upstream=host:port)."""
    marker = f"/_stcore/health?probe={cookie}"
    request = urllib.request.Request(cluster.url + marker, headers={"Cookie": f"regiomonitor_route={cookie}"})
    urllib.request.urlopen(request, timeout=30).read()
    for _ in range(50):  # the log line is written when the answer is complete
        for line in reversed(cluster.access_log.read_text().splitlines()):
            if marker in line:
                return re.search(r"upstream=(\S+)", line).group(1)
        time.sleep(0.1)
    raise AssertionError(f"{marker} nicht im Zugriffsprotokoll")


def cookies_per_replica(cluster: local.Cluster) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for n in range(200):
        found.setdefault(replica_of(cluster, f"sitzung{n}"), []).append(f"sitzung{n}")
        if len(found) == 2 and all(len(v) >= 2 for v in found.values()):
            return found
    raise AssertionError(f"nginx verteilt nicht auf beide Replikate: {found}")


# --- a browser session over Streamlit's websocket, with the route cookie that pins it to one replica ---------


@dataclass
class Widget:
    id: str
    kind: str  # the element type: text_input, button, ...
    label: str
    form_id: str
    shown: tuple[str, object] | None  # (WidgetState field, value) the browser would send for what is shown
    options: tuple[str, ...] = ()  # the labels a selectbox or radio offers
    submits: bool = False  # a form's submit button


def _shown(kind: str, body) -> tuple[str, object] | None:
    """The value a browser sends for a widget as drawn (only the kinds the target forms use)."""
    if kind in ("text_input", "text_area"):
        return "string_value", body.default
    if kind == "radio":
        return "string_value", body.options[body.default]
    if kind == "date_input":
        return "string_array_value", list(body.default)
    if kind == "checkbox":
        return "bool_value", body.default
    return None


@dataclass
class Run:
    """What one script run drew: widgets (by the key the page gave them) and the text of alerts and markdown."""

    widgets: dict[str, Widget] = field(default_factory=dict)  # the ones with a key
    every: list[Widget] = field(default_factory=list)  # all, also the ones without a key
    alerts: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)

    def widget(self, key: str) -> Widget:
        return self.widgets[key]

    def submit(self, key: str, typed: dict[str, str]) -> dict:
        """What a browser sends when the form holding widget ``key`` is submitted: every field of the form as
        shown, the ``typed`` fields (by key) changed, and the click on its submit button."""
        form = self.widget(key).form_id
        button = next(w for w in self.every if w.submits and w.form_id == form)
        values = {w.id: w.shown for w in self.every if w.form_id == form and w.shown is not None}
        for name, text in typed.items():
            values[self.widget(name).id] = ("string_value", text)
        values[button.id] = ("trigger_value", True)
        return values


class AppSession:
    """One browser session: reruns a page with a query string and widget values, as the browser does."""

    def __init__(self, base_url: str, cookie: str | None = None):
        self.uri = base_url.replace("http://", "ws://") + "/_stcore/stream"
        self.headers = {"Cookie": f"regiomonitor_route={cookie}"} if cookie else {}
        self.ws = None

    async def __aenter__(self) -> AppSession:
        import websockets

        self.ws = await websockets.connect(
            self.uri, subprotocols=["streamlit"], max_size=None, open_timeout=120, additional_headers=self.headers
        )
        return self

    async def __aexit__(self, *exc) -> None:
        await self.ws.close()

    async def run(self, page: str, query: dict[str, str], values: dict[str, tuple[str, object]] | None = None) -> Run:
        """``values`` maps widget ids to (WidgetState field, value), e.g. ``("string_value", "7,5")``."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = BackMsg()
        msg.rerun_script.query_string = urlencode(query)
        msg.rerun_script.page_name = page
        for widget_id, (kind, value) in (values or {}).items():
            state = msg.rerun_script.widget_states.widgets.add()
            state.id = widget_id
            if kind == "string_array_value":
                state.string_array_value.data.extend(value)
            else:
                setattr(state, kind, value)
        await self.ws.send(msg.SerializeToString())
        run = Run()
        while True:
            forward = ForwardMsg()
            forward.ParseFromString(await asyncio.wait_for(self.ws.recv(), timeout=300))
            kind = forward.WhichOneof("type")
            if kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                element = forward.delta.new_element
                etype = element.WhichOneof("type")
                body = getattr(element, etype)
                if etype == "alert":
                    run.alerts.append(body.body)
                elif etype == "markdown":
                    run.texts.append(body.body)
                elif etype == "exception":
                    run.exceptions.append(f"{body.type}: {body.message}")
                elif getattr(body, "id", "") and hasattr(body, "label"):
                    key = body.id.rsplit("-", 1)[-1]  # $$ID-<hash>-<user key>
                    form, options = getattr(body, "form_id", ""), tuple(getattr(body, "options", ()))
                    submits = bool(getattr(body, "is_form_submitter", False))
                    widget = Widget(body.id, etype, body.label, form, _shown(etype, body), options, submits)
                    run.every.append(widget)
                    if key != "None":  # Streamlit's id of a widget without a key ends in -None
                        run.widgets[key] = widget
            elif kind == "script_finished" and forward.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                return run
