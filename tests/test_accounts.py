"""RegioMonitor's own accounts (accounts.toml): the first editor of a fresh installation, the account command.

Hashes are checked with hashlib directly (no code shared with indicators.auth); file permissions with stat.
"""

from __future__ import annotations

import base64
import hashlib
import stat
import subprocess
import sys
import threading
import tomllib
from pathlib import Path

import pytest

from indicators import accounts, auth

ROOT = Path(__file__).resolve().parents[1]
FAST = 1_000


def pbkdf2_matches(password: str, encoded: str) -> bool:
    algorithm, iterations, salt, digest = encoded.split("$")
    expected = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations))
    return algorithm == "pbkdf2_sha256" and base64.b64decode(digest) == expected


def test_first_editor_is_created_once_with_a_strong_password_stored_as_hash_only(tmp_path):
    path = tmp_path / "userdata" / "accounts.toml"
    password = accounts.create_first_editor(path, iterations=FAST)
    assert password is not None and len(password) >= 16
    text = path.read_text(encoding="utf-8")
    assert password not in text
    entry = tomllib.loads(text)["users"]["redaktion"]
    assert entry["role"] == "editor" and pbkdf2_matches(password, entry["password_hash"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert accounts.create_first_editor(path, iterations=FAST) is None  # never a second one
    assert path.read_text(encoding="utf-8") == text


def test_an_emptied_accounts_file_is_not_refilled(tmp_path):
    path = tmp_path / "accounts.toml"
    accounts.create_first_editor(path, iterations=FAST)
    assert accounts.remove(path, "redaktion")
    assert accounts.read(path) == ({}, [])
    assert accounts.create_first_editor(path, iterations=FAST) is None


def test_concurrent_first_starts_create_exactly_one_account(tmp_path):
    path = tmp_path / "accounts.toml"
    results: list[str | None] = []
    threads = [
        threading.Thread(target=lambda: results.append(accounts.create_first_editor(path, iterations=FAST)))
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    (entry,) = tomllib.loads(path.read_text(encoding="utf-8"))["users"].values()
    assert pbkdf2_matches(winners[0], entry["password_hash"])


def test_accounts_sign_in_through_the_auth_rules_and_secrets_win_on_a_name_clash(tmp_path):
    path = tmp_path / "accounts.toml"
    accounts.set_password(path, "carla", "carla-geheim", "reader", iterations=FAST)
    accounts.set_password(path, "anna", "alt-passwort", "reader", iterations=FAST)
    users, problems = accounts.read(path)
    secrets = {
        "regiomonitor": {
            "users": {"anna": {"password_hash": auth.hash_password("neu-passwort", FAST), "role": "editor"}}
        }
    }
    config = auth.config_from_secrets(secrets, environ={}, accounts=users)
    assert problems == [] and set(config.users) == {"anna", "carla"}
    assert auth.authenticate(config, "carla", "carla-geheim") == auth.Identity("carla", "reader", "lokal")
    assert auth.authenticate(config, "anna", "alt-passwort") is None
    assert auth.authenticate(config, "anna", "neu-passwort").role == "editor"


@pytest.mark.parametrize("name", ["", "anna maria", "<b>x</b>", "a" * 65, "-start"])
def test_account_names_are_plain(tmp_path, name):
    with pytest.raises(accounts.AccountError):
        accounts.set_password(tmp_path / "a.toml", name, "lang-genug", iterations=FAST)


def test_a_broken_file_is_reported_not_trusted(tmp_path):
    path = tmp_path / "accounts.toml"
    path.write_text("[users.anna\npassword_hash = 1", encoding="utf-8")
    users, problems = accounts.read(path)
    assert users == {} and "nicht lesbar" in problems[0]
    with pytest.raises(accounts.AccountError):
        accounts.set_password(path, "anna", "lang-genug", iterations=FAST)


def run(*args: str, stdin: str = "", env_file: Path) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "REGIOMONITOR_ACCOUNTS": str(env_file)}
    return subprocess.run(
        [sys.executable, "-m", "indicators", "account", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )


def test_account_command_sets_lists_and_removes(tmp_path):
    path = tmp_path / "accounts.toml"
    done = run(
        "set", "anna", "--role", "reader", "--stdin", "--iterations", str(FAST), stdin="anna-geheim\n", env_file=path
    )
    assert done.returncode == 0 and "Konto „anna“ (reader) gespeichert" in done.stdout
    assert pbkdf2_matches("anna-geheim", tomllib.loads(path.read_text())["users"]["anna"]["password_hash"])
    short = run("set", "ben", "--stdin", stdin="kurz\n", env_file=path)
    assert short.returncode == 2 and "mindestens 8 Zeichen" in short.stderr
    generated = run("set", "ben", "--generate", "--iterations", str(FAST), env_file=path)
    password = generated.stdout.split("angezeigt): ")[1].strip()
    assert pbkdf2_matches(password, tomllib.loads(path.read_text())["users"]["ben"]["password_hash"])
    assert run("list", env_file=path).stdout.splitlines() == ["anna\treader", "ben\teditor"]
    assert run("remove", "anna", env_file=path).returncode == 0
    assert run("list", env_file=path).stdout.splitlines() == ["ben\teditor"]
