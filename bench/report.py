"""results.json as a Markdown report (bench/results.md)."""

from __future__ import annotations


def _ms(value) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def _ok(flag) -> str:
    return "✔" if flag else "✘"


def markdown(results: dict) -> str:
    meta, targets = results["meta"], results["targets"]
    v = meta["versions"]
    lines = [
        "# RegioMonitor benchmark",
        "",
        f"{meta['started']} · mode {meta['mode']} · {meta['cpus']} CPUs · {meta['platform']} · commit {meta.get('commit') or '–'}  ",
        f"Python {v['python']}, DuckDB {v['duckdb']}, pandas {v['pandas']}, pyarrow {v['pyarrow']}, Streamlit {v['streamlit']} · "
        f"total {meta.get('seconds', '–')} s · load average (1/5/15 min) at start {meta.get('load_average_at_start')}, "
        f"at end {meta.get('load_average_at_end')}: other processes on the machine slow every number down",
        "",
    ]
    if "kreis" in results:
        k = results["kreis"]
        wh = k["warehouse"]
        build = f", built in {wh['build_seconds']} s" if wh.get("build_seconds") is not None else ""
        lines += [
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
        lines.append("")
    if "gemeinde" in results:
        g = results["gemeinde"]
        p, b, rm, base = g["panel"], g["build"], g["regiomonitor"], g["baseline"]
        lines += [
            "## Municipality scale: data layer against a pandas baseline",
            "",
            f"Panel: {p['municipalities']:,} regions x {p['indicators']} indicators x {p['years']} years = {p['facts_rows']:,} facts "
            f"({p['files_mb']} MB Parquet). {len(g['plan'])} repetitions, indicator, year, region and peer group changing.",
            "",
            "| Measure | Value | Goal |",
            "|---|---:|:---:|",
            f"| Building the municipality-scale warehouse | {b['seconds']:.1f} s (peak RSS {b['peak_rss_mb']:,.0f} MB) "
            f"| {_ok(b['meets_goal'])} < {targets['build_seconds']} s |",
            f"| RegioMonitor: opening the store | {rm['store_open_seconds']:.2f} s | |",
            f"| RegioMonitor: peak RSS of the process | {rm['peak_rss_mb']:,.0f} MB | {_ok(rm['meets_goal'])} < {targets['peak_rss_mb']:,} MB |",
            f"| pandas baseline: loading the facts into a DataFrame | {base['load_seconds']:.2f} s | |",
            f"| pandas baseline: peak RSS of the process | {base['peak_rss_mb']:,.0f} MB | |",
            "",
            f"| Question | RegioMonitor median ms | p95 ms | pandas median ms | ratio RM / pandas | speed-up | same answers | goal < {targets['question_ms']} ms / ≥ {targets['speedup']}x |",
            "|---|---:|---:|---:|---:|---:|:---:|:---:|",
        ]
        for q in g["questions"]:
            r, bl = q["regiomonitor"], q["baseline"]
            lines.append(
                f"| {q['question']} | {_ms(r['median_ms'])} | {_ms(r['p95_ms'])} | {_ms(bl['median_ms'])} | {q['ratio']:.3f} "
                f"| {q['speedup']:.1f}x | {_ok(q['same_answers'])} | {_ok(q['meets_goal']['time'])} / {_ok(q['meets_goal']['speedup'])} |"
            )
        lines += [""] + [f"- **{q['question']}**: {q['description']}" for q in g["questions"]]
        diffs = [f"- {q['question']}: {d}" for q in g["questions"] for d in q["differences"]]
        if diffs:
            lines += ["", "**Answers that differ from the baseline:**", ""] + diffs
        lines.append("")
    return "\n".join(lines)
