"""Rows read column by column must be exactly what pandas' own ``to_dict("records")`` gives: same values, same
Python types, missing values as pandas reports them (the second implementation is pandas itself)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from indicators.domain.records import records


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b


def _assert_as_pandas(ours: list[dict], theirs: list[dict]) -> None:
    assert len(ours) == len(theirs)
    for mine, pandas_row in zip(ours, theirs, strict=True):
        assert list(mine) == list(pandas_row)
        for key in mine:
            assert _same(mine[key], pandas_row[key]), (key, mine[key], pandas_row[key])


MIXED = pd.DataFrame(
    {
        "indicator": ["alq", "jugend_alq", None],
        "value": [6.1, np.nan, 12.0],
        "year": np.array([2023, 2022, 2021], dtype="int16"),
        "rank": pd.array([3, None, 1], dtype="Int16"),
        "germany_estimated": pd.array([True, None, False], dtype="boolean"),
        "headline": [True, False, True],
        "n": [400, 400, 399],
    }
)


def test_every_column_as_pandas_gives_it():
    _assert_as_pandas(records(MIXED), MIXED.to_dict("records"))


def test_chosen_columns_in_the_order_asked():
    ours = records(MIXED, ["value", "indicator", "rank"])
    _assert_as_pandas(ours, MIXED[["value", "indicator", "rank"]].to_dict("records"))
    assert ours[1]["rank"] is None  # a missing rank is None, not pd.NA (pages test ``is not None``)


def test_a_filtered_frame_keeps_its_row_order_not_its_index():
    part = MIXED.iloc[[2, 0]]
    assert [r["indicator"] for r in records(part)] == [r["indicator"] for r in part.to_dict("records")]
    assert [r["year"] for r in records(part)] == [2021, 2023]


def test_no_rows_and_no_columns():
    assert records(MIXED.iloc[0:0]) == []
    assert records(MIXED, []) == [{}, {}, {}]


def test_only_the_rows_kept_in_their_order():
    keep = [True, False, True]
    _assert_as_pandas(records(MIXED, keep=keep), MIXED[keep].to_dict("records"))
    _assert_as_pandas(records(MIXED, ["n", "value"], keep), MIXED.loc[keep, ["n", "value"]].to_dict("records"))
    assert records(MIXED, keep=[False] * 3) == []
    assert records(MIXED, [], keep=keep) == [{}, {}]
