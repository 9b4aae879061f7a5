"""The audit trail's building blocks: UTC time stamps, JSON snapshots of a record, and one history row read back
as old state, new state and the fields that changed."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping

from indicators.domain import formatting as fmt
from indicators.domain.formatting import LOCAL_TZ  # noqa: F401 - re-exported for the backup file names


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def local_date(timestamp: str) -> str:
    return fmt.german_datetime(timestamp, with_time=False)


def to_json(value: object) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def history_entry(row: Mapping) -> dict:
    """``version``, ``changed_at``, ``changed_by``, ``action``, ``old`` and ``new`` (field dicts, ``old`` is None
    for the first) and ``changes`` (field -> ``(old, new)``)."""
    old = json.loads(row["old"]) if row["old"] else None
    new = json.loads(row["new"])
    names = sorted(set(new) | set(old or {}))
    changes = {
        name: ((old or {}).get(name), new.get(name)) for name in names if old is None or old.get(name) != new.get(name)
    }
    return {
        "version": row["version"],
        "changed_at": row["changed_at"],
        "changed_by": row["changed_by"],
        "action": row["action"],
        "old": old,
        "new": new,
        "changes": changes,
    }
