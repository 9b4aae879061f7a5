"""Read access to the warehouse: the only module that holds SQL.

One DuckDB connection per process reads the Parquet tables in place (views, no copy). Every query takes its
values as parameters; table names are fixed here, never built from user input. Pages ask questions through
the methods below and get small pandas frames back.
"""

from __future__ import annotations

import json
import threading
from functools import cached_property
from pathlib import Path

import duckdb
import pandas as pd

from indicators import warehouse

TABLES = ("districts", "indicators", "facts", "quality", "reference_published")


class WarehouseMissing(FileNotFoundError):
    """No warehouse at the configured path; the app then offers to build one or to load demo data."""


class Store:
    def __init__(self, path: str | Path, threads: int = 2):
        self.path = Path(path)
        warehouse.recover(self.path)
        if not warehouse.is_warehouse(self.path):
            raise WarehouseMissing(f"Kein Warehouse unter {self.path}")
        self._con = duckdb.connect(":memory:", config={"threads": threads})
        self._lock = threading.Lock()
        for table in TABLES:
            file = self.path / f"{table}.parquet"
            if file.exists():
                self._con.read_parquet(str(file)).create_view(table)

    # -- plumbing ---------------------------------------------------------------------------------------
    def query(self, sql: str, params: list | tuple | dict = ()) -> pd.DataFrame:
        """Run one parameterised query; a cursor per call keeps concurrent sessions apart."""
        with self._lock:
            cursor = self._con.cursor()
        try:
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
            "WHERE indicator = ? AND region IN (SELECT unnest(?)) ORDER BY region, year",
            [indicator, list(regions)],
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
        if regions is not None:
            sql += " AND region IN (SELECT unnest(?))"
            params.append(list(regions))
        if indicators is not None:
            sql += " AND indicator IN (SELECT unnest(?))"
            params.append(list(indicators))
        if years is not None:
            sql += " AND year BETWEEN ? AND ?"
            params += [int(years[0]), int(years[1])]
        return self.query(sql + " ORDER BY indicator, region, year", params)

    def coverage(self) -> pd.DataFrame:
        """Years and Kreise with data per indicator."""
        return self.query(
            "SELECT indicator, min(year) AS first_year, max(year) AS last_year, count(DISTINCT year) AS years, "
            "count(DISTINCT region) FILTER (WHERE length(region) = 5) AS kreise "
            "FROM facts WHERE value IS NOT NULL GROUP BY indicator ORDER BY indicator"
        )

    def published_reference(self, indicator: str) -> pd.DataFrame:
        if not self.has_table("reference_published"):
            return pd.DataFrame(columns=["indicator", "statistic", "value"])
        return self.query("SELECT * FROM reference_published WHERE indicator = ?", [indicator])

    # -- benchmark questions ----------------------------------------------------------------------------
    def profile(self, home: str, peers: list[str], year: int) -> pd.DataFrame:
        """Every indicator of ``home`` against its peers and Germany, in one query.

        Per indicator the year used is the latest year up to ``year`` in which ``home`` has a value, so
        indicators published with different delays still appear. Peers include ``home``. The rank is
        polarity-aware (1 = most favourable); for contextual indicators it counts from the highest value.
        """
        return self.query(
            """
            WITH used AS (
                SELECT indicator, max(year) AS year FROM facts
                WHERE region = $home AND year <= $year AND value IS NOT NULL GROUP BY indicator
            ),
            peer AS (
                SELECT f.indicator, f.year, f.region, f.value FROM facts f JOIN used u USING (indicator, year)
                WHERE f.region IN (SELECT unnest($peers)) AND f.value IS NOT NULL
            ),
            home AS (
                SELECT f.indicator, f.year, f.value, f.value_label, f.source, f.estimated, f.harmonised, f.break
                FROM facts f JOIN used u USING (indicator, year) WHERE f.region = $home
            ),
            stats AS (
                SELECT p.indicator, count(*) AS n, median(p.value) AS median, avg(p.value) AS mean,
                       min(p.value) AS min, max(p.value) AS max,
                       quantile_cont(p.value, 0.25) AS q25, quantile_cont(p.value, 0.75) AS q75,
                       count(*) FILTER (WHERE p.value > h.value) AS n_higher,
                       count(*) FILTER (WHERE p.value < h.value) AS n_lower
                FROM peer p JOIN home h USING (indicator) GROUP BY p.indicator
            )
            SELECT h.indicator, h.year, h.value, h.value_label, h.source, h.estimated, h.harmonised, h.break,
                   s.n, s.median, s.mean, s.min, s.max, s.q25, s.q75, s.n_higher, s.n_lower,
                   g.value AS germany, g.estimated AS germany_estimated,
                   l.value AS land,
                   prev.value AS previous, prev.year AS previous_year,
                   back.value AS five_years_back, back.year AS five_years_back_year
            FROM home h
            LEFT JOIN stats s USING (indicator)
            LEFT JOIN facts g ON g.region = 'DG' AND g.indicator = h.indicator AND g.year = h.year
            LEFT JOIN facts l ON l.region = left($home, 2) AND l.indicator = h.indicator AND l.year = h.year
            LEFT JOIN facts prev ON prev.region = $home AND prev.indicator = h.indicator AND prev.year = h.year - 1
            LEFT JOIN facts back ON back.region = $home AND back.indicator = h.indicator AND back.year = h.year - 5
            ORDER BY h.indicator
            """,
            {"home": home, "peers": list(peers), "year": int(year)},
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
            WHERE indicator = $ind AND year = $year AND value IS NOT NULL AND region IN (SELECT unnest($regions))
            ORDER BY rank, region
            """,
            {"ind": indicator, "year": int(year), "regions": list(regions), "pol": int(polarity)},
        )

    def reference_statistics(self, indicator: str, year: int, regions: list[str]) -> dict:
        """Median, mean, min, max and count over ``regions`` plus the Germany value, for one indicator and year."""
        df = self.query(
            """
            SELECT count(value) AS n, median(value) AS median, avg(value) AS mean, min(value) AS min, max(value) AS max,
                   quantile_cont(value, 0.25) AS q25, quantile_cont(value, 0.75) AS q75,
                   (SELECT value FROM facts WHERE region = 'DG' AND indicator = $ind AND year = $year) AS germany
            FROM facts WHERE indicator = $ind AND year = $year AND value IS NOT NULL
              AND region IN (SELECT unnest($regions))
            """,
            {"ind": indicator, "year": int(year), "regions": list(regions)},
        )
        return {k: (None if pd.isna(v) else v) for k, v in df.iloc[0].to_dict().items()}

    def band(self, indicator: str, regions: list[str]) -> pd.DataFrame:
        """Per year: min, quartiles, median and max over ``regions``, and the Germany value (time-series band)."""
        return self.query(
            """
            SELECT f.year, count(f.value) AS n, min(f.value) AS min, quantile_cont(f.value, 0.25) AS q25,
                   median(f.value) AS median, quantile_cont(f.value, 0.75) AS q75, max(f.value) AS max,
                   any_value(g.value) AS germany
            FROM facts f
            LEFT JOIN facts g ON g.region = 'DG' AND g.indicator = f.indicator AND g.year = f.year
            WHERE f.indicator = $ind AND f.value IS NOT NULL AND f.region IN (SELECT unnest($regions))
            GROUP BY f.year ORDER BY f.year
            """,
            {"ind": indicator, "regions": list(regions)},
        )

    def matrix(self, indicators: list[str], year: int, regions: list[str] | None = None) -> pd.DataFrame:
        """Regions x indicators for one year (latest value up to ``year`` per cell), for neighbour search."""
        sql = """
            SELECT region, indicator, arg_max(value, year) AS value FROM facts
            WHERE indicator IN (SELECT unnest($inds)) AND year <= $year AND value IS NOT NULL
        """
        params: dict = {"inds": list(indicators), "year": int(year)}
        if regions is not None:
            sql += " AND region IN (SELECT unnest($regions))"
            params["regions"] = list(regions)
        long = self.query(sql + " GROUP BY region, indicator", params)
        if long.empty:
            return pd.DataFrame(columns=list(indicators))
        return long.pivot(index="region", columns="indicator", values="value").reindex(columns=list(indicators))
