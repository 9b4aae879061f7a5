"""Read access to the warehouse: the only module that holds SQL.

One DuckDB connection per process. The small tables are views on their Parquet files; the facts are copied
once into DuckDB's memory when the store opens (the 400 Kreise: 0.1 s and about 90 MB; 22 million
municipality facts, compressed: about 10 s and 110 MB), because every question then reads only the row
groups of its indicator-year slices instead of decoding Parquet pages.
``Store(path, memory=False)`` keeps the facts as a view on the Parquet file (no copy, slower questions).
Large panels may carry ``facts_by_region.parquet`` (the same facts sorted by region, written by
:mod:`indicators.warehouse.files`); the store reads one region's rows across all indicators from it.

Every query takes its values as parameters; table names are fixed here, never built from user input. Lists of
regions travel as a one-column Arrow table registered on the query's own cursor (``_regions``, ``_peers``),
which DuckDB joins far faster than a list parameter of 11,000 strings. Pages ask questions through the methods
below and get small pandas frames back.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping
from functools import cached_property
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from indicators.warehouse import files as warehouse

TABLES = ("districts", "indicators", "facts", "quality", "reference_published", "breaks")
#: A year "covers Germany" for an indicator when at least this share of the Kreise has a value in it. Indicators
#: that never reach it (own tables of a few Kreise) count the years with at least this share of their best year.
COVERING_SHARE = 0.9
#: Facts up to this many rows are held in memory (compressed) when ``memory`` is left to decide itself.
MEMORY_MAX_ROWS = 60_000_000
#: Facts are copied into memory in chunks of whole indicators of about this many rows, so the copy never holds
#: more than one uncompressed chunk (peak memory stays far below the size of the uncompressed table).
LOAD_CHUNK_ROWS = 1_000_000


class WarehouseMissing(FileNotFoundError):
    """No warehouse at the configured path; the app then offers to build one or to load demo data."""


class Store:
    def __init__(self, path: str | Path, threads: int = 2, memory: bool | None = None):
        self.path = Path(path)
        warehouse.recover(self.path)
        if not warehouse.is_warehouse(self.path):
            raise WarehouseMissing(f"Kein Warehouse unter {self.path}")
        self._con = duckdb.connect(":memory:", config={"threads": threads})
        self._lock = threading.Lock()
        # Parquet footers are parsed once per store, not once per query.
        self._con.execute("SET parquet_metadata_cache = true")
        for table in TABLES:
            file = self.path / f"{table}.parquet"
            if file.exists() and table != "facts":
                self._con.read_parquet(str(file)).create_view(table)
        facts = self.path / "facts.parquet"
        rows = pq.read_metadata(facts).num_rows
        self.in_memory = rows <= MEMORY_MAX_ROWS if memory is None else bool(memory)
        if self.in_memory:
            self._load_facts(facts, rows)
        else:
            self._con.read_parquet(str(facts)).create_view("facts")
        self._load_coverage()
        by_region = self.path / warehouse.BY_REGION_FILE
        if by_region.exists():
            self._con.read_parquet(str(by_region)).create_view("facts_by_region")
        else:
            self._con.execute("CREATE VIEW facts_by_region AS SELECT * FROM facts")

    def _load_facts(self, file: Path, rows: int) -> None:
        """Copy the facts into an in-memory table.

        Up to ``LOAD_CHUNK_ROWS`` facts (the 400 Kreise) are copied as they are: a single fast read, about 200
        bytes per fact. Larger panels go into DuckDB's compressed in-memory storage (about 5 bytes per fact), a
        few whole indicators at a time, each chunk compressed before the next is read. The file is sorted by
        indicator, year and region, so each chunk reads only its own row groups. Within a chunk the rows are
        ordered by year, indicator and region: the table's row groups (122,880 rows) then hold one or two years
        of a few indicators, and their min/max statistics let a question about one year (a profile: every
        indicator in the home region's latest year) skip most of the table, while a question about one
        indicator (a time-series band) still finds it within one chunk.
        """
        con = self._con
        if rows <= LOAD_CHUNK_ROWS:
            con.execute("CREATE TABLE facts AS SELECT * FROM read_parquet(?)", [str(file)])
            return
        con.execute("ATTACH ':memory:' AS facts_memory (COMPRESS)")
        con.execute("CREATE TABLE facts_memory.facts AS SELECT * FROM read_parquet(?) LIMIT 0", [str(file)])
        counts = con.execute(
            "SELECT indicator, count(*) AS n FROM read_parquet(?) GROUP BY indicator ORDER BY indicator", [str(file)]
        ).fetchall()
        chunks: list[list[str]] = []
        size = 0
        for indicator, n in counts:
            if indicator is None:
                continue
            if not chunks or size + n > LOAD_CHUNK_ROWS:
                chunks.append([])
                size = 0
            chunks[-1].append(indicator)
            size += n
        for chunk in chunks:
            con.execute(
                "INSERT INTO facts_memory.facts SELECT * FROM read_parquet(?) WHERE indicator BETWEEN ? AND ? "
                "ORDER BY year, indicator, region",
                [str(file), chunk[0], chunk[-1]],
            )
            con.execute("CHECKPOINT facts_memory")  # compresses the chunk and frees its uncompressed copy
        if any(indicator is None for indicator, _ in counts):
            con.execute(
                "INSERT INTO facts_memory.facts SELECT * FROM read_parquet(?) WHERE indicator IS NULL", [str(file)]
            )
            con.execute("CHECKPOINT facts_memory")
        con.execute("CREATE VIEW facts AS SELECT * FROM facts_memory.facts")

    def _load_coverage(self) -> None:
        """Kreise with a value per indicator and year, and whether that year covers Germany (a small table)."""
        con = self._con
        if self.has_table("quality"):
            con.execute("CREATE VIEW kreis_counts AS SELECT indicator, year, kreise_mit_wert AS kreise FROM quality")
        else:
            con.execute(
                "CREATE VIEW kreis_counts AS SELECT indicator, year, count(value) AS kreise FROM facts "
                "WHERE length(region) = 5 GROUP BY indicator, year"
            )
        n_kreise = con.execute("SELECT count(*) FROM districts").fetchone()[0] if self.has_table("districts") else 0
        con.execute(
            """
            CREATE TABLE coverage AS
            WITH top AS (SELECT indicator, max(kreise) AS top FROM kreis_counts GROUP BY indicator)
            SELECT c.indicator, c.year, c.kreise, c.kreise >= least($share * $n, $share * t.top) AS covering
            FROM kreis_counts c JOIN top t USING (indicator)
            """,
            {"share": COVERING_SHARE, "n": int(n_kreise)},
        )

    # -- plumbing ---------------------------------------------------------------------------------------
    def query(
        self, sql: str, params: list | tuple | dict = (), lists: Mapping[str, Iterable[str]] | None = None
    ) -> pd.DataFrame:
        """Run one parameterised query; a cursor per call keeps concurrent sessions apart.

        ``lists`` are registered on that cursor as one-column tables ``_<name>`` (column ``v``), so the SQL can
        say ``region IN (SELECT v FROM _peers)``; the names are fixed by the caller's code, the values are data.
        """
        with self._lock:
            cursor = self._con.cursor()
        try:
            for name, values in (lists or {}).items():
                cursor.register(f"_{name}", pa.table({"v": pa.array([str(x) for x in values], pa.string())}))
            return cursor.execute(sql, params).df()
        finally:
            cursor.close()

    def has_table(self, table: str) -> bool:
        return (self.path / f"{table}.parquet").exists()

    # -- metadata ---------------------------------------------------------------------------------------
    @cached_property
    def manifest(self) -> dict:
        return json.loads((self.path / "manifest.json").read_text(encoding="utf-8"))

    @property
    def is_demo(self) -> bool:
        return bool(self.manifest.get("demo"))

    def districts(self) -> pd.DataFrame:
        return self.query("SELECT * FROM districts ORDER BY ags")

    def indicators(self) -> pd.DataFrame:
        return self.query("SELECT * FROM indicators ORDER BY topic, label")

    def indicator(self, indicator: str) -> dict | None:
        df = self.query("SELECT * FROM indicators WHERE id = ?", [indicator])
        return None if df.empty else df.iloc[0].to_dict()

    def quality(self, indicator: str | None = None) -> pd.DataFrame:
        if not self.has_table("quality"):
            return pd.DataFrame()
        if indicator is None:
            return self.query("SELECT * FROM quality ORDER BY indicator, year")
        return self.query("SELECT * FROM quality WHERE indicator = ? ORDER BY year", [indicator])

    def geometry(self, level: str = "kreise") -> dict | None:
        if level not in ("kreise", "laender"):
            raise ValueError(level)
        file = self.path / "geometry" / f"{level}.geojson"
        return json.loads(file.read_text(encoding="utf-8")) if file.exists() else None

    def quality_report(self) -> str:
        file = self.path / "quality.md"
        return file.read_text(encoding="utf-8") if file.exists() else ""

    # -- facts ------------------------------------------------------------------------------------------
    def years(self, indicator: str) -> list[int]:
        df = self.query(
            "SELECT DISTINCT year FROM facts WHERE indicator = ? AND value IS NOT NULL ORDER BY year", [indicator]
        )
        return [int(y) for y in df["year"]]

    def values(self, indicator: str, year: int, level: str = "kreis") -> pd.DataFrame:
        """All regions' values of one indicator in one year (level: kreis, land or all)."""
        length = {"kreis": 5, "land": 2}.get(level)
        sql = (
            "SELECT region, value, value_label, suppressed, harmonised, estimated, break, source "
            "FROM facts WHERE indicator = ? AND year = ?"
        )
        params: list = [indicator, int(year)]
        if length:
            sql += " AND length(region) = ? AND region <> 'DG'"
            params.append(length)
        return self.query(sql + " ORDER BY region", params)

    def value(self, region: str, indicator: str, year: int) -> float | None:
        df = self.query(
            "SELECT value FROM facts WHERE region = ? AND indicator = ? AND year = ?", [region, indicator, int(year)]
        )
        if df.empty or pd.isna(df.iloc[0, 0]):
            return None
        return float(df.iloc[0, 0])

    def series(self, indicator: str, regions: list[str]) -> pd.DataFrame:
        return self.query(
            "SELECT region, year, value, value_label, source, estimated, harmonised, break FROM facts "
            "WHERE indicator = ? AND region IN (SELECT v FROM _regions) ORDER BY region, year",
            [indicator],
            lists={"regions": regions},
        )

    def facts(
        self,
        regions: list[str] | None = None,
        indicators: list[str] | None = None,
        years: tuple[int, int] | None = None,
    ) -> pd.DataFrame:
        """Long facts filtered by region, indicator and year range, for tables and downloads."""
        sql = "SELECT * FROM facts WHERE 1 = 1"
        params: list = []
        lists: dict[str, list[str]] = {}
        if regions is not None:
            sql += " AND region IN (SELECT v FROM _regions)"
            lists["regions"] = list(regions)
        if indicators is not None:
            sql += " AND indicator IN (SELECT v FROM _indicators)"
            lists["indicators"] = list(indicators)
        if years is not None:
            sql += " AND year BETWEEN ? AND ?"
            params += [int(years[0]), int(years[1])]
        return self.query(sql + " ORDER BY indicator, region, year", params, lists=lists)

    def coverage(self) -> pd.DataFrame:
        """Years and Kreise with data per indicator."""
        return self.query(
            "SELECT indicator, min(year) AS first_year, max(year) AS last_year, count(DISTINCT year) AS years, "
            "count(DISTINCT region) FILTER (WHERE length(region) = 5) AS kreise "
            "FROM facts WHERE value IS NOT NULL GROUP BY indicator ORDER BY indicator"
        )

    def published_reference(self, indicator: str | None = None) -> pd.DataFrame:
        """Rows of the published reference table (JUGEND STÄRKEN, 2022): for one indicator or all of them."""
        if not self.has_table("reference_published"):
            return pd.DataFrame(columns=["indicator", "statistic", "region", "value", "year", "source"])
        if indicator is None:
            return self.query("SELECT * FROM reference_published ORDER BY indicator, statistic, region")
        return self.query(
            "SELECT * FROM reference_published WHERE indicator = ? ORDER BY statistic, region", [indicator]
        )

    def breaks(self, indicator: str) -> pd.DataFrame:
        """Documented series breaks of an indicator: ``year, reason, regions``."""
        if not self.has_table("breaks"):
            return pd.DataFrame(columns=["year", "reason", "regions"])
        return self.query("SELECT year, reason, regions FROM breaks WHERE indicator = ? ORDER BY year", [indicator])

    def year_coverage(self, indicator: str) -> pd.DataFrame:
        """Per year: how many Kreise have a value and whether the year covers Germany."""
        return self.query("SELECT year, kreise, covering FROM coverage WHERE indicator = ? ORDER BY year", [indicator])

    def latest_year(self, indicator: str, up_to: int | None = None) -> int | None:
        """The latest year (up to ``up_to``) that covers Germany; else the latest year with any value."""
        bound = 9999 if up_to is None else int(up_to)
        df = self.query(
            """
            SELECT coalesce(
                (SELECT max(year) FROM coverage WHERE indicator = $ind AND covering AND year <= $up),
                (SELECT max(year) FROM facts WHERE indicator = $ind AND value IS NOT NULL AND year <= $up)
            ) AS year
            """,
            {"ind": indicator, "up": bound},
        )
        year = df.iloc[0, 0]
        return None if pd.isna(year) else int(year)

    # -- benchmark questions ----------------------------------------------------------------------------
    def profile(self, home: str, peers: list[str], year: int) -> pd.DataFrame:
        """Every indicator of ``home`` against its peers and Germany, in one query.

        Per indicator the year used is the latest year up to ``year`` that covers Germany (see
        :data:`COVERING_SHARE`) and in which ``home`` has a value, so indicators published with different delays
        still appear and a year that only a handful of Kreise have never becomes the one compared. Peers include ``home``. The rank is
        polarity-aware (1 = most favourable); for contextual indicators it counts from the highest value.
        """
        # The rows of home, Germany and the Land across all indicators come from the region-sorted copy (when the
        # warehouse has one) in one read; the peers' values of the used indicator-years from the facts, whose row
        # groups hold a few indicators of one year each.
        return self.query(
            """
            WITH own AS MATERIALIZED (
                SELECT region, indicator, year, value, value_label, source, estimated, harmonised, break
                FROM facts_by_region WHERE region IN ($home, 'DG', left($home, 2))
            ),
            mine AS (
                SELECT indicator, year, value, value_label, source, estimated, harmonised, break
                FROM own WHERE region = $home
            ),
            used AS MATERIALIZED (
                SELECT m.indicator, max(m.year) AS year FROM mine m
                LEFT JOIN coverage c ON c.indicator = m.indicator AND c.year = m.year
                WHERE m.year <= $year AND m.value IS NOT NULL AND coalesce(c.covering, true)
                GROUP BY m.indicator
            ),
            home AS (SELECT m.* FROM mine m JOIN used u USING (indicator, year)),
            peer AS (
                SELECT f.indicator, f.value FROM facts f JOIN used u USING (indicator, year)
                WHERE f.value IS NOT NULL AND f.region IN (SELECT v FROM _peers)
            ),
            stats AS (
                SELECT p.indicator, count(*) AS n, quantile_cont(p.value, [0.25, 0.5, 0.75]) AS q,
                       avg(p.value) AS mean, min(p.value) AS min, max(p.value) AS max,
                       count(*) FILTER (WHERE p.value > h.value) AS n_higher,
                       count(*) FILTER (WHERE p.value < h.value) AS n_lower
                FROM peer p JOIN home h USING (indicator) GROUP BY p.indicator
            )
            SELECT h.indicator, h.year, h.value, h.value_label, h.source, h.estimated, h.harmonised, h.break,
                   s.n, s.q[2] AS median, s.mean, s.min, s.max, s.q[1] AS q25, s.q[3] AS q75, s.n_higher, s.n_lower,
                   g.value AS germany, g.estimated AS germany_estimated,
                   l.value AS land,
                   prev.value AS previous, prev.year AS previous_year,
                   back.value AS five_years_back, back.year AS five_years_back_year
            FROM home h
            LEFT JOIN stats s USING (indicator)
            LEFT JOIN own g ON g.region = 'DG' AND g.indicator = h.indicator AND g.year = h.year
            LEFT JOIN own l ON l.region = left($home, 2) AND l.indicator = h.indicator AND l.year = h.year
            LEFT JOIN mine prev ON prev.indicator = h.indicator AND prev.year = h.year - 1
            LEFT JOIN mine back ON back.indicator = h.indicator AND back.year = h.year - 5
            ORDER BY h.indicator
            """,
            {"home": home, "year": int(year)},
            lists={"peers": peers},
        )

    def ranking(self, indicator: str, year: int, regions: list[str], polarity: int) -> pd.DataFrame:
        """Value, polarity-aware rank and percentile of every region in ``regions`` for one indicator and year.

        Rank 1 is the most favourable value (highest for contextual indicators); the percentile is the share of
        the other regions with a less favourable value (100 = best).
        """
        return self.query(
            """
            SELECT region, value, value_label, source, estimated, harmonised,
                   rank() OVER (ORDER BY CASE WHEN $pol < 0 THEN -value ELSE value END DESC) AS rank,
                   count(*) OVER () AS n,
                   CASE WHEN count(*) OVER () > 1
                        THEN 100.0 * (count(*) OVER () - rank() OVER (ORDER BY CASE WHEN $pol < 0 THEN -value ELSE value END DESC))
                             / (count(*) OVER () - 1)
                        ELSE 100.0 END AS percentile
            FROM facts
            WHERE indicator = $ind AND year = $year AND value IS NOT NULL AND region IN (SELECT v FROM _regions)
            ORDER BY rank, region
            """,
            {"ind": indicator, "year": int(year), "pol": int(polarity)},
            lists={"regions": regions},
        )

    def reference_statistics(self, indicator: str, year: int, regions: list[str]) -> dict:
        """Median, mean, min, max and count over ``regions`` plus the Germany value, for one indicator and year."""
        df = self.query(
            """
            WITH s AS (
                SELECT count(value) AS n, quantile_cont(value, [0.25, 0.5, 0.75]) AS q, avg(value) AS mean,
                       min(value) AS min, max(value) AS max
                FROM facts WHERE indicator = $ind AND year = $year AND value IS NOT NULL
                  AND region IN (SELECT v FROM _regions)
            )
            SELECT n, q[2] AS median, mean, min, max, q[1] AS q25, q[3] AS q75,
                   (SELECT value FROM facts WHERE region = 'DG' AND indicator = $ind AND year = $year) AS germany,
                   (SELECT estimated FROM facts WHERE region = 'DG' AND indicator = $ind AND year = $year)
                       AS germany_estimated
            FROM s
            """,
            {"ind": indicator, "year": int(year)},
            lists={"regions": regions},
        )
        return {k: (None if pd.isna(v) else v.item() if hasattr(v, "item") else v) for k, v in df.iloc[0].items()}

    def band(self, indicator: str, regions: list[str]) -> pd.DataFrame:
        """Per year: min, quartiles, median and max over ``regions``, and the Germany value (time-series band)."""
        return self.query(
            """
            WITH germany AS (SELECT year, value FROM facts WHERE indicator = $ind AND region = 'DG')
            , per_year AS (
                SELECT f.year, count(f.value) AS n, min(f.value) AS min,
                       quantile_cont(f.value, [0.25, 0.5, 0.75]) AS q, max(f.value) AS max,
                       any_value(g.value) AS germany
                FROM facts f
                LEFT JOIN germany g ON g.year = f.year
                WHERE f.indicator = $ind AND f.value IS NOT NULL AND f.region IN (SELECT v FROM _regions)
                GROUP BY f.year
            )
            SELECT year, n, min, q[1] AS q25, q[2] AS median, q[3] AS q75, max, germany FROM per_year ORDER BY year
            """,
            {"ind": indicator},
            lists={"regions": regions},
        )

    def matrix(self, indicators: list[str], year: int, regions: list[str] | None = None) -> pd.DataFrame:
        """Regions x indicators for one year (latest value up to ``year`` per cell), for neighbour search."""
        lists = {"indicators": list(indicators)}
        if regions is None:
            sql = """
                SELECT region, indicator, arg_max(value, year) AS value FROM facts
                WHERE indicator IN (SELECT v FROM _indicators) AND year <= $year AND value IS NOT NULL
                GROUP BY region, indicator
            """
        else:
            # Most cells have a value in ``year`` itself: take those from one slice per indicator, and look back
            # (arg_max over earlier years) only for the cells that lack one, instead of grouping every year.
            lists["regions"] = list(regions)
            sql = """
                WITH at_year AS (
                    SELECT region, indicator, value FROM facts
                    WHERE indicator IN (SELECT v FROM _indicators) AND year = $year AND value IS NOT NULL
                      AND region IN (SELECT v FROM _regions)
                ),
                missing AS (
                    SELECT r.v AS region, i.v AS indicator
                    FROM (SELECT DISTINCT v FROM _regions) r CROSS JOIN (SELECT DISTINCT v FROM _indicators) i
                    ANTI JOIN at_year a ON a.region = r.v AND a.indicator = i.v
                ),
                earlier AS (
                    SELECT f.region, f.indicator, arg_max(f.value, f.year) AS value
                    FROM facts f JOIN missing m ON m.region = f.region AND m.indicator = f.indicator
                    WHERE f.indicator IN (SELECT v FROM _indicators) AND f.year < $year AND f.value IS NOT NULL
                    GROUP BY f.region, f.indicator
                )
                SELECT region, indicator, value FROM at_year
                UNION ALL
                SELECT region, indicator, value FROM earlier
            """
        long = self.query(sql, {"year": int(year)}, lists=lists)
        if long.empty:
            return pd.DataFrame(columns=list(indicators))
        return long.pivot(index="region", columns="indicator", values="value").reindex(columns=list(indicators))

    def year_range(self) -> tuple[int, int] | None:
        """First and last year with any value (all indicators, all regions), or ``None`` without facts.

        The same years as ``coverage()``'s overall minimum and maximum, without counting regions per indicator:
        the app needs them on every start for the year selector.
        """
        df = self.query("SELECT min(year) AS first_year, max(year) AS last_year FROM facts WHERE value IS NOT NULL")
        if df.empty or pd.isna(df.iloc[0, 0]):
            return None
        return int(df.iloc[0, 0]), int(df.iloc[0, 1])
