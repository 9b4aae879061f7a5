"""What the record modules need from a database connection, so that the same SQL runs on SQLite and PostgreSQL.

The SQL is written once, with ``?`` placeholders, ``RETURNING`` instead of ``lastrowid`` and rows read by column
name; the PostgreSQL connection translates the placeholders (:mod:`indicators.userdata.postgresql`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol

Row = Mapping[str, Any]


class Cursor(Protocol):
    rowcount: int

    def fetchone(self) -> Row | None: ...

    def fetchall(self) -> list[Row]: ...

    def __iter__(self) -> Iterator[Row]: ...


class Connection(Protocol):
    def execute(self, sql: str, params: Sequence[object] = ...) -> Cursor: ...
