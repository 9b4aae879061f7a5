"""The harmonisation report counted by hand on a few cells: what had a value before and after, and how many cells
were harmonised, estimated, suppressed or lost, per indicator and year."""

from __future__ import annotations

import pandas as pd

from indicators.warehouse.harmonise import harmonisation_report

NAN = float("nan")
COLUMNS = ["indicator", "year", "cells_before", "cells_after", "harmonised", "estimated", "suppressed"]


def _before() -> pd.DataFrame:
    rows = [("alq", 2020, 5.0), ("alq", 2020, 6.0), ("alq", 2020, NAN), ("alq", 2021, 7.0), ("bev", 2020, 100.0)]
    return pd.DataFrame(rows, columns=["indicator", "year", "value"])


def _after() -> pd.DataFrame:
    rows = [
        ("alq", 2020, 5.5, True, True, False),  # harmonised and estimated
        ("alq", 2020, 6.0, False, True, False),  # estimated but not harmonised: not counted as estimated
        ("alq", 2020, NAN, True, True, True),  # suppressed: no value, so neither harmonised nor estimated
        ("alq", 2021, 7.0, True, False, False),
        ("bev", 2021, NAN, False, False, True),
        ("gdp", 2020, 3.0, False, False, False),  # a value only after, neither harmonised nor suppressed
    ]
    return pd.DataFrame(rows, columns=["indicator", "year", "value", "harmonised", "estimated", "suppressed"])


def test_report_counts_each_kind_of_cell_per_indicator_and_year():
    after = _after()
    after.attrs["lost"] = pd.DataFrame({"indicator": ["alq", "alq", "bev"], "year": [2020, 2020, 2022]})
    report = harmonisation_report(_before(), after)
    expected = pd.DataFrame(
        [
            ("alq", 2020, 2, 2, 1, 1, 1, 2),
            ("alq", 2021, 1, 1, 1, 0, 0, 0),
            ("bev", 2020, 1, 0, 0, 0, 0, 0),
            ("bev", 2021, 0, 0, 0, 0, 1, 0),
            ("bev", 2022, 0, 0, 0, 0, 0, 1),  # lost only: the year still shows
            ("gdp", 2020, 0, 1, 0, 0, 0, 0),
        ],
        columns=[*COLUMNS, "lost"],
    )
    expected[COLUMNS[2:] + ["lost"]] = expected[COLUMNS[2:] + ["lost"]].astype("int64")
    pd.testing.assert_frame_equal(report, expected)


def test_report_without_the_lost_cells_says_unknown_not_zero():
    report = harmonisation_report(_before(), _after())
    assert list(report.columns) == [*COLUMNS, "lost"]
    assert report["lost"].dtype == "Int64" and report["lost"].isna().all()
    keys = [["alq", 2020], ["alq", 2021], ["bev", 2020], ["bev", 2021], ["gdp", 2020]]
    assert report[["indicator", "year"]].to_numpy().tolist() == keys
    assert report["cells_before"].tolist() == [2, 1, 1, 0, 0] and report["suppressed"].tolist() == [1, 0, 0, 1, 0]
    assert report["cells_after"].tolist() == [2, 1, 0, 0, 1]
    assert [str(report[c].dtype) for c in COLUMNS[2:]] == ["int64"] * 5
