"""One municipality-scale job in its own process, so that its peak memory (RSS) is its own.

``python -m bench.worker kreis OUT [RAW]`` builds the Kreis-scale warehouse from official files (demo without RAW);
``python -m bench.worker importers RAW OUT`` builds from RAW with the time of every file read and phase;
``python -m bench.worker generate PANEL REGIONS INDICATORS YEARS`` writes the municipality-scale panel;
``python -m bench.worker regiomonitor|pandas|floor PANEL PLAN.json ANSWERS.pkl THREADS`` serves one side: set-up
and questions on command (see :func:`serve`). Every side imports the same libraries first (below), so that their
peak memory differs only by what the side itself holds.
For the other jobs the last line of standard output is a JSON object with the timings.
"""

from __future__ import annotations

import json
import pickle
import resource
import sys
import time
from pathlib import Path

import duckdb  # noqa: F401 - imported on every side, see the module docstring
import pandas as pd
import pyarrow.parquet  # noqa: F401

import indicators.warehouse.store  # noqa: F401
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


def importers(raw: Path, out: Path) -> dict:
    """The full build from the official files, with the time spent on each step the build reports.

    The build announces each file before it reads it ("Lese <file> (<format>)") and each later phase; the time
    from one announcement to the next is that file's reading time (checksum included) or that phase's time.
    """
    from indicators.warehouse.build import build

    marks: list[tuple[float, str]] = []
    started = time.perf_counter()
    build(raw, out, progress=lambda _share, message: marks.append((time.perf_counter(), message)))
    total = time.perf_counter() - started
    marks.append((started + total, "end"))
    steps = []
    for (t, message), (t_next, _) in zip(marks, marks[1:], strict=False):
        name, _, kind = message.removeprefix("Lese ").partition(" (")
        steps.append(
            {
                "step": message,
                "file": name if message.startswith("Lese ") else None,
                "format": kind.removesuffix(")") if message.startswith("Lese ") else None,
                "seconds": round(t_next - t, 3),
            }
        )
    files = [s for s in steps if s["file"]]
    return {
        "build_seconds": round(total, 2),
        "reading_seconds": round(sum(s["seconds"] for s in files), 2),
        "files": files,
        "phases": [s for s in steps if not s["file"]],
        "peak_rss_mb": peak_rss_mb(),
    }


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


def limit_threads(threads: int) -> None:
    """The same thread budget on every side: Arrow's pools here, DuckDB's ``threads`` where a side opens it."""
    import pyarrow as pa

    pa.set_cpu_count(threads)
    pa.set_io_thread_count(threads)


def open_side(side: str, panel: Path, work: Path, threads: int):
    """The side's one-time set-up; returns the questions and what the set-up consisted of."""
    regions = core.Regions(pd.read_parquet(panel / "municipalities.parquet"))
    if side == "regiomonitor":
        from indicators.warehouse.store import Store

        return core.regiomonitor_questions(Store(panel, threads=threads), regions)
    if side == "pandas":
        from bench import baseline

        return baseline.questions(baseline.PandasFacts(panel / "facts.parquet"), regions)
    if side == "floor":
        from bench import floor

        return floor.questions(floor.Floor(panel, work, threads), regions)
    raise ValueError(side)


def serve(side: str, panel: Path, plan: list[dict], answers_path: Path, threads: int) -> None:
    """Answer the parent's commands on stdin, one JSON line each on stdout.

    ``setup`` sets the side up (timed); ``ask REP QUESTION`` asks one question of one repetition (timed) and
    appends the answer to ``answers_path`` (so no answer stays in memory and the peak memory is the side's own);
    ``finish`` reports the peak memory and ends. The parent asks the three sides in turn, question by question,
    so that whatever else runs on the machine weighs on all three alike.
    """
    limit_threads(threads)
    rss_before = peak_rss_mb()
    questions = None
    by_rep = {p["rep"]: p for p in plan}
    with open(answers_path, "wb") as answers:
        for line in sys.stdin:
            command = line.split()
            if not command:
                continue
            if command[0] == "setup":
                started, cpu = time.perf_counter(), time.process_time()
                questions = open_side(side, panel, answers_path.parent, threads)
                reply = {
                    "setup_seconds": round(time.perf_counter() - started, 3),
                    "setup_cpu_seconds": round(time.process_time() - cpu, 3),
                    "rss_before_setup_mb": rss_before,
                    "peak_rss_after_setup_mb": peak_rss_mb(),
                }
            elif command[0] == "ask":
                rep, name = int(command[1]), command[2]
                t, c = time.perf_counter(), time.process_time()
                result = questions[name](by_rep[rep])
                reply = {
                    "ms": round((time.perf_counter() - t) * 1000, 3),
                    "cpu_ms": round((time.process_time() - c) * 1000, 3),
                }
                pickle.dump((name, rep, result if side != "floor" else result_rows(result)), answers)
                del result
            elif command[0] == "finish":
                answers.flush()
                print(json.dumps({"side": side, "threads": threads, "peak_rss_mb": peak_rss_mb()}), flush=True)
                return
            else:
                raise ValueError(line)
            print(json.dumps(reply), flush=True)


def read_answers(path: Path) -> dict[str, dict[int, object]]:
    """The answers a side wrote, by question and repetition."""
    out: dict[str, dict[int, object]] = {}
    with open(path, "rb") as f:
        while True:
            try:
                name, rep, result = pickle.load(f)
            except EOFError:
                return out
            out.setdefault(name, {})[rep] = result


def result_rows(result) -> int:
    """The floor's answer is only rows: keep their number."""
    tables = result if isinstance(result, tuple) else (result,)
    return sum(t.num_rows for t in tables)


def main(argv: list[str]) -> int:
    job = argv[0]
    if job == "kreis":
        result = kreis(Path(argv[1]), Path(argv[2]) if len(argv) > 2 else None)
    elif job == "importers":
        result = importers(Path(argv[1]), Path(argv[2]))
    elif job == "generate":
        result = generate(Path(argv[1]), int(argv[2]), int(argv[3]), int(argv[4]))
    else:
        plan = json.loads(Path(argv[2]).read_text(encoding="utf-8"))
        serve(job, Path(argv[1]), plan, Path(argv[3]), int(argv[4]) if len(argv) > 4 else 2)
        return 0
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
