"""What every benchmarking page starts from: the store, the global selection, the Kreise and the peer group."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from indicators.warehouse.store import Store
from ui import data, state, user


@dataclass
class PageContext:
    store: Store
    v: str
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
        return data.indicators(self.store, self.v).set_index("id").loc[self.sel.indicator]

    @cached_property
    def indicator_year(self) -> int:
        """Latest year of the selected indicator up to the selected year (indicators are published with delays)."""
        years = data.years(self.store, self.v, self.sel.indicator)
        return max([y for y in years if y <= self.sel.year], default=years[0] if years else self.sel.year)


def page() -> PageContext:
    store = data.store()
    v = data.version(store)
    sel = state.current()
    peers, label = state.peers(store, v, sel, user.custom_groups())
    return PageContext(store, v, sel, data.districts(store, v).set_index("ags"), peers, label)
