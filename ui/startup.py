"""What has to happen before the first page is served, once per process and installation.

``app.py`` calls :func:`prepare` at the top of every run; after the first run of a process it only looks up a
set. Kept here, not in the pages, so that every entry point (``streamlit run``, ``serve.py``, AppTest) gets it.
"""

from __future__ import annotations

import sys
import threading

from indicators import accounts, auth
from indicators.warehouse import files

_lock = threading.Lock()
_prepared: set[tuple[str, ...]] = set()


def prepare() -> None:
    """Tune the garbage collector for many sessions (once per process), finish or roll back a warehouse swap a
    crash interrupted, remove upload folders of ended servers, and give a fresh installation its first account."""
    from ui import auth as auth_ui
    from ui import data, runtime_tuning, upload_folder

    runtime_tuning.for_many_sessions()
    path, warehouse = accounts.default_path(), data.warehouse_path()
    key = (str(path), str(warehouse))
    if key in _prepared:
        return
    with _lock:
        if key in _prepared:
            return
        for note in files.recover(warehouse):
            print(f"RegioMonitor: {note}", file=sys.stderr, flush=True)
        for name in upload_folder.remove_stale():
            print(f"RegioMonitor: Upload-Ordner eines beendeten Servers entfernt: {name}", file=sys.stderr, flush=True)
        first_account(path, auth.config_from_secrets(auth_ui._secrets()))
        _prepared.add(key)


def first_account(path, secrets_config: auth.AuthConfig) -> str | None:
    """A fresh installation (no identity provider, no users in secrets.toml, no accounts file) gets the editor
    account ``redaktion``; its password goes to the console that started RegioMonitor, once, and never to a page."""
    if secrets_config.configured:
        return None
    try:
        password = accounts.create_first_editor(path)
    except OSError as exc:  # a read-only folder: nobody edits until an account is set up (the sidebar says how)
        print(f"RegioMonitor: erstes Bearbeitungskonto nicht angelegt ({exc}).", file=sys.stderr, flush=True)
        return None
    if password is not None:
        print(
            "\n"
            "RegioMonitor: erstes Bearbeitungskonto angelegt (wird nur jetzt angezeigt).\n"
            f"  Name:     {accounts.FIRST_ACCOUNT}\n"
            f"  Passwort: {password}\n"
            f"Gespeichert als PBKDF2-Hash in {path}. Neues Passwort oder weitere Konten: "
            f"python -m indicators account set <Name>\n",
            file=sys.stderr,
            flush=True,
        )
    return password
