"""The page's warehouse handle: cached results are keyed by the snapshot's version, never by the store's contents."""

from __future__ import annotations

import pandas as pd

from ui import data


class _Store:
    """Just enough of a store: a path, a manifest and a districts table."""

    is_demo = False

    def __init__(self, path: str, built_at: str, names: list[str]):
        self.path, self.manifest, self.names = path, {"built_at": built_at}, names
        self.calls = 0

    def districts(self) -> pd.DataFrame:
        self.calls += 1
        return pd.DataFrame({"ags": ["15087"] * len(self.names), "name": self.names})


def test_same_version_is_answered_once_for_every_session():
    data.districts.clear()
    first = data.Warehouse(_Store("/wh/a", "2026-12-05T10:00:00", ["Mansfeld-Südharz"]))
    second = data.Warehouse(_Store("/wh/a", "2026-12-05T10:00:00", ["anders"]))
    assert data.districts(first)["name"].tolist() == ["Mansfeld-Südharz"]
    # Another handle on the same snapshot (another session) gets the shared result, without asking its store.
    assert data.districts(second)["name"].tolist() == ["Mansfeld-Südharz"]
    assert second.store.calls == 0


def test_a_rebuild_or_another_snapshot_is_a_new_key():
    data.districts.clear()
    before = data.Warehouse(_Store("/wh/a", "2026-12-05T10:00:00", ["alt"]))
    rebuilt = data.Warehouse(_Store("/wh/a", "2026-12-05T11:30:00", ["neu"]))
    other = data.Warehouse(_Store("/wh/b", "2026-12-05T10:00:00", ["anderer Stand"]))
    assert data.districts(before)["name"].tolist() == ["alt"]
    assert data.districts(rebuilt)["name"].tolist() == ["neu"]
    assert data.districts(other)["name"].tolist() == ["anderer Stand"]


def test_a_caller_changing_its_copy_does_not_change_the_shared_result():
    data.districts.clear()
    wh = data.Warehouse(_Store("/wh/a", "2026-12-05T10:00:00", ["Mansfeld-Südharz"]))
    mine = data.districts(wh)
    mine.loc[0, "name"] = "verändert"
    assert data.districts(wh)["name"].tolist() == ["Mansfeld-Südharz"]


CALLS: list[tuple] = []


@data.shared(max_entries=16)
def _peer_median(wh: data.Warehouse, peers: tuple) -> int:
    CALLS.append(peers)
    return len(CALLS)


def test_a_peer_group_is_the_same_key_only_when_it_holds_the_same_members_in_the_same_order():
    _peer_median.clear()
    CALLS.clear()
    wh = data.Warehouse(_Store("/wh/a", "2026-12-05T10:00:00", ["Mansfeld-Südharz"]))
    land = tuple(f"15{n:03d}" for n in range(1, 92))
    assert _peer_median(wh, land) == 1
    assert _peer_median(wh, tuple(list(land))) == 1  # another session, the same group: no second computation
    assert _peer_median(wh, land[:-1]) == 2  # one Kreis fewer
    assert _peer_median(wh, land[::-1]) == 3  # order is part of the key (the pages pass a sorted group)
    assert _peer_median(wh, ("15087", "15088")) == 4
    assert _peer_median(wh, ("15087", 15088)) == 5  # a number is not its text
    assert _peer_median(wh, ("15087", "15088", None)) == 6
    assert _peer_median(wh, (("15087",), ("15088",))) == 7  # nested tuples are hashed item by item
    assert _peer_median(wh, (("15087",), ("15089",))) == 8
    assert _peer_median(wh, (("15087",), ("15088",))) == 7
    assert len(CALLS) == 8
