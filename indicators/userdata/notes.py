"""Notes on a Kreis (optionally on one indicator): appended, never edited."""

from __future__ import annotations

import re

from indicators.userdata.database import Connection, Row
from indicators.userdata.errors import ValidationError
from indicators.userdata.history import now
from indicators.userdata.records import Note


def check_note(ags: object, text: object, indicator: object) -> tuple[str, str, str | None]:
    errors = []
    if not isinstance(ags, str) or not re.fullmatch(r"\d{5}", ags):
        errors.append(f"Kreis (AGS): erwartet wird ein fünfstelliger Kreisschlüssel, eingegeben wurde „{ags}“")
    if not isinstance(text, str) or not text.strip():
        errors.append("Notiz: erwartet wird ein Text, das Feld ist leer")
    if errors:
        raise ValidationError(errors)
    return ags, text.strip(), (indicator.strip() or None) if isinstance(indicator, str) else None


def add(conn: Connection, ags: str, text: str, author: str, indicator: str | None) -> Note:
    return _row_note(
        conn.execute(
            "INSERT INTO notes (ags, indicator, text, author, created_at) VALUES (?, ?, ?, ?, ?) RETURNING *",
            (ags, indicator, text, author, now()),
        ).fetchone()
    )


def of_kreis(conn: Connection, ags: str, indicator: str | None) -> list[Note]:
    sql = "SELECT * FROM notes WHERE ags = ?"
    params: list[object] = [ags]
    if indicator is not None:
        sql += " AND indicator = ?"
        params.append(indicator)
    return [_row_note(row) for row in conn.execute(sql + " ORDER BY created_at DESC, id DESC", params).fetchall()]


def _row_note(row: Row) -> Note:
    return Note(row["id"], row["ags"], row["indicator"], row["text"], row["author"], row["created_at"])
