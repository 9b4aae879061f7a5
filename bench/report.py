"""results.json as a Markdown report (bench/results.md)."""

from __future__ import annotations


def _ms(value) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def _ok(flag) -> str:
    return "–" if flag is None else ("✔" if flag else "✘")


def machine(results: dict) -> list[str]:
    m, meta = results["machine"], results["meta"]
    v = m["versions"]
    return [
        "# RegioMonitor benchmark",
        "",
        f"{meta['started']} · mode {meta['mode']} · commit {meta.get('commit') or '–'} · total {meta.get('seconds', '–')} s  ",
        f"Machine: {m['cores']} cores, {m['ram_gb']} GB RAM, {m['platform']}  ",
        f"Python {v['python']}, DuckDB {v['duckdb']}, pandas {v['pandas']}, pyarrow {v['pyarrow']}, NumPy {v['numpy']}, "
        f"Streamlit {v['streamlit']}  ",
        f"Load average (1/5/15 min) at start {m.get('load_average_at_start')}, at end {m.get('load_average_at_end')}: "
        "other processes on the machine slow every number down.",
        "",
    ]


def importers(i: dict) -> list[str]:
    if "skipped" in i:
        return ["## Importers", "", f"Skipped: {i['skipped']}.", ""]
    lines = [
        "## Importers: reading the official files, and the full build",
        "",
        f"Full build from the offline mirror: **{i['build_seconds']:.1f} s** (peak RSS {i['peak_rss_mb']:,.0f} MB), "
        f"of which {i['reading_seconds']:.1f} s reading the files (each with its checksum).",
        "",
        "| File | Format | seconds | former test limit | within |",
        "|---|---|---:|---:|:---:|",
    ]
    for f in i["files"]:
        limit = f.get("former_test_limit_seconds")
        lines.append(
            f"| {f['file']} | {f['format']} | {f['seconds']:.2f} | {'–' if limit is None else f'{limit:.0f} s'} "
            f"| {_ok(f.get('within_former_limit'))} |"
        )
    lines += ["", "| Build phase | seconds |", "|---|---:|"]
    lines += [f"| {p['step']} | {p['seconds']:.2f} |" for p in i["phases"]]
    return lines + [""]


def kreis(k: dict, targets: dict) -> list[str]:
    wh = k["warehouse"]
    build = f", built in {wh['build_seconds']} s" if wh.get("build_seconds") is not None else ""
    lines = [
        "## Kreis scale: server-side script time per page",
        "",
        f"Warehouse: {wh['source']}{build} · {wh['districts']} Kreise, {wh['indicators']} indicators, {wh['facts']:,} facts. "
        f"{len(k['selections'])} selections (Kreis, year, peer group, indicator changing). "
        f"Goals: warm < {targets['page_warm_ms']} ms, cold < {targets['page_cold_ms']:,} ms (judged on p95).",
        "",
        "| Page | cold median ms | cold p95 ms | warm median ms | warm p95 ms | change median ms | change p95 ms | goal cold / warm |",
        "|---|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for page, s in k["pages"].items():
        c, w, ch = s["cold"], s["warm"], s["change"]
        lines.append(
            f"| {page} | {_ms(c.get('median_ms'))} | {_ms(c.get('p95_ms'))} | {_ms(w.get('median_ms'))} | {_ms(w.get('p95_ms'))} "
            f"| {_ms(ch.get('median_ms'))} | {_ms(ch.get('p95_ms'))} | {_ok(s['meets_goal']['cold'])} / {_ok(s['meets_goal']['warm'])} |"
        )
    lines += [
        "",
        "cold = caches cleared, new session, first run of the page (opens the store); warm = rerun of the same session; "
        "change = another Kreis and year in the same session.",
    ]
    if k.get("errors"):
        lines += ["", "**Errors:**", ""] + [f"- {e}" for e in k["errors"]]
    return lines + [""]


def gemeinde(g: dict, targets: dict) -> list[str]:
    p, sides, memory = g["panel"], g["sides"], g["memory"]
    lines = [
        "## Municipality scale: RegioMonitor, the pandas baseline and the floor",
        "",
        f"Panel: {p['municipalities']:,} regions x {p['indicators']} indicators x {p['years']} years = {p['facts_rows']:,} facts "
        f"({p['files_mb']} MB Parquet, generated in {p['generate_seconds']:.1f} s). {len(g['plan'])} repetitions, indicator, "
        f"year, region and peer group changing; {g['threads']} threads on every side; each side in its own process.",
        "",
        "| Side | set-up s | set-up | peak RSS MB |",
        "|---|---:|---|---:|",
    ]
    for name, s in sides.items():
        lines.append(f"| {name} | {s['setup_seconds']:.2f} | {s['setup']} | {s['peak_rss_mb']:,.0f} |")
    lines += [
        "",
        f"Peak memory RegioMonitor / pandas: {memory['regiomonitor_vs_pandas']:.2f} "
        f"(goal ≤ {targets['memory_share']:.2f}: {_ok(memory['at_most_a_third_of_pandas'])}).",
        "",
        "| Question | RegioMonitor ms | p95 ms | pandas ms | floor ms | RM / pandas | RM / floor | CPU ms RM / pandas "
        f"| same answers | p95 ≤ {targets['question_ms']} ms | ≤ pandas | ≤ {targets['floor_factor']}x floor |",
        "|---|---:|---:|---:|---:|---:|---:|---:|:---:|:---:|:---:|:---:|",
    ]
    for q in g["questions"]:
        goal = q["meets_goal"]
        lines.append(
            f"| {q['question']} | {_ms(q['regiomonitor_ms'])} | {_ms(q['regiomonitor_p95_ms'])} | {_ms(q['pandas_ms'])} "
            f"| {_ms(q['floor_ms'])} | {q['vs_pandas']:.2f} | {q['vs_floor']:.2f} "
            f"| {_ms(q['regiomonitor']['cpu_median_ms'])} / {_ms(q['pandas']['cpu_median_ms'])} | {_ok(q['same_answers'])} "
            f"| {_ok(goal['p95_within_100_ms'])} | {_ok(goal['not_slower_than_pandas'])} | {_ok(goal['within_3x_floor'])} |"
        )
    lines += [
        "",
        "Times are medians of the wall time per call (p95 for RegioMonitor beside it) and, less sensitive to other "
        "processes on the machine, of the CPU time per call; results.json holds every sample.",
        "",
    ]
    lines += [f"- **{q['question']}**: {q['description']}" for q in g["questions"]]
    diffs = [f"- {q['question']}: {d}" for q in g["questions"] for d in q["differences"]]
    if diffs:
        lines += ["", "**Answers that differ between RegioMonitor and pandas:**", ""] + diffs
    return lines + [""]


def markdown(results: dict) -> str:
    targets = results["targets"]
    lines = machine(results)
    if "importers" in results:
        lines += importers(results["importers"])
    if "kreis" in results:
        lines += kreis(results["kreis"], targets)
    if "gemeinde" in results:
        lines += gemeinde(results["gemeinde"], targets)
    return "\n".join(lines)
