"""The Kreisprofil table on real data: an estimated Germany value carries its asterisk, as the legend promises.

Expected flags are read from the warehouse's facts.parquet with pyarrow (the Germany row ``DG`` and its
``estimated`` column), not through the store's profile query the table is drawn from.
"""

from __future__ import annotations

import re

import pyarrow.parquet as pq

from indicators.domain import benchmark
from indicators.warehouse.store import Store
from ui import profile_table

HOME, YEAR = "15087", 2023
GERMANY_COLUMN = profile_table.COLUMNS.index("Deutschland")


def germany_cells(table_html: str) -> list[str]:
    body = table_html.split("<tbody>", 1)[1]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body)
    return [re.findall(r"<td[^>]*>(.*?)</td>", row)[GERMANY_COLUMN] for row in rows]


def test_estimated_germany_values_carry_the_asterisk_and_official_ones_do_not(real_warehouse):
    store = Store(real_warehouse)
    districts = store.districts()
    peers = benchmark.peer_members(districts, HOME, "land")
    profile = benchmark.enrich_profile(store.profile(HOME, list(peers), YEAR), store.indicators())
    profile = profile[profile["germany"].notna()]

    facts = pq.read_table(real_warehouse / "facts.parquet", columns=["region", "indicator", "year", "estimated"])
    germany = facts.filter(facts["region"].to_numpy(zero_copy_only=False) == "DG").to_pylist()
    estimated = {(r["indicator"], r["year"]): r["estimated"] for r in germany}

    cells = germany_cells(str(profile_table.rows_html(profile)))
    assert len(cells) == len(profile)
    flags = [estimated[(ind, int(year))] for ind, year in zip(profile["indicator"], profile["year"], strict=True)]
    assert any(flags) and not all(flags)  # both kinds are on the page, so both halves of the rule are checked
    for indicator, cell, flag in zip(profile["indicator"], cells, flags, strict=True):
        assert cell.endswith("*") == flag, f"{indicator}: {cell!r}, geschätzt laut facts.parquet: {flag}"


def test_topics_are_pandas_groups_in_order_and_draw_the_same_tables(real_warehouse):
    store = Store(real_warehouse)
    peers = benchmark.peer_members(store.districts(), HOME, "kreistyp")
    profile = benchmark.enrich_profile(store.profile(HOME, list(peers), YEAR), store.indicators())
    profile.loc[profile.index[:3], "topic"] = None  # rows without a topic are left out, as groupby leaves them
    groups = [(topic, group) for topic, group in profile.groupby("topic", sort=True)]
    ours = profile_table.topics(profile)
    assert [t for t, _ in ours] == [t for t, _ in groups] and len(ours) >= 5
    for (topic, rows), (_, group) in zip(ours, groups, strict=True):
        assert [r["label"] for r in rows] == group["label"].tolist(), topic
        assert profile_table.rows_html(rows) == profile_table.rows_html(group), topic
