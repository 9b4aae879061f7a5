"""A signed-in editor for page tests: an account in the installation's accounts.toml and its name in the session.

Since nobody edits without signing in (no "local session" any more), a page test that fills a form first signs
in. The sign-in form itself is tested in test_roles.py; here the session simply holds the name, as after a
successful sign-in. Call after REGIOMONITOR_USERDATA points to the test's folder (the accounts file lives there).
"""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from indicators import accounts

EDITOR = "anna"
PASSWORD = "anna-geheim"
FAST = 1_000  # PBKDF2 iterations for tests; production hashes use auth.ITERATIONS


def sign_in_as_editor(at: AppTest, name: str = EDITOR) -> AppTest:
    accounts.set_password(accounts.default_path(), name, PASSWORD, "editor", iterations=FAST)
    at.session_state["auth_user"] = name
    return at
