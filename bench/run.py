"""``python -m bench``: how fast RegioMonitor is at Kreis scale (pages) and at municipality scale (data layer).

Writes ``bench/results.json`` and ``bench/results.md`` (both git-ignored). Timing lives here, never in the tests;
``tests/test_bench.py`` runs the tiny mode and checks the structure and that RegioMonitor's answers equal the
pandas baseline's.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bench import core, pages, report, worker

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("REGIOMONITOR_SHARED_DATA", ROOT.parent / "shared" / "data"))

#: The goals: pages (issue 6); municipality-scale questions against the fair baseline and the floor (issue 18).
TARGETS = {
    "page_warm_ms": 300,
    "page_cold_ms": 1500,
    "question_ms": 100,
    "floor_factor": 3,
    "memory_share": 1 / 3,
}
FULL = {
    "regions": 11_000,
    "indicators": 100,
    "years": 20,
    "page_repetitions": 6,
    "warm_runs": 3,
    "gemeinde_repetitions": 15,
}
TINY = {"regions": 300, "indicators": 5, "years": 4, "page_repetitions": 1, "warm_runs": 1, "gemeinde_repetitions": 1}


def _versions() -> dict:
    import duckdb
    import pyarrow
    import streamlit

    return {
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "pandas": pd.__version__,
        "pyarrow": pyarrow.__version__,
        "streamlit": streamlit.__version__,
        "numpy": np.__version__,
    }


def machine() -> dict:
    """What the figures were measured on: cores, memory, libraries, and how busy the machine was."""
    try:
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        ram = None
    return {
        "cores": os.cpu_count(),
        "ram_gb": round(ram, 1) if ram else None,
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "versions": _versions(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def _commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def _worker(*args: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run(
        [sys.executable, "-m", "bench.worker", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench.worker {args[0]} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- importers ------------------------------------------------------------------------------------------
#: Seconds the importer tests used to allow for reading one real file (by format label); such limits belong
#: here, not in correctness tests, which must not fail because the machine is busy (issue 18).
FORMER_TEST_LIMITS = {
    "Statistik der BA": 5.0,
    "Destatis Kreis- und Gemeindeverzeichnis": 4.0,
    "Deutschlandatlas": 5.0,
    "BBSR Umsteigeschlüssel": 10.0,
    "INKAR-Export": 2.0,
    "INKAR-Zusammenstellung im Langformat": 2.0,
    "Regionalstatistik / GENESIS": 1.0,
}


def run_importers(tmp: Path, raw: Path, log) -> dict:
    """Reading each official file of the mirror, and the full build, in a process of its own."""
    if not (raw / "README.md").exists():
        log(f"Importers: no offline mirror at {raw}, skipped")
        return {"skipped": f"no offline mirror of official files at {raw}"}
    log(f"Importers: reading every official file of {raw} and building the warehouse …")
    result = _worker("importers", str(raw), str(tmp / "importers"))
    for f in result["files"]:
        limit = next((v for k, v in FORMER_TEST_LIMITS.items() if (f["format"] or "").startswith(k)), None)
        f["former_test_limit_seconds"] = limit
        f["within_former_limit"] = None if limit is None else f["seconds"] <= limit
    return result


# -- Kreis scale ------------------------------------------------------------------------------------------
def kreis_warehouse(tmp: Path, given: Path | None, raw: Path, allow_real: bool, log) -> dict:
    """The warehouse for the page timings: given, built from the offline mirror of official files, or demo.

    Built in a separate process, so the build's memory does not sit in the heap of the timed process.
    """
    if given is not None:
        return {"path": str(given), "source": "given", "build_seconds": None}
    out = tmp / "kreis"
    if allow_real and (raw / "README.md").exists():
        log(f"Kreis scale: building the warehouse from {raw} …")
        built = _worker("kreis", str(out), str(raw))
        source = "official files (../shared/data)"
    else:
        log("Kreis scale: writing the demo warehouse …")
        built = _worker("kreis", str(out))
        source = "demo"
    return {"path": str(out), "source": source, "build_seconds": built["seconds"]}


def run_kreis(tmp: Path, settings: dict, args, log) -> dict:
    from indicators.warehouse.store import Store

    wh = kreis_warehouse(tmp, args.kreis_warehouse, args.raw, not args.tiny, log)
    store = Store(wh["path"])
    wh.update(
        demo=store.is_demo,
        districts=int(len(store.districts())),
        indicators=int(len(store.indicators())),
        facts=int(store.query("SELECT count(*) AS n FROM facts")["n"].iloc[0]),
    )
    selections = pages.make_selections(store, settings["page_repetitions"])
    userdata = tmp / "userdata.sqlite"
    pages.prepare_userdata(userdata, store, selections)
    del store
    names = pages.registered_pages()
    if args.pages:
        names = [p for p in names if p in args.pages.split(",")]
    elif args.tiny:
        names = names[:2]
    log(
        f"Kreis scale: {len(names)} pages x {len(selections)} selections (cold, {settings['warm_runs']} warm, change) …"
    )
    timed = pages.time_pages(Path(wh["path"]), userdata, names, selections, settings["warm_runs"], log)
    for s in timed["pages"].values():
        s["meets_goal"] = {
            "cold": s["cold"].get("p95_ms", 0) < TARGETS["page_cold_ms"],
            "warm": s["warm"].get("p95_ms", 0) < TARGETS["page_warm_ms"],
        }
    return {"warehouse": wh, "selections": selections, **timed}


# -- municipality scale -----------------------------------------------------------------------------------
SIDES = ("regiomonitor", "pandas", "floor")
SETUP = {
    "regiomonitor": "opening the store: the facts read from facts.parquet into its in-memory layout",
    "pandas": "facts.parquet read with categorical region/indicator/label/source, row groups of every "
    "indicator-year and every region built once (groupby(...).indices)",
    "floor": "a copy of facts.parquet sorted by region written once (DuckDB COPY ... ORDER BY), for the "
    "questions about a few regions",
}


def _stats(samples: list[float], cpu: list[float]) -> dict:
    return {
        "n": len(samples),
        "median_ms": round(statistics.median(samples), 2),
        "p95_ms": round(float(np.percentile(samples, 95)), 2),
        "max_ms": round(max(samples), 2),
        "cpu_median_ms": round(statistics.median(cpu), 2),
        "samples_ms": samples,
    }


def _judge(rm: dict, base: dict, fl: dict) -> dict:
    return {
        "p95_within_100_ms": rm["p95_ms"] <= TARGETS["question_ms"],
        "not_slower_than_pandas": rm["median_ms"] <= base["median_ms"],
        "within_3x_floor": rm["median_ms"] <= TARGETS["floor_factor"] * fl["median_ms"],
    }


class Side:
    """One side's worker process, asked one command at a time (see :func:`bench.worker.serve`)."""

    def __init__(self, side: str, panel: Path, plan_file: Path, work: Path, threads: int):
        env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        self.side, self.answers = side, work / "answers.pkl"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.worker", side, str(panel), str(plan_file), str(self.answers), str(threads)],
            cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip

    def ask(self, command: str) -> dict:
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"bench.worker {self.side} ended during {command!r} (code {self.process.wait()})")
        return json.loads(line)

    def finish(self) -> dict:
        reply = self.ask("finish")
        self.process.wait(timeout=60)
        return reply


def ask_sides(tmp: Path, panel: Path, plan: list[dict], threads: int, log) -> tuple[dict, dict]:
    """Set each side up in turn, then ask every question of every repetition of all three sides in turn (the
    order of the sides rotating), so that other load on the machine falls on all three alike."""
    plan_file = tmp / "plan.json"
    plan_file.write_text(json.dumps(plan), encoding="utf-8")
    sides = {}
    try:
        for side in SIDES:
            (tmp / side).mkdir()
            sides[side] = Side(side, panel, plan_file, tmp / side, threads)
        measured = {side: {"samples_ms": {q: [] for q in core.QUESTIONS}, "cpu_ms": {q: [] for q in core.QUESTIONS}}
                    for side in SIDES}  # fmt: skip
        for side in SIDES:
            log(f"Municipality scale: {side}, set-up …")
            measured[side] |= sides[side].ask("setup")
        log(f"Municipality scale: {len(plan)} repetitions of {len(core.QUESTIONS)} questions, three sides in turn …")
        for n, params in enumerate(plan):
            order = SIDES[n % 3 :] + SIDES[: n % 3]
            for name in core.QUESTIONS:
                for side in order:
                    reply = sides[side].ask(f"ask {params['rep']} {name}")
                    measured[side]["samples_ms"][name].append(reply["ms"])
                    measured[side]["cpu_ms"][name].append(reply["cpu_ms"])
        for side in SIDES:
            measured[side] |= sides[side].finish()
    finally:
        for s in sides.values():
            if s.process.poll() is None:
                s.process.kill()
    answers = {side: worker.read_answers(sides[side].answers) for side in SIDES}
    return measured, answers


def run_gemeinde(tmp: Path, settings: dict, threads: int, log) -> dict:
    panel = tmp / "gemeinde"
    size = f"{settings['regions']:,} regions x {settings['indicators']} indicators x {settings['years']} years"
    log(f"Municipality scale: generating the panel ({size}) …")
    built = _worker(
        "generate", str(panel), str(settings["regions"]), str(settings["indicators"]), str(settings["years"])
    )
    municipalities = pd.read_parquet(panel / "municipalities.parquet")
    indicators = pd.read_parquet(panel / "indicators.parquet")
    years = sorted(int(y) for y in pd.read_parquet(panel / "facts.parquet", columns=["year"])["year"].unique())
    plan = core.make_plan(municipalities, indicators, years, settings["gemeinde_repetitions"])
    measured, answers = ask_sides(tmp, panel, plan, threads, log)
    questions = []
    for name, description in core.QUESTIONS.items():
        problems = []
        for params in plan:
            a, b = answers["regiomonitor"][name][params["rep"]], answers["pandas"][name][params["rep"]]
            problems += [f"rep {params['rep']}: {p}" for p in core.differences(a, b, name)]
        stats = {side: _stats(measured[side]["samples_ms"][name], measured[side]["cpu_ms"][name]) for side in SIDES}
        rm, base, fl = stats["regiomonitor"], stats["pandas"], stats["floor"]
        questions.append(
            {
                "question": name,
                "description": description,
                "regiomonitor_ms": rm["median_ms"],
                "pandas_ms": base["median_ms"],
                "floor_ms": fl["median_ms"],
                "regiomonitor_p95_ms": rm["p95_ms"],
                "vs_pandas": round(rm["median_ms"] / base["median_ms"], 6) if base["median_ms"] else None,
                "vs_floor": round(rm["median_ms"] / fl["median_ms"], 6) if fl["median_ms"] else None,
                "floor_rows_median": int(statistics.median(answers["floor"][name].values())),
                "same_answers": not problems,
                "differences": problems[:20],
                "meets_goal": _judge(rm, base, fl),
                **stats,
            }
        )
    sides = {
        side: {
            "setup_seconds": measured[side]["setup_seconds"],
            "setup_cpu_seconds": measured[side]["setup_cpu_seconds"],
            "setup": SETUP[side],
            "peak_rss_mb": measured[side]["peak_rss_mb"],
            "peak_rss_after_setup_mb": measured[side]["peak_rss_after_setup_mb"],
            "rss_before_setup_mb": measured[side]["rss_before_setup_mb"],
        }
        for side in SIDES
    }
    memory_ratio = sides["regiomonitor"]["peak_rss_mb"] / sides["pandas"]["peak_rss_mb"]
    return {
        "panel": {
            "regions": settings["regions"],
            "municipalities": int(len(municipalities)),
            "indicators": settings["indicators"],
            "years": settings["years"],
            "facts_rows": built["facts_rows"],
            "files_mb": built["files_mb"],
            "generate_seconds": built["seconds"],
        },
        "threads": threads,
        "sides": sides,
        "memory": {
            "regiomonitor_vs_pandas": round(memory_ratio, 3),
            "at_most_a_third_of_pandas": memory_ratio <= TARGETS["memory_share"],
        },
        "plan": plan,
        "questions": questions,
    }


# -- command line -----------------------------------------------------------------------------------------
def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument(
        "--out", type=Path, default=ROOT / "bench", help="folder for results.json and results.md (default: bench/)"
    )
    p.add_argument(
        "--tiny", action="store_true", help="300 regions x 5 indicators x 4 years, 1 repetition, 2 pages (for tests)"
    )
    p.add_argument(
        "--kreis-warehouse", type=Path, help="use this warehouse for the page timings instead of building one"
    )
    p.add_argument(
        "--raw",
        type=Path,
        default=SHARED_DATA,
        help="official files for the Kreis-scale warehouse (default: ../shared/data)",
    )
    p.add_argument("--pages", help="comma-separated page names (default: every page registered in app.py)")
    p.add_argument("--repetitions", type=int, help="selections per page (default 6)")
    p.add_argument(
        "--gemeinde-repetitions", type=int, help="repetitions of each municipality-scale question (default 15)"
    )
    p.add_argument("--regions", type=int)
    p.add_argument("--indicators", type=int)
    p.add_argument("--years", type=int)
    p.add_argument(
        "--threads", type=int, default=2, help="threads for every side of the municipality-scale comparison (default 2)"
    )
    p.add_argument("--skip-kreis", action="store_true", help="no page timings")
    p.add_argument("--skip-gemeinde", action="store_true", help="no municipality-scale comparison")
    p.add_argument("--skip-importers", action="store_true", help="no importer read timings")
    return p.parse_args(argv)


def run(argv: list[str] | None = None, log=print) -> dict:
    args = parse(argv)
    settings = dict(TINY if args.tiny else FULL)
    for key, value in (
        ("page_repetitions", args.repetitions),
        ("gemeinde_repetitions", args.gemeinde_repetitions),
        ("regions", args.regions),
        ("indicators", args.indicators),
        ("years", args.years),
    ):
        if value is not None:
            settings[key] = value
    started = time.perf_counter()
    results: dict = {
        "machine": machine(),
        "meta": {
            "started": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "mode": "tiny" if args.tiny else "full",
            "settings": settings,
            "commit": _commit(),
        },
        "targets": TARGETS,
    }
    with tempfile.TemporaryDirectory(prefix="regiomonitor-bench-") as tmp:
        if not args.skip_importers:
            results["importers"] = run_importers(Path(tmp), args.raw, log)
        if not args.skip_kreis:
            results["kreis"] = run_kreis(Path(tmp), settings, args, log)
        if not args.skip_gemeinde:
            results["gemeinde"] = run_gemeinde(Path(tmp), settings, args.threads, log)
    results["meta"]["seconds"] = round(time.perf_counter() - started, 1)
    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    (args.out / "results.md").write_text(report.markdown(results), encoding="utf-8")
    log(f"Wrote {args.out / 'results.json'} and {args.out / 'results.md'} ({results['meta']['seconds']} s).")
    return results


def main(argv: list[str] | None = None) -> int:
    results = run(argv)
    print()
    print(report.markdown(results))
    return 0
