"""Two indicators across the Kreise: the least-squares trend line and Pearson's r, for the scatter plot.

Only Kreise with both values count; r says how closely the points follow a line, not that one causes the other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Fit:
    n: int
    slope: float
    intercept: float
    r: float


def fit(x: list[float], y: list[float]) -> Fit | None:
    """Least squares ``y = intercept + slope * x`` and Pearson's r over the pairs where both are numbers."""
    pairs = [(float(a), float(b)) for a, b in zip(x, y, strict=True) if _number(a) and _number(b)]
    n = len(pairs)
    if n < 3:
        return None
    mx = sum(a for a, _ in pairs) / n
    my = sum(b for _, b in pairs) / n
    sxx = sum((a - mx) ** 2 for a, _ in pairs)
    syy = sum((b - my) ** 2 for _, b in pairs)
    sxy = sum((a - mx) * (b - my) for a, b in pairs)
    if sxx == 0 or syy == 0:
        return None
    slope = sxy / sxx
    return Fit(n=n, slope=slope, intercept=my - slope * mx, r=sxy / math.sqrt(sxx * syy))


def strength(r: float) -> str:
    """A plain German word for |r| (Cohen's conventions 0.1 / 0.3 / 0.5)."""
    size = abs(r)
    word = "kein" if size < 0.1 else "schwacher" if size < 0.3 else "mittlerer" if size < 0.5 else "starker"
    if size < 0.1:
        return "kein linearer Zusammenhang"
    return f"{word} {'positiver' if r > 0 else 'negativer'} Zusammenhang"


def _number(v) -> bool:
    return v is not None and not (isinstance(v, float) and math.isnan(v))
