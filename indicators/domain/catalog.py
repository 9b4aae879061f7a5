"""The indicator catalogue: what each indicator means, which way is better, and where it comes from.

The catalogue lives in ``catalog.toml`` beside this module, a readable file reviewed like code. Importers
produce raw indicator ids derived from each file's table code and headers; the catalogue maps those raw ids
onto its own ids (first listed source wins where several deliver the same region and year). Raw ids the
catalogue does not know become indicators of their own, labelled from the file.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from indicators.domain import aggregation

CATALOG_PATH = Path(__file__).with_name("catalog.toml")

POLARITY_TEXT = {1: "höher ist günstiger", -1: "niedriger ist günstiger", 0: "Kontextindikator (keine Wertung)"}
SCALES = {"ratio", "ordinal", "nominal"}
AGGREGATIONS = set(aggregation.KINDS)


@dataclass(frozen=True)
class SourceRef:
    """One source delivering an indicator: a raw id of an importer and how to read its values."""

    raw: str
    publisher: str
    table: str
    licence: str
    factor: float = 1.0  # multiply raw values by this to reach the catalogue unit


@dataclass(frozen=True)
class Indicator:
    id: str
    label: str
    unit: str
    polarity: int
    topic: str
    definition: str
    polarity_reason: str = ""
    aggregation: str = "mean"
    scale: str = "ratio"
    caveats: str = ""
    seed_id: str = ""
    seed_factor: float = 1.0  # multiply the reference table's published values by this to reach our unit
    seed_note: str = ""  # how the reference table's definition differs from ours
    numerator: str = ""
    denominator: str = ""
    rate_factor: float = 100.0
    headline: bool = False
    breaks: tuple = ()  # ({"year": 2012, "reason": "..."}, ...): changes of definition within the series
    sources: tuple[SourceRef, ...] = field(default_factory=tuple)

    @property
    def polarity_text(self) -> str:
        return POLARITY_TEXT[self.polarity]

    @property
    def licences(self) -> list[str]:
        return sorted({s.licence for s in self.sources})


class CatalogError(ValueError):
    """The catalogue file is inconsistent; raised at load so a bad edit never reaches the app."""


@dataclass(frozen=True)
class Catalogue:
    indicators: tuple[Indicator, ...]
    topics: tuple[str, ...]

    def __iter__(self):
        return iter(self.indicators)

    def __len__(self) -> int:
        return len(self.indicators)

    def get(self, indicator_id: str) -> Indicator | None:
        return self._by_id().get(indicator_id)

    def __getitem__(self, indicator_id: str) -> Indicator:
        found = self.get(indicator_id)
        if found is None:
            raise KeyError(indicator_id)
        return found

    def _by_id(self) -> dict[str, Indicator]:
        return _index(self)

    def source_for_raw(self, raw_id: str) -> tuple[Indicator, SourceRef, int] | None:
        """Catalogue indicator, source and priority (0 = preferred) a raw importer id feeds."""
        return _raw_index(self).get(raw_id)


@lru_cache(maxsize=8)
def _index(cat: Catalogue) -> dict[str, Indicator]:
    return {ind.id: ind for ind in cat.indicators}


@lru_cache(maxsize=8)
def _raw_index(cat: Catalogue) -> dict[str, tuple[Indicator, SourceRef, int]]:
    out: dict[str, tuple[Indicator, SourceRef, int]] = {}
    for ind in cat.indicators:
        for prio, src in enumerate(ind.sources):
            out[src.raw] = (ind, src, prio)
    return out


def parse_catalogue(text: str) -> Catalogue:
    data = tomllib.loads(text)
    providers = data.get("provider", {})
    topics = tuple(data.get("topics", []))
    seen: set[str] = set()
    raw_seen: dict[str, str] = {}
    indicators = []
    for i, entry in enumerate(data.get("indicator", [])):
        where = f"Eintrag {i + 1} ({entry.get('id', '?')})"
        for key in ("id", "label", "unit", "polarity", "topic", "definition"):
            if key not in entry:
                raise CatalogError(f"{where}: Feld „{key}“ fehlt")
        if entry["id"] in seen:
            raise CatalogError(f"{where}: id doppelt vergeben")
        seen.add(entry["id"])
        if entry["polarity"] not in (-1, 0, 1):
            raise CatalogError(f"{where}: Polarität muss -1, 0 oder 1 sein")
        if entry["polarity"] != 0 and not entry.get("polarity_reason"):
            raise CatalogError(f"{where}: Begründung der Polarität (polarity_reason) fehlt")
        if topics and entry["topic"] not in topics:
            raise CatalogError(f"{where}: unbekanntes Thema „{entry['topic']}“")
        if entry.get("scale", "ratio") not in SCALES:
            raise CatalogError(f"{where}: scale muss eines von {sorted(SCALES)} sein")
        if entry.get("aggregation", "mean") not in AGGREGATIONS:
            raise CatalogError(f"{where}: aggregation muss eines von {sorted(AGGREGATIONS)} sein")
        sources = []
        for src in entry.get("sources", []):
            prov = providers.get(src.get("via", ""), {})
            if "via" in src and not prov:
                raise CatalogError(f"{where}: unbekannter Anbieter „{src['via']}“")
            if src["raw"] in raw_seen:
                raise CatalogError(f"{where}: Rohkennung {src['raw']} schon bei {raw_seen[src['raw']]}")
            raw_seen[src["raw"]] = entry["id"]
            sources.append(
                SourceRef(
                    raw=src["raw"],
                    publisher=src.get("publisher", prov.get("publisher", "")),
                    table=src.get("table", prov.get("table", "")),
                    licence=src.get("licence", prov.get("licence", "")),
                    factor=float(src.get("factor", 1.0)),
                )
            )
        known = {f for f in Indicator.__dataclass_fields__} - {"sources"}
        fields = {k: v for k, v in entry.items() if k in known}
        for brk in entry.get("breaks", []):
            if not isinstance(brk.get("year"), int) or not brk.get("reason"):
                raise CatalogError(f"{where}: jeder Reihenbruch braucht year (Jahr) und reason (Begründung)")
        fields["breaks"] = tuple(entry.get("breaks", []))
        indicators.append(Indicator(**fields, sources=tuple(sources)))
    for ind in indicators:
        for ref in (ind.numerator, ind.denominator):
            if ref and ref not in seen:
                raise CatalogError(f"{ind.id}: Zähler/Nenner „{ref}“ ist kein Katalogeintrag")
    return Catalogue(indicators=tuple(indicators), topics=topics)


@lru_cache(maxsize=1)
def load_catalogue(path: Path = CATALOG_PATH) -> Catalogue:
    return parse_catalogue(path.read_text(encoding="utf-8"))
