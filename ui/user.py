"""User data (targets, peer groups, notes) for the pages, and who is editing."""

from __future__ import annotations

import getpass

import streamlit as st

from indicators.userdata import UserData, default_path


@st.cache_resource(show_spinner=False)
def _userdata(path: str) -> UserData:
    return UserData(path)


def userdata() -> UserData:
    return _userdata(str(default_path()))


def custom_groups() -> dict[str, list[str]]:
    """Saved peer groups by name; read on every run (tiny table) so edits by colleagues show at once."""
    return {g.name: list(g.members) for g in userdata().peer_groups()}


def current_user() -> str:
    """Name recorded in the audit trail: the signed-in user, else the local account."""
    user = getattr(st, "user", None)
    if user is not None and getattr(user, "is_logged_in", False):
        return str(user.get("email") or user.get("name") or "angemeldet")
    name = st.session_state.get("editor_name")
    if name:
        return str(name)
    try:
        return f"lokal:{getpass.getuser()}"
    except Exception:
        return "lokal"
