"""Inputs of the insight models read from the warehouse: context per Kreis, values and panels of an indicator.

The models themselves are pure (:mod:`indicators.domain.expectation`, :mod:`indicators.domain.forecast`); this
module asks the store the questions they need, so that the app and ``python -m indicators validate`` feed
them identically.
"""

from __future__ import annotations

import pandas as pd

from indicators.domain import expectation, forecast, trend_break
from indicators.warehouse.store import Store


def kreise(store: Store) -> pd.DataFrame:
    return store.districts().set_index("ags")


def context(store: Store, year: int, districts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Model columns of :func:`expectation.features` for every Kreis, each variable from its year for ``year``
    (:func:`expectation.context_year`; the parts of a ratio from one common year)."""
    districts = kreise(store) if districts is None else districts
    by_year: dict[int, list[str]] = {}
    for variable in expectation.CONTEXT:
        sources = [s for s in variable.sources if s in expectation.CONTEXT_INDICATORS]
        if not sources:
            continue
        # the sources of one variable (a ratio) come from one common year
        common = set.intersection(*(set(store.years(s)) for s in sources))
        used = expectation.context_year(common, year)
        if used is not None:
            by_year.setdefault(used, []).extend(sources)
    raw = pd.DataFrame(index=districts.index)
    for used, ids in by_year.items():
        raw = raw.join(store.matrix(ids, used, list(districts.index)).reindex(columns=ids))
    return expectation.features(districts, raw)


def kreis_values(store: Store, indicator: str, year: int) -> pd.Series:
    values = store.values(indicator, year)
    return values.set_index("region")["value"].astype(float)


def expectation_model(
    store: Store, indicator: str, year: int, districts: pd.DataFrame | None = None
) -> tuple[expectation.ExpectationModel | None, pd.DataFrame]:
    """The fitted model of one indicator-year and the context it was fitted on."""
    districts = kreise(store) if districts is None else districts
    frame = context(store, year, districts)
    return expectation.fit(indicator, year, kreis_values(store, indicator, year), frame), frame


def panel(store: Store, indicator: str, kreise: list[str], until: int | None = None) -> pd.DataFrame:
    """Kreise x consecutive years of one indicator up to ``until`` (:func:`forecast.regular_panel`)."""
    return forecast.regular_panel(store.series(indicator, kreise), kreise, until=until)


def forecaster(
    store: Store, indicator: str, until: int | None = None, districts: pd.DataFrame | None = None
) -> forecast.Forecaster:
    """The forecaster of one indicator from the data up to ``until`` (what was known in that year)."""
    districts = kreise(store) if districts is None else districts
    return forecast.Forecaster(panel(store, indicator, list(districts.index), until))


def departures(
    store: Store, indicator: str, until: int | None = None, districts: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Break-away test of every Kreis's series relative to Germany up to ``until`` (:func:`trend_break.detect_all`)."""
    districts = kreise(store) if districts is None else districts
    ids = list(districts.index)
    long = store.series(indicator, [*ids, "DG"])
    if until is not None:
        long = long[long["year"] <= until]
    germany = long[long["region"] == "DG"].set_index("year")["value"].astype(float)
    kreis_rows = long[long["region"] != "DG"]
    # observed values only: a gap is skipped, not bridged
    observed = kreis_rows.pivot_table(index="region", columns="year", values="value", aggfunc="last").reindex(ids)
    rel = trend_break.relative(observed.astype(float), germany)
    breaks = kreis_rows.pivot_table(index="region", columns="year", values="break", aggfunc="max")
    return trend_break.detect_all(rel, breaks=breaks.astype(bool))
