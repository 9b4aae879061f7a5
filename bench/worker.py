"""One municipality-scale job in its own process, so that its peak memory (RSS) is its own.

``python -m bench.worker kreis OUT [RAW]`` builds the Kreis-scale warehouse from official files (demo without RAW);
``python -m bench.worker generate PANEL REGIONS INDICATORS YEARS`` writes the municipality-scale panel;
``python -m bench.worker regiomonitor|pandas PANEL PLAN.json ANSWERS.pkl`` answers the plan's questions.
The last line of standard output is a JSON object with the timings.
"""

from __future__ import annotations

import json
import pickle
import resource
import sys
import time
from pathlib import Path

import pandas as pd

from bench import core


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MiB.

    Linux: VmHWM from /proc/self/status (the high-water mark of this program; ``ru_maxrss`` would also count
    the parent's memory at the time of the fork). Elsewhere ``ru_maxrss``.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(maxrss / (2**20 if sys.platform == "darwin" else 1024), 1)


def kreis(out: Path, raw: Path | None) -> dict:
    started = time.perf_counter()
    if raw is not None:
        from indicators.warehouse.build import build

        build(raw, out)
    else:
        from indicators.warehouse import demo

        demo.write_demo(out)
    return {"seconds": round(time.perf_counter() - started, 2), "peak_rss_mb": peak_rss_mb()}


def generate(panel: Path, regions: int, indicators: int, years: int) -> dict:
    from indicators.warehouse import demo

    started = time.perf_counter()
    manifest = demo.write_municipality_panel(
        panel, regions=regions, indicators=indicators, years=years, references=True
    )
    return {
        "seconds": round(time.perf_counter() - started, 3),
        "facts_rows": int(manifest["row_counts"]["facts"]),
        "files_mb": round(sum(f.stat().st_size for f in panel.glob("*.parquet")) / 2**20, 1),
        "peak_rss_mb": peak_rss_mb(),
    }


def answer(engine: str, panel: Path, plan: list[dict], answers_path: Path | None) -> dict:
    """Ask every question of every repetition; keep the answers for the comparison, time each call."""
    municipalities = pd.read_parquet(panel / "municipalities.parquet")
    regions = core.Regions(municipalities)
    rss_before = peak_rss_mb()
    started = time.perf_counter()
    if engine == "regiomonitor":
        from indicators.warehouse.store import Store

        store = Store(panel)
        questions = core.regiomonitor_questions(store, regions)
    elif engine == "pandas":
        df = pd.read_parquet(panel / "facts.parquet")
        questions = core.pandas_questions(df, regions)
    else:
        raise ValueError(engine)
    setup = time.perf_counter() - started
    samples: dict[str, list[float]] = {q: [] for q in core.QUESTIONS}
    answers: dict[str, list] = {q: [] for q in core.QUESTIONS}
    for params in plan:
        for name in core.QUESTIONS:
            t = time.perf_counter()
            result = questions[name](params)
            samples[name].append(round((time.perf_counter() - t) * 1000, 3))
            answers[name].append(result)
    if answers_path is not None:
        with open(answers_path, "wb") as f:
            pickle.dump(answers, f)
    return {
        "engine": engine,
        "setup_seconds": round(setup, 3),
        "samples_ms": samples,
        "peak_rss_mb": peak_rss_mb(),
        "rss_before_setup_mb": rss_before,
    }


def main(argv: list[str]) -> int:
    job = argv[0]
    if job == "kreis":
        result = kreis(Path(argv[1]), Path(argv[2]) if len(argv) > 2 else None)
    elif job == "generate":
        result = generate(Path(argv[1]), int(argv[2]), int(argv[3]), int(argv[4]))
    else:
        plan = json.loads(Path(argv[2]).read_text(encoding="utf-8"))
        result = answer(job, Path(argv[1]), plan, Path(argv[3]) if len(argv) > 3 else None)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
