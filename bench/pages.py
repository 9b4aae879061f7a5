"""Server-side script time of every page registered in app.py, at Kreis scale, through Streamlit's AppTest.

Per repetition one selection (Kreis, year, peer group, indicator) is set through the URL parameters, and each
page is run three ways:

- **cold**: ``st.cache_data`` and ``st.cache_resource`` cleared, fresh AppTest (new session), first run of the
  page: opens the store and asks every question anew (Python modules are already imported; the process is warm);
- **warm**: the same session runs again (a rerun, as after any widget interaction that changes nothing);
- **change**: the same session, another Kreis and year chosen in the sidebar (caches of the shared metadata are
  warm, the selection's own questions are new).

The time is the wall time of ``AppTest.run()``: the script run plus AppTest's small overhead of reading the
produced elements.
"""

from __future__ import annotations

import gc
import os
import re
import statistics
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
GROUP_NAME = "Benchmark"
URL_KEYS = ("kreis", "jahr", "gruppe", "indikator")
DEFAULT_INDICATOR = "alq"  # ui.state.DEFAULT_INDICATOR (not imported: bench/ reads no Streamlit glue)
PREFERRED_KREISE = [
    "15087",
    "09162",
    "01001",
    "05315",
    "16077",
    "03241",
    "08111",
    "13003",
    "14612",
    "06412",
    "07111",
    "12054",
]
PREFERRED_INDICATORS = [
    "alq",
    "jugend_alq",
    "beschaeftigtenquote",
    "mindestsicherungsquote",
    "schulabg_ohne_hsa",
    "anteil_langzeitarbeitslose",
]
#: The order pages are reported in (the navigation's order); pages app.py registers beyond these come last.
PAGE_ORDER = [
    "profil",
    "indikator",
    "karte",
    "vergleichsgruppen",
    "sitzung",
    "ziele",
    "schwerpunkte",
    "landrat",
    "daten",
    "datenimport",
    "methodik",
]
GROUPS = ["alle", "land", "kreistyp", "nachbarn", "ostwest", f"eigene:{GROUP_NAME}"]


def registered_pages(app: Path = APP) -> list[str]:
    """Page names (file stems) registered with st.Page in app.py, except the set-up page shown without data."""
    found = set(re.findall(r"st\.Page\(\s*[\"']app_pages/([a-z_]+)\.py[\"']", app.read_text(encoding="utf-8")))
    found.discard("einrichtung")
    return [p for p in PAGE_ORDER if p in found] + sorted(found - set(PAGE_ORDER))


def summary(samples_ms: list[float]) -> dict:
    if not samples_ms:
        return {"n": 0}
    return {
        "n": len(samples_ms),
        "median_ms": round(statistics.median(samples_ms), 1),
        "p95_ms": round(float(np.percentile(samples_ms, 95)), 1),
        "min_ms": round(min(samples_ms), 1),
        "max_ms": round(max(samples_ms), 1),
        "samples_ms": [round(x, 1) for x in samples_ms],
    }


def covering_years(store, indicator: str) -> set[int]:
    coverage = store.year_coverage(indicator)
    return set(coverage.loc[coverage["covering"], "year"].astype(int))


def make_selections(store, n: int) -> list[dict]:
    """``n`` different selections: Kreise across Germany, recent years, every kind of peer group, several indicators."""
    ags = set(store.districts()["ags"])
    kreise = [k for k in PREFERRED_KREISE if k in ags] + sorted(ags - set(PREFERRED_KREISE))[:12]
    meta = store.indicators()
    ratio = set(meta.loc[meta["scale"] == "ratio", "id"])
    candidates = [i for i in PREFERRED_INDICATORS if i in ratio] or sorted(ratio)[:6]
    # Years that cover Germany both for the selection's indicator and for the default indicator: the year selector
    # labels other years with how many Kreise they hold, and AppTest, which formats a selectbox's value outside the
    # script run (where the session's indicator is not set), then no longer finds the option.
    default = covering_years(store, DEFAULT_INDICATOR)
    usable = {i: sorted(covering_years(store, i) & default, reverse=True)[:6] for i in candidates}
    indicators = [i for i in candidates if len(usable[i]) >= 2] or candidates
    selections = []
    for i in range(n):
        indicator = indicators[i % len(indicators)]
        recent = usable.get(indicator) or sorted(store.years(indicator), reverse=True)[:6] or [2023]
        selections.append(
            {
                "kreis": kreise[i % len(kreise)],
                "jahr": str(recent[(2 * i) % len(recent)]),
                "gruppe": GROUPS[i % len(GROUPS)],
                "indikator": indicator,
                "change_year": str(recent[(2 * i + 1) % len(recent)]),
            }
        )
    return selections


def prepare_userdata(path: Path, store, selections: list[dict]) -> None:
    """A saved peer group and three targets per selected Kreis, so Ziele and Landrat have work to do."""
    from indicators.domain.targets import Target
    from indicators.userdata import UserData

    ud = UserData(path)
    kreise = list(dict.fromkeys(s["kreis"] for s in selections))
    others = [a for a in store.districts()["ags"] if a not in kreise][:8]
    ud.save_peer_group(GROUP_NAME, kreise + others, "benchmark")
    meta = store.indicators().set_index("id")
    judged = [i for i in PREFERRED_INDICATORS if i in meta.index and int(meta.loc[i, "polarity"]) != 0][:3]
    for ags in kreise:
        for ind in judged:
            series = store.series(ind, [ags]).dropna(subset=["value"])
            if series.empty:
                continue
            latest, year = float(series["value"].iloc[-1]), int(series["year"].iloc[-1])
            target = round(latest * (0.9 if int(meta.loc[ind, "polarity"]) < 0 else 1.1), 1)
            ud.add_target(Target(None, ags, ind, target, 2027, round(latest, 1), year, tolerance=0.3), "benchmark")


@contextmanager
def _environment(warehouse: Path, userdata: Path):
    saved = {k: os.environ.get(k) for k in ("REGIOMONITOR_WAREHOUSE", "REGIOMONITOR_USERDATA")}
    os.environ["REGIOMONITOR_WAREHOUSE"] = str(warehouse)
    os.environ["REGIOMONITOR_USERDATA"] = str(userdata)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _quiet_streamlit() -> None:
    from streamlit import logger

    logger.set_log_level("error")


def time_pages(
    warehouse: Path,
    userdata: Path,
    pages: list[str],
    selections: list[dict],
    warm_runs: int = 3,
    log: Callable[[str], None] = print,
) -> dict:
    """Cold, warm and changed-selection run times of every page for every selection.

    After an untimed first run of every page (imports) the harness's own objects are frozen out of the garbage
    collector (``gc.freeze``), so that a full collection scans what a server would hold, not the benchmark's
    bookkeeping. Runs during which a full (generation 2) collection happened are counted: they are the usual
    cause of a warm p95 well above the median.
    """
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    _quiet_streamlit()
    samples = {p: {"cold": [], "warm": [], "change": []} for p in pages}
    full_gc = {p: {"cold": 0, "warm": 0, "change": 0} for p in pages}
    errors: list[str] = []
    collections: list[int] = []

    def on_gc(phase: str, info: dict) -> None:
        if phase == "start" and info.get("generation") == 2:
            collections.append(1)

    def timed(at, page: str, kind: str, sel: dict) -> float:
        collections.clear()
        t = time.perf_counter()
        at.run()
        elapsed = (time.perf_counter() - t) * 1000
        full_gc[page][kind] += bool(collections)
        for exc in at.exception:
            where = next((line.strip() for line in reversed(exc.stack_trace) if "/work/" in line or ".py" in line), "")
            errors.append(f"{page} [{kind}] {sel}: {exc.message} ({where})")
        return elapsed

    with _environment(warehouse, userdata):
        # One untimed run imports every module the pages use, so "cold" measures caches, not imports.
        for page in pages:
            at = AppTest.from_file(str(APP), default_timeout=300)
            at.switch_page(f"app_pages/{page}.py")
            at.run()
        del at
        gc.collect()
        gc.freeze()
        gc.callbacks.append(on_gc)
        try:
            for i, sel in enumerate(selections):
                nxt = selections[(i + 1) % len(selections)]
                for page in pages:
                    st.cache_data.clear()
                    st.cache_resource.clear()
                    at = AppTest.from_file(str(APP), default_timeout=300)
                    for key in URL_KEYS:
                        at.query_params[key] = sel[key]
                    at.switch_page(f"app_pages/{page}.py")
                    cold = timed(at, page, "cold", sel)
                    warm = [timed(at, page, "warm", sel) for _ in range(warm_runs)]
                    at.session_state["kreis"] = nxt["kreis"]
                    at.session_state["jahr"] = int(sel["change_year"])
                    change = timed(at, page, "change", sel)
                    samples[page]["cold"].append(cold)
                    samples[page]["warm"] += warm
                    samples[page]["change"].append(change)
                    log(
                        f"  {page:18s} {sel['kreis']} {sel['jahr']} {sel['gruppe']:16s} "
                        f"cold {cold:7.0f} ms  warm {min(warm):6.0f} ms  change {change:6.0f} ms"
                    )
                    del at
        finally:
            gc.callbacks.remove(on_gc)
            gc.unfreeze()
    return {
        "pages": {
            p: {kind: {**summary(v), "runs_with_full_gc": full_gc[p][kind]} for kind, v in s.items()}
            for p, s in samples.items()
        },
        "errors": errors,
    }
