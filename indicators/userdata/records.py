"""What the user-data store hands out: stored targets with their audit columns, peer groups, notes, import reports."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from indicators.domain.targets import Target


@dataclass(frozen=True)
class TargetRecord:
    """A stored target with its audit columns (timestamps are UTC ISO text)."""

    target: Target
    deleted: bool
    created_at: str
    created_by: str
    updated_at: str
    updated_by: str


@dataclass(frozen=True)
class PeerGroup:
    id: int
    name: str
    members: tuple[str, ...]
    created_by: str
    updated_by: str
    updated_at: str
    version: int


@dataclass(frozen=True)
class Note:
    id: int
    ags: str
    indicator: str | None
    text: str
    author: str
    created_at: str


@dataclass(frozen=True)
class Meeting:
    """A RAK meeting of a Kreis; ``snapshot`` names the data snapshot current when it was recorded."""

    id: int
    ags: str
    held_on: dt.date
    title: str
    snapshot: str | None
    created_by: str
    created_at: str


@dataclass
class ImportReport:
    """Outcome of a CSV import: either everything was stored or (with ``errors``) nothing."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors
