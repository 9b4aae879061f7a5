"""Read access to the warehouse: the only module that holds SQL.

The facts are held in memory as a :class:`~indicators.warehouse.cube.Cube` (dense arrays indicator x year x
region), read once when the store opens; every question about facts is answered from it with array indexing:
a question reads exactly its cells, whatever it selects by (an indicator-year, a region across all indicators,
a peer group in every year). The small tables (districts, indicators, quality, published reference rows) are
DuckDB views on their Parquet files, queried with parameterised SQL; ``facts`` is a view on ``facts.parquet``
for any other query (:meth:`Store.query`). One DuckDB connection per process; a cursor per query keeps
concurrent sessions apart, and the cube is only read after it is built, so sessions share it without locks.

Answers are small pandas frames with the warehouse's column types (region, indicator and source as text, year
as int16, the four flags as bool, value_label as object with None).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping
from functools import cached_property
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from indicators.domain import benchmark
from indicators.warehouse import files as warehouse
from indicators.warehouse.cube import COLUMNS, ESTIMATED, PRESENT, Cube

TABLES = ("districts", "indicators", "facts", "quality", "reference_published", "breaks")
#: A year "covers Germany" for an indicator when at least this share of the Kreise has a value in it. Indicators
#: that never reach it (own tables of a few Kreise) count the years with at least this share of their best year.
COVERING_SHARE = 0.9
PROFILE_COLUMNS = [
    "indicator", "year", "value", "value_label", "source", "estimated", "harmonised", "break",
    "n", "median", "mean", "min", "max", "q25", "q75", "n_higher", "n_lower",
    "germany", "germany_estimated", "land", "previous", "previous_year", "five_years_back", "five_years_back_year",
]  # fmt: skip
QUARTILES = [0.25, 0.5, 0.75]


class WarehouseMissing(FileNotFoundError):
    """No warehouse at the configured path; the app then offers to build one or to load demo data."""


def _none(x):
    return None if x is None or (isinstance(x, float) and np.isnan(x)) else x


class Store:
    def __init__(self, path: str | Path, threads: int = 2):
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
            if file.exists():
                self._con.read_parquet(str(file)).create_view(table)
        self.cube = Cube(self.path / "facts.parquet")
        self._load_coverage()

    def _load_coverage(self) -> None:
        """Kreise with a value per indicator and year, and whether that year covers Germany.

        Counted from the facts for every indicator-year that has Kreis rows, as the quality table does; kept as
        an array (indicators x years; True where there is no Kreis row, so such years never exclude) and as the
        small DuckDB table ``coverage`` (indicator, year, kreise, covering).
        """
        c = self.cube
        kreis_rows = (c.flags[:, :, c.is_kreis] & PRESENT).any(axis=2)
        kreise = (~np.isnan(c.value[:, :, c.is_kreis])).sum(axis=2)
        n_kreise = len(self.query("SELECT ags FROM districts")) if self.has_table("districts") else 0
        top = np.where(kreis_rows, kreise, 0).max(axis=1, initial=0)
        threshold = np.minimum(COVERING_SHARE * n_kreise, COVERING_SHARE * top)[:, None]
        covering = kreise >= threshold
        self._covering = covering | ~kreis_rows
        ind, year = np.nonzero(kreis_rows)
        table = pa.table(
            {
                "indicator": pa.array(c.indicators[ind], pa.string()),
                "year": pa.array(c.years[year], pa.int16()),
                "kreise": pa.array(kreise[ind, year], pa.int64()),
                "covering": pa.array(covering[ind, year], pa.bool_()),
            }
        )
        self._con.register("coverage_counts", table)
        self._con.execute("CREATE TABLE coverage AS SELECT * FROM coverage_counts")
        self._con.unregister("coverage_counts")

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
        """The years in which ``indicator`` has at least one value."""
        c = self.cube
        i = c.indicator(indicator)
        if i is None:
            return []
        return [int(y) for y in c.years[~np.isnan(c.value[i]).all(axis=1)]]

    def values(self, indicator: str, year: int, level: str = "kreis") -> pd.DataFrame:
        """All regions' values of one indicator in one year (level: kreis, land or all)."""
        c = self.cube
        columns = ["region", "value", "value_label", "suppressed", "harmonised", "estimated", "break", "source"]
        i, y = c.indicator(indicator), c.year(year)
        if i is None or y is None:
            return c.frame(np.zeros(0, dtype=np.int64), columns)
        present = (c.flags[i, y] & PRESENT) > 0
        if level == "kreis":
            present &= c.is_kreis
        elif level == "land":
            present &= c.is_land
        return c.frame(c.flat(i, y, np.flatnonzero(present)), columns)

    def value(self, region: str, indicator: str, year: int) -> float | None:
        c = self.cube
        r, i, y = c.region(region), c.indicator(indicator), c.year(year)
        if r is None or i is None or y is None:
            return None
        return _none(float(c.value[i, y, r]))

    def series(self, indicator: str, regions: list[str]) -> pd.DataFrame:
        """The fact rows of ``regions`` for one indicator, by region and year."""
        c = self.cube
        columns = ["region", "year", "value", "value_label", "source", "estimated", "harmonised", "break"]
        i, r = c.indicator(indicator), c.region_codes(regions)
        if i is None or not len(r):
            return c.frame(np.zeros(0, dtype=np.int64), columns)
        region_pos, year_pos = np.nonzero((c.flags[i][:, r] & PRESENT).T > 0)
        return c.frame(c.flat(i, year_pos, r[region_pos]), columns)

    def facts(
        self,
        regions: list[str] | None = None,
        indicators: list[str] | None = None,
        years: tuple[int, int] | None = None,
    ) -> pd.DataFrame:
        """Long facts filtered by region, indicator and year range, for tables and downloads."""
        c = self.cube
        n_ind, n_years, n_regions = c.value.shape
        ind = np.arange(n_ind) if indicators is None else self._indicator_codes(indicators)
        reg = np.arange(n_regions) if regions is None else c.region_codes(regions)
        yrs = np.arange(n_years)
        if years is not None:
            yrs = yrs[(c.years >= int(years[0])) & (c.years <= int(years[1]))]
        present = c.flags[np.ix_(ind, yrs, reg)] & PRESENT
        i, r, y = np.nonzero(present.transpose(0, 2, 1))  # ordered by indicator, region, year
        return c.frame(c.flat(ind[i], yrs[y], reg[r]), list(COLUMNS))

    def _indicator_codes(self, indicators: Iterable[str]) -> np.ndarray:
        codes = {self.cube.indicator(i) for i in indicators}
        codes.discard(None)
        return np.array(sorted(codes), dtype=np.int64)

    def coverage(self) -> pd.DataFrame:
        """Years and Kreise with data per indicator."""
        c = self.cube
        has = ~np.isnan(c.value)
        by_year = has.any(axis=2)
        kreise = has[:, :, c.is_kreis].any(axis=1).sum(axis=1)
        keep = by_year.any(axis=1)
        first = np.argmax(by_year, axis=1)
        last = by_year.shape[1] - 1 - np.argmax(by_year[:, ::-1], axis=1)
        return pd.DataFrame(
            {
                "indicator": pd.array(c.indicators[keep], dtype="str"),
                "first_year": c.years[first[keep]],
                "last_year": c.years[last[keep]],
                "years": by_year.sum(axis=1)[keep].astype(np.int64),
                "kreise": kreise[keep].astype(np.int64),
            }
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
        c = self.cube
        i = c.indicator(indicator)
        if i is None or not len(c.years):
            return None
        upto = len(c.years) if up_to is None else max(0, min(len(c.years), int(up_to) - c.first_year + 1))
        has = ~np.isnan(c.value[i, :upto]).all(axis=1)
        for candidates in (has & self._covering[i, :upto] & self._has_kreis_rows(i, upto), has):
            if candidates.any():
                return int(c.years[np.flatnonzero(candidates)[-1]])
        return None

    def _has_kreis_rows(self, i: int, upto: int) -> np.ndarray:
        c = self.cube
        return (c.flags[i, :upto][:, c.is_kreis] & PRESENT).any(axis=1)

    # -- benchmark questions ----------------------------------------------------------------------------
    def profile(self, home: str, peers: list[str], year: int) -> pd.DataFrame:
        """Every indicator of ``home`` against its peers and Germany.

        Per indicator the year used is the latest year up to ``year`` that covers Germany (see
        :data:`COVERING_SHARE`) and in which ``home`` has a value, so indicators published with different delays
        still appear and a year that only a handful of Kreise have never becomes the one compared. Peers include
        ``home``. The peer statistics are missing (n too) for an indicator no peer has a value for in that year.
        """
        c = self.cube
        h = c.region(home)
        last = min(int(year), int(c.years[-1])) - c.first_year if len(c.years) else -1
        if h is None or last < 0:
            return self._empty_profile()
        own = c.value[:, : last + 1, h]  # indicators x years up to ``year``
        has = ~np.isnan(own) & self._covering[:, : last + 1]
        ind = np.flatnonzero(has.any(axis=1))
        if not len(ind):
            return self._empty_profile()
        used = last - np.argmax(has[ind, ::-1], axis=1)
        home_value = c.value[ind, used, h]
        peer = c.value[ind[:, None], used[:, None], c.region_codes(peers)[None, :]]  # used indicator-years x peers
        counts = (~np.isnan(peer)).sum(axis=1)
        stats = _row_statistics(peer, counts)
        with np.errstate(invalid="ignore"):
            higher = (peer > home_value[:, None]).sum(axis=1)
            lower = (peer < home_value[:, None]).sum(axis=1)
        some = counts > 0
        columns = ["indicator", "year", "value", "value_label", "source", "estimated", "harmonised", "break"]
        extra = {"n": _counts(counts, some)}
        extra |= {name: stats[name] for name in ("median", "mean", "min", "max", "q25", "q75")}
        extra |= {"n_higher": _counts(higher, some), "n_lower": _counts(lower, some)}
        extra["germany"], extra["germany_estimated"] = self._reference(ind, used, c.dg)
        extra["land"], _ = self._reference(ind, used, c.region(home[:2]))
        for col, year_col, back in (("previous", "previous_year", 1), ("five_years_back", "five_years_back_year", 5)):
            extra[col], extra[year_col] = self._earlier(ind, used, h, back)
        return c.frame(c.flat(ind, used, h), columns, extra)

    def _empty_profile(self) -> pd.DataFrame:
        empty = self.cube.frame(np.zeros(0, dtype=np.int64), ["indicator", "year", "value", "value_label", "source"])
        types = dict.fromkeys(("estimated", "harmonised", "break"), "bool")
        types |= dict.fromkeys(("n", "n_higher", "n_lower"), "int64")
        types |= {"germany_estimated": "boolean", "previous_year": "Int16", "five_years_back_year": "Int16"}
        for col in PROFILE_COLUMNS:
            if col not in empty:
                empty[col] = pd.Series(dtype=types.get(col, "float64"))
        return empty[PROFILE_COLUMNS]

    def _reference(self, ind: np.ndarray, used: np.ndarray, region: int | None) -> tuple[np.ndarray, pd.array]:
        """The value of a reference region (Germany, the Land) in each used indicator-year, and its estimated flag."""
        c = self.cube
        if region is None:
            return np.full(len(ind), np.nan), pd.array([pd.NA] * len(ind), dtype="boolean")
        flags = c.flags[ind, used, region]
        estimated = pd.array((flags & ESTIMATED) > 0, dtype="boolean")
        estimated[(flags & PRESENT) == 0] = pd.NA
        return c.value[ind, used, region], estimated

    def _earlier(self, ind: np.ndarray, used: np.ndarray, h: int, back: int) -> tuple[np.ndarray, pd.array]:
        """``home``'s value ``back`` years before each used year, and that year (missing without a fact row)."""
        c = self.cube
        earlier = used - back
        inside = earlier >= 0
        safe = np.where(inside, earlier, 0)
        present = inside & ((c.flags[ind, safe, h] & PRESENT) > 0)
        values = np.where(present, c.value[ind, safe, h], np.nan)
        years = pd.array(c.years[safe], dtype="Int16")
        years[~present] = pd.NA
        return values, years

    def ranking(self, indicator: str, year: int, regions: list[str], polarity: int) -> pd.DataFrame:
        """Value, polarity-aware rank and percentile of every region in ``regions`` for one indicator and year.

        Rank 1 is the most favourable value (highest for contextual indicators); ties share the best rank; the
        percentile is the share of the other regions with a less favourable value (100 = best).
        """
        c = self.cube
        columns = ["region", "value", "value_label", "source", "estimated", "harmonised"]
        i, y = c.indicator(indicator), c.year(year)
        r = c.region_codes(regions) if i is not None and y is not None else np.zeros(0, dtype=np.int64)
        values = c.value[i, y, r] if len(r) else np.zeros(0)
        r = r[~np.isnan(values)]
        values = values[~np.isnan(values)]
        rank = benchmark.ranks(values, int(polarity))
        order = np.lexsort((np.arange(len(rank)), rank))  # most favourable first; ties stay in region order
        rank, n = rank[order], len(rank)
        extra = {"rank": rank, "n": np.full(n, n, dtype=np.int64), "percentile": benchmark.percentile(rank, n)}
        return c.frame(c.flat(i if i is not None else 0, y if y is not None else 0, r[order]), columns, extra)

    def reference_statistics(self, indicator: str, year: int, regions: list[str]) -> dict:
        """Median, mean, min, max and count over ``regions`` plus the Germany value, for one indicator and year."""
        c = self.cube
        i, y = c.indicator(indicator), c.year(year)
        empty = {"n": 0, **dict.fromkeys(("median", "mean", "min", "max", "q25", "q75", "germany"))}
        if i is None or y is None:
            return {**empty, "germany_estimated": None}
        values = c.value[i, y, c.region_codes(regions)]
        values = values[~np.isnan(values)]
        out = {"n": int(len(values)), **_statistics(values), "germany": None, "germany_estimated": None}
        if c.dg is not None and c.flags[i, y, c.dg] & PRESENT:
            out["germany"] = _none(float(c.value[i, y, c.dg]))
            out["germany_estimated"] = bool(c.flags[i, y, c.dg] & ESTIMATED)
        return out

    def band(self, indicator: str, regions: list[str]) -> pd.DataFrame:
        """Per year: min, quartiles, median and max over ``regions``, and the Germany value (time-series band)."""
        c = self.cube
        columns = ["year", "n", "min", "q25", "median", "q75", "max", "germany"]
        i = c.indicator(indicator)
        if i is None:
            types = {"year": "int16", "n": "int64"}
            return pd.DataFrame({col: pd.Series(dtype=types.get(col, "float64")) for col in columns})
        block = c.value[i][:, c.region_codes(regions)]  # years x regions
        counts = (~np.isnan(block)).sum(axis=1)
        keep = counts > 0
        stats = _row_statistics(block[keep], counts[keep])
        germany = c.value[i][keep, c.dg] if c.dg is not None else np.full(int(keep.sum()), np.nan)
        out = pd.DataFrame({"year": c.years[keep], "n": counts[keep].astype(np.int64)})
        for name in ("min", "q25", "median", "q75", "max"):
            out[name] = stats[name]
        out["germany"] = germany
        return out

    def matrix(self, indicators: list[str], year: int, regions: list[str] | None = None) -> pd.DataFrame:
        """Regions x indicators for one year (latest value up to ``year`` per cell), for neighbour search."""
        c = self.cube
        reg = np.arange(len(c.regions)) if regions is None else c.region_codes(regions)
        last = min(int(year), int(c.years[-1])) - c.first_year if len(c.years) else -1
        known = [(name, c.indicator(name)) for name in indicators]
        known = [(name, i) for name, i in known if i is not None]
        if last < 0 or not known or not len(reg):
            return pd.DataFrame(columns=list(indicators))
        wide = np.full((len(reg), len(known)), np.nan)
        for col, (_, i) in enumerate(known):
            cells = c.value[i, last, reg]
            empty = np.flatnonzero(np.isnan(cells))
            if len(empty) and last > 0:  # look back only for the cells without a value in ``year``
                block = c.value[i, :last][:, reg[empty]]  # earlier years x those regions
                has = ~np.isnan(block)
                latest = last - 1 - np.argmax(has[::-1], axis=0)
                cells[empty] = np.where(has.any(axis=0), block[latest, np.arange(len(empty))], np.nan)
            wide[:, col] = cells
        rows = ~np.isnan(wide).all(axis=1)
        if not rows.any():
            return pd.DataFrame(columns=list(indicators))
        out = pd.DataFrame(
            wide[rows],
            index=pd.Index(pd.array(c.regions[reg[rows]], dtype="str"), name="region"),
            columns=pd.Index(pd.array([name for name, _ in known], dtype="str"), name="indicator"),
        )
        return out.reindex(columns=pd.Index(pd.array(list(indicators), dtype="str"), name="indicator"))

    def year_range(self) -> tuple[int, int] | None:
        """First and last year with any value (all indicators, all regions), or ``None`` without facts."""
        c = self.cube
        has = ~np.isnan(c.value).all(axis=(0, 2)) if c.value.size else np.zeros(0, dtype=bool)
        if not has.any():
            return None
        years = c.years[has]
        return int(years[0]), int(years[-1])


def _statistics(values: np.ndarray) -> dict:
    """Median, mean, min, max and quartiles of values without gaps (all None for no values)."""
    stats = _row_statistics(values[None, :], np.array([len(values)]))
    return {name: _none(float(column[0])) for name, column in stats.items()}


def _row_statistics(block: np.ndarray, counts: np.ndarray) -> dict[str, np.ndarray]:
    """Per row of ``block`` (gaps as NaN): quartiles (linear interpolation), mean, min and max; NaN for empty rows.

    The rows are sorted once (gaps sort last), so each quartile is read at its position among the row's own
    values, as DuckDB's ``quantile_cont`` does.
    """
    n_rows = block.shape[0]
    out = {name: np.full(n_rows, np.nan) for name in ("median", "mean", "min", "max", "q25", "q75")}
    some = counts > 0
    if not some.any():
        return out
    ordered = np.sort(block[some], axis=1)
    n = counts[some]
    rows = np.arange(len(n))
    for name, q in zip(("q25", "median", "q75"), QUARTILES, strict=True):
        h = (n - 1) * q
        lo = np.floor(h).astype(np.int64)
        hi = np.minimum(lo + 1, n - 1)
        a, b = ordered[rows, lo], ordered[rows, hi]
        out[name][some] = a + (h - lo) * (b - a)
    out["min"][some] = ordered[:, 0]
    out["max"][some] = ordered[rows, n - 1]
    out["mean"][some] = np.nansum(ordered, axis=1) / n
    return out


def _counts(counts: np.ndarray, some: np.ndarray) -> np.ndarray:
    """Counts as int64, or as float with NaN where there are no peer values (a missing statistic, not zero)."""
    if some.all():
        return counts.astype(np.int64)
    return np.where(some, counts, np.nan)
