"""Meeting dates in the user data: stored per Kreis, validated in German, kept across backup and restore."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from indicators.userdata import UserData
from indicators.userdata.editors import Editor
from indicators.userdata.errors import NotAllowedError, ValidationError

ANNA = Editor("anna", "editor")


@pytest.fixture
def ud(tmp_path) -> UserData:
    return UserData(tmp_path / "userdata.sqlite")


def test_meetings_are_listed_latest_first_per_kreis(ud):
    ud.add_meeting("15087", "12.03.2025", ANNA, title="RAK Frühjahr", snapshot="20250301T080000Z")
    ud.add_meeting("15087", dt.date(2025, 9, 18), ANNA)
    ud.add_meeting("01001", "2025-10-01", ANNA)
    found = ud.meetings("15087")
    assert [m.held_on for m in found] == [dt.date(2025, 9, 18), dt.date(2025, 3, 12)]
    assert found[1].title == "RAK Frühjahr" and found[1].snapshot == "20250301T080000Z"
    assert found[1].created_by == "anna"
    assert ud.last_meeting("15087").held_on == dt.date(2025, 9, 18)
    assert ud.last_meeting("15087", before=dt.date(2025, 9, 18)).held_on == dt.date(2025, 3, 12)
    assert ud.last_meeting("15087", before=dt.date(2025, 3, 12)) is None
    assert ud.last_meeting("09162") is None


def test_bad_input_is_refused_in_german_and_nothing_is_stored(ud):
    with pytest.raises(ValidationError) as caught:
        ud.add_meeting("1508", "31.02.2025", ANNA)
    text = str(caught.value)
    assert "fünfstelliger Kreisschlüssel" in text and "Sitzungsdatum" in text and "31.02.2025" in text
    with pytest.raises(ValidationError, match="das Feld ist leer"):
        ud.add_meeting("15087", "", ANNA)
    ud.add_meeting("15087", "12.03.2025", ANNA)
    with pytest.raises(ValidationError, match="schon eine Sitzung"):
        ud.add_meeting("15087", "2025-03-12", ANNA)
    with pytest.raises(NotAllowedError):
        ud.add_meeting("15087", "13.03.2025", Editor("bert", "reader"))
    assert len(ud.meetings("15087")) == 1


def test_meetings_survive_backup_and_restore(ud, tmp_path):
    ud.add_meeting("15087", "12.03.2025", ANNA, snapshot="s1")
    copy = ud.backup(tmp_path / "sicherung.sqlite")
    other = UserData(tmp_path / "other.sqlite")
    other.restore(copy)
    assert [(m.held_on, m.snapshot) for m in other.meetings("15087")] == [(dt.date(2025, 3, 12), "s1")]


def test_an_older_file_gets_the_meetings_table(tmp_path):
    path = tmp_path / "old.sqlite"
    UserData(path)
    with sqlite3.connect(path) as conn:  # as a file of schema version 2 would be
        conn.execute("DROP TABLE meetings")
        conn.execute("PRAGMA user_version = 2")
    reopened = UserData(path)
    reopened.add_meeting("15087", "12.03.2025", ANNA)
    assert len(reopened.meetings("15087")) == 1
