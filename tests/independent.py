"""Expected values from sources that share no code with RegioMonitor, for the page and browser tests.

A page test that takes its expected numbers from the same store call the page makes cannot see a wrong median, a
scaled mean or a wrong count: both sides are wrong together. The numbers here come from

* the official raw file itself, read with :mod:`csv` (Regionalstatistik 13211-02-05-4, 2023), and
* the warehouse's ``facts.parquet`` read with pyarrow and summed up in plain Python (:mod:`statistics`): a second
  implementation of the store's reference statistics, coverage and profile, written without looking at its SQL.

Nothing in this module imports from ``indicators`` or ``ui``.
"""

from __future__ import annotations

import csv
import math
import statistics
from functools import cache
from pathlib import Path

import pyarrow.parquet as pq

#: Regionalstatistik 13211-02-05-4 (Arbeitslose und Arbeitslosenquoten), Jahresdurchschnitt 2023.
RAW_13211_2023 = Path("regionalstatistik") / "13211-02-05-4_2023.csv"
#: Column of each quota in that file, with the two header cells that name it.
RAW_13211_COLUMNS = {
    "alq": (11, "Arbeitslosenquote bez. auf alle zivile Erwerbsp.", ""),
    "jugend_alq": (15, "Arbeitslosenquote bez. auf alle zivile Erwerbsp.", "15 bis unter 25 Jahre"),
}
#: Regionalstatistik lists the city states only as Land rows.
CITY_STATES = {"02": "02000", "11": "11000"}


def raw_13211_2023(shared_data: Path, indicator: str) -> dict[str, float]:
    """``{AGS: value}`` for the 400 Kreise plus ``"DG"`` (Deutschland), straight from the official CSV."""
    column, title, subtitle = RAW_13211_COLUMNS[indicator]
    with open(shared_data / RAW_13211_2023, encoding="latin-1", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    headers = [r for r in rows[:12] if r and r[0] == ""]
    assert headers[0][column] == title and headers[1][column] == subtitle, headers[:2]
    out: dict[str, float] = {}
    for row in rows:
        if len(row) <= column or row[0] != "2023":
            continue
        key = CITY_STATES.get(row[1], row[1])
        if (len(key) == 5 or key == "DG") and row[column] not in {"-", ".", "x", "...", "/", ""}:
            out[key] = float(row[column].replace(",", "."))
    return out


def summary(values: list[float]) -> dict[str, float]:
    """Count, median, mean, min, max and quartiles (linear interpolation between order statistics)."""
    data = sorted(values)
    if len(data) == 1:
        q25 = median = q75 = data[0]
    else:
        q25, median, q75 = statistics.quantiles(data, n=4, method="inclusive")
    return {
        "n": len(data),
        "median": median,
        "mean": statistics.fmean(data),
        "min": data[0],
        "max": data[-1],
        "q25": q25,
        "q75": q75,
    }


@cache
def _facts(warehouse: str) -> dict[str, dict[str, dict[int, float | None]]]:
    """``{indicator: {region: {year: value}}}`` of a warehouse's facts file (``None`` = row without value)."""
    table = pq.read_table(Path(warehouse) / "facts.parquet", columns=["region", "indicator", "year", "value"])
    cols = table.to_pydict()
    out: dict[str, dict[str, dict[int, float | None]]] = {}
    for region, indicator, year, value in zip(
        cols["region"], cols["indicator"], cols["year"], cols["value"], strict=True
    ):
        missing = value is None or (isinstance(value, float) and math.isnan(value))
        out.setdefault(indicator, {}).setdefault(region, {})[int(year)] = None if missing else float(value)
    return out


def facts(warehouse: Path) -> dict[str, dict[str, dict[int, float | None]]]:
    return _facts(str(Path(warehouse).resolve()))


def values(warehouse: Path, indicator: str, year: int) -> dict[str, float]:
    """``{region: value}`` of one indicator and year, rows without a value left out."""
    by_region = facts(warehouse).get(indicator, {})
    return {r: ys[year] for r, ys in by_region.items() if ys.get(year) is not None}


def kreise(mapping: dict[str, float], members: list[str] | None = None) -> list[float]:
    """The values of the Kreise (5-character AGS) in ``mapping``, optionally only those in ``members``."""
    chosen = set(members) if members is not None else None
    return [v for r, v in mapping.items() if len(r) == 5 and (chosen is None or r in chosen)]


def coverage(warehouse: Path, indicator: str) -> dict[str, int]:
    """First and last year with a value, number of such years, and number of Kreise with any value."""
    by_region = facts(warehouse)[indicator]
    years = {y for ys in by_region.values() for y, v in ys.items() if v is not None}
    kreise_with_values = {r for r, ys in by_region.items() if len(r) == 5 and any(v is not None for v in ys.values())}
    return {"first_year": min(years), "last_year": max(years), "years": len(years), "kreise": len(kreise_with_values)}


def latest(warehouse: Path, region: str, indicator: str, year: int) -> tuple[int, float] | None:
    """The latest ``(year, value)`` of one region up to ``year``."""
    ys = facts(warehouse).get(indicator, {}).get(region, {})
    known = [y for y, v in ys.items() if v is not None and y <= year]
    return (max(known), ys[max(known)]) if known else None


def profile_rows(warehouse: Path, home: str, peers: list[str], year: int) -> list[dict]:
    """Every indicator of ``home`` against its peers: what the Kreisprofil shows, computed in plain Python.

    Per indicator the year is the latest one up to ``year`` in which ``home`` has a value; the peer statistics are
    taken over the peers' values of that year (home included); ``n_higher``/``n_lower`` count the peers above and
    below home; previous and five-years-back are home's values one and five years before.
    """
    rows = []
    for indicator, by_region in sorted(facts(warehouse).items()):
        own = by_region.get(home, {})
        used = latest(warehouse, home, indicator, year)
        if used is None:
            continue
        y, value = used
        peer_values = [by_region[p][y] for p in peers if by_region.get(p, {}).get(y) is not None]
        stats = summary(peer_values)
        germany = by_region.get("DG", {}).get(y)
        rows.append(
            {
                "indicator": indicator,
                "year": y,
                "value": value,
                **stats,
                "n_higher": sum(v > value for v in peer_values),
                "n_lower": sum(v < value for v in peer_values),
                "germany": germany,
                "land": by_region.get(home[:2], {}).get(y),
                "previous": own.get(y - 1),
                "previous_year": y - 1 if y - 1 in own else None,
                "five_years_back": own.get(y - 5),
                "five_years_back_year": y - 5 if y - 5 in own else None,
            }
        )
    return rows
