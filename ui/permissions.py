"""Who may change what, in one place: the rules are in indicators/auth.py, the sign-in in ui/auth.py.

* Reading: everybody, unless sign-in is required (``REGIOMONITOR_REQUIRE_LOGIN=1`` / ``require_login``).
* Editing targets, managing peer groups, importing official files: a signed-in editor. Without any sign-in
  configured (fresh installation), the local session only (the browser on the machine running RegioMonitor).
* Import can in addition be switched off for everybody with ``REGIOMONITOR_ALLOW_IMPORT=0``.
"""

from __future__ import annotations

import os

from indicators import auth


def can_edit() -> bool:
    """Whether the current session may add, change and delete targets and peer groups."""
    from ui import auth as auth_ui

    cfg = auth_ui.config()
    return auth.may_edit(cfg, auth_ui.identity(cfg), is_local_session())


def edit_hint() -> str:
    """Why the session may not edit, and what to do about it (German, for an info box)."""
    from ui import auth as auth_ui
    from ui import html

    cfg = auth_ui.config()
    found = auth_ui.identity(cfg)
    if found is not None:
        return f"Angemeldet als {html.md(found.name)} mit Leserecht: Ändern können nur Personen mit Bearbeitungsrecht."
    if cfg.configured:
        return "Zum Ändern bitte in der Seitenleiste mit Bearbeitungsrecht anmelden (Rolle „editor“)."
    return (
        "Ändern ist nur an dem Rechner möglich, auf dem RegioMonitor läuft, solange keine Anmeldung "
        "eingerichtet ist (siehe README: Anmeldung und Rollen)."
    )


#: ``0`` switches the import page off for everybody; unset or ``1`` leaves it to the roles above.
IMPORT_ENV = "REGIOMONITOR_ALLOW_IMPORT"
_LOCAL_ADDRESSES = {"127.0.0.1", "::1", "localhost"}
_FORWARD_HEADERS = ("X-Forwarded-For", "X-Real-Ip", "Forwarded")


def _is_local(address: str) -> bool:
    """``127.0.0.1``, ``::1``, ``[::1]:8501``, ``for=127.0.0.1`` ... are local; anything else is not."""
    text = address.strip().strip('"')
    for part in text.split(";"):
        if part.strip().lower().startswith("for="):
            text = part.strip()[4:].strip('"')
            break
    if text.startswith("["):
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    return text in _LOCAL_ADDRESSES


def is_local_session() -> bool:
    """Whether the browser connects from this machine: Streamlit reports no client address for localhost (a
    real connection gives a str, None for localhost; AppTest and scripts have no client and count as local)
    and no proxy header names another client."""
    import streamlit as st

    try:
        address = st.context.ip_address
        headers = st.context.headers
    except Exception:  # no session context (scripts, tests): treat as local
        return True
    if isinstance(address, str) and not _is_local(address):
        return False
    for name in _FORWARD_HEADERS:
        value = headers.get(name) if headers is not None else None
        if isinstance(value, str) and value and not all(_is_local(part) for part in value.split(",") if part.strip()):
            return False
    return True


def import_allowed() -> bool:
    """Whether this session may upload official files and rebuild the warehouse (page *Daten › Import*).

    A signed-in editor may; without any sign-in configured, the local session may (a reverse proxy on the same
    host is recognised by its forwarding headers). ``REGIOMONITOR_ALLOW_IMPORT=0`` switches the import off
    for everybody, e.g. on a shared server where files arrive by ``python -m indicators build``.
    """
    from ui import auth as auth_ui

    switched_on = os.environ.get(IMPORT_ENV, "1").strip() == "1"
    cfg = auth_ui.config()
    return auth.may_import(cfg, auth_ui.identity(cfg), is_local_session(), switched_on)


def import_hint() -> str:
    """Why the import page is closed (German)."""
    from ui import auth as auth_ui

    if os.environ.get(IMPORT_ENV, "1").strip() != "1":
        return (
            "Der Import ist auf diesem Server abgeschaltet (REGIOMONITOR_ALLOW_IMPORT=0). Neue amtliche Dateien "
            "im Rohdatenordner ablegen und `python -m indicators build` ausführen."
        )
    if auth_ui.config().configured:
        return "Importieren dürfen nur angemeldete Personen mit Bearbeitungsrecht: bitte in der Seitenleiste anmelden."
    return (
        "Importieren lässt sich nur lokal auf dem Rechner, auf dem RegioMonitor läuft, solange keine Anmeldung "
        "eingerichtet ist, oder mit `python -m indicators build` nach dem Ablegen der Dateien im Rohdatenordner."
    )
