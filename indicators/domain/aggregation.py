"""How the values of several Kreise combine: summed, weighted, or not at all.

The rule matters twice: when a Kreis of today is put together from older ones (harmonisation) and when a Land or
Germany value is approximated from its Kreise. The catalogue states it for every indicator it knows; for a column
it does not know, the unit decides (``Anzahl``, ``Personen``, ``EUR`` totals are summed; ``%``, ``je …``, ``Quote``
are weighted), and the reason is kept so that Methodik can say which rule was assumed and why.
"""

from __future__ import annotations

import re

#: sum: counts and totals, a split Kreis shares them by population; sum_area: areas, shared by area;
#: mean: rates and shares, weighted by population; none: classes and categories, never combined.
KINDS = ("sum", "sum_area", "mean", "none")
SUMMED = {"sum", "sum_area"}

_PER = re.compile(r"%|‰|\bprozent|\bpromille|\bje\b|\bpro\b|/|\bquote\b|\bjahre\b|\bjahren\b|\bminuten\b", re.I)
_RATE_WORDS = re.compile(
    r"quote|anteil|\bje\b|\bpro\b|dichte|durchschnitt|mittel|median|rate\b|saldo|entwicklung|veränderung|in %",
    re.I,
)
_AREA = re.compile(r"^(?:km²|km2|qkm|ha|hektar|m²|qm)$", re.I)
_TOTAL = re.compile(
    r"\banzahl\b|\bpersonen\b|\beinwohner\b|\bfälle\b|\bstück\b|\beur\b|\beuro\b|€|\btsd\b|\bmio\b|\bmrd\b"
    r"|\bbeschäftigte\b|\barbeitslose\b",
    re.I,
)


def infer(unit: str, label: str = "", scale: str = "ratio") -> tuple[str, str]:
    """``(kind, reason)`` for a column the catalogue does not know; the reason is German text for Methodik."""
    unit = " ".join((unit or "").split())
    if scale != "ratio":
        return "none", "Klasse oder Kategorie: wird nicht zusammengefasst"
    if unit and _PER.search(unit):
        return "mean", f"aus der Einheit „{unit}“: Quote oder Verhältnis, bevölkerungsgewichtet"
    if _RATE_WORDS.search(label or ""):
        return "mean", "aus der Bezeichnung (Quote, Anteil, je …): bevölkerungsgewichtet"
    if unit and _AREA.match(unit):
        return "sum_area", f"aus der Einheit „{unit}“: Fläche, summiert (Teilungen nach Flächenanteil)"
    if unit and _TOTAL.search(unit):
        return "sum", f"aus der Einheit „{unit}“: Anzahl oder Summe, summiert"
    if re.search(r"\banzahl\b|\binsgesamt\b", label or "", re.I):
        return "sum", "aus der Bezeichnung (Anzahl): summiert"
    return "mean", "Einheit unbekannt: wie eine Quote bevölkerungsgewichtet (Näherung)"
