"""The facts held in memory as dense arrays indicator x year x region, with their dictionaries.

Every question the app asks about facts selects an indicator, a year (or all years) and a set of regions. In
this layout each of those is an array index, so a question reads exactly its cells: one indicator-year over all
municipalities, one region's row across every indicator, or a peer group's values in every year, without a
second sorted copy, without scanning, and without comparing strings. A region list becomes array positions
once per question (a hash look-up per region).

Cells without a fact row are NaN in ``value`` and have no ``PRESENT`` bit; a fact row whose value is missing
(suppressed, for example) is present with a NaN value. Labels and sources are small integer codes into their
dictionaries (code 0 = none), or a single constant when one code covers every fact. Memory: 8 bytes per cell for
the value plus one byte of flags and up to two bytes per label and source code; cells = indicators x years
(first to last of the warehouse) x regions (the 400 Kreise: about 3 million cells, 30 MB; 11,000 municipalities
x 100 indicators x 20 years: 22 million cells, about 200 MB).

Loading reads ``facts.parquet`` one row group at a time (two passes: the dimensions, then the cells), so only
one row group is ever decoded at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from itertools import repeat
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

PRESENT, SUPPRESSED, HARMONISED, ESTIMATED, BREAK = 1, 2, 4, 8, 16
FLAGS = {"suppressed": SUPPRESSED, "harmonised": HARMONISED, "estimated": ESTIMATED, "break": BREAK}
COLUMNS = ["region", "indicator", "year", "value", "value_label", "suppressed", "harmonised", "estimated", "break"]
COLUMNS += ["source"]
_DICTIONARY_COLUMNS = ["region", "indicator", "value_label", "source"]


class DuplicateFacts(ValueError):
    """The facts hold a region, indicator and year twice; the warehouse contract allows each only once."""


@dataclass
class Codes:
    """A text column as codes into ``dictionary`` (entry 0 is None): one per cell, or one for all."""

    dictionary: np.ndarray
    cells: np.ndarray | None
    constant: int = 0

    def codes(self, flat: np.ndarray) -> np.ndarray:
        if self.cells is None:
            return np.full(len(flat), self.constant, dtype=np.int64)
        return self.cells.reshape(-1)[flat]

    def objects(self, flat: np.ndarray) -> np.ndarray:
        """The texts as Python objects (None where there is none)."""
        if self.cells is None:
            return np.full(len(flat), self.dictionary[self.constant], dtype=object)
        return self.dictionary[self.codes(flat)]

    def text(self, flat: np.ndarray) -> pd.api.extensions.ExtensionArray:
        """The texts as a pandas ``str`` array, taken from Arrow without creating Python strings."""
        if self.cells is None:
            return pd.array(pa.repeat(self.arrow[self.constant], len(flat)), dtype="str")
        return _text(self.arrow, self.codes(flat))

    @cached_property
    def arrow(self) -> pa.Array:
        return pa.array(self.dictionary.tolist(), pa.string())


def _text(dictionary: pa.Array, codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    return pd.array(dictionary.take(pa.array(codes, pa.int64())), dtype="str")


def _distinct(column: pa.ChunkedArray) -> set:
    out: set = set()
    for chunk in column.chunks:
        if isinstance(chunk, pa.DictionaryArray):
            used = pc.unique(chunk.indices.drop_null())
            out.update(chunk.dictionary.take(used).to_pylist())
        else:
            out.update(pc.unique(chunk.drop_null()).to_pylist())
    return out


def _codes(column: pa.ChunkedArray, lookup: dict) -> np.ndarray:
    """The column's values as codes of ``lookup`` (None -> 0), decoding each dictionary once."""
    parts = []
    for chunk in column.chunks:
        if isinstance(chunk, pa.DictionaryArray):
            mapping = np.array([lookup.get(v, 0) for v in chunk.dictionary.to_pylist()] + [0], dtype=np.int64)
            idx = chunk.indices.fill_null(len(chunk.dictionary)).to_numpy(zero_copy_only=False)
            parts.append(mapping[idx])
        else:
            parts.append(np.array([lookup.get(v, 0) for v in chunk.to_pylist()], dtype=np.int64))
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def _small_int(n: int) -> type:
    return np.uint8 if n < 2**8 else np.uint16 if n < 2**16 else np.uint32


class Cube:
    def __init__(self, file: Path):
        pf = pq.ParquetFile(file, read_dictionary=_DICTIONARY_COLUMNS)
        self.rows = pf.metadata.num_rows
        regions, indicators, labels, sources = set(), set(), set(), set()
        first, last = None, None
        for g in range(pf.num_row_groups):
            t = pf.read_row_group(g, columns=["region", "indicator", "year", "value_label", "source"])
            regions |= _distinct(t["region"])
            indicators |= _distinct(t["indicator"])
            labels |= _distinct(t["value_label"])
            sources |= _distinct(t["source"])
            lo, hi = pc.min_max(t["year"]).values()
            if lo.is_valid:
                first = lo.as_py() if first is None else min(first, lo.as_py())
                last = hi.as_py() if last is None else max(last, hi.as_py())
        regions.discard(None)
        indicators.discard(None)
        self.regions = np.array(sorted(regions), dtype=object)
        self.regions_arrow = pa.array(self.regions.tolist(), pa.string())
        self.region_lookup = {r: i for i, r in enumerate(self.regions)}
        self.indicators = np.array(sorted(indicators), dtype=object)
        self.indicators_arrow = pa.array(self.indicators.tolist(), pa.string())
        self.indicator_lookup = {r: i for i, r in enumerate(self.indicators)}
        self.first_year = int(first) if first is not None else 0
        self.years = np.arange(self.first_year, (int(last) + 1) if last is not None else 0, dtype=np.int16)
        shape = (len(self.indicators), len(self.years), len(self.regions))
        self.value = np.full(shape, np.nan)
        self.flags = np.zeros(shape, dtype=np.uint8)
        label_dict = np.array([None, *sorted(labels)], dtype=object)
        source_dict = np.array([None, *sorted(sources)], dtype=object)
        label_cells = np.zeros(shape, dtype=_small_int(len(label_dict))) if len(label_dict) > 1 else None
        source_cells = np.zeros(shape, dtype=_small_int(len(source_dict))) if len(source_dict) > 2 else None
        label_lookup = {v: i for i, v in enumerate(label_dict) if i}
        source_lookup = {v: i for i, v in enumerate(source_dict) if i}
        # codes + 1, so that 0 marks a row without region or indicator (left out)
        region_lookup = {r: i + 1 for r, i in self.region_lookup.items()}
        indicator_lookup = {r: i + 1 for r, i in self.indicator_lookup.items()}
        rows_placed = 0
        for g in range(pf.num_row_groups):
            t = pf.read_row_group(g)
            region = _codes(t["region"], region_lookup)
            ind = _codes(t["indicator"], indicator_lookup)
            keep = (region > 0) & (ind > 0) & t["year"].is_valid().to_numpy(zero_copy_only=False)
            year = t["year"].fill_null(self.first_year).to_numpy().astype(np.int64)
            flat = ((ind - 1) * shape[1] + (year - self.first_year)) * shape[2] + (region - 1)
            flat = flat[keep]
            rows_placed += len(flat)
            self.value.reshape(-1)[flat] = t["value"].to_numpy(zero_copy_only=False).astype(float)[keep]
            bits = np.full(len(keep), PRESENT, dtype=np.uint8)
            for name, bit in FLAGS.items():
                bits |= np.where(t[name].fill_null(False).to_numpy(zero_copy_only=False), bit, 0).astype(np.uint8)
            self.flags.reshape(-1)[flat] = bits[keep]
            if label_cells is not None:
                label_cells.reshape(-1)[flat] = _codes(t["value_label"], label_lookup)[keep]
            if source_cells is not None:
                source_cells.reshape(-1)[flat] = _codes(t["source"], source_lookup)[keep]
        if int(np.count_nonzero(self.flags & PRESENT)) != rows_placed:
            raise DuplicateFacts(f"{file}: Region, Indikator und Jahr kommen mehrfach vor")
        self.labels = Codes(label_dict, label_cells)
        self.sources = Codes(source_dict, source_cells, constant=1 if len(source_dict) == 2 else 0)
        self.dg = self.region_lookup.get("DG")
        lengths = np.array([len(r) for r in self.regions], dtype=np.int64)
        self.is_kreis = lengths == 5
        self.is_land = (lengths == 2) & (self.regions != "DG")

    # -- positions ----------------------------------------------------------------------------------------
    def region_codes(self, regions) -> np.ndarray:
        """Sorted, distinct positions of the known regions in ``regions`` (unknown ones are left out)."""
        regions = list(regions)
        codes = np.fromiter(map(self.region_lookup.get, regions, repeat(-1)), dtype=np.int64, count=len(regions))
        if (codes < 0).any() and any(not isinstance(r, str) for r in regions):
            codes = np.fromiter((self.region_lookup.get(str(r), -1) for r in regions), dtype=np.int64)
        chosen = np.zeros(len(self.regions), dtype=bool)
        chosen[codes[codes >= 0]] = True
        return np.flatnonzero(chosen)

    def region(self, region) -> int | None:
        return self.region_lookup.get(region if isinstance(region, str) else str(region))

    def indicator(self, indicator) -> int | None:
        return self.indicator_lookup.get(indicator if isinstance(indicator, str) else str(indicator))

    def year(self, year) -> int | None:
        y = int(year) - self.first_year
        return y if 0 <= y < len(self.years) else None

    def flat(self, ind, year, region) -> np.ndarray:
        """Flat positions of cells (arrays broadcast against each other)."""
        _, n_years, n_regions = self.value.shape
        return (np.asarray(ind, dtype=np.int64) * n_years + np.asarray(year, dtype=np.int64)) * n_regions + np.asarray(
            region, dtype=np.int64
        )

    # -- rows -------------------------------------------------------------------------------------------
    def frame(self, flat: np.ndarray, columns: list[str], extra: dict | None = None) -> pd.DataFrame:
        """The fact rows at the flat positions ``flat``, in that order, with the warehouse's column types;
        ``extra`` columns (same length) are appended."""
        flat = np.asarray(flat, dtype=np.int64)
        _, n_years, n_regions = self.value.shape
        out: dict[str, object] = {}
        for col in columns:
            if col == "region":
                out[col] = _text(self.regions_arrow, flat % n_regions)
            elif col == "indicator":
                out[col] = _text(self.indicators_arrow, flat // (n_years * n_regions))
            elif col == "year":
                out[col] = (self.first_year + (flat // n_regions) % n_years).astype(np.int16)
            elif col == "value":
                out[col] = self.value.reshape(-1)[flat]
            elif col == "value_label":
                out[col] = self.labels.objects(flat)
            elif col == "source":
                out[col] = self.sources.text(flat)
            else:
                out[col] = (self.flags.reshape(-1)[flat] & FLAGS[col]) > 0
        out |= extra or {}
        return pd.DataFrame(out, columns=list(out))
