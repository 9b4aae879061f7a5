"""The order in which indicators are offered: in every picker and on the meeting agenda.

Headline indicators come first (the catalogue's order), then the catalogued ones grouped by topic, then the
series of imported tables the catalogue does not describe yet under „Weitere Tabellen“. A RAK meeting walks
through the same order with next and previous, skipping indicators without a number for the Kreis.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

HEADLINE_GROUP = "Leitindikatoren"
UNCATALOGUED_GROUP = "Weitere Tabellen"


def group_of(row: pd.Series | dict) -> str:
    """Picker group of one indicator row (``headline``, ``catalogued`` and ``topic`` columns)."""
    if bool(row.get("headline")):
        return HEADLINE_GROUP
    if not bool(row.get("catalogued", True)):
        return UNCATALOGUED_GROUP
    return str(row.get("topic") or "Ohne Thema")


def ordered(indicators: pd.DataFrame, catalogue_order: Iterable[str] = ()) -> list[str]:
    """Indicator ids: headline first (in ``catalogue_order`` where given), topics alphabetically, uncatalogued last."""
    rank = {ind: n for n, ind in enumerate(catalogue_order)}
    rows = indicators.to_dict("records")

    def key(row: dict) -> tuple:
        group = group_of(row)
        tier = 0 if group == HEADLINE_GROUP else 2 if group == UNCATALOGUED_GROUP else 1
        return (tier, rank.get(row["id"], len(rank)) if tier == 0 else 0, group, str(row["label"]).lower(), row["id"])

    return [row["id"] for row in sorted(rows, key=key)]


def picker_labels(indicators: pd.DataFrame) -> dict[str, str]:
    """``Thema › Bezeichnung`` per id: typing a word of the topic or the label finds the indicator."""
    return {row["id"]: f"{group_of(row)} › {row['label']}" for row in indicators.to_dict("records")}


def meeting_order(
    indicators: pd.DataFrame, with_value: Iterable[str], catalogue_order: Iterable[str] = ()
) -> list[str]:
    """The meeting agenda: catalogued numeric indicators with a value for the Kreis, in picker order."""
    available = set(with_value)
    numeric = indicators[(indicators["scale"] == "ratio") & indicators["catalogued"].astype(bool)]
    return [i for i in ordered(numeric, catalogue_order) if i in available]


def step(order: list[str], current: str, offset: int) -> str:
    """The indicator ``offset`` places from ``current`` on the agenda (wrapping round); the first if unknown."""
    if not order:
        return current
    if current not in order:
        return order[0] if offset >= 0 else order[-1]
    return order[(order.index(current) + offset) % len(order)]
