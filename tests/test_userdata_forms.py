"""The user-data forms in AppTest: what a person sees when a colleague saved first, when the role changed after
the form was drawn, when a CSV import is previewed, and when a sign-in is throttled."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from indicators import auth
from indicators.domain.targets import Target
from indicators.userdata import UserData
from tests.pages.editor_account import sign_in_as_editor

APP = str(Path(__file__).resolve().parents[1] / "app.py")
HOME = "15087"


@pytest.fixture
def ud(demo_warehouse, tmp_path, monkeypatch) -> UserData:
    path = tmp_path / "userdata.sqlite"
    monkeypatch.setenv("REGIOMONITOR_WAREHOUSE", str(demo_warehouse))
    monkeypatch.setenv("REGIOMONITOR_USERDATA", str(path))
    monkeypatch.delenv("REGIOMONITOR_REQUIRE_LOGIN", raising=False)
    return UserData(path)


def open_page(page: str, secrets: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (secrets or {}).items():
        at.secrets[key] = value
    if secrets is None:  # nobody edits without signing in: an editor account, signed in
        sign_in_as_editor(at)
    at.run()
    at.switch_page(page)
    at.session_state["kreis"] = HOME
    at.session_state["jahr"] = 2023
    at.run()
    assert not at.exception, at.exception
    return at


def texts(elements) -> list[str]:
    return [e.value for e in elements]


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


# --- peer groups: a stale member list never overwrites a newer one ------------------------------------------------


def test_a_stale_peer_group_form_does_not_overwrite_a_colleagues_save(ud):
    ud.save_peer_group("Allianz Süd", [HOME, "15088"], "anna")
    at = open_page("app_pages/vergleichsgruppen.py")
    at.selectbox(key="gruppe_auswahl").set_value("Allianz Süd")
    run(at)
    prefix = "gruppe1v1"
    assert at.multiselect(key=f"{prefix}_members").value == [HOME, "15088"]

    # while the form is open, a colleague saves another member list
    ud.save_peer_group("Allianz Süd", [HOME, "15089"], "ben", expected_version=1)

    at.multiselect(key=f"{prefix}_members").set_value([HOME, "15088", "15091"])
    [save] = [b for b in at.button if b.label == "Speichern"]
    save.click()
    run(at)
    [error] = texts(at.error)
    assert error.startswith("Die Vergleichsgruppe „Allianz Süd“ wurde inzwischen von ben geändert (Version 2).")
    [group] = ud.peer_groups()
    assert (group.members, group.version, group.updated_by) == ((HOME, "15089"), 2, "ben")
    # the form now shows the stored state of version 2
    assert at.multiselect(key="gruppe1v2_members").value == [HOME, "15089"]


def test_saving_an_unchanged_peer_group_keeps_its_version(ud):
    ud.save_peer_group("Allianz Süd", [HOME, "15088"], "anna")
    at = open_page("app_pages/vergleichsgruppen.py")
    at.selectbox(key="gruppe_auswahl").set_value("Allianz Süd")
    run(at)
    [save] = [b for b in at.button if b.label == "Speichern"]
    save.click()
    run(at)
    assert "Gruppe „Allianz Süd“: keine Änderung, nichts gespeichert." in texts(at.info)
    assert [h["version"] for h in ud.peer_group_history("Allianz Süd")] == [1]

    at.multiselect(key="gruppe1v1_members").set_value([HOME])
    [save] = [b for b in at.button if b.label == "Speichern"]
    save.click()
    run(at)
    assert "Gruppe „Allianz Süd“ gespeichert (Version 2)." in texts(at.success)
    assert ud.peer_groups()[0].members == (HOME,)


# --- sign-in: the throttle holds across sessions ---------------------------------------------------------------

USERS = {
    "users": {
        "anna": {"password_hash": auth.hash_password("anna-geheim", 1_000), "role": "editor"},
        "ben": {"password_hash": auth.hash_password("ben-geheim1", 1_000), "role": "reader"},
    }
}


def sign_in(at: AppTest, name: str, password: str) -> AppTest:
    at.sidebar.text_input(key="anmeldung_name").input(name)
    at.sidebar.text_input(key="anmeldung_password").input(password)
    [submit] = [b for b in at.sidebar.button if b.label == "Anmelden"]
    submit.click()
    return run(at)


def test_a_new_session_does_not_reset_the_failed_sign_ins(ud):
    attacker = open_page("app_pages/ziele.py", {"regiomonitor": USERS})
    for _ in range(5):
        sign_in(attacker, "anna", "falsch")
    fresh = open_page("app_pages/ziele.py", {"regiomonitor": USERS})  # a new browser session, new websocket
    sign_in(fresh, "anna", "anna-geheim")
    assert "Zu viele Fehlversuche. Bitte in einigen Minuten erneut versuchen." in texts(fresh.sidebar.error)
    assert "auth_user" not in fresh.session_state
    sign_in(fresh, "ben", "ben-geheim1")  # another account from the same machine is not locked
    assert fresh.session_state["auth_user"] == "ben"


# --- the role is checked again when a form is sent ---------------------------------------------------------------

READER_ANNA = {"users": USERS["users"] | {"anna": USERS["users"]["anna"] | {"role": "reader"}}}
WITHDRAWN = "Nicht gespeichert: anna hat kein Bearbeitungsrecht (mehr). Das Recht wird bei jedem Speichern neu geprüft."


def test_a_target_form_drawn_for_an_editor_cannot_write_after_the_role_was_withdrawn(ud):
    stored = ud.add_target(Target(None, HOME, "alq", 6.0, 2027), "reko")
    at = open_page("app_pages/ziele.py", {"regiomonitor": USERS})
    sign_in(at, "anna", "anna-geheim")
    at.text_input(key=f"ziel{stored.id}v1_target_value").input("5,5")
    at.secrets["regiomonitor"] = READER_ANNA  # the administrator makes anna a reader while her form is open
    at.button(key=f"ziel{stored.id}v1_submit").click()
    run(at)
    assert WITHDRAWN in texts(at.error)
    assert ud.targets() == [stored]
    assert len(ud.target_history(stored.id)) == 1
    assert f"ziel{stored.id}v1_target_value" not in {w.key for w in at.text_input}  # no form for a reader


def test_a_peer_group_form_cannot_write_after_the_role_was_withdrawn(ud):
    ud.save_peer_group("Allianz Süd", [HOME, "15088"], "reko")
    at = open_page("app_pages/vergleichsgruppen.py", {"regiomonitor": USERS})
    sign_in(at, "anna", "anna-geheim")
    at.selectbox(key="gruppe_auswahl").set_value("Allianz Süd")
    run(at)
    at.multiselect(key="gruppe1v1_members").set_value([HOME])
    at.secrets["regiomonitor"] = READER_ANNA
    [save] = [b for b in at.button if b.label == "Speichern"]
    save.click()
    run(at)
    assert WITHDRAWN in texts(at.error)
    assert [(g.members, g.version) for g in ud.peer_groups()] == [((HOME, "15088"), 1)]


# --- the import preview checks in memory ------------------------------------------------------------------------


def test_the_import_preview_copies_no_database(ud, monkeypatch):
    ud.add_target(Target(None, HOME, "alq", 6.0, 2027), "reko")

    def no_copy(self, dest):
        raise AssertionError(f"the preview copied the user database to {dest}")

    monkeypatch.setattr(UserData, "backup", no_copy)
    at = open_page("app_pages/ziele.py")
    csv = "Kreis (AGS);Indikator;Zielwert;Zieljahr\r\n15087;alq;5,5;2027\r\n15087;jugend_alq;7;2028\r\n"
    at.file_uploader[0].set_value(("ziele.csv", csv.encode("utf-8"), "text/csv"))
    run(at)
    assert "**Vorschau:** 1 neu · 1 geändert · 0 unverändert" in texts(at.markdown)
    assert [w for w in texts(at.warning) if "Ziel Nr. 1 überschrieben (Version 1 → 2)" in w]
    assert [(t.target_value, t.version) for t in ud.targets()] == [(6.0, 1)]
