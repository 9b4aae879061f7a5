"""Who may change what. One place, so that sign-in and roles (issue 7) only have to change this module."""

from __future__ import annotations


def can_edit() -> bool:
    """Whether the current session may add, change, delete and import targets.

    Open to everyone for now; issue 7 replaces this with a check of the signed-in user's role.
    """
    return True


#: ``0`` switches the import page off; unset or ``1`` allows it for local sessions only.
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


def import_allowed() -> bool:
    """Whether this session may upload official files and rebuild the warehouse (page *Daten › Import*).

    Allowed only for local use until issue 7 brings roles: the environment variable REGIOMONITOR_ALLOW_IMPORT
    is unset or ``1`` AND the browser connects from this machine (Streamlit reports no client address for
    localhost) AND no proxy header names another client. Any other value of the variable (``0``) switches the
    import off, e.g. on a shared server; a reverse proxy on the same host is recognised by its forwarding headers.
    """
    import os

    import streamlit as st

    if os.environ.get(IMPORT_ENV, "1").strip() != "1":
        return False
    try:
        address = st.context.ip_address
        headers = st.context.headers
    except Exception:  # no session context (scripts, tests): treat as local
        return True
    # a real connection gives a str (None for localhost); anything else means no client (AppTest, scripts)
    if isinstance(address, str) and not _is_local(address):
        return False
    for name in _FORWARD_HEADERS:
        value = headers.get(name) if headers is not None else None
        if isinstance(value, str) and value and not all(_is_local(part) for part in value.split(",") if part.strip()):
            return False
    return True
