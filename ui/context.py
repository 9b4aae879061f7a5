"""What every benchmarking page starts from: the store, the global selection, the Kreise and the peer group."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from ui import data, state, user


@dataclass
class PageContext:
    wh: data.Warehouse
    sel: state.Selection
    districts: pd.DataFrame  # indexed by AGS
    peers: list[str]
    peer_label: str

    @property
    def kreis(self) -> pd.Series:
        return self.districts.loc[self.sel.home]

    @cached_property
    def names(self) -> dict[str, str]:
        return self.districts["display_name"].to_dict()

    @cached_property
    def meta(self) -> pd.Series:
        """Metadata of the globally selected indicator."""
        return data.indicators(self.wh).set_index("id").loc[self.sel.indicator]

    @cached_property
    def coverage(self) -> pd.DataFrame:
        """Kreise with a value per year of the selected indicator, and whether the year covers Germany."""
        return data.year_coverage(self.wh, self.sel.indicator).set_index("year")

    @cached_property
    def indicator_year(self) -> int:
        """The selected year if the indicator has it; else its latest year up to it that covers Germany
        (indicators are published with delays, and a year a handful of Kreise have is no "latest year")."""
        if self.sel.year in self.coverage.index:
            return self.sel.year
        latest = data.latest_year(self.wh, self.sel.indicator, self.sel.year)
        if latest is not None:
            return latest
        years = data.years(self.wh, self.sel.indicator)
        return years[0] if years else self.sel.year

    @property
    def built(self) -> str:
        """Date the warehouse was built (German), named in a chart whose sources give no Stand."""
        return self.wh.built

    @property
    def thin_year_note(self) -> str | None:
        """A caption for a year that only some Kreise have (None when the year covers Germany)."""
        year = self.indicator_year
        if year not in self.coverage.index or bool(self.coverage.at[year, "covering"]):
            return None
        n = int(self.coverage.at[year, "kreise"])
        return (
            f"Das Jahr {year} liegt für diesen Indikator nur für {n} von {len(self.districts)} Kreisen vor; "
            "Rang, Median und Karte beziehen sich nur auf diese Kreise."
        )


def page() -> PageContext:
    wh = data.warehouse()
    sel = state.current()
    peers, label = state.peers(wh, sel, user.custom_groups())
    return PageContext(wh, sel, data.districts_by_ags(wh), peers, label)
