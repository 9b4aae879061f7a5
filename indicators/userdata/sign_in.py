"""Failed sign-ins, throttled per account and per client address and kept in the user database, so that neither a
new browser session (a new websocket) nor a restart or another replica resets the count.

An attempt is written as a failure *before* the password is checked and taken back when it was right, in one
write transaction with the check of the counts: parallel attempts cannot slip past the limit.

The client address is what Streamlit reports for the connection (``st.context.ip_address``; ``None`` for
loopback). Streamlit's server (uvicorn) already replaces the peer by the ``X-Forwarded-For`` client when the
peer is a proxy on the same machine (``FORWARDED_ALLOW_IPS``, default ``127.0.0.1,::1``). For a proxy elsewhere
(a container, another host) list its address in ``REGIOMONITOR_TRUSTED_PROXIES``; the header is read only when
the peer is such a proxy, from the right, so a client cannot choose its own address by sending the header.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass

from indicators import settings
from indicators.userdata.database import Connection

#: Failures of one account, from anywhere, within the window.
ACCOUNT_LIMIT = 5
#: Failures from one client address, on any accounts, within the window (an office behind one NAT shares it).
ADDRESS_LIMIT = 20
WINDOW_SECONDS = 15 * 60
TRUSTED_PROXIES_ENV = "REGIOMONITOR_TRUSTED_PROXIES"
#: The address a loopback connection (no address from Streamlit) is counted under.
LOCAL = "lokal"
_MAX_KEY = 200


@dataclass(frozen=True)
class Attempt:
    """Whether a password may be checked now; if not, how long to wait. ``id`` names the stored attempt."""

    allowed: bool
    wait_seconds: int = 0
    id: int | None = None


def account_key(name: object) -> str:
    """Names differing only in case or surrounding blanks are one account."""
    return str(name or "").strip().casefold()[:_MAX_KEY]


def wait_seconds(times: list[float], limit: int, window: float, now: float) -> int:
    """Seconds until fewer than ``limit`` of the failures at ``times`` lie within ``window`` before now."""
    recent = sorted(t for t in times if t > now - window)  # one stamped a moment later by another process counts
    if len(recent) < limit:
        return 0
    return max(1, int(recent[-limit] + window - now + 0.999))


def begin(conn: Connection, account: str, address: str, now: float) -> Attempt:
    """Check both limits and, if allowed, store the attempt as a failure (in the caller's write transaction)."""
    conn.execute("DELETE FROM sign_in_failures WHERE failed_at <= ?", (now - WINDOW_SECONDS,))
    by_account = [
        r["failed_at"] for r in conn.execute("SELECT failed_at FROM sign_in_failures WHERE account = ?", (account,))
    ]
    by_address = [
        r["failed_at"] for r in conn.execute("SELECT failed_at FROM sign_in_failures WHERE address = ?", (address,))
    ]
    wait = max(
        wait_seconds(by_account, ACCOUNT_LIMIT, WINDOW_SECONDS, now),
        wait_seconds(by_address, ADDRESS_LIMIT, WINDOW_SECONDS, now),
    )
    if wait:
        return Attempt(False, wait)
    row = conn.execute(
        "INSERT INTO sign_in_failures (account, address, failed_at) VALUES (?, ?, ?) RETURNING id",
        (account, address, now),
    ).fetchone()
    return Attempt(True, 0, row["id"])


def succeeded(conn: Connection, attempt_id: int, account: str) -> None:
    """The password was right: the attempt was no failure, and the account's earlier failures are forgiven."""
    conn.execute("DELETE FROM sign_in_failures WHERE id = ? OR account = ?", (attempt_id, account))


# --- the client address ----------------------------------------------------------------------------------------


def trusted_proxies(environ: Mapping[str, str] | None = None) -> frozenset[str]:
    """Addresses of reverse proxies whose ``X-Forwarded-For`` is believed (comma-separated setting)."""
    text = settings.get(TRUSTED_PROXIES_ENV, environ)
    return frozenset(_normal(part) for part in text.split(",") if part.strip())


def client_address(peer: str | None, forwarded_for: str | None, trusted: frozenset[str]) -> str:
    """The address failures are counted under: the connection's peer, or, when the peer is a trusted proxy, the
    right-most address in ``X-Forwarded-For`` that is not itself a trusted proxy (what the proxy saw)."""
    address = LOCAL if peer is None else _normal(peer)
    # Streamlit reports no address for loopback; a proxy on this machine is trusted when loopback is listed
    behind_proxy = address in trusted or (peer is None and bool(trusted & {"127.0.0.1", "::1"}))
    if behind_proxy and forwarded_for:
        for hop in reversed([h for h in (_normal(p) for p in forwarded_for.split(",")) if h]):
            address = hop
            if hop not in trusted:
                break
    return address[:_MAX_KEY]


def _normal(text: str) -> str:
    """``::ffff:10.0.0.1`` and ``10.0.0.1`` are one address; text that is no address is kept as it is."""
    text = text.strip().strip('"')
    try:
        parsed = ipaddress.ip_address(text)
    except ValueError:
        return text
    mapped = getattr(parsed, "ipv4_mapped", None)
    return str(mapped or parsed)
