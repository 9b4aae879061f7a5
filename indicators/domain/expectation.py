"""Fair benchmark: the value expected for a Kreis given structure it cannot change quickly (Erwartungswert).

A plain least-squares regression across all Kreise of one indicator-year on a handful of context variables
(Kreistyp, Ost/West, density, age, sector mix, commuting). It answers "is our value unusual *for a Kreis like
ours*?", as the IAB does before grouping Kreise into Vergleichstypen. Kept deliberately simple so that every
number on the page can be explained: the expected value is a sum of contributions, one per variable.

Honesty comes from cross-validation, not from the fit: the R² shown is out of fold (each Kreis predicted by a
model that never saw it), and the interval half-width is the empirical quantile of the absolute out-of-fold
residuals (CV+ style), so "outside the interval" means "more unusual than ``level`` of the Kreise are".
:func:`fit` also measures the coverage of that interval out of fold (nested: the quantile of every outer
fold comes from residuals of inner folds only), which the Methodik page reports against the nominal level.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import statsmodels.api as sm

from indicators.domain import formatting as fmt

#: Nominal coverage of the interval: a Kreis outside it is more unusual than nine in ten Kreise.
LEVEL = 0.9
FOLDS = 10
SEED = 20240101
#: A model needs this many Kreise with a value and complete context (of 400).
MIN_KREISE = 300


@dataclass(frozen=True)
class ContextVariable:
    """One context variable: a group of model columns that is explained and ranked as one."""

    key: str
    label: str
    why: str
    sources: tuple[str, ...]  # warehouse indicator ids (or district columns) it is built from


#: The context a Kreis cannot change quickly. Deliberately no labour-market outcome among them.
CONTEXT: tuple[ContextVariable, ...] = (
    ContextVariable("ost", "Lage in Ostdeutschland", "Ost/West-Unterschiede seit 1990", ("east",)),
    ContextVariable("kreistyp", "Siedlungsstruktureller Kreistyp (BBSR)", "Stadt oder Land", ("kreistyp",)),
    ContextVariable(
        "dichte", "Bevölkerungsdichte (logarithmiert)", "Verdichtung innerhalb des Typs", ("bevoelkerungsdichte",)
    ),
    ContextVariable("alter", "Anteil der Bevölkerung ab 65 Jahren", "Altersstruktur", ("anteil_65_plus",)),
    ContextVariable(
        "landwirtschaft",
        "Anteil des primären Sektors an der Bruttowertschöpfung",
        "Branchenstruktur",
        ("anteil_primaerer_sektor",),
    ),
    ContextVariable(
        "industrie",
        "Anteil des sekundären Sektors an der Bruttowertschöpfung",
        "Branchenstruktur",
        ("anteil_sekundaerer_sektor",),
    ),
    ContextVariable(
        "pendler",
        "Arbeitsplatzzentralität (SV-Beschäftigte am Arbeits- je am Wohnort, logarithmiert)",
        "Ein- und Auspendeln",
        ("svb_arbeitsort", "svb_wohnort"),
    ),
)
CONTEXT_BY_KEY = {c.key: c for c in CONTEXT}
#: Warehouse indicators the context is built from (for the store query).
CONTEXT_INDICATORS = tuple(dict.fromkeys(s for c in CONTEXT for s in c.sources if s not in ("east", "kreistyp")).keys())


def context_year(available: Sequence[int], year: int) -> int | None:
    """Year of a context indicator used for ``year``: the latest up to it, else the earliest after it.

    Context changes slowly; a structure variable first published in 2018 still describes a Kreis in 2015.
    """
    years = sorted(int(y) for y in available)
    if not years:
        return None
    before = [y for y in years if y <= year]
    return before[-1] if before else years[0]


def features(districts: pd.DataFrame, raw: pd.DataFrame) -> pd.DataFrame:
    """Model columns per Kreis from the districts table (``east``, ``kreistyp``) and raw context values.

    ``districts`` and ``raw`` are indexed by AGS; ``raw`` has one column per id in :data:`CONTEXT_INDICATORS`.
    Columns are named ``<variable key>`` or ``<variable key>:<level>`` (the Kreistyp dummies, type 1 =
    kreisfreie Großstadt is the reference). Rows with any missing value keep NaN (the fit drops them).
    """
    index = districts.index
    raw = raw.reindex(index)
    out = pd.DataFrame(index=index)
    out["ost"] = districts["east"].astype(float)
    kreistyp = pd.to_numeric(districts["kreistyp"], errors="coerce").astype(float)
    for level in (2, 3, 4):
        out[f"kreistyp:{level}"] = np.where(kreistyp.isna(), np.nan, (kreistyp == level).astype(float))

    def positive_log(values: pd.Series) -> pd.Series:
        values = pd.to_numeric(values, errors="coerce").astype(float)
        return np.log(values.where(values > 0))

    out["dichte"] = positive_log(raw.get("bevoelkerungsdichte", pd.Series(np.nan, index=index)))
    out["alter"] = pd.to_numeric(raw.get("anteil_65_plus"), errors="coerce")
    out["landwirtschaft"] = pd.to_numeric(raw.get("anteil_primaerer_sektor"), errors="coerce")
    out["industrie"] = pd.to_numeric(raw.get("anteil_sekundaerer_sektor"), errors="coerce")
    at_work = pd.to_numeric(raw.get("svb_arbeitsort"), errors="coerce").astype(float)
    at_home = pd.to_numeric(raw.get("svb_wohnort"), errors="coerce").astype(float)
    out["pendler"] = positive_log(at_work / at_home.where(at_home > 0))
    return out.astype(float)


def variable_of(column: str) -> str:
    return column.split(":", 1)[0]


def _sources(column: str) -> tuple[str, ...]:
    known = CONTEXT_BY_KEY.get(variable_of(column))
    return known.sources if known else ()


@dataclass(frozen=True)
class ExpectationModel:
    """A fitted, cross-validated expectation model of one indicator-year across the Kreise."""

    indicator: str
    year: int
    level: float
    columns: tuple[str, ...]
    variables: tuple[str, ...]
    coefficients: Mapping[str, float]  # per column, in units of the indicator per unit of the column
    intercept: float
    means: Mapping[str, float]  # column means over the Kreise used in the fit
    n: int
    r2_in_sample: float
    r2_oof: float
    coverage_oof: float
    half_width: float  # interval: expected ± half_width
    table: pd.DataFrame = field(repr=False)  # per Kreis: value, expected, lower, upper, residual, oof, position

    def row(self, region: str) -> pd.Series | None:
        return self.table.loc[region] if region in self.table.index else None


def _design(x: np.ndarray) -> np.ndarray:
    return np.column_stack([np.ones(len(x)), x])


def _ols(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least-squares parameters (intercept first); statsmodels' pinv handles a constant column in a fold."""
    return np.asarray(sm.OLS(y, _design(x)).fit(method="pinv").params)


def _folds(n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    return rng.permutation(n) % k


def _oof_predictions(x: np.ndarray, y: np.ndarray, folds: np.ndarray) -> np.ndarray:
    predicted = np.empty(len(y))
    for fold in np.unique(folds):
        test = folds == fold
        params = _ols(x[~test], y[~test])
        predicted[test] = _design(x[test]) @ params
    return predicted


def conformal_quantile(abs_residuals: np.ndarray, level: float) -> float:
    """The ``ceil((n + 1) * level)``-th smallest absolute residual: finite-sample valid for exchangeable Kreise."""
    r = np.sort(np.asarray(abs_residuals, dtype=float))
    n = len(r)
    if n == 0:
        return math.nan
    k = math.ceil((n + 1) * level)
    return float(r[min(k, n) - 1])


def r_squared(y: np.ndarray, predicted: np.ndarray) -> float:
    y = np.asarray(y, dtype=float)
    total = float(((y - y.mean()) ** 2).sum())
    return 1.0 - float(((y - predicted) ** 2).sum()) / total if total > 0 else math.nan


def fit(
    indicator: str,
    year: int,
    values: pd.Series,
    context: pd.DataFrame,
    *,
    level: float = LEVEL,
    folds: int = FOLDS,
    seed: int = SEED,
    min_kreise: int = MIN_KREISE,
) -> ExpectationModel | None:
    """Fit the expectation model of one indicator-year; ``None`` with fewer than ``min_kreise`` usable Kreise.

    ``values`` (indicator values) and ``context`` (:func:`features`) are indexed by AGS. Context columns that are
    the indicator itself, or constant, are left out. The fold assignment is seeded: the same data give the same
    numbers on every run.
    """
    columns = [c for c in context.columns if indicator not in _sources(c)]
    frame = context[columns].join(pd.to_numeric(values, errors="coerce").rename("__y__"), how="inner").dropna()
    columns = [c for c in columns if frame[c].nunique() > 1]
    if len(frame) < max(min_kreise, len(columns) + 2 * folds):
        return None
    x = frame[columns].to_numpy(dtype=float)
    y = frame["__y__"].to_numpy(dtype=float)
    rng = np.random.default_rng(seed)
    outer = _folds(len(y), folds, rng)
    oof = _oof_predictions(x, y, outer)
    half_width = conformal_quantile(np.abs(y - oof), level)

    # Coverage out of fold: each outer fold's interval width comes from inner cross-validation on the others.
    covered = np.zeros(len(y), dtype=bool)
    for fold in range(folds):
        test = outer == fold
        inner = _folds(int((~test).sum()), folds, rng)
        inner_oof = _oof_predictions(x[~test], y[~test], inner)
        width = conformal_quantile(np.abs(y[~test] - inner_oof), level)
        covered[test] = np.abs(y[test] - oof[test]) <= width

    params = _ols(x, y)
    expected = _design(x) @ params
    table = pd.DataFrame(
        {
            "value": y,
            "expected": expected,
            "lower": expected - half_width,
            "upper": expected + half_width,
            "residual": y - expected,
            "oof": oof,
        },
        index=frame.index,
    )
    table["position"] = np.select(
        [table["value"] > table["upper"], table["value"] < table["lower"]], ["ueber", "unter"], "im_rahmen"
    )
    return ExpectationModel(
        indicator=indicator,
        year=int(year),
        level=level,
        columns=tuple(columns),
        variables=tuple(dict.fromkeys(variable_of(c) for c in columns)),
        coefficients=dict(zip(columns, params[1:].tolist(), strict=True)),
        intercept=float(params[0]),
        means=dict(zip(columns, x.mean(axis=0).tolist(), strict=True)),
        n=len(y),
        r2_in_sample=r_squared(y, expected),
        r2_oof=r_squared(y, oof),
        coverage_oof=float(covered.mean()),
        half_width=half_width,
        table=table,
    )


def contributions(model: ExpectationModel, context_row: Mapping[str, float]) -> pd.Series:
    """How far each variable moves this Kreis's expected value away from the average Kreis, in indicator units.

    ``coefficient * (own value - mean)`` summed over a variable's columns; the contributions add up to
    ``expected - mean(expected)``. Sorted by absolute size, largest first.
    """
    parts: dict[str, float] = {}
    for column in model.columns:
        delta = model.coefficients[column] * (float(context_row[column]) - model.means[column])
        key = variable_of(column)
        parts[key] = parts.get(key, 0.0) + delta
    series = pd.Series(parts, dtype=float)
    return series.reindex(series.abs().sort_values(ascending=False).index)


def importance(model: ExpectationModel, context: pd.DataFrame) -> pd.Series:
    """Average absolute contribution of each variable over the Kreise of the fit (for Methodik)."""
    rows = context.loc[model.table.index, list(model.columns)]
    parts = pd.DataFrame(index=rows.index)
    for column in model.columns:
        key = variable_of(column)
        delta = model.coefficients[column] * (rows[column] - model.means[column])
        parts[key] = parts.get(key, 0.0) + delta
    return parts.abs().mean().sort_values(ascending=False)


@dataclass(frozen=True)
class Verdict:
    """What the page says about one Kreis; ``code`` is ueber | unter | im_rahmen."""

    code: str
    tone: str  # positive | negative | neutral (polarity decides; context indicators stay neutral)
    headline: str
    detail: str
    drivers: tuple[str, ...]


def verdict(
    model: ExpectationModel,
    region: str,
    context_row: Mapping[str, float],
    *,
    unit: str,
    polarity: int,
    kreis_name: str,
) -> Verdict | None:
    """German sentences for the page: above/below the expected value only when outside the interval."""
    row = model.row(region)
    if row is None:
        return None
    shown = lambda v: fmt.value(v, unit)  # noqa: E731
    difference = fmt.change(row["residual"], unit)
    interval = f"{shown(row['lower'])} bis {shown(row['upper'])}"
    level = f"{round(model.level * 100)} %"
    drivers = []
    for key, delta in contributions(model, context_row).head(3).items():
        drivers.append(f"{CONTEXT_BY_KEY[key].label} ({fmt.change(delta, unit)})")
    if row["position"] == "im_rahmen":
        headline = (
            f"{kreis_name} liegt {model.year} im erwarteten Rahmen für Kreise mit dieser Struktur "
            f"({shown(row['value'])}; erwartet {shown(row['expected'])}, {level}-Bereich {interval})."
        )
        tone = "neutral"
    else:
        word = "über" if row["position"] == "ueber" else "unter"
        headline = (
            f"{kreis_name} liegt {model.year} mit {shown(row['value'])} um {difference.lstrip('+-')} {word} dem "
            f"Erwartungswert für Kreise mit dieser Struktur ({shown(row['expected'])}; {level}-Bereich {interval})."
        )
        favourable = polarity * (1 if row["position"] == "ueber" else -1)
        tone = "neutral" if polarity == 0 else ("positive" if favourable > 0 else "negative")
    detail = (
        f"Modell über {model.n} Kreise, außerhalb der Stichprobe erklärtes R² = {fmt.number(model.r2_oof, 2)}; "
        f"in {fmt.number(model.coverage_oof * 100, 0)} % der Kreise lag der Wert im {level}-Bereich (geprüft "
        "in Kreuzvalidierung)."
    )
    return Verdict(row["position"], tone, headline, detail, tuple(drivers))
