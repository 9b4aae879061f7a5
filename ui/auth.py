"""Sign-in for the pages: Streamlit's OIDC (``st.login``) when ``[auth]`` is configured, else a local user list
(``[regiomonitor.users]`` in ``secrets.toml`` and RegioMonitor's own ``accounts.toml``).

The rules live in :mod:`indicators.auth`; this module reads ``st.secrets``, the accounts file, ``st.user`` and
the session and draws the sign-in area of the sidebar and the sign-in page shown when reading requires a sign-in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import streamlit as st

from indicators import accounts, auth
from indicators.auth import AuthConfig, Identity
from ui import html, user

#: Session key holding the name of the locally signed-in user (checked against secrets.toml on every run).
SESSION_KEY = "auth_user"
_FAILURES_KEY = "auth_failures"  # only keeps the sign-in form open; the throttle is in the user data


def _secrets() -> Mapping:
    """``st.secrets`` as a plain mapping; empty when the installation has no secrets.toml."""
    try:
        return st.secrets.to_dict()
    except Exception:  # noqa: BLE001 - no or unreadable secrets.toml: no sign-in configured
        return {}


def config() -> AuthConfig:
    users, problems = accounts.read(accounts.default_path())
    cfg = auth.config_from_secrets(_secrets(), accounts=users)
    return cfg if not problems else replace(cfg, problems=cfg.problems + tuple(problems))


def identity(cfg: AuthConfig | None = None) -> Identity | None:
    """The signed-in person, or None; an identity provider's sign-in counts only when ``[auth]`` is set."""
    cfg = cfg or config()
    if cfg.oidc:
        found = auth.oidc_identity(cfg, st.user)
        if found is not None:
            return found
    return auth.local_identity(cfg, st.session_state.get(SESSION_KEY))


def may_read() -> bool:
    cfg = config()
    return auth.may_read(cfg, identity(cfg))


# --- drawing --------------------------------------------------------------------------------------------------


def _password_form(cfg: AuthConfig, key: str) -> None:
    """Name and password; on success the name is kept in the session and the page reruns signed in."""
    with st.form(key, clear_on_submit=True):
        name = st.text_input("Name", key=f"{key}_name", autocomplete="username")
        password = st.text_input("Passwort", type="password", key=f"{key}_password", autocomplete="current-password")
        submitted = st.form_submit_button("Anmelden", icon=":material/login:")
    if not submitted:
        return
    # throttled per account and client address across sessions and replicas (indicators/userdata/sign_in.py)
    attempt = user.userdata().sign_in_attempt(name, user.client_address())
    if not attempt.allowed:
        st.error("Zu viele Fehlversuche. Bitte in einigen Minuten erneut versuchen.", icon=":material/block:")
        return
    found = auth.authenticate(cfg, name, password)
    if found is None:
        st.session_state[_FAILURES_KEY] = True
        st.error("Anmeldung fehlgeschlagen: Name oder Passwort ist falsch.", icon=":material/error:")
        return
    user.userdata().sign_in_succeeded(attempt, name)
    st.session_state[SESSION_KEY] = found.name
    st.session_state.pop(_FAILURES_KEY, None)
    st.rerun()


def _login_button(cfg: AuthConfig, key: str) -> None:
    label = "Anmelden über das Verwaltungskonto" if cfg.users else "Anmelden"
    if st.button(label, key=key, icon=":material/account_circle:", type="primary"):
        provider = cfg.oidc_providers[0] if len(cfg.oidc_providers) == 1 else None
        if provider:
            st.login(provider)
        else:
            st.login()


def _sign_out(found: Identity) -> None:
    st.session_state.pop(SESSION_KEY, None)
    st.session_state.pop("editor_name", None)
    if found.method == "oidc":
        st.logout()
    st.rerun()


def sidebar() -> None:
    """Who is signed in with which right, sign-in or sign-out; without any account, how to create one.

    Notes on faulty settings are shown to signed-in editors only (they name accounts)."""
    cfg = config()
    found = identity(cfg)
    unguarded_notice()
    st.markdown("**Anmeldung**")
    if found is not None:
        st.caption(f"Angemeldet: **{html.md(found.name)}** · {auth.ROLE_LABELS[found.role]}")
        if st.button("Abmelden", key="auth_logout", icon=":material/logout:"):
            _sign_out(found)
        if found.is_editor:
            for problem in cfg.problems:
                st.warning(html.md(problem), icon=":material/warning:")
        return
    if not cfg.configured:
        st.caption(
            "Kein Konto eingerichtet: nur Lesen. Ein Bearbeitungskonto legt `python -m indicators account set "
            "<Name>` auf dem Server an."
        )
        return
    st.caption("Nicht angemeldet: nur Lesen. Ändern nach Anmeldung mit Bearbeitungsrecht.")
    if first_account_only(cfg):
        st.caption(
            f"Erste Anmeldung: Konto „{accounts.FIRST_ACCOUNT}“; das Passwort wurde beim ersten Start in der Konsole "
            "ausgegeben, in der RegioMonitor läuft (neu setzen: `python -m indicators account set "
            f"{accounts.FIRST_ACCOUNT}`)."
        )
    if cfg.oidc:
        _login_button(cfg, "auth_login_oidc")
    if cfg.users:
        with st.expander("Anmelden mit Name und Passwort", expanded=bool(st.session_state.get(_FAILURES_KEY))):
            _password_form(cfg, "anmeldung")


def unguarded_notice() -> None:
    """Served over HTTP but not through ``serve.py``: other sites may frame the app, metrics are public and any
    visitor may flush the caches. Said in the sidebar, so that whoever runs it notices."""
    from ui import http_guard

    try:
        served = bool(st.context.headers)  # AppTest and scripts have no request
    except Exception:  # noqa: BLE001 - no session context
        served = False
    if served and not http_guard.ACTIVE:
        st.warning(
            "RegioMonitor läuft ohne seinen Schutz gegen Einbetten in fremde Seiten: bitte mit "
            "`streamlit run serve.py` starten (siehe SECURITY.md).",
            icon=":material/shield:",
        )


def first_account_only(cfg: AuthConfig) -> bool:
    """Whether the only way in is the account created at the first start (a fresh installation)."""
    return not cfg.oidc and list(cfg.users) == [accounts.FIRST_ACCOUNT]


def sign_in_page() -> None:
    """Shown instead of every page when reading requires a sign-in and nobody is signed in."""
    cfg = config()
    st.title("Anmeldung erforderlich")
    st.markdown("Diese RegioMonitor-Installation ist nur für angemeldete Personen freigegeben.")
    if not cfg.configured:
        st.error(
            "Die Anmeldung ist vorgeschrieben (REGIOMONITOR_REQUIRE_LOGIN oder require_login), aber es ist weder "
            "ein Identitätsanbieter ([auth]) noch ein Nutzer ([regiomonitor.users.<name>]) in .streamlit/secrets.toml "
            "noch ein Konto eingerichtet. Ein Konto legt `python -m indicators account set <Name>` an; ein "
            "Passwort-Hash für secrets.toml entsteht mit `python -m indicators hash-password`.",
            icon=":material/lock:",
        )
        return
    if cfg.oidc:
        _login_button(cfg, "auth_login_page_oidc")
    if cfg.users:
        _password_form(cfg, "anmeldung_seite")
