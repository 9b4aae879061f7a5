"""Dates of the RAK's meetings per Kreis, so the meeting page can say what is new since the last one.

A meeting names the data snapshot that was current when it was recorded (``snapshot``), so "the data as
shown in that meeting" can be opened again later. Meetings are appended, never edited: the record of what was
shown when stays as it was.
"""

from __future__ import annotations

import datetime as dt
import re

from indicators.domain.targets import parse_date
from indicators.userdata.database import Connection, Row
from indicators.userdata.errors import ValidationError
from indicators.userdata.history import now
from indicators.userdata.records import Meeting

MAX_TITLE = 200


def check_meeting(ags: object, held_on: object, title: object) -> tuple[str, dt.date, str]:
    errors = []
    if not isinstance(ags, str) or not re.fullmatch(r"\d{5}", ags):
        errors.append(f"Kreis (AGS): erwartet wird ein fünfstelliger Kreisschlüssel, eingegeben wurde „{ags}“")
    try:
        date = parse_date(held_on)
    except (ValueError, TypeError):
        date = None
        errors.append(f"Sitzungsdatum: erwartet wird ein Datum wie 12.03.2025, eingegeben wurde „{held_on}“")
    else:
        if date is None:
            errors.append("Sitzungsdatum: erwartet wird ein Datum wie 12.03.2025, das Feld ist leer")
    text = "" if title is None else str(title).strip()
    if len(text) > MAX_TITLE:
        errors.append(f"Bezeichnung: erwartet werden höchstens {MAX_TITLE} Zeichen, eingegeben wurden {len(text)}")
    if errors:
        raise ValidationError(errors)
    return ags, date, text


def add(conn: Connection, ags: str, held_on: dt.date, title: str, snapshot: str | None, author: str) -> Meeting:
    taken = conn.execute("SELECT id FROM meetings WHERE ags = ? AND held_on = ?", (ags, held_on.isoformat())).fetchone()
    if taken is not None:
        raise ValidationError([f"Sitzungsdatum: für {held_on:%d.%m.%Y} ist schon eine Sitzung dieses Kreises erfasst"])
    return _row_meeting(
        conn.execute(
            "INSERT INTO meetings (ags, held_on, title, snapshot, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?) "
            "RETURNING *",
            (ags, held_on.isoformat(), title, snapshot, author, now()),
        ).fetchone()
    )


def of_kreis(conn: Connection, ags: str) -> list[Meeting]:
    rows = conn.execute("SELECT * FROM meetings WHERE ags = ? ORDER BY held_on DESC, id DESC", (ags,)).fetchall()
    return [_row_meeting(row) for row in rows]


def _row_meeting(row: Row) -> Meeting:
    return Meeting(
        row["id"],
        row["ags"],
        dt.date.fromisoformat(row["held_on"]),
        row["title"],
        row["snapshot"],
        row["created_by"],
        row["created_at"],
    )
