"""Sign-in accounts kept by RegioMonitor itself: ``accounts.toml`` beside the user data.

A fresh installation has no identity provider and no users in ``secrets.toml``. Editing must not depend on
where the browser seems to come from, so the first start creates one editor account, ``redaktion``, with a
random password that is printed once on the console of the process that started RegioMonitor (never shown
in a browser) and stored only as a PBKDF2 hash (:mod:`indicators.auth`). More accounts, new passwords and
removals: ``python -m indicators account``. The file is written atomically with permissions 0600; an
existing file, even an empty one, is never recreated, so removing the first account keeps it removed.

Format (the same fields as ``[regiomonitor.users.<name>]`` in ``secrets.toml``)::

    [users.redaktion]
    password_hash = "pbkdf2_sha256$600000$…$…"
    role = "editor"
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
import tomllib
from collections.abc import Mapping
from pathlib import Path

from indicators import auth, settings

ENV_VAR = "REGIOMONITOR_ACCOUNTS"
FILE_NAME = "accounts.toml"
FIRST_ACCOUNT = "redaktion"
#: Account names: what people type in the sign-in form and what the audit trail records.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
_HEADER = (
    "# RegioMonitor: Konten für die Anmeldung mit Name und Passwort (nur Hashes, keine Passwörter).\n"
    "# Ändern mit: python -m indicators account set|remove|list\n"
)


class AccountError(ValueError):
    """An account cannot be written (German message)."""


def default_path(environ: Mapping[str, str] | None = None) -> Path:
    """``$REGIOMONITOR_ACCOUNTS``, else ``accounts.toml`` in the folder of the SQLite user data (also when the
    user data live in PostgreSQL: the folder of ``$REGIOMONITOR_USERDATA`` or ``data/userdata``)."""
    from indicators.userdata.facade import default_path as userdata_path

    if chosen := settings.get(ENV_VAR, environ):
        return Path(chosen)
    return userdata_path().parent / FILE_NAME


def read(path: Path) -> tuple[dict[str, dict], list[str]]:
    """``{name: {"password_hash", "role"}}`` and German notes on what could not be read; no file, no accounts."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}, []
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return {}, [f"Kontendatei {path} ist nicht lesbar ({type(exc).__name__}); Anmeldung damit nicht möglich."]
    users = data.get("users", {})
    if not isinstance(users, dict):
        return {}, [f"Kontendatei {path}: „users“ muss eine Tabelle sein."]
    return {str(k): v for k, v in users.items() if isinstance(v, dict)}, []


def _write(path: Path, users: Mapping[str, Mapping], *, exclusive: bool = False) -> None:
    """Write the whole file (0600) next to itself and rename it into place; ``exclusive``: only if absent."""
    lines = [_HEADER]
    for name in sorted(users):
        entry = users[name]
        lines.append(f'\n[users."{name}"]\npassword_hash = "{entry["password_hash"]}"\nrole = "{entry["role"]}"\n')
    text = "".join(lines)
    path.parent.mkdir(parents=True, exist_ok=True)
    if exclusive:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            out.write(text)
        return
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.chmod(temp, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def check_name(name: str) -> str:
    name = (name or "").strip()
    if not _NAME.match(name):
        raise AccountError(
            f"Kontoname „{name[:40]}“: erwartet werden 1 bis 64 Zeichen aus Buchstaben, Ziffern und . _ @ - "
            "(am Anfang ein Buchstabe oder eine Ziffer)."
        )
    return name


def create_first_editor(path: Path, iterations: int = auth.ITERATIONS) -> str | None:
    """On a fresh installation: create ``redaktion`` (editor) with a random password and return the password;
    ``None`` when the file exists already (whatever it holds) or another process created it this moment."""
    if path.exists():
        return None
    password = secrets.token_urlsafe(12)  # 16 characters, 96 bits
    entry = {"password_hash": auth.hash_password(password, iterations), "role": auth.EDITOR}
    try:
        _write(path, {FIRST_ACCOUNT: entry}, exclusive=True)
    except FileExistsError:
        return None
    return password


def set_password(path: Path, name: str, password: str, role: str = auth.EDITOR, iterations: int | None = None) -> None:
    """Create the account or give it a new password and role (raises :class:`auth.PasswordError` if too short)."""
    name = check_name(name)
    if role not in auth.ROLES:
        raise AccountError(f"Rolle „{role}“: erwartet wird editor oder reader.")
    users, problems = read(path)
    if problems:
        raise AccountError(problems[0])
    users[name] = {"password_hash": auth.hash_password(password, iterations or auth.ITERATIONS), "role": role}
    _write(path, users)


def remove(path: Path, name: str) -> bool:
    """Remove an account; the file stays (an empty file means: no accounts, and none created at start)."""
    users, problems = read(path)
    if problems:
        raise AccountError(problems[0])
    if name not in users:
        return False
    del users[name]
    _write(path, users)
    return True
