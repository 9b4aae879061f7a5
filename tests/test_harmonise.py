"""Harmonisation onto today's Kreise: hand-made crosswalk with Eisenach -> Wartburgkreis and
Göttingen + Osterode -> 03159, then the real BA table through the real crosswalk."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from indicators.importers import ba, bbsr
from indicators.importers.base import facts_frame
from indicators.warehouse.harmonise import harmonisation_report, harmonise

NAN = float("nan")

# year, old, new, w_area, w_pop, w_emp, area of the whole old Kreis, population of the whole old Kreis
CROSSWALK = pd.DataFrame(
    [
        (2010, "03152", "03159", 1, 1, 1, 1117.0, 250.0),
        (2010, "03156", "03159", 1, 1, 1, 636.0, 75.0),
        (2010, "16056", "16063", 1, 1, 1, 104.0, 42.0),
        (2010, "16063", "16063", 0.97, 0.96, 0.98, 1307.0, 125.0),
        (2010, "16063", "16066", 0.03, 0.04, 0.02, 1307.0, 125.0),
        (2010, "16066", "16066", 1, 1, 1, 1210.0, 122.0),
        (2010, "15087", "15087", 1, 1, 1, 1449.0, 140.0),
        (2020, "03159", "03159", 1, 1, 1, 1753.0, 320.0),
        (2020, "16056", "16063", 1, 1, 1, 104.0, 42.0),
        (2020, "16063", "16063", 1, 1, 1, 1267.0, 119.0),
        (2020, "16066", "16066", 1, 1, 1, 1250.0, 123.0),
        (2020, "15087", "15087", 1, 1, 1, 1449.0, 134.0),
    ],
    columns=["year", "old_ags", "new_ags", "w_area", "w_pop", "w_emp", "area_old_km2", "pop_old_1000"],
)
AGG = {"pop": "sum", "ue": "sum", "rate": "mean", "typ": "none"}
RATES = {"rate": ("ue", "pop", 100.0)}

# region: population, unemployed, rate, class
OLD_2010 = {
    "03152": (1000.0, 100.0, 10.0, 2.0),
    "03156": (500.0, 80.0, 16.0, 3.0),
    "16056": (300.0, 30.0, 10.0, 1.0),
    "16063": (900.0, 45.0, 5.0, 4.0),
    "16066": (800.0, 40.0, 5.0, 4.0),
    "15087": (700.0, 70.0, 10.0, 4.0),
    "15": (5000.0, 500.0, 10.0, NAN),
    "DG": (90000.0, 9000.0, 10.0, NAN),
}


def facts_2010(drop: tuple = (), **changes) -> pd.DataFrame:
    rows = []
    for region, (pop, ue, rate, typ) in OLD_2010.items():
        for indicator, value in (("pop", pop), ("ue", ue), ("rate", rate), ("rate_only", rate), ("typ", typ)):
            if (region, indicator) in drop or np.isnan(value):
                continue
            row = dict(region=region, indicator=indicator, year=2010, value=value, territory_year=2010)
            row.update(changes.get(f"{region}_{indicator}", {}))
            if indicator == "typ":
                row["value_label"] = f"Klasse {int(value)}"
            rows.append(row)
    return facts_frame(rows)


def cell(out: pd.DataFrame, region: str, indicator: str, year: int = 2010) -> pd.Series:
    hit = out[(out["region"] == region) & (out["indicator"] == indicator) & (out["year"] == year)]
    assert len(hit) == 1, (region, indicator, year, len(hit))
    return hit.iloc[0]


def test_counts_are_summed_exactly() -> None:
    out = harmonise(facts_2010(), CROSSWALK, AGG, RATES)
    assert cell(out, "03159", "pop")["value"] == 1500.0
    assert cell(out, "03159", "ue")["value"] == 180.0
    goe = cell(out, "03159", "pop")
    assert goe["harmonised"] and not goe["estimated"]
    # Eisenach whole plus 96 % of the (split) Wartburgkreis
    wartburg = cell(out, "16063", "pop")
    assert wartburg["value"] == pytest.approx(300 + 0.96 * 900)
    assert wartburg["harmonised"] and wartburg["estimated"]
    assert cell(out, "16066", "pop")["value"] == pytest.approx(800 + 0.04 * 900)
    assert set(out["region"]) == {"03159", "16063", "16066", "15087", "15", "DG"}
    assert out["territory_year"].isna().all()


def test_rates_recomputed_from_counts() -> None:
    out = harmonise(facts_2010(), CROSSWALK, AGG, RATES)
    goe = cell(out, "03159", "rate")
    assert goe["value"] == pytest.approx(100 * 180 / 1500)  # 12.0, not the mean of 10 and 16
    assert goe["harmonised"] and not goe["estimated"]
    wartburg = cell(out, "16063", "rate")
    assert wartburg["value"] == pytest.approx(100 * (30 + 0.96 * 45) / (300 + 0.96 * 900))


def test_rates_weighted_by_population_without_counts() -> None:
    out = harmonise(facts_2010(), CROSSWALK, AGG, RATES)
    goe = cell(out, "03159", "rate_only")  # no aggregation given: treated as a rate
    assert goe["value"] == pytest.approx((250 * 10 + 75 * 16) / (250 + 75))
    assert goe["estimated"] and goe["harmonised"]
    wartburg = cell(out, "16063", "rate_only")
    weight = 0.96 * 125
    assert wartburg["value"] == pytest.approx((42 * 10 + weight * 5) / (42 + weight))
    # a 1:1 Kreis keeps its rate untouched
    mansfeld = cell(out, "15087", "rate_only")
    assert mansfeld["value"] == 10.0 and not mansfeld["harmonised"] and not mansfeld["estimated"]


def test_laender_and_germany_untouched() -> None:
    before = facts_2010()
    out = harmonise(before, CROSSWALK, AGG, RATES)
    for region in ("15", "DG"):
        for indicator in ("pop", "rate"):
            got = cell(out, region, indicator)
            expected = before[(before["region"] == region) & (before["indicator"] == indicator)].iloc[0]
            assert got["value"] == expected["value"]
            assert not got["harmonised"] and not got["estimated"]


def test_missing_contributor_gives_missing_value() -> None:
    out = harmonise(facts_2010(drop=(("03156", "pop"),)), CROSSWALK, AGG, RATES)
    assert out[(out["region"] == "03159") & (out["indicator"] == "pop")].empty
    lost = out.attrs["lost"]
    assert ((lost["region"] == "03159") & (lost["indicator"] == "pop")).any()
    # the rate cannot be recomputed either, but the weighted rate remains
    assert cell(out, "03159", "rate")["estimated"]


def test_suppressed_contributor_gives_suppressed_value() -> None:
    changes = {"03156_ue": {"value": NAN, "suppressed": True}}
    out = harmonise(facts_2010(**changes), CROSSWALK, AGG, RATES)
    goe = cell(out, "03159", "ue")
    assert np.isnan(goe["value"]) and goe["suppressed"]


def test_classes_only_where_the_kreis_did_not_change() -> None:
    out = harmonise(facts_2010(), CROSSWALK, AGG, RATES)
    assert cell(out, "15087", "typ")["value_label"] == "Klasse 4"
    assert cell(out, "16066", "typ")["value"] == 4  # 16066 gains a small part of 16063 but keeps its class
    assert out[(out["indicator"] == "typ") & (out["region"].isin(["03159", "16063"]))].empty
    reasons = out.attrs["lost"].set_index("region")["reason"]
    assert "Klasse" in reasons["03159"]


def test_absorbing_kreis_keeps_own_class_when_whole() -> None:
    rows = [
        dict(region="16056", indicator="typ", year=2020, value=2.0, value_label="B", territory_year=2020),
        dict(region="16063", indicator="typ", year=2020, value=4.0, value_label="D", territory_year=2020),
    ]
    out = harmonise(facts_frame(rows), CROSSWALK, {"typ": "none"})
    assert len(out) == 1
    assert cell(out, "16063", "typ", 2020)["value_label"] == "D"


def test_years_after_newest_sheet() -> None:
    rows = [
        dict(region="16056", indicator="ue", year=2021, value=5.0, territory_year=2021),
        dict(region="16063", indicator="ue", year=2021, value=50.0, territory_year=2021),
        dict(region="15087", indicator="ue", year=2021, value=7.0, territory_year=2021),
        dict(region="16056", indicator="ue", year=2022, suppressed=True, territory_year=2022),
        dict(region="16063", indicator="ue", year=2022, value=52.0, territory_year=2022),
    ]
    out = harmonise(facts_frame(rows), CROSSWALK, AGG)
    assert cell(out, "16063", "ue", 2021)["value"] == 55.0
    assert cell(out, "15087", "ue", 2021)["value"] == 7.0
    assert not cell(out, "15087", "ue", 2021)["harmonised"]
    # Eisenach no longer exists in 2022: its empty cell does not block the Wartburgkreis
    assert cell(out, "16063", "ue", 2022)["value"] == 52.0


def test_mid_year_reform_uses_previous_sheet() -> None:
    """Data at 30.06.2020 still lists Göttingen and Osterode, which only the 2010 sheet knows."""
    rows = [
        dict(region="03152", indicator="pop", year=2020, value=1000.0, territory_year=2020),
        dict(region="03156", indicator="pop", year=2020, value=500.0, territory_year=2020),
        dict(region="03159", indicator="pop", year=2020, suppressed=True, territory_year=2020),
        dict(region="15087", indicator="pop", year=2020, value=700.0, territory_year=2020),
    ]
    out = harmonise(facts_frame(rows), CROSSWALK, AGG)
    assert cell(out, "03159", "pop", 2020)["value"] == 1500.0
    assert cell(out, "15087", "pop", 2020)["value"] == 700.0


def test_unknown_key_is_reported() -> None:
    rows = [dict(region="99999", indicator="pop", year=2010, value=1.0, territory_year=2010)]
    out = harmonise(facts_frame(rows), CROSSWALK, AGG)
    assert out.empty
    assert out.attrs["lost"]["region"].tolist() == ["99999"]
    assert out.attrs["problems"]


def test_pass_through_and_deduplication() -> None:
    facts = facts_2010()
    today = facts_frame([dict(region="03159", indicator="pop", year=2010, value=1499.0)])
    both = pd.concat([facts, today], ignore_index=True)
    both["source"] = "test"
    out = harmonise(both, CROSSWALK, AGG, RATES)
    assert "source" in out.columns
    goe = cell(out, "03159", "pop")
    assert goe["value"] == 1499.0 and not goe["harmonised"]
    assert not out.duplicated(["region", "indicator", "year"]).any()


def test_unknown_aggregation_rejected() -> None:
    with pytest.raises(ValueError, match="Aggregation"):
        harmonise(facts_2010(), CROSSWALK, {"pop": "median"})


def test_harmonisation_report() -> None:
    before = facts_2010(drop=(("03156", "pop"),))
    out = harmonise(before, CROSSWALK, AGG, RATES)
    report = harmonisation_report(before, out).set_index(["indicator", "year"])
    pop = report.loc[("pop", 2010)]
    assert pop["cells_before"] == 7
    assert pop["cells_after"] == 5  # 03159 lost; 16056 and 16063 became 16063 and 16066
    assert pop["lost"] == 1
    assert pop["harmonised"] == 2 and pop["estimated"] == 2
    assert report.loc[("typ", 2010), "lost"] == 2


def test_large_input_is_vectorised() -> None:
    base = facts_2010()
    frames = [base.assign(indicator=base["indicator"] + f"_{i}") for i in range(200)]
    big = pd.concat(frames, ignore_index=True)
    aggregation = {f"{k}_{i}": v for k, v in AGG.items() for i in range(200)}
    out = harmonise(big, CROSSWALK, aggregation)
    assert len(out) == 200 * len(harmonise(base, CROSSWALK, AGG))
    # every copy holds the values worked out by hand from OLD_2010 and CROSSWALK
    for i in (0, 117, 199):
        assert cell(out, "03159", f"ue_{i}")["value"] == 100 + 80
        assert cell(out, "03159", f"pop_{i}")["value"] == 1000 + 500
        # weights: population share x population of the whole old Kreis (250 and 75 thousand)
        assert cell(out, "03159", f"rate_{i}")["value"] == pytest.approx((10 * 250 + 16 * 75) / (250 + 75))
        assert cell(out, "16063", f"pop_{i}")["value"] == pytest.approx(300 + 0.96 * 900)
        assert cell(out, "16066", f"pop_{i}")["value"] == pytest.approx(800 + 0.04 * 900)
        assert cell(out, "15087", f"ue_{i}")["value"] == 70


# --------------------------------------------------------------------------------------------------
# rules found by mutation testing (docs/mutation.md): each test breaks when the rule in its name is broken


def _crosswalk(**columns) -> pd.DataFrame:
    """CROSSWALK with some columns replaced (a value for every row) or dropped (``None``)."""
    cw = CROSSWALK.copy()
    for name, value in columns.items():
        if value is None:
            cw = cw.drop(columns=name)
        else:
            cw[name] = value
    return cw


def _rows(indicator: str, year: int, values: dict, territory_year: int | None = None) -> list[dict]:
    ty = year if territory_year is None else territory_year
    return [
        dict(region=r, indicator=indicator, year=year, value=v, territory_year=ty, suppressed=np.isnan(v))
        for r, v in values.items()
    ]


AREA_2010 = {"03152": 1117.0, "03156": 636.0, "16056": 104.0, "16063": 1307.0, "16066": 1210.0}


def test_areas_are_shared_by_area_not_by_population() -> None:
    rows = _rows("area", 2010, AREA_2010) + _rows("area", 2021, {"16056": 104.0, "16063": 1267.0})
    out = harmonise(facts_frame(rows), CROSSWALK, {"area": "sum_area"})
    # 97 % of the Wartburgkreis' area stays, 3 % goes to 16066 (its population shares are 96 and 4 %)
    assert cell(out, "16063", "area")["value"] == pytest.approx(104 + 0.97 * 1307)
    assert cell(out, "16066", "area")["value"] == pytest.approx(1210 + 0.03 * 1307)
    assert cell(out, "03159", "area")["value"] == 1117 + 636
    # after the newest sheet: Eisenach whole into the Wartburgkreis, which keeps all of its own area
    assert cell(out, "16063", "area", 2021)["value"] == 104 + 1267


def test_areas_fall_back_to_the_population_share_without_area_shares() -> None:
    rows = _rows("area", 2010, AREA_2010)
    for crosswalk in (_crosswalk(w_area=NAN), _crosswalk(w_area=None)):
        out = harmonise(facts_frame(rows), crosswalk, {"area": "sum_area"})
        assert cell(out, "16063", "area")["value"] == pytest.approx(104 + 0.96 * 1307)
        assert cell(out, "16066", "area")["value"] == pytest.approx(1210 + 0.04 * 1307)


@pytest.mark.parametrize("population", [None, NAN, 0.0], ids=["no column", "empty", "zero"])
def test_rates_weighted_by_share_without_population(population) -> None:
    out = harmonise(facts_2010(), _crosswalk(pop_old_1000=population), AGG)
    assert cell(out, "03159", "rate_only")["value"] == pytest.approx((10 + 16) / 2)
    # Eisenach whole (share 1) and 96 % of the Wartburgkreis
    assert cell(out, "16063", "rate_only")["value"] == pytest.approx((1 * 10 + 0.96 * 5) / (1 + 0.96))
    assert cell(out, "15087", "rate_only")["value"] == 10.0  # a 1:1 Kreis (weight 1) keeps its rate


def test_population_weights_do_not_depend_on_their_unit() -> None:
    """Populations in millions instead of thousands (weights below 1) weight the same."""
    out = harmonise(facts_2010(), _crosswalk(pop_old_1000=CROSSWALK["pop_old_1000"] / 1000), AGG)
    assert cell(out, "03159", "rate_only")["value"] == pytest.approx((250 * 10 + 75 * 16) / (250 + 75))
    assert cell(out, "15087", "rate_only")["value"] == 10.0


def test_rates_after_the_newest_sheet_are_weighted_by_its_populations() -> None:
    rows = _rows("rate_only", 2021, {"16056": 10.0, "16063": 5.0})
    out = harmonise(facts_frame(rows), CROSSWALK, AGG)
    # the 2020 sheet: Eisenach 42, Wartburgkreis 119 thousand inhabitants
    assert cell(out, "16063", "rate_only", 2021)["value"] == pytest.approx((42 * 10 + 119 * 5) / (42 + 119))


def test_facts_without_older_kreise_pass_through_unchanged() -> None:
    rows = [
        dict(region="15", indicator="ue", year=2010, value=500.0, territory_year=2010),
        dict(region="DG", indicator="ue", year=2010, value=9000.0, territory_year=2010),
        dict(region="15087", indicator="ue", year=2010, value=70.0),  # already on today's Kreise
        dict(region=None, indicator="ue", year=2010, value=1.0, territory_year=2010),  # no region: no Kreis
    ]
    out = harmonise(facts_frame(rows), CROSSWALK, AGG, RATES)  # no rate to recompute either
    assert out["value"].tolist() == [500.0, 9000.0, 70.0, 1.0]
    assert out["region"].tolist()[:3] == ["15", "DG", "15087"] and pd.isna(out["region"].iloc[3])
    assert not out["harmonised"].any() and out.attrs["lost"].empty


def test_a_tie_in_known_keys_keeps_the_sheet_of_the_data() -> None:
    """A key that no sheet knows (99999) must not move the rest off its own Gebietsstand: both sheets know
    Eisenach and the Wartburgkreis, the 2020 sheet comes first."""
    rows = _rows("ue", 2020, {"16056": 5.0, "16063": 50.0, "99999": 1.0})
    out = harmonise(facts_frame(rows), CROSSWALK, AGG)
    assert cell(out, "16063", "ue", 2020)["value"] == 5 + 50  # not 5 + 0.96 * 50 by the 2010 shares
    lost = out.attrs["lost"]
    assert lost[["region", "reason"]].values.tolist() == [["99999", "Schlüssel im Gebietsstand nicht gefunden"]]


def test_old_keys_alone_find_the_sheet_that_knows_them() -> None:
    rows = _rows("pop", 2020, {"03152": 1000.0, "03156": 500.0})  # 30.06.2020 without any key of today
    out = harmonise(facts_frame(rows), CROSSWALK, AGG)
    assert cell(out, "03159", "pop", 2020)["value"] == 1500.0


def test_only_keys_with_a_value_choose_the_sheet() -> None:
    """An empty cell under today's key (03159) does not pull Göttingen onto the 2020 sheet, which does not
    know it: on the 2010 sheet Göttingen lacks Osterode, so 03159 is incomplete (not an unknown key)."""
    rows = _rows("pop", 2020, {"03152": 1000.0, "03159": NAN})
    out = harmonise(facts_frame(rows), CROSSWALK, AGG)
    lost = out.attrs["lost"]
    assert lost[["region", "reason"]].values.tolist() == [["03159", "nicht alle Vorgängerkreise haben einen Wert"]]
    assert lost["territory_year"].tolist() == [2020]
    assert out.empty


# Saxony 2008: Chemnitz kept its territory but changed its key 14161 -> 14511; an old Kreis 14181 (made up) is
# split 70/30 between 14522 and 14524, so the newest sheet lists one old key twice
SAXONY = pd.DataFrame(
    [
        (2007, "14161", "14511", 1, 1, 1, 221.0, 245.0),
        (2007, "14181", "14522", 0.7, 0.7, 0.7, 700.0, 100.0),
        (2007, "14181", "14524", 0.3, 0.3, 0.3, 700.0, 100.0),
    ],
    columns=CROSSWALK.columns,
)


def test_a_new_key_without_a_territory_change_keeps_class_and_count() -> None:
    rows = [
        dict(region="14161", indicator="typ", year=2007, value=1.0, value_label="Großstadt", territory_year=2007),
        dict(region="14161", indicator="ue", year=2007, value=10000.0, territory_year=2007),
        # after the newest sheet, a source still uses the old key
        dict(region="14161", indicator="typ", year=2009, value=1.0, value_label="Großstadt", territory_year=2009),
    ]
    out = harmonise(facts_frame(rows), SAXONY, AGG)
    for year in (2007, 2009):
        chemnitz = cell(out, "14511", "typ", year)
        assert chemnitz["value_label"] == "Großstadt" and chemnitz["harmonised"] and not chemnitz["estimated"]
    count = cell(out, "14511", "ue", 2007)
    assert count["value"] == 10000.0 and count["harmonised"] and not count["estimated"]
    assert out.attrs["lost"].empty


def test_a_kreis_that_did_not_change_is_not_flagged() -> None:
    out = harmonise(facts_2010(), CROSSWALK, AGG, RATES)
    for indicator in ("typ", "ue", "rate"):
        assert not cell(out, "15087", indicator)["harmonised"]


def test_a_cell_given_twice_counts_once() -> None:
    twice = pd.concat([facts_2010(), facts_frame(_rows("pop", 2010, {"03152": 999.0}))], ignore_index=True)
    out = harmonise(twice, CROSSWALK, AGG)
    assert cell(out, "03159", "pop")["value"] == 1000 + 500  # the first of the two, not 1000 + 999 + 500


def test_cells_without_a_source_are_harmonised_too() -> None:
    rows = _rows("ue", 2020, {"16056": 5.0, "16063": 50.0}) + _rows("pop", 2020, {"03152": 1000.0, "03156": 500.0})
    facts = facts_frame(rows)
    facts["source"] = pd.array(["BA", "BA", None, None], dtype="string")
    out = harmonise(facts, CROSSWALK, AGG)
    assert cell(out, "16063", "ue", 2020)["value"] == 55.0
    goe = cell(out, "03159", "pop", 2020)
    assert goe["value"] == 1500.0 and pd.isna(goe["source"])


def test_a_rate_is_recomputed_from_the_counts_that_are_kept() -> None:
    """Today's 03159 population (1499) wins over the harmonised 1500, in the table and in the rate."""
    today = facts_frame([dict(region="03159", indicator="pop", year=2010, value=1499.0)])
    out = harmonise(pd.concat([facts_2010(), today], ignore_index=True), CROSSWALK, AGG, RATES)
    assert cell(out, "03159", "pop")["value"] == 1499.0
    assert cell(out, "03159", "rate")["value"] == pytest.approx(100 * (100 + 80) / 1499)


def test_an_empty_cell_on_todays_kreis_gives_way_to_the_harmonised_value() -> None:
    today = facts_frame([dict(region="03159", indicator="ue", year=2010, suppressed=True)])
    out = harmonise(pd.concat([facts_2010(), today], ignore_index=True), CROSSWALK, AGG, RATES)
    assert cell(out, "03159", "ue")["value"] == 100 + 80
    assert cell(out, "03159", "rate")["value"] == pytest.approx(100 * (100 + 80) / (1000 + 500))


def test_a_rate_over_counts_that_sum_to_zero_keeps_the_weighted_rate() -> None:
    rows = (
        _rows("trainees", 2010, {"03152": 0.0, "03156": 0.0})
        + _rows("women", 2010, {"03152": 0.0, "03156": 0.0})
        + _rows("share", 2010, {"03152": 0.0, "03156": 0.0})
    )
    aggregation = {"trainees": "sum", "women": "sum", "share": "mean"}
    out = harmonise(facts_frame(rows), CROSSWALK, aggregation, {"share": ("women", "trainees", 100.0)})
    assert cell(out, "03159", "share")["value"] == 0.0  # (250 * 0 + 75 * 0) / 325, not 0 / 0


def test_a_rate_from_an_estimated_count_is_estimated() -> None:
    out = harmonise(facts_2010(**{"03152_pop": {"estimated": True}}), CROSSWALK, AGG, RATES)
    goe = cell(out, "03159", "rate")
    assert goe["value"] == pytest.approx(100 * 180 / 1500) and goe["estimated"]


def test_a_withheld_rate_is_worked_out_from_its_counts() -> None:
    out = harmonise(facts_2010(**{"15087_rate": {"value": NAN, "suppressed": True}}), CROSSWALK, AGG, RATES)
    mansfeld = cell(out, "15087", "rate")
    assert mansfeld["value"] == pytest.approx(100 * 70 / 700)
    assert not mansfeld["suppressed"] and mansfeld["harmonised"] and not mansfeld["estimated"]


def test_a_share_within_rounding_of_one_is_whole() -> None:
    """BBSR shares are rounded: 1 - 1e-9 is a whole Kreis (class kept, count not estimated)."""
    cw = CROSSWALK.copy()
    cw.loc[(cw["year"] == 2010) & (cw["old_ags"] == "15087"), "w_pop"] = 1 - 1e-9
    out = harmonise(facts_2010(), cw, AGG)
    assert cell(out, "15087", "typ")["value_label"] == "Klasse 4"
    assert not cell(out, "15087", "ue")["estimated"]


def test_lost_cells_name_their_reason_and_gebietsstand() -> None:
    out = harmonise(facts_2010(drop=(("03156", "pop"),)), CROSSWALK, AGG, RATES)
    lost = out.attrs["lost"]
    pop = lost[lost["indicator"] == "pop"]
    assert pop[["region", "year", "territory_year", "reason"]].values.tolist() == [
        ["03159", 2010, 2010, "nicht alle Vorgängerkreise haben einen Wert"]
    ]


def test_unknown_aggregation_message_names_the_allowed_kinds() -> None:
    with pytest.raises(ValueError, match=r"\['median'\]: erlaubt sind sum, sum_area, mean, none$"):
        harmonise(facts_2010(), CROSSWALK, {"pop": "median"})


def test_rates_first_in_the_input_land_on_their_own_cells() -> None:
    """Rates recomputed from counts are written back by row; classes (combined separately) must not be hit."""
    facts = facts_2010()
    order = {"rate": 0, "pop": 1, "ue": 2, "typ": 3, "rate_only": 4}
    facts = facts.sort_values("indicator", key=lambda s: s.map(order), kind="stable", ignore_index=True)
    out = harmonise(facts, CROSSWALK, AGG, RATES)
    assert cell(out, "03159", "rate")["value"] == pytest.approx(100 * 180 / 1500)
    assert cell(out, "16066", "rate")["value"] == pytest.approx(100 * (40 + 0.04 * 45) / (800 + 0.04 * 900))
    assert cell(out, "15087", "typ")["value"] == 4 and cell(out, "16066", "typ")["value"] == 4


# --------------------------------------------------------------------------------------------------
# fixtures in the real formats: BA table through the BBSR crosswalk workbook


def test_fixture_ba_through_fixture_crosswalk(fixtures: Path) -> None:
    result = ba.read(fixtures / "ba/Kreise_WO_fixture.xlsx")
    cw = bbsr.read_crosswalk(fixtures / "bbsr/ref-kreise-umrech-fixture.xlsx")
    total = "ba__svb_kreise_wo_anzahl__insgesamt"
    without = "ba__svb_kreise_wo_anzahl__1_ohne_berufsausbildung_ohne_berufsabschluss"
    unknown = "ba__svb_kreise_wo_anzahl__abschluss_unbekannt"
    share = "ba__svb_kreise_wo_anteile__1_ohne_berufsausbildung_ohne_berufsabschluss"
    aggregation = {s.id: "sum" if s.unit == "Anzahl" else "mean" for s in result.indicators}
    out = harmonise(result.facts, cw, aggregation, {share: (without, total, 100.0)})
    assert cell(out, "15087", total, 2006)["value"] == 29607 + 19652
    assert cell(out, "15087", total, 2007)["value"] == 30252 + 19987  # 30.06.2007: before the reform
    assert cell(out, "15087", total, 2013)["value"] == 50212
    assert cell(out, "03159", total, 2013)["value"] == 86019 + 24000  # no 2013 sheet: nearest that fits
    assert cell(out, "16063", total, 2006)["value"] == pytest.approx(14841 + 0.974 * 52871)
    # Berlin 2006 exists only as West + Ost: counts added in the importer; BA's "." means "kein Nachweis" (no value,
    # nothing withheld), so the file has no Berlin share that year (the build derives it from these counts)
    assert cell(out, "11000", without, 2006)["value"] == 80000 + 60000
    assert cell(out, "11000", total, 2006)["value"] == 520000 + 415659
    assert out[(out["region"] == "11000") & (out["indicator"] == share) & (out["year"] == 2006)].empty
    assert cell(out, "15087", share, 2006)["value"] == pytest.approx(100 * 4300 / (29607 + 19652))
    # Eisenach has '-' in 2007: the Wartburgkreis value is missing, not too small
    assert out[(out["region"] == "16063") & (out["indicator"] == unknown) & (out["year"] == 2007)].empty
    assert cell(out, "DG", total, 2006)["value"] == 26384204


# --------------------------------------------------------------------------------------------------
# real files


def _raw_ba_row(path: Path, sheet: str, label_start: str) -> tuple:
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        for row in book[sheet].iter_rows(values_only=True):
            if isinstance(row[0], str) and row[0].startswith(label_start):
                return row
    finally:
        book.close()
    raise AssertionError(label_start)


@pytest.mark.integration
def test_real_ba_through_real_crosswalk(shared_data: Path) -> None:
    path = shared_data / "ba/Kreise_WO_Zeitreihe.xlsx"
    result = ba.read(path)
    cw = bbsr.read_crosswalk(shared_data / "bbsr/ref-kreise-umrech-2021-1990-2020.xlsx")
    total = "ba__svb_kreise_wo_anzahl__insgesamt"
    aggregation = {s.id: "sum" if s.unit == "Anzahl" else "mean" for s in result.indicators}
    numerators = {
        s.id: (s.id.replace("_anteile_", "_anzahl_"), total, 100.0) for s in result.indicators if s.unit == "%"
    }
    out = harmonise(result.facts, cw, aggregation, numerators)

    # column B = 30.06.2002, G = 30.06.2007 (still before the Sachsen-Anhalt reform of 1.7.2007)
    mansfelder, sangerhausen = (
        _raw_ba_row(path, "SvB_Kreise_WO_Anzahl", "15260"),
        _raw_ba_row(path, "SvB_Kreise_WO_Anzahl", "15266"),
    )
    assert cell(out, "15087", total, 2002)["value"] == mansfelder[1] + sangerhausen[1]
    assert cell(out, "15087", total, 2007)["value"] == mansfelder[6] + sangerhausen[6]
    assert cell(out, "15087", total, 2010)["value"] == 50514
    assert not cell(out, "15087", total, 2010)["harmonised"]
    goe, ost = (
        _raw_ba_row(path, "SvB_Kreise_WO_Anzahl", "03152"),
        _raw_ba_row(path, "SvB_Kreise_WO_Anzahl", "03156"),
    )
    assert cell(out, "03159", total, 2015)["value"] == goe[14] + ost[14]
    hamburg = _raw_ba_row(path, "SvB_Kreise_WO_Anzahl", "02000")
    assert cell(out, "02000", total, 2002)["value"] == hamburg[1]
    # every year on today's 400 Kreise, nothing lost
    kreise = out[out["region"].str.len() == 5]
    assert (kreise[kreise["indicator"] == total].groupby("year")["region"].nunique() == 400).all()
    assert out.attrs["lost"].empty
    report = harmonisation_report(result.facts, out)
    assert (report["lost"] == 0).all()
    assert report.loc[(report["indicator"] == total) & (report["year"] == 2002), "cells_after"].item() == 401
