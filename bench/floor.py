"""The floor: only reading the rows each answer is computed from, from Parquet, with DuckDB, and nothing else.

No statistic, rank, join or sort is computed: a question's time on this side is what it costs just to get its
input rows out of the files into memory (as an Arrow table). The floor reads ``facts.parquet`` as the warehouse
has it (sorted by indicator, year and region) for questions about indicator-years, and for questions about a few
regions a copy sorted by region, which it writes once as its set-up (timed and reported like every set-up).
DuckDB gets the same number of threads as the other sides.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow as pa

BY_REGION = "floor_facts_by_region.parquet"
#: Row groups of the region-sorted copy: about nine regions' rows at municipality scale.
BY_REGION_ROW_GROUP = 20_000


class Floor:
    def __init__(self, panel: Path, work: Path, threads: int):
        self.facts = str(Path(panel) / "facts.parquet")
        self.by_region = str(Path(work) / BY_REGION)
        self.con = duckdb.connect(":memory:", config={"threads": threads})
        self.con.execute("SET parquet_metadata_cache = true")
        self.con.execute(
            "COPY (SELECT * FROM read_parquet(?) ORDER BY region, indicator, year) TO '"
            + self.by_region.replace("'", "''")
            + f"' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {BY_REGION_ROW_GROUP})",
            [self.facts],
        )

    def rows(self, sql: str, params: dict, lists: dict[str, list[str]] | None = None) -> pa.Table:
        cursor = self.con.cursor()
        try:
            for name, values in (lists or {}).items():
                cursor.register(f"_{name}", pa.table({"v": pa.array(values, pa.string())}))
            return cursor.sql(sql, params=params).to_arrow_table()
        finally:
            cursor.close()

    # One method per question: the rows its answer is computed from, nothing more.
    def reference_statistics(self, indicator: str, year: int, regions: list[str]) -> pa.Table:
        return self.rows(
            "SELECT region, value FROM read_parquet($f) WHERE indicator = $i AND year = $y",
            {"f": self.facts, "i": indicator, "y": year},
        )

    def ranking(self, indicator: str, year: int, regions: list[str]) -> pa.Table:
        return self.rows(
            "SELECT region, value, value_label, source, estimated, harmonised FROM read_parquet($f) "
            "WHERE indicator = $i AND year = $y",
            {"f": self.facts, "i": indicator, "y": year},
        )

    def profile(self, home: str, peers: list[str], year: int) -> tuple[pa.Table, pa.Table]:
        own = self.rows(
            "SELECT * FROM read_parquet($f) WHERE region IN ($home, 'DG', $land)",
            {"f": self.by_region, "home": home, "land": home[:2]},
        )
        peer = self.rows(
            "SELECT indicator, region, value FROM read_parquet($f) WHERE year = $y AND region IN (SELECT v FROM _peers)",
            {"f": self.facts, "y": year},
            {"peers": peers},
        )
        return own, peer

    def band(self, indicator: str, regions: list[str]) -> pa.Table:
        return self.rows(
            "SELECT region, year, value FROM read_parquet($f) WHERE indicator = $i "
            "AND (region = 'DG' OR region IN (SELECT v FROM _regions))",
            {"f": self.facts, "i": indicator},
            {"regions": regions},
        )

    def series(self, indicator: str, regions: list[str]) -> pa.Table:
        return self.rows(
            "SELECT region, year, value, value_label, source, estimated, harmonised, break FROM read_parquet($f) "
            "WHERE indicator = $i AND region IN (SELECT v FROM _regions)",
            {"f": self.by_region, "i": indicator},
            {"regions": regions},
        )

    def neighbours(self, indicators: list[str], year: int) -> pa.Table:
        return self.rows(
            "SELECT region, indicator, value FROM read_parquet($f) WHERE year = $y "
            "AND indicator IN (SELECT v FROM _indicators)",
            {"f": self.facts, "y": year},
            {"indicators": indicators},
        )

    def export(self, regions: list[str], indicators: list[str], years: tuple[int, int]) -> pa.Table:
        return self.rows(
            "SELECT * FROM read_parquet($f) WHERE year BETWEEN $a AND $b "
            "AND indicator IN (SELECT v FROM _indicators) AND region IN (SELECT v FROM _regions)",
            {"f": self.facts, "a": years[0], "b": years[1]},
            {"indicators": indicators, "regions": regions},
        )


def questions(fl: Floor, regions) -> dict[str, Callable[[dict], object]]:
    """The rows of the plan's questions (``regions``: :class:`bench.core.Regions`)."""
    return {
        "reference_statistics": lambda p: fl.reference_statistics(p["indicator"], p["year"], regions.all),
        "ranking": lambda p: fl.ranking(p["indicator"], p["year"], regions.all),
        "profile": lambda p: fl.profile(p["home"], regions.peers(p["home"], p["peer_kind"]), p["year"]),
        "band": lambda p: fl.band(p["indicator"], regions.peers(p["home"], p["peer_kind"])),
        "series": lambda p: fl.series(p["indicator"], regions.series_regions(p["home"], p["peer_kind"])),
        "neighbours": lambda p: fl.neighbours(p["neighbour_vars"], p["year"]),
        "export": lambda p: fl.export(regions.land(p["export_land"]), p["export_indicators"], tuple(p["export_years"])),
    }
