"""User data (targets, peer groups, notes) for the pages, and who is editing."""

from __future__ import annotations

import getpass

import streamlit as st

from indicators.auth import EDITOR, READER
from indicators.userdata import Editor, UserData, default_location, sign_in


@st.cache_resource(show_spinner=False)
def _userdata(location: str) -> UserData:
    return UserData(location)


def userdata() -> UserData:
    """One UserData per process and database (SQLite file or ``REGIOMONITOR_DATABASE_URL``)."""
    return _userdata(default_location())


def custom_groups() -> dict[str, list[str]]:
    """Saved peer groups by name; read on every run (tiny table) so edits by colleagues show at once."""
    return {g.name: list(g.members) for g in userdata().peer_groups()}


def client_address() -> str:
    """The address the sign-in throttle counts failures under (see :mod:`indicators.userdata.sign_in` for when a
    proxy's ``X-Forwarded-For`` is believed); never used to grant a right."""
    try:
        peer = st.context.ip_address
        headers = st.context.headers
    except Exception:  # noqa: BLE001 - no session context (scripts): the local machine
        return sign_in.LOCAL
    forwarded = headers.get("X-Forwarded-For") if headers is not None else None
    # a real connection gives text or None (loopback); anything else (AppTest's stand-in) counts as local
    peer = peer if isinstance(peer, str) else None
    forwarded = forwarded if isinstance(forwarded, str) else None
    return sign_in.client_address(peer, forwarded, sign_in.trusted_proxies())


def editor() -> Editor:
    """Who is writing and whether they may, looked up now, when a form is sent (not when it was drawn):
    every write method of UserData refuses a reader."""
    from ui.permissions import can_edit

    return Editor(current_user(), EDITOR if can_edit() else READER)


def current_user() -> str:
    """Name recorded in the audit trail: the signed-in user (e-mail with an identity provider, the user name
    with the local sign-in), else the name typed on the page, else the local account."""
    from ui import auth as auth_ui

    found = auth_ui.identity()
    if found is not None:
        return found.name
    name = st.session_state.get("editor_name")
    if name:
        return str(name)
    try:
        return f"lokal:{getpass.getuser()}"
    except Exception:
        return "lokal"


def flash(key: str, kind: str, text: str) -> None:
    """Keep the outcome of a write callback (``success``, ``info`` or ``error``) for the next run to show."""
    st.session_state[key] = (kind, text)


def show_flash(key: str) -> None:
    """Show, once, what :func:`flash` kept under ``key``."""
    kind, text = st.session_state.pop(key, (None, None))
    if kind == "success":
        st.success(text, icon=":material/check_circle:")
    elif kind == "info":
        st.info(text, icon=":material/info:")
    elif kind == "error":
        st.error(text, icon=":material/cancel:")
