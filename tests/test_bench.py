"""The benchmark harness (bench/) in its tiny mode, and RegioMonitor's answers against the pandas baseline.

No timing is asserted here: timings live in ``python -m bench``. What is asserted is that the harness runs and
writes what it promises, that the store answers the core questions exactly as the independent pandas baseline
does, on a municipality-scale panel with 8-digit region keys, and that the baseline and the floor are right
themselves (checked against hand computations on the raw facts).
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from bench import baseline as pandas_side
from bench import core, floor, run
from indicators.domain import benchmark
from indicators.warehouse import demo
from indicators.warehouse.store import Store


@pytest.fixture(scope="module")
def panel(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "gemeinde"
    demo.write_municipality_panel(out, regions=300, indicators=5, years=4, references=True)
    return out


@pytest.fixture(scope="module")
def plan(panel):
    municipalities = pd.read_parquet(panel / "municipalities.parquet")
    indicators = pd.read_parquet(panel / "indicators.parquet")
    return core.make_plan(municipalities, indicators, [2020, 2021, 2022, 2023], repetitions=4)


@pytest.fixture(scope="module")
def regions(panel):
    return core.Regions(pd.read_parquet(panel / "municipalities.parquet"))


@pytest.fixture(scope="module")
def baseline(panel, regions):
    return pandas_side.questions(pandas_side.PandasFacts(panel / "facts.parquet"), regions)


def test_tiny_benchmark_writes_results_with_the_promised_structure(demo_warehouse, tmp_path):
    results = run.run(
        ["--tiny", "--skip-importers", "--kreis-warehouse", str(demo_warehouse), "--out", str(tmp_path)],
        log=lambda _: None,
    )
    saved = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert saved["meta"]["mode"] == "tiny" and saved["targets"] == run.TARGETS
    machine = saved["machine"]
    assert machine["cores"] >= 1 and machine["ram_gb"] > 0
    assert {"python", "duckdb", "pandas", "pyarrow", "numpy", "streamlit"} <= set(machine["versions"])

    kreis = saved["kreis"]
    assert list(kreis["pages"]) == ["profil", "indikator"]
    assert kreis["errors"] == []
    for timings in kreis["pages"].values():
        for kind in ("cold", "warm", "change"):
            assert timings[kind]["n"] == 1
            assert 0 < timings[kind]["median_ms"] <= timings[kind]["p95_ms"]
        assert set(timings["meets_goal"]) == {"cold", "warm"}

    gemeinde = saved["gemeinde"]
    assert gemeinde["panel"]["municipalities"] == 300
    assert gemeinde["panel"]["facts_rows"] == (300 + 16 + 1) * 5 * 4  # municipalities, Länder, Germany
    assert set(gemeinde["sides"]) == {"regiomonitor", "pandas", "floor"}
    for side in gemeinde["sides"].values():
        assert side["peak_rss_mb"] > 0 and side["setup_seconds"] > 0 and side["setup"]
    assert [q["question"] for q in gemeinde["questions"]] == list(core.QUESTIONS)
    for q in gemeinde["questions"]:
        assert q["same_answers"], (q["question"], q["differences"])
        for side in ("regiomonitor", "pandas", "floor"):
            assert q[f"{side}_ms"] == q[side]["median_ms"] > 0 and q[side]["n"] == 1
        assert q["vs_pandas"] == pytest.approx(q["regiomonitor_ms"] / q["pandas_ms"], rel=1e-2)
        assert q["floor_rows_median"] > 0
    ratio = gemeinde["sides"]["regiomonitor"]["peak_rss_mb"] / gemeinde["sides"]["pandas"]["peak_rss_mb"]
    assert gemeinde["memory"]["regiomonitor_vs_pandas"] == pytest.approx(ratio, abs=1e-3)

    markdown = (tmp_path / "results.md").read_text(encoding="utf-8")
    assert "| profil |" in markdown and "| reference_statistics |" in markdown and "| floor |" in markdown
    assert results["gemeinde"]["questions"][0]["question"] == "reference_statistics"


@pytest.fixture(scope="module")
def gappy_panel(panel, tmp_path_factory):
    """The panel with a tenth of its fact rows removed, a twentieth of the values missing (rows kept) and the
    rows shuffled: the store must look back to earlier years, skip missing values and not rely on row order."""
    out = tmp_path_factory.mktemp("bench") / "gappy"
    shutil.copytree(panel, out)
    facts = pd.read_parquet(panel / "facts.parquet")
    rng = np.random.default_rng(5)
    facts = facts[rng.random(len(facts)) > 0.1].copy()
    facts.loc[rng.random(len(facts)) < 0.05, "value"] = np.nan
    facts = facts.sample(frac=1.0, random_state=5)
    facts.to_parquet(out / "facts.parquet", index=False, row_group_size=2_000)
    return out


@pytest.mark.parametrize("which", ["as generated", "with gaps, missing values and shuffled rows"])
def test_store_answers_equal_the_pandas_baseline_at_municipality_scale(panel, gappy_panel, plan, regions, which):
    folder = panel if which == "as generated" else gappy_panel
    store = Store(folder)
    ours = core.regiomonitor_questions(store, regions)
    theirs = pandas_side.questions(pandas_side.PandasFacts(folder / "facts.parquet"), regions)
    for params in plan:
        for name in core.QUESTIONS:
            assert core.differences(ours[name](params), theirs[name](params), name) == [], (which, name, params)


def test_baseline_itself_matches_plain_numpy(panel, plan, regions, baseline):
    """The reference the store is held to is right: median, quartiles and ranks recomputed by hand."""
    facts = pd.read_parquet(panel / "facts.parquet")
    p = plan[0]
    cut = facts[
        (facts["indicator"] == p["indicator"]) & (facts["year"] == p["year"]) & facts["region"].isin(regions.all)
    ]
    values = np.sort(cut["value"].to_numpy())
    stats = baseline["reference_statistics"](p)
    assert stats["n"] == 300
    assert stats["median"] == pytest.approx(np.median(values))
    assert stats["q25"] == pytest.approx(np.quantile(values, 0.25))
    assert (
        stats["germany"]
        == facts.loc[
            (facts["region"] == "DG") & (facts["indicator"] == p["indicator"]) & (facts["year"] == p["year"]), "value"
        ].iloc[0]
    )
    ranking = baseline["ranking"](p).set_index("region")
    best = cut.loc[cut["value"].idxmin() if p["polarity"] < 0 else cut["value"].idxmax(), "region"]
    assert ranking.loc[best, "rank"] == 1 and ranking.loc[best, "percentile"] == 100.0


def test_the_comparison_notices_a_wrong_answer(panel, plan, regions, baseline):
    store = Store(panel)
    p = plan[0]
    right = store.reference_statistics(p["indicator"], p["year"], regions.all)
    assert core.differences(right, baseline["reference_statistics"](p), "reference_statistics") == []
    wrong = dict(right, median=right["median"] + 0.001)
    assert core.differences(wrong, baseline["reference_statistics"](p), "reference_statistics") == [
        "column median differs"
    ]
    profile = store.profile(p["home"], regions.peers(p["home"], p["peer_kind"]), p["year"])
    shorter = profile.iloc[1:]
    assert core.differences(shorter, baseline["profile"](p), "profile") == [
        f"{len(shorter)} rows vs {len(profile)} rows"
    ]
    swapped = profile.assign(n_lower=profile["n_higher"], n_higher=profile["n_lower"])
    assert "column n_higher differs" in core.differences(swapped, baseline["profile"](p), "profile")


def test_municipality_panel_reference_rows_are_population_weighted(panel):
    facts = pd.read_parquet(panel / "facts.parquet")
    municipalities = pd.read_parquet(panel / "municipalities.parquet").set_index("ags")
    cut = facts[(facts["indicator"] == "demo_001") & (facts["year"] == 2022)].set_index("region")["value"]
    weights = municipalities["population"].astype(float)
    own = cut.reindex(municipalities.index)
    assert cut["DG"] == pytest.approx((own * weights).sum() / weights.sum(), abs=1e-3)
    bavaria = municipalities.index[municipalities["land_code"] == "09"]
    assert cut["09"] == pytest.approx((own[bavaria] * weights[bavaria]).sum() / weights[bavaria].sum(), abs=1e-3)


@pytest.mark.parametrize("nearest", [benchmark.statistical_neighbours, pandas_side.neighbours])
def test_both_neighbour_implementations_put_the_nearest_first(nearest):
    """Worked out by hand: one usable variable x = 0, 1, 3, 10 (y is constant and dropped); mean 3.5,
    variance (3.5² + 2.5² + 0.5² + 6.5²) / 4 = 15.25, so the distances from A are 1, 3 and 10 over sqrt(15.25)."""
    matrix = pd.DataFrame({"x": [0.0, 1.0, 3.0, 10.0], "y": [5.0] * 4}, index=["A", "B", "C", "D"])
    found = nearest(matrix, "A", 3)
    sd = 15.25**0.5
    assert list(found["ags"]) == ["B", "C", "D"]
    assert list(found["distance"]) == pytest.approx([1 / sd, 3 / sd, 10 / sd])
    assert [list(s) for s in found["similar_on"]] == [["x"], ["x"], ["x"]]  # the only variable left
    assert [list(d) for d in found["differs_on"]] == [[], [], ["x"]]  # 0.26 and 0.77 < 1 <= 2.56
    farthest_first = found.iloc[::-1].reset_index(drop=True)
    assert core.differences(farthest_first, found, "neighbours") != []


def test_the_floor_reads_exactly_the_rows_of_each_answer(panel, plan, regions, tmp_path):
    facts = pd.read_parquet(panel / "facts.parquet")
    rows = floor.questions(floor.Floor(panel, tmp_path, threads=1), regions)
    p = plan[1]
    ind, year = p["indicator"], p["year"]
    assert rows["reference_statistics"](p).num_rows == ((facts["indicator"] == ind) & (facts["year"] == year)).sum()
    in_series = facts["region"].isin(regions.series_regions(p["home"], p["peer_kind"])) & (facts["indicator"] == ind)
    assert rows["series"](p).num_rows == in_series.sum()
    own, peer = rows["profile"](p)
    assert own.num_rows == facts["region"].isin([p["home"], "DG", p["home"][:2]]).sum()
    peers = regions.peers(p["home"], p["peer_kind"])
    assert peer.num_rows == ((facts["year"] == year) & facts["region"].isin(peers)).sum()
    lo, hi = p["export_years"]
    wanted = (
        facts["region"].isin(regions.land(p["export_land"]))
        & facts["indicator"].isin(p["export_indicators"])
        & facts["year"].between(lo, hi)
    )
    assert rows["export"](p).num_rows == wanted.sum()


def test_load_report_names_the_warehouse_it_measured(demo_warehouse, tmp_path):
    """A real warehouse outside the project folder was once reported as "Demo" (guessed from its place)."""
    from bench.replicas import warehouse_label

    assert warehouse_label(demo_warehouse) == "Demo"
    real = tmp_path / "anderswo" / "warehouse"
    real.mkdir(parents=True)
    (real / "manifest.json").write_text(json.dumps({"demo": False, "built_at": "2026-12-05T06:00:00"}), "utf-8")
    assert warehouse_label(real) == str(real)
