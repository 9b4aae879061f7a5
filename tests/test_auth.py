"""Sign-in rules without Streamlit: password hashes, role resolution from secrets, who may read, edit, import."""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from indicators import auth

ROOT = Path(__file__).resolve().parents[1]
FAST = 1_000  # iterations for tests; production hashes use auth.ITERATIONS


def secrets_with_users(**extra) -> dict:
    return {
        "regiomonitor": {
            "users": {
                "anna": {"password_hash": auth.hash_password("anna-geheim", FAST), "role": "editor"},
                "ben": {"password_hash": auth.hash_password("ben-geheim1", FAST), "role": "reader"},
            }
        }
        | extra
    }


# --- hashing ---------------------------------------------------------------------------------------------------


def test_hash_has_the_documented_form_and_is_pbkdf2_sha256():
    salt = bytes(range(16))
    encoded = auth.hash_password("Kreis-Göttingen-2024", iterations=FAST, salt=salt)
    algorithm, iterations, salt_b64, hash_b64 = encoded.split("$")
    assert (algorithm, iterations) == ("pbkdf2_sha256", str(FAST))
    assert base64.b64decode(salt_b64) == salt
    expected = hashlib.pbkdf2_hmac("sha256", "Kreis-Göttingen-2024".encode(), salt, FAST)
    assert base64.b64decode(hash_b64) == expected


def test_each_hash_gets_its_own_salt():
    a, b = auth.hash_password("dasselbe-pw", FAST), auth.hash_password("dasselbe-pw", FAST)
    assert a != b
    assert auth.verify_password("dasselbe-pw", a) and auth.verify_password("dasselbe-pw", b)


def test_default_iterations_follow_owasp():
    assert auth.ITERATIONS >= 600_000


@pytest.mark.parametrize("password", ["falsch", "", "anna-geheim ", "ANNA-GEHEIM", "anna-gehei"])
def test_wrong_passwords_are_refused(password):
    assert not auth.verify_password(password, auth.hash_password("anna-geheim", FAST))


def test_verification_uses_a_constant_time_compare(monkeypatch):
    calls = []
    real = auth.hmac.compare_digest
    monkeypatch.setattr(auth.hmac, "compare_digest", lambda a, b: calls.append((a, b)) or real(a, b))
    assert auth.verify_password("anna-geheim", auth.hash_password("anna-geheim", FAST))
    assert len(calls) == 1


@pytest.mark.parametrize(
    "encoded",
    [
        "",
        None,
        "klartext",
        "md5$1000$AAAA$BBBB",
        "pbkdf2_sha256$abc$AAAAAAAAAAAAAAAAAAAAAA==$" + "A" * 43 + "=",
        "pbkdf2_sha256$10$AAAAAAAAAAAAAAAAAAAAAA==$" + "A" * 43 + "=",  # too few iterations
        "pbkdf2_sha256$1000$nicht base64!$" + "A" * 43 + "=",
        "pbkdf2_sha256$1000$AAAAAAAAAAAAAAAAAAAAAA==$QUJD",  # digest of the wrong length
    ],
)
def test_malformed_hashes_never_match_and_never_raise(encoded):
    assert not auth.is_valid_hash(encoded)
    assert not auth.verify_password("irgendwas", encoded)


def test_short_passwords_cannot_be_hashed():
    with pytest.raises(auth.PasswordError, match="mindestens 8 Zeichen"):
        auth.hash_password("kurz")


# --- configuration ---------------------------------------------------------------------------------------------


def test_nothing_configured_means_nobody_edits():
    """No network guessing: without a signed-in editor nobody edits, whatever the browser's address."""
    config = auth.config_from_secrets({}, environ={})
    assert not config.configured and not config.require_login
    assert auth.may_read(config, None)
    assert not auth.may_edit(config, None)
    assert not auth.may_import(config, None, switched_on=True)


def test_local_users_with_roles():
    config = auth.config_from_secrets(secrets_with_users(), environ={})
    assert config.configured and set(config.users) == {"anna", "ben"}
    anna = auth.authenticate(config, "anna", "anna-geheim")
    ben = auth.authenticate(config, "Ben", "ben-geheim1")  # names are case-insensitive
    assert anna == auth.Identity("anna", "editor", "lokal")
    assert ben == auth.Identity("ben", "reader", "lokal")
    assert auth.authenticate(config, "anna", "ben-geheim1") is None
    assert auth.authenticate(config, "carla", "anna-geheim") is None
    assert auth.authenticate(config, "", "") is None
    assert not auth.may_edit(config, None)
    assert auth.may_edit(config, anna)
    assert not auth.may_edit(config, ben)
    assert auth.may_import(config, anna, switched_on=True)
    assert not auth.may_import(config, anna, switched_on=False)
    assert not auth.may_import(config, ben, switched_on=True)


def test_unknown_user_costs_a_full_hash(monkeypatch):
    """A wrong name is checked against a dummy hash of full strength, so timing does not reveal names."""
    config = auth.config_from_secrets(secrets_with_users(), environ={})
    seen = []
    real = auth.hashlib.pbkdf2_hmac
    monkeypatch.setattr(auth.hashlib, "pbkdf2_hmac", lambda *a: seen.append(a[3]) or real(*a))
    assert auth.authenticate(config, "niemand", "x") is None
    assert seen == [auth.ITERATIONS]


def test_faulty_user_entries_are_skipped_with_a_german_note():
    secrets = {
        "regiomonitor": {
            "users": {
                "ohne": {"role": "editor"},
                "klartext": {"password_hash": "geheim", "role": "editor"},
                "chef": {"password_hash": auth.hash_password("chef-geheim", FAST), "role": "admin"},
            }
        }
    }
    config = auth.config_from_secrets(secrets, environ={})
    assert set(config.users) == {"chef"} and config.users["chef"].role == "reader"
    assert any("„ohne“" in p and "password_hash" in p for p in config.problems)
    assert any("„klartext“" in p for p in config.problems)
    assert any("„admin“ unbekannt" in p for p in config.problems)
    assert auth.authenticate(config, "klartext", "geheim") is None


@pytest.mark.parametrize(
    "environ, section, required",
    [
        ({}, {}, False),
        ({"REGIOMONITOR_REQUIRE_LOGIN": "1"}, {}, True),
        ({"REGIOMONITOR_REQUIRE_LOGIN": "0"}, {"require_login": True}, True),
        ({}, {"require_login": "true"}, True),
        ({}, {"require_login": False}, False),
    ],
)
def test_require_login_from_environment_or_secrets(environ, section, required):
    config = auth.config_from_secrets({"regiomonitor": section}, environ=environ)
    assert config.require_login is required
    assert auth.may_read(config, None) is not required
    assert auth.may_read(config, auth.Identity("ben", "reader", "lokal"))


AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "x" * 32,
    "client_id": "regiomonitor",
    "client_secret": "geheim",
    "server_metadata_url": "https://login.kreis.example/.well-known/openid-configuration",
}


def test_oidc_roles_come_from_the_editor_list():
    secrets = {"auth": AUTH, "regiomonitor": {"editors": ["A.Beispiel@Kreis.de", "b@kreis.de"]}}
    config = auth.config_from_secrets(secrets, environ={})
    assert config.oidc and config.configured and config.oidc_providers == ()
    editor = auth.oidc_identity(config, SimpleNamespace(is_logged_in=True, email="a.beispiel@kreis.de"))
    reader = auth.oidc_identity(config, {"is_logged_in": True, "email": "c@kreis.de", "name": "C"})
    assert editor == auth.Identity("a.beispiel@kreis.de", "editor", "oidc")
    assert reader == auth.Identity("c@kreis.de", "reader", "oidc")
    assert auth.oidc_identity(config, SimpleNamespace(is_logged_in=False, email="b@kreis.de")) is None
    assert auth.oidc_identity(config, SimpleNamespace(email="b@kreis.de")) is None


def test_st_user_is_not_trusted_without_auth_section():
    config = auth.config_from_secrets({"regiomonitor": {"editors": ["b@kreis.de"]}}, environ={})
    assert not config.oidc
    assert auth.oidc_identity(config, SimpleNamespace(is_logged_in=True, email="b@kreis.de")) is None


def test_named_providers_and_incomplete_auth():
    named = auth.config_from_secrets({"auth": {"redirect_uri": "x", "cookie_secret": "y", "kreis": {"client_id": "z"}}})
    assert named.oidc and named.oidc_providers == ("kreis",)
    broken = auth.config_from_secrets({"auth": {"cookie_secret": "y"}}, environ={})
    assert not broken.oidc and any("redirect_uri" in p for p in broken.problems)


def test_removed_user_loses_the_session():
    config = auth.config_from_secrets(secrets_with_users(), environ={})
    assert auth.local_identity(config, "anna").role == "editor"
    assert auth.local_identity(config, "carla") is None
    assert auth.local_identity(config, None) is None


# --- command line ----------------------------------------------------------------------------------------------


def run_cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "indicators", *args], input=stdin, capture_output=True, text=True, cwd=ROOT, env=env
    )


def test_hash_password_command_prints_a_hash_that_signs_in():
    done = run_cli("hash-password", "--stdin", "--iterations", "2000", stdin="Fachkräfte-2030\n")
    assert done.returncode == 0, done.stderr
    encoded = done.stdout.strip()
    assert encoded.startswith("pbkdf2_sha256$2000$")
    assert "[regiomonitor.users." in done.stderr and 'role = "editor"' in done.stderr
    config = auth.config_from_secrets(
        {"regiomonitor": {"users": {"anna": {"password_hash": encoded, "role": "editor"}}}}, environ={}
    )
    assert auth.authenticate(config, "anna", "Fachkräfte-2030") is not None


def test_hash_password_command_refuses_short_passwords():
    done = run_cli("hash-password", "--stdin", stdin="kurz\n")
    assert done.returncode == 2
    assert "Fehler: Das Passwort muss mindestens 8 Zeichen lang sein." in done.stderr
    assert done.stdout == ""
