"""Roles in AppTest with injected secrets: local sign-in (name + password), OIDC via st.user, require_login.

Readers see the targets but no form; editors edit and the history records their sign-in name; a wrong
password gives a German error; without sign-in everything is read-only once sign-in is configured.
"""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest
import streamlit
from streamlit.testing.v1 import AppTest

from indicators import auth
from indicators.domain.targets import Target
from indicators.userdata import UserData

APP = str(Path(__file__).resolve().parents[2] / "app.py")
HOME = "15087"
FAST = 1_000
USERS = {
    "users": {
        "anna": {"password_hash": auth.hash_password("anna-geheim", FAST), "role": "editor"},
        "ben": {"password_hash": auth.hash_password("ben-geheim1", FAST), "role": "reader"},
    }
}
AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "c" * 32,
    "client_id": "regiomonitor",
    "client_secret": "geheim",
    "server_metadata_url": "https://login.kreis.example/.well-known/openid-configuration",
}


@pytest.fixture
def ud(demo_warehouse, tmp_path, monkeypatch) -> UserData:
    path = tmp_path / "userdata.sqlite"
    monkeypatch.setenv("REGIOMONITOR_WAREHOUSE", str(demo_warehouse))
    monkeypatch.setenv("REGIOMONITOR_USERDATA", str(path))
    monkeypatch.delenv("REGIOMONITOR_REQUIRE_LOGIN", raising=False)
    monkeypatch.delenv("REGIOMONITOR_ALLOW_IMPORT", raising=False)
    return UserData(path)


def app(secrets: dict | None = None, user: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (secrets or {}).items():
        at.secrets[key] = value
    if user is not None:
        at.user = user
    return at


def open_page(at: AppTest, page: str) -> AppTest:
    at.run()
    at.switch_page(page)
    at.session_state["kreis"] = HOME
    at.session_state["jahr"] = 2023
    at.run()
    assert not at.exception, at.exception
    return at


def texts(elements) -> list[str]:
    return [e.value for e in elements]


def sign_in(at: AppTest, name: str, password: str) -> AppTest:
    at.sidebar.text_input(key="anmeldung_name").input(name)
    at.sidebar.text_input(key="anmeldung_password").input(password)
    [submit] = [b for b in at.sidebar.button if b.label == "Anmelden"]
    submit.click()
    at.run()
    assert not at.exception, at.exception
    return at


def form_keys(at: AppTest) -> set[str]:
    return {w.key for w in at.text_input if w.key} | {f.key for f in at.get("form") if getattr(f, "key", None)}


# --- no sign-in configured ----------------------------------------------------------------------------------


def test_fresh_installation_gets_an_editor_account_and_nobody_edits_without_it(ud, tmp_path, capsys):
    """No "local session may edit": the first start writes an editor account, prints its password once on the
    console and stores only the hash; without signing in the page is read-only (on the old code the AppTest
    session counted as local and got the form)."""
    at = open_page(app(), "app_pages/ziele.py")
    console = capsys.readouterr().err
    [password] = re.findall(r"Passwort: (\S+)", console)
    assert "Name:     redaktion" in console
    stored = tmp_path / "accounts.toml"
    assert password not in stored.read_text(encoding="utf-8") and stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert "ziel_neu_target_value" not in form_keys(at)
    assert any("in der Seitenleiste mit Bearbeitungsrecht anmelden" in t for t in texts(at.info))
    captions = " ".join(texts(at.sidebar.caption))
    assert "Erste Anmeldung: Konto „redaktion“" in captions and password not in captions
    shown = [str(getattr(e, "value", "")) for e in at.main] + [str(getattr(e, "value", "")) for e in at.sidebar]
    assert not any(password in text for text in shown)

    sign_in(at, "redaktion", password)
    assert "Angemeldet: **redaktion** · Bearbeitung" in texts(at.sidebar.caption)
    assert "ziel_neu_target_value" in form_keys(at)


def test_without_any_account_nobody_edits_and_the_page_says_how(ud, tmp_path):
    (tmp_path / "accounts.toml").write_text("# alle Konten entfernt\n", encoding="utf-8")  # removed on purpose
    at = open_page(app(), "app_pages/ziele.py")
    assert "ziel_neu_target_value" not in form_keys(at)
    assert any("python -m indicators account set" in t for t in texts(at.info))
    at = open_page(app(), "app_pages/datenimport.py")
    assert len(at.file_uploader) == 0


# --- local users ---------------------------------------------------------------------------------------------


def test_without_sign_in_everything_is_read_only(ud):
    ud.add_target(Target(None, HOME, "alq", 6.0, 2027), "reko")
    ud.save_peer_group("Fachkräfteallianz Süd", [HOME, "15088"], "reko")
    secrets = {"regiomonitor": USERS}

    at = open_page(app(secrets), "app_pages/ziele.py")
    assert not any(k.startswith("ziel") and k != "ziele_status" and k != "ziele_topic" for k in form_keys(at) if k)
    assert "editor_name" not in form_keys(at) and len(at.file_uploader) == 0
    assert any("in der Seitenleiste mit Bearbeitungsrecht anmelden" in t for t in texts(at.info))
    assert any('class="rm-badge' in h.value for h in at.get("html"))  # the target itself is shown
    assert "Nicht angemeldet: nur Lesen." in " ".join(texts(at.sidebar.caption))

    at = open_page(app(secrets), "app_pages/vergleichsgruppen.py")
    assert not [f for f in at.get("form") if getattr(f, "key", "") == "gruppe_speichern"]
    assert not [b for b in at.button if b.label == "Speichern"]
    assert any("anmelden" in t for t in texts(at.info))
    assert any("Fachkräfteallianz Süd" in e.label for e in at.expander)  # reading the group still works

    at = open_page(app(secrets), "app_pages/datenimport.py")
    assert len(at.file_uploader) == 0
    assert any("Importieren dürfen nur angemeldete Personen mit Bearbeitungsrecht" in w for w in texts(at.warning))


def test_wrong_password_gives_a_german_error_and_stays_read_only(ud):
    at = open_page(app({"regiomonitor": USERS}), "app_pages/ziele.py")
    sign_in(at, "anna", "falsch")
    assert "Anmeldung fehlgeschlagen: Name oder Passwort ist falsch." in texts(at.sidebar.error)
    assert "auth_user" not in at.session_state
    assert "ziel_neu_target_value" not in form_keys(at)
    sign_in(at, "niemand", "anna-geheim")
    assert texts(at.sidebar.error) == ["Anmeldung fehlgeschlagen: Name oder Passwort ist falsch."]


def test_repeated_failures_are_throttled(ud):
    at = open_page(app({"regiomonitor": USERS}), "app_pages/ziele.py")
    for _ in range(5):
        sign_in(at, "anna", "falsch")
    sign_in(at, "anna", "anna-geheim")  # even the right password waits now
    assert "Zu viele Fehlversuche. Bitte in einigen Minuten erneut versuchen." in texts(at.sidebar.error)
    assert "auth_user" not in at.session_state


def test_reader_sees_targets_but_no_form(ud):
    ud.add_target(Target(None, HOME, "alq", 6.0, 2027), "reko")
    at = open_page(app({"regiomonitor": USERS}), "app_pages/ziele.py")
    sign_in(at, "ben", "ben-geheim1")
    assert "Angemeldet: **ben** · nur Lesen" in texts(at.sidebar.caption)
    assert "ziel_neu_target_value" not in form_keys(at)
    assert any("Angemeldet als ben mit Leserecht" in t for t in texts(at.info))


def test_editor_edits_and_the_history_records_the_sign_in_name(ud):
    first = ud.add_target(Target(None, HOME, "alq", 6.0, 2027, tolerance=0.5), "reko")
    at = open_page(app({"regiomonitor": USERS}), "app_pages/ziele.py")
    sign_in(at, "anna", "anna-geheim")
    assert "Angemeldet: **anna** · Bearbeitung" in texts(at.sidebar.caption)
    assert "editor_name" not in form_keys(at)  # the audit name is the sign-in, not a typed name
    at.text_input(key=f"ziel{first.id}v1_target_value").input("5,5")
    at.button(key=f"ziel{first.id}v1_submit").click()
    at.run()
    assert not at.exception
    assert "Ziel Nr. 1 gespeichert (Version 2)." in texts(at.success)
    history = ud.target_history(first.id)
    assert [(h["version"], h["changed_by"]) for h in history] == [(1, "reko"), (2, "anna")]

    [sign_out] = [b for b in at.sidebar.button if b.label == "Abmelden"]
    sign_out.click()
    at.run()
    assert "auth_user" not in at.session_state
    assert f"ziel{first.id}v2_target_value" not in form_keys(at)


def test_editor_manages_peer_groups_under_the_sign_in_name(ud):
    at = open_page(app({"regiomonitor": USERS}), "app_pages/vergleichsgruppen.py")
    sign_in(at, "anna", "anna-geheim")
    [form] = [f for f in at.get("form") if getattr(f, "key", "") == "gruppe_speichern"]
    form.text_input[0].input('Mitteldeutschland; "Süd" (Test)')
    form.multiselect[0].set_value([HOME, "15088"])
    [save] = [b for b in at.button if b.label == "Speichern"]
    save.click()
    at.run()
    assert not at.exception
    assert 'Gruppe „Mitteldeutschland; "Süd" (Test)“ gespeichert.' in texts(at.success)
    [group] = ud.peer_groups()
    assert group.members == (HOME, "15088") and group.updated_by == "anna"
    assert ud.peer_group_history(group.name)[0]["changed_by"] == "anna"


def test_editor_may_import(ud):
    at = open_page(app({"regiomonitor": USERS}), "app_pages/datenimport.py")
    assert len(at.file_uploader) == 0
    sign_in(at, "anna", "anna-geheim")
    assert len(at.file_uploader) == 1


# --- require_login -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["secrets", "environment"])
def test_required_sign_in_hides_every_page(ud, monkeypatch, how):
    secrets = {"regiomonitor": USERS | ({"require_login": True} if how == "secrets" else {})}
    if how == "environment":
        monkeypatch.setenv("REGIOMONITOR_REQUIRE_LOGIN", "1")
    at = app(secrets)
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Anmeldung erforderlich"]
    assert not at.sidebar.selectbox  # no Kreis selection, no data
    at.text_input(key="anmeldung_seite_name").input("ben")
    at.text_input(key="anmeldung_seite_password").input("ben-geheim1")
    at.button[0].click()
    at.run()
    assert not at.exception
    assert "Anmeldung erforderlich" not in [t.value for t in at.title]
    assert at.sidebar.selectbox(key="kreis") is not None


def test_required_sign_in_without_users_says_how_to_set_it_up(ud, monkeypatch, tmp_path):
    monkeypatch.setenv("REGIOMONITOR_REQUIRE_LOGIN", "1")
    (tmp_path / "accounts.toml").write_text("", encoding="utf-8")  # every account removed
    at = app()
    at.run()
    assert not at.exception
    [error] = texts(at.error)
    assert "python -m indicators account set <Name>" in error and "[regiomonitor.users.<name>]" in error


def test_required_sign_in_on_a_fresh_installation_offers_the_first_account(ud, monkeypatch):
    monkeypatch.setenv("REGIOMONITOR_REQUIRE_LOGIN", "1")
    at = app()
    at.run()
    assert not at.exception and not at.error
    assert [t.value for t in at.title] == ["Anmeldung erforderlich"]
    assert at.text_input(key="anmeldung_seite_name") is not None


# --- OIDC (st.login) -----------------------------------------------------------------------------------------


def test_oidc_login_button_calls_st_login(ud, monkeypatch):
    calls = []
    monkeypatch.setattr(streamlit, "login", lambda *args: calls.append(args))
    at = open_page(
        app({"auth": AUTH, "regiomonitor": {"editors": ["a@kreis.de"]}}, {"is_logged_in": False}), "app_pages/ziele.py"
    )
    assert "ziel_neu_target_value" not in form_keys(at)
    [login] = [b for b in at.sidebar.button if b.key == "auth_login_oidc"]
    login.click()
    at.run()
    assert calls == [()]


def test_oidc_editor_from_the_list_edits_under_the_email(ud):
    secrets = {"auth": AUTH, "regiomonitor": {"editors": ["A@Kreis.de"]}}
    at = open_page(app(secrets, {"is_logged_in": True, "email": "a@kreis.de", "name": "Anna"}), "app_pages/ziele.py")
    assert "Angemeldet: **a@kreis.de** · Bearbeitung" in texts(at.sidebar.caption)
    at.selectbox(key="ziel_neu_indicator").set_value("jugend_alq")
    at.text_input(key="ziel_neu_target_value").input("5,0")
    at.text_input(key="ziel_neu_target_year").input("2030")
    at.button(key="ziel_neu_submit").click()
    at.run()
    assert not at.exception
    [target] = ud.targets(HOME)
    assert ud.target_history(target.id)[0]["changed_by"] == "a@kreis.de"


def test_oidc_user_not_on_the_list_reads_only(ud):
    secrets = {"auth": AUTH, "regiomonitor": {"editors": ["a@kreis.de"]}}
    at = open_page(app(secrets, {"is_logged_in": True, "email": "c@kreis.de"}), "app_pages/ziele.py")
    assert "Angemeldet: **c@kreis.de** · nur Lesen" in texts(at.sidebar.caption)
    assert "ziel_neu_target_value" not in form_keys(at)
