"""Why a Kreis is a statistical neighbour, in plain German, and which variables the search may use.

The neighbours themselves are :func:`indicators.domain.benchmark.statistical_neighbours`. Two rules live here:
the indicator being compared is never one of the matching variables (neighbours chosen for having the same
value would make the comparison circular), and each neighbour is explained by the three variables on which it is
closest to the home Kreis.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from indicators.domain import formatting as fmt

#: Variables named per neighbour.
REASONS = 3


def matching_variables(chosen: Iterable[str], compared: str | None) -> tuple[str, ...]:
    """The chosen context variables without the indicator that is being compared."""
    return tuple(x for x in dict.fromkeys(chosen) if x != compared)


def standardised_gaps(matrix: pd.DataFrame, home: str) -> pd.DataFrame:
    """|z(Kreis) - z(home)| per variable, each variable z-standardised over all Kreise (population SD, as the
    neighbour search); variables the home Kreis lacks or that do not vary are left out."""
    data = matrix.to_numpy(dtype=float)
    at = matrix.index.get_loc(home)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        spread = np.nanstd(data, axis=0)
        mean = np.nanmean(data, axis=0)
    usable = ~np.isnan(data[at]) & (spread > 0)
    z = (data[:, usable] - mean[usable]) / spread[usable]
    return pd.DataFrame(np.abs(z - z[at]), index=matrix.index, columns=matrix.columns[usable])


def closest_variables(gaps: pd.DataFrame, ags: str, n: int = REASONS) -> list[str]:
    """The ``n`` variables on which ``ags`` is nearest to the home Kreis (ties in column order)."""
    row = gaps.loc[ags].dropna()
    return list(row.sort_values(kind="stable").index[:n])


def reason(
    variables: list[str],
    matrix: pd.DataFrame,
    home: str,
    ags: str,
    labels: Mapping[str, str],
    units: Mapping[str, str],
) -> str:
    """``ähnlich bei Einwohner (180.000; eigener Kreis 132.317), … und …`` for one neighbour."""
    parts = [
        f"{labels.get(x, x)} ({fmt.value(matrix.at[ags, x], units.get(x, ''))}; "
        f"eigener Kreis {fmt.value(matrix.at[home, x], units.get(x, ''))})"
        for x in variables
    ]
    if not parts:
        return "–"
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " und " + parts[-1]
    return f"ähnlich bei {listed}"
