"""Data vintages on the pages: "Seit der letzten Sitzung", a page as of an older snapshot, revisions on Methodik.

Two snapshots are written from the official data: the older without the 2023 Regionalstatistik year (as the
warehouse stood before that file arrived), the newer with everything.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from indicators.userdata import UserData
from indicators.userdata.editors import Editor
from indicators.warehouse import files, snapshots

APP = str(Path(__file__).resolve().parents[1] / "app.py")
HOME = "15087"
ANNA = Editor("anna", "editor")


@pytest.fixture(scope="module")
def vintages(real_warehouse, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("vintages") / "warehouse"
    tables = {name: pd.read_parquet(real_warehouse / f"{name}.parquet") for name in ("districts", "indicators")}
    facts = pd.read_parquet(real_warehouse / "facts.parquet")
    manifest = json.loads((real_warehouse / "manifest.json").read_text(encoding="utf-8"))
    older = facts[~(facts["source"].str.contains("13211-02-05-4", regex=False) & (facts["year"] == 2023))]
    files.write(out, facts=older, manifest={**manifest, "built_at": "2025-03-01T08:00:00+00:00"}, **tables)
    files.write(out, facts=facts, manifest={**manifest, "built_at": "2025-09-01T08:00:00+00:00"}, **tables)
    return out


@pytest.fixture
def ud(vintages, tmp_path, monkeypatch) -> UserData:
    monkeypatch.setenv("REGIOMONITOR_WAREHOUSE", str(vintages))
    monkeypatch.setenv("REGIOMONITOR_USERDATA", str(tmp_path / "userdata.sqlite"))
    return UserData(tmp_path / "userdata.sqlite")


def open_page(page: str, **state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.switch_page(page)
    for key, value in ({"kreis": HOME, "jahr": 2023} | state).items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def markdown(at: AppTest) -> str:
    return "\n".join(str(m.value) for m in at.markdown)


def test_two_snapshots_and_the_pointer(vintages):
    assert [s.id for s in snapshots.available(vintages)] == ["20250901T080000Z", "20250301T080000Z"]
    assert snapshots.current_id(vintages) == "20250901T080000Z"


def test_the_meeting_page_opens_with_what_is_new_since_the_last_meeting(ud):
    ud.add_meeting(HOME, dt.date(2025, 3, 12), ANNA, title="RAK Frühjahr", snapshot="20250301T080000Z")
    ud.add_note(HOME, "Neue Maßnahme für junge Menschen gestartet", ANNA, indicator="jugend_alq")
    at = open_page("app_pages/sitzung.py")
    assert at.expander[0].label == "Seit der letzten Sitzung (12.03.2025)"
    text = markdown(at)
    # 13211-02-05-4_2023.csv brought 2023 for the youth unemployment rate (README: 15087 = 11,7)
    assert "Jugendarbeitslosenquote (15 bis unter 25 Jahre): 2023" in text
    assert "Neue Maßnahme für junge Menschen gestartet" in text and "anna" in text
    assert "Stand 01.03.2025, 08:00 Uhr" in " ".join(str(c.value) for c in at.caption)
    assert any(b.label == "öffnen" for b in at.button)


def test_a_page_as_of_the_older_snapshot_and_back(ud):
    at = open_page("app_pages/indikator.py", indikator="jugend_alq", datenstand="20250301T080000Z")
    warnings = " ".join(str(w.value) for w in at.warning)
    assert "Ansicht eines früheren Datenstands" in warnings
    # in the older snapshot the youth rate's latest year is 2022 (GERDA), 2023 came with the Regionalstatistik
    assert "Jahr 2022" in str(at.caption[0].value)
    at.button(key="datenstand_aktuell").click().run()
    assert "Ansicht eines früheren Datenstands" not in " ".join(str(w.value) for w in at.warning)
    assert "Jahr 2023" in str(at.caption[0].value)


def test_methodik_lists_the_revisions_between_two_snapshots(ud):
    at = open_page("app_pages/methodik.py", methodik_tab="Modelle und Prüfung")
    frames = [f.value for f in at.dataframe]
    summary = next(f for f in frames if "geändert" in f.columns and "neu" in f.columns)
    youth = summary[summary["Indikator"] == "Jugendarbeitslosenquote (15 bis unter 25 Jahre)"].iloc[0]
    assert youth["neu"] >= 400  # the 2023 values of every Kreis arrived
