"""Ziele page in AppTest on the demo warehouse: status and order, form validation, editing with history,
optimistic versioning, deletion, CSV import/export, filters, the empty state and the edit permission."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from indicators.domain.targets import Target
from indicators.userdata import UserData
from indicators.warehouse.store import Store
from tests.pages.download_capture import capture_downloads
from tests.pages.editor_account import sign_in_as_editor

APP = str(Path(__file__).resolve().parents[2] / "app.py")
HOME = "15087"


@pytest.fixture
def ud(demo_warehouse, tmp_path, monkeypatch) -> UserData:
    path = tmp_path / "userdata.sqlite"
    monkeypatch.setenv("REGIOMONITOR_WAREHOUSE", str(demo_warehouse))
    monkeypatch.setenv("REGIOMONITOR_USERDATA", str(path))
    return UserData(path)


@pytest.fixture(scope="module")
def store(demo_warehouse) -> Store:
    return Store(demo_warehouse)


def open_ziele(**selection) -> AppTest:
    """The Ziele page, signed in as an editor; the global selection goes through the session state."""
    at = sign_in_as_editor(AppTest.from_file(APP, default_timeout=60))
    at.run()
    at.switch_page("app_pages/ziele.py")
    for key, value in ({"kreis": HOME, "jahr": 2023} | selection).items():
        at.session_state[key] = value
    at.run()
    assert not at.exception
    return at


def latest(store: Store, indicator: str) -> float:
    s = store.series(indicator, [HOME]).dropna(subset=["value"])
    return float(s[s["year"] <= 2023].sort_values("year")["value"].iloc[-1])


def texts(elements) -> list[str]:
    return [e.value for e in elements]


def htmls(at: AppTest) -> list[str]:
    """The HTML fragments of the page (``ui.html.render`` puts them there with ``st.html``)."""
    return [h.value for h in at.get("html")]


def test_empty_state_explains_targets_and_offers_the_form(ud):
    at = open_ziele()
    info = " ".join(texts(at.info))
    assert "noch keine Zielvereinbarung erfasst" in info
    assert "Zielvereinbarung* hält fest" in info and "Toleranz" in info and "Neues Ziel anlegen" in info
    assert at.text_input(key="ziel_neu_target_value") is not None
    assert at.button(key="ziel_neu_submit").label == "Ziel anlegen"


def test_a_kreis_without_targets_shows_the_empty_state_while_another_has_some(ud):
    ud.add_target(Target(None, HOME, "alq", 6.0, 2027), "reko")
    at = open_ziele(kreis="01001")
    assert "Zielvereinbarungen: Flensburg" in texts(at.title)
    assert any("noch keine Zielvereinbarung erfasst" in i for i in texts(at.info))
    assert not any('class="rm-badge' in m for m in htmls(at))
    assert not at.metric


def test_invalid_target_year_shows_german_error_and_stores_nothing(ud):
    at = open_ziele()
    at.selectbox(key="ziel_neu_indicator").set_value("jugend_alq")
    at.text_input(key="ziel_neu_target_value").input("6,0")
    at.text_input(key="ziel_neu_target_year").input("20x5")
    at.text_input(key="ziel_neu_baseline_value").input("zehn")
    at.button(key="ziel_neu_submit").click()
    at.run()
    assert not at.exception
    errors = texts(at.error)
    assert "Zieljahr: erwartet wird ein Jahr zwischen 2000 und 2100, eingegeben wurde „20x5“" in errors
    assert any(e.startswith("Ausgangswert: erwartet wird eine endliche Zahl") and "„zehn“" in e for e in errors)
    assert any(e.startswith("Nichts gespeichert: 2 Angaben sind zu korrigieren") for e in errors)
    assert ud.targets() == []


def test_add_target_through_the_form(ud, store):
    at = open_ziele()
    at.selectbox(key="ziel_neu_indicator").set_value("jugend_alq")
    at.text_input(key="ziel_neu_target_value").input("6,0")
    at.text_input(key="ziel_neu_target_year").input("2027")
    at.text_input(key="ziel_neu_tolerance").input("0,5")
    at.text_input(key="ziel_neu_agreed_by").input("RAK-Sitzung")
    at.button(key="ziel_neu_submit").click()
    at.run()
    assert not at.exception
    [stored] = ud.targets(HOME)
    assert (stored.indicator, stored.target_value, stored.target_year, stored.tolerance, stored.agreed_by) == (
        "jugend_alq",
        6.0,
        2027,
        0.5,
        "RAK-Sitzung",
    )
    assert "Ziel Nr. 1 angelegt (Version 1)." in texts(at.success)
    assert at.text_input(key="ziel_neu_target_value").value == ""  # the form is ready for the next target
    card = " ".join(htmls(at))
    assert "Jugendarbeitslosenquote (15 bis unter 25 Jahre)</b> – Ziel 2027: ≤ 6,0 %" in card
    shown = f"{latest(store, 'jugend_alq'):.1f}".replace(".", ",")
    assert f"<b>Ist-Wert:</b> {shown} % (2023)" in card


def test_an_implausible_share_for_a_past_year_is_stored_with_a_warning(ud):
    """The issue's case: 1.234,5 % for 2020 typed today; a RAK may agree on anything, so it is kept, but flagged."""
    at = open_ziele()
    at.selectbox(key="ziel_neu_indicator").set_value("jugend_alq")
    at.text_input(key="ziel_neu_target_value").input("1.234,5")
    at.text_input(key="ziel_neu_target_year").input("2020")
    at.button(key="ziel_neu_submit").click()
    at.run()
    assert not at.exception
    [stored] = ud.targets(HOME)
    assert (stored.target_value, stored.target_year) == (1234.5, 2020)
    warnings = texts(at.warning)
    this_year = dt.date.today().year  # the year of the change the history records (UTC; not run at New Year)
    assert (
        "**Bitte prüfen:** Zielwert 1.234,5 % liegt über 100 %: ein Anteil kann nicht größer als 100 % sein."
        in warnings
    )
    assert (
        f"**Bitte prüfen:** Das Zieljahr 2020 lag bei der Eingabe ({this_year}) schon in der Vergangenheit." in warnings
    )
    assert not any("lokal:" in c for c in texts(at.caption))
    assert any(c.startswith("Zuletzt geändert von anna am ") for c in texts(at.caption))


def test_duplicate_target_is_refused_with_the_store_message(ud):
    ud.add_target(Target(None, HOME, "alq", 6.0, 2027), "kollegin")
    at = open_ziele()
    at.selectbox(key="ziel_neu_indicator").set_value("alq")
    at.text_input(key="ziel_neu_target_value").input("5,0")
    at.text_input(key="ziel_neu_target_year").input("2027")
    at.button(key="ziel_neu_submit").click()
    at.run()
    assert any("gibt es bereits ein Ziel" in e for e in texts(at.error))
    assert [t.target_value for t in ud.targets(HOME)] == [6.0]


def test_missed_targets_first_and_highlighted_with_icon_and_text(ud, store):
    ud.add_target(
        Target(None, HOME, "beschaeftigtenquote", round(latest(store, "beschaeftigtenquote") - 5, 1), 2026), "reko"
    )
    ud.add_target(Target(None, HOME, "jugend_alq", round(latest(store, "jugend_alq") / 2, 1), 2027), "reko")
    ud.add_target(Target(None, HOME, "arbeitslose", 100.0, 2027), "reko")  # context indicator: no judgement
    at = open_ziele()
    headings = [m for m in htmls(at) if 'class="rm-badge' in m]
    assert len(headings) == 3
    assert "✖ verfehlt" in headings[0] and "Jugendarbeitslosenquote" in headings[0]
    assert "✔ erreicht" in headings[1] and "Beschäftigtenquote" in headings[1]
    assert "– keine Bewertung" in headings[2]
    assert any(e.startswith("**Ziel verfehlt:** Ist-Wert") for e in texts(at.error))
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"✖ verfehlt": "1", "≈ knapp verfehlt": "0", "✔ erreicht": "1", "– keine Bewertung": "1"}
    assert len(at.get("plotly_chart")) == 3


def test_filters_by_status_and_topic(ud, store):
    ud.add_target(
        Target(None, HOME, "beschaeftigtenquote", round(latest(store, "beschaeftigtenquote") - 5, 1), 2026), "reko"
    )
    ud.add_target(Target(None, HOME, "jugend_alq", round(latest(store, "jugend_alq") / 2, 1), 2027), "reko")
    at = open_ziele()
    at.multiselect(key="ziele_status").set_value(["erreicht"]).run()
    headings = [m for m in htmls(at) if 'class="rm-badge' in m]
    assert len(headings) == 1 and "Beschäftigtenquote" in headings[0]
    at.multiselect(key="ziele_status").set_value([]).run()
    at.multiselect(key="ziele_topic").set_value(["Jugend und Übergang Schule-Beruf"]).run()
    headings = [m for m in htmls(at) if 'class="rm-badge' in m]
    assert len(headings) == 1 and "Jugendarbeitslosenquote" in headings[0]


def test_editing_twice_keeps_both_versions_in_the_history(ud):
    first = ud.add_target(Target(None, HOME, "alq", 6.0, 2027, tolerance=0.5), "reko")
    at = open_ziele()  # signed in as anna: the history records the sign-in name
    at.text_input(key=f"ziel{first.id}v1_target_value").input("5,5")
    at.button(key=f"ziel{first.id}v1_submit").click()
    at.run()
    assert not at.exception
    assert "Ziel Nr. 1 gespeichert (Version 2)." in texts(at.success)
    # the form is drawn again for version 2 with the stored value
    assert at.text_input(key=f"ziel{first.id}v2_target_value").value == "5,5"
    at.text_input(key=f"ziel{first.id}v2_target_value").input("5")
    at.text_area(key=f"ziel{first.id}v2_note").input("nach RAK-Beschluss")
    at.button(key=f"ziel{first.id}v2_submit").click()
    at.run()
    assert not at.exception
    history = ud.target_history(first.id)
    assert [h["version"] for h in history] == [1, 2, 3]
    assert history[1]["changes"]["target_value"] == (6.0, 5.5)
    assert history[2]["changes"]["target_value"] == (5.5, 5.0)
    assert history[2]["changes"]["note"] == ("", "nach RAK-Beschluss")
    assert {h["changed_by"] for h in history[1:]} == {"anna"}
    [history_box] = [e for e in at.expander if e.label == "Verlauf (3 Versionen)"]
    table = history_box.dataframe[0].value
    assert list(table["Version"]) == [1, 2, 3]
    assert list(table["Von"]) == ["reko", "anna", "anna"]
    assert "Zielwert: 6 → 5,5" in table["Änderungen"].iloc[1]
    assert (
        "Zielwert: 5,5 → 5" in table["Änderungen"].iloc[2]
        and "Notiz: leer → nach RAK-Beschluss" in table["Änderungen"].iloc[2]
    )


def test_a_colleagues_change_is_never_overwritten(ud):
    first = ud.add_target(Target(None, HOME, "alq", 6.0, 2027), "reko")
    at = open_ziele()
    ud.update_target(first.id, {"target_value": 5.0}, "kollege", expected_version=1)  # meanwhile, elsewhere
    at.text_input(key=f"ziel{first.id}v1_target_value").input("7,5")
    at.button(key=f"ziel{first.id}v1_submit").click()
    at.run()
    assert not at.exception
    conflict = [e for e in texts(at.error) if e.startswith("**Nicht gespeichert – Konflikt:**")]
    assert len(conflict) == 1
    assert "inzwischen von kollege geändert (Version 2)" in conflict[0] and "Zielwert „7,5“" in conflict[0]
    [stored] = ud.targets(HOME)
    assert (stored.target_value, stored.version) == (5.0, 2)
    assert at.text_input(key=f"ziel{first.id}v2_target_value").value == "5"


def test_delete_needs_confirmation_and_keeps_the_history(ud):
    first = ud.add_target(Target(None, HOME, "alq", 6.0, 2027), "reko")
    at = open_ziele()
    prefix = f"ziel{first.id}v1_loeschen"
    at.button(key=f"{prefix}_submit").click()
    at.run()
    assert "Bitte bestätigen, dass das Ziel gelöscht werden soll." in texts(at.error)
    assert len(ud.targets(HOME)) == 1
    at.checkbox(key=f"{prefix}_confirm").check()
    at.button(key=f"{prefix}_submit").click()
    at.run()
    assert not at.exception
    assert ud.targets(HOME) == []
    assert [h["action"] for h in ud.target_history(first.id)] == ["angelegt", "gelöscht"]
    assert any("noch keine Zielvereinbarung" in i for i in texts(at.info))


def test_csv_export_opens_in_german_excel(ud, monkeypatch):
    ud.add_target(Target(None, HOME, "alq", 6.25, 2027, agreed_on=dt.date(2024, 5, 31)), "reko")
    captured = capture_downloads(monkeypatch)
    open_ziele()
    [name] = [n for n in captured if n.startswith(f"zielvereinbarungen_{HOME}_")]
    data = captured[name]
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Nr.;Kreis (AGS);Indikator;Zielwert;Zieljahr")
    assert ";15087;alq;6,25;2027;" in text and "31.05.2024" in text


def test_csv_import_preview_then_apply(ud):
    at = open_ziele()
    csv = "Kreis (AGS);Indikator;Zielwert;Zieljahr;Toleranz\r\n15087;alq;6,5;2027;0,3\r\n15087;jugend_alq;7;2028;\r\n"
    at.file_uploader[0].set_value(("ziele.csv", csv.encode("utf-8"), "text/csv"))
    at.run()
    assert not at.exception
    assert "**Vorschau:** 2 neu · 0 geändert · 0 unverändert" in texts(at.markdown)
    assert ud.targets() == []  # the preview changes nothing
    at.button(key="ziele_import_apply").click()
    at.run()
    assert not at.exception
    assert sorted((t.indicator, t.target_value, t.target_year) for t in ud.targets(HOME)) == [
        ("alq", 6.5, 2027),
        ("jugend_alq", 7.0, 2028),
    ]
    assert "Import übernommen: 2 neu, 0 geändert, 0 unverändert." in texts(at.success)
    assert [h["action"] for h in ud.target_history(ud.targets(HOME)[0].id)] == ["importiert"]


def test_csv_import_errors_name_line_and_column(ud):
    at = open_ziele()
    csv = "Kreis (AGS);Indikator;Zielwert;Zieljahr\r\n15087;alq;6,5;2027\r\n15087;jugend_alq;sieben;20x5\r\n"
    at.file_uploader[0].set_value(("ziele.csv", csv.encode("utf-8"), "text/csv"))
    at.run()
    assert not at.exception
    [error] = [e for e in texts(at.error) if e.startswith("Die Datei lässt sich nicht übernehmen")]
    assert "Zeile 3, Spalte „Zielwert“: erwartet wird eine endliche Zahl" in error
    assert "Zeile 3, Spalte „Zieljahr“" in error and "„20x5“" in error
    assert not [b for b in at.button if b.key == "ziele_import_apply"]
    assert ud.targets() == []


def test_csv_import_refuses_a_file_older_than_the_stored_target(ud):
    first = ud.add_target(Target(None, HOME, "alq", 6.0, 2027), "reko")
    exported = ud.export_targets_csv(HOME).decode("utf-8-sig").replace(";6;2027;", ";5,5;2027;")
    ud.update_target(first.id, {"target_value": 5.0}, "kollege", expected_version=1)  # after the export
    at = open_ziele()
    at.file_uploader[0].set_value(("ziele.csv", exported.encode("utf-8"), "text/csv"))
    at.run()
    [error] = [e for e in texts(at.error) if e.startswith("Die Datei lässt sich nicht übernehmen")]
    assert "Spalte „Version“: das Ziel wurde inzwischen von kollege geändert (Version 2, in der Datei 1)" in error
    assert [(t.target_value, t.version) for t in ud.targets(HOME)] == [(5.0, 2)]


def test_without_edit_permission_only_reading_and_export(ud, monkeypatch):
    import ui.permissions

    ud.add_target(Target(None, HOME, "alq", 6.0, 2027), "reko")
    monkeypatch.setattr(ui.permissions, "can_edit", lambda: False)
    at = open_ziele()
    keys = {w.key for w in at.text_input}
    assert not any(k and k.startswith("ziel") for k in keys) and "editor_name" not in keys
    assert len(at.file_uploader) == 0
    # reading: the targets' CSV and each target chart as picture (ziel1_png, ziel1_svg)
    assert [b.key for b in at.get("download_button")] == ["ziel1_png", "ziel1_svg", "ziele_export"]
    assert any('class="rm-badge' in m for m in htmls(at))
