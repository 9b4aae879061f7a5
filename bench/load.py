"""Load test: the real Streamlit server on loopback, many concurrent sessions, target edits from many processes.

    python bench/load.py                         # 25 sessions, 60 s, demo warehouse; writes bench/load.json
    python bench/load.py --sessions 40 --duration 120 --warehouse data/warehouse --json /tmp/load.json
    python bench/load.py --url http://127.0.0.1:8080 --userdata postgresql://...   # replicas behind nginx

What it does:

1. Starts ``streamlit run app.py`` on a free port on 127.0.0.1 (nothing else is contacted), with a warehouse
   (``--warehouse``, else a demo warehouse written into a temporary folder) and a fresh temporary user-data file.
2. Opens ``--sessions`` websocket sessions (``/_stcore/stream``, the protocol the browser speaks: a ``BackMsg``
   with ``rerun_script`` carrying the page and the query string, answered by ``ForwardMsg`` deltas until
   ``script_finished``). Each session loops until the time is up: it opens a page (Kreisprofil, Indikator, Karte,
   Vergleichsgruppen, Ziele, Handlungsschwerpunkte, Landrat, Daten, Methodik) with a random Kreis, year, peer
   group and indicator in the URL, then changes the selection once on the same page. Every script run is timed;
   an exception element, a failed run or a lost connection counts as an error.
3. Meanwhile ``--editors`` worker processes edit targets through :class:`indicators.userdata.UserData` on the
   same SQLite file the server reads (each its own target, plus one target all of them increment with reload
   on conflict, as people do after the conflict message). Each counts the versions it wrote.
4. Prints a German summary with the machine (cores, memory, load average before and after), the warehouse (size,
   Kreise, indicators, facts), sessions, editors and duration beside the figures (throughput and latency, the
   server's memory over the run), writes the same as JSON (``bench/load.json`` unless ``--json PATH``) and exits
   non-zero if any page run failed or any edit is missing: the number of history rows in the user data must equal
   the targets created plus the versions the workers reported.

With ``--url`` no server is started: the sessions go to a running one on loopback (e.g. nginx in front of
replicas, ``python -m deploy.local``; ``bench/replicas.py`` compares such set-ups), and ``--userdata`` names the
database that server uses, so the editors write where the pages read.

Bounded: at most 200 sessions and 600 s; the server and the workers are stopped at the end in any case.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

MAX_SESSIONS = 200
MAX_DURATION = 600
RUN_TIMEOUT = 120.0  # one script run; longer counts as an error
PAGES = ["profil", "indikator", "karte", "vergleichsgruppen", "ziele", "schwerpunkte", "landrat", "daten", "methodik"]
DEFAULT_PAGE = "profil"
PEER_KINDS = ["alle", "land", "ostwest", "kreistyp", "nachbarn"]
INDICATORS = ["alq", "jugend_alq", "sgb2_quote", "beschaeftigungsquote", "schulabg_ohne_hsa"]
SHARED_AGS, SHARED_INDICATOR, SHARED_YEAR = "15087", "alq", 2030
DEFAULT_JSON = ROOT / "bench" / "load.json"


# --------------------------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(
    port: int,
    warehouse: Path,
    userdata: Path | str,
    log: Path,
    options: list[str] | None = None,
    script: Path = ROOT / "app.py",
) -> subprocess.Popen:
    location = str(userdata)  # an SQLite file or a postgresql:// URL
    database = "REGIOMONITOR_DATABASE_URL" if location.startswith("postgresql://") else "REGIOMONITOR_USERDATA"
    env = os.environ | {"REGIOMONITOR_WAREHOUSE": str(warehouse), database: location, "PYTHONPATH": str(ROOT)}
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
    ]
    for option in options or []:  # name=value, e.g. runner.postScriptGC=false
        name, _, value = option.partition("=")
        command += [f"--{name}", value]
    handle = open(log, "wb")  # noqa: SIM115 - lives as long as the server
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)


def wait_healthy(port: int, server: subprocess.Popen, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"Server beendet mit Code {server.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as response:
                if response.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("Server antwortet nicht auf /_stcore/health")


def stop(process: subprocess.Popen | multiprocessing.Process | None) -> None:
    if process is None:
        return
    if isinstance(process, subprocess.Popen):
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        return
    if process.is_alive():
        process.terminate()
        process.join(timeout=10)


def rss_mb(pid: int) -> float | None:
    """Resident memory of a process in MiB (Linux), or None."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


class MemoryWatch(threading.Thread):
    """Samples the server's resident memory every ``every`` seconds while the load runs."""

    def __init__(self, pid: int, every: float = 1.0):
        super().__init__(daemon=True)
        self.pid, self.every, self.samples = pid, every, []
        self.started = time.monotonic()
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            value = rss_mb(self.pid)
            if value is not None:
                self.samples.append((round(time.monotonic() - self.started, 1), value))
            self._stop_event.wait(self.every)

    def stop(self) -> dict:
        self._stop_event.set()
        self.join(timeout=5)
        values = [v for _, v in self.samples]
        if not values:
            return {}
        tenth = max(1, len(values) // 10)
        return {
            "start_mb": values[0],
            "max_mb": max(values),
            "end_mb": values[-1],
            "first_tenth_mean_mb": round(statistics.fmean(values[:tenth]), 1),
            "last_tenth_mean_mb": round(statistics.fmean(values[-tenth:]), 1),
            "samples": self.samples[:: max(1, len(self.samples) // 120)],
        }


def machine() -> dict:
    try:
        ram = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        ram = None
    import streamlit

    return {
        "cores": os.cpu_count(),
        "ram_gb": ram,
        "python": sys.version.split()[0],
        "streamlit": streamlit.__version__,
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
    }


def warehouse_facts(store, path: Path, demo: bool) -> dict:
    import pyarrow.parquet as pq

    files = [f for f in path.rglob("*") if f.is_file()]
    return {
        "path": "(Demo, temporär)" if demo else str(path),
        "demo": store.is_demo,
        "kreise": int((store.districts()["ags"].str.len() == 5).sum()),
        "indicators": int(len(store.indicators())),
        "facts": int(pq.read_metadata(path / "facts.parquet").num_rows),
        "size_mb": round(sum(f.stat().st_size for f in files) / 2**20, 1),
    }


# --------------------------------------------------------------------------------------------- sessions


@dataclass
class SessionStats:
    runs: list[tuple[str, float]] = field(default_factory=list)  # (page, seconds)
    errors: list[str] = field(default_factory=list)
    received_bytes: int = 0


class MessageCache:
    """The browser's cache of large elements: Streamlit sends a reference instead of an element the browser
    reports holding (``cached_message_hashes``); the browser forgets elements unused for more than two runs
    (``global.maxCachedMessageAge``)."""

    MAX_AGE = 2

    def __init__(self) -> None:
        self.runs = 0
        self.seen: dict[str, int] = {}

    def hashes(self) -> list[str]:
        return list(self.seen)

    def note(self, message_hash: str) -> None:
        self.seen[message_hash] = self.runs

    def run_finished(self) -> None:
        self.runs += 1
        self.seen = {h: run for h, run in self.seen.items() if self.runs - run <= self.MAX_AGE}


async def run_script(
    ws, page: str, query: dict[str, str], cache: MessageCache | None = None
) -> tuple[float, list[str], int]:
    """One script run as the browser triggers it; returns its duration, the problems seen and the bytes received."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    cache = cache or MessageCache()
    msg = BackMsg()
    msg.rerun_script.query_string = urlencode(query)
    msg.rerun_script.page_name = "" if page == DEFAULT_PAGE else page  # the default page has the empty path
    msg.rerun_script.cached_message_hashes.extend(cache.hashes())
    started = time.monotonic()
    await ws.send(msg.SerializeToString())
    problems: list[str] = []
    elements, shown, received = 0, None, 0
    while True:
        data = await asyncio.wait_for(ws.recv(), timeout=RUN_TIMEOUT)
        received += len(data)
        forward = ForwardMsg()
        forward.ParseFromString(data)
        kind = forward.WhichOneof("type")
        if forward.metadata.cacheable and forward.hash:
            cache.note(forward.hash)
        if kind == "ref_hash":  # an element the browser already holds
            cache.note(forward.ref_hash)
            elements += 1
        if kind == "navigation":  # which page the router actually runs
            nav = forward.navigation
            shown = next((p.url_pathname for p in nav.app_pages if p.page_script_hash == nav.page_script_hash), None)
        if kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
            elements += 1
            element = forward.delta.new_element
            if element.WhichOneof("type") == "exception":
                problems.append(f"{page}: {element.exception.type}: {element.exception.message[:120]}")
        elif kind == "session_event" and forward.session_event.WhichOneof("type") == "script_compilation_exception":
            problems.append(f"{page}: Kompilierfehler")
        elif kind == "page_not_found":
            problems.append(f"{page}: Seite nicht gefunden")
        elif kind == "script_finished":
            status = forward.script_finished
            if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                continue  # st.rerun inside the page: the run goes on
            if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                problems.append(f"{page}: Skript nicht übersetzbar")
            if shown is not None and shown != msg.rerun_script.page_name:
                problems.append(f"{page}: statt der Seite lief „{shown or DEFAULT_PAGE}“")
            if elements < 3:
                problems.append(f"{page}: nur {elements} Elemente gezeichnet")
            cache.run_finished()
            return time.monotonic() - started, problems, received


def random_query(rng: random.Random, kreise: list[str], years: list[int]) -> dict[str, str]:
    return {
        "kreis": rng.choice(kreise),
        "jahr": str(rng.choice(years)),
        "gruppe": rng.choice(PEER_KINDS),
        "indikator": rng.choice(INDICATORS),
    }


async def session(n: int, port: int, deadline: float, kreise: list[str], years: list[int], stats: SessionStats):
    import websockets

    rng = random.Random(n)
    cache = MessageCache()
    uri = f"ws://127.0.0.1:{port}/_stcore/stream"
    try:
        async with websockets.connect(uri, subprotocols=["streamlit"], max_size=None, open_timeout=60) as ws:
            visits = 0
            while visits == 0 or time.monotonic() < deadline:  # the first visit is always completed
                page = rng.choice(PAGES)
                query = random_query(rng, kreise, years)
                for step in range(2):  # open the page, then change the selection on it
                    if step:
                        query |= {"kreis": rng.choice(kreise), "jahr": str(rng.choice(years))}
                    seconds, problems, received = await run_script(ws, page, query, cache)
                    stats.runs.append((page, seconds))
                    stats.received_bytes += received
                    stats.errors.extend(problems)
                    if visits and time.monotonic() >= deadline:
                        break
                visits += 1
                await asyncio.sleep(rng.uniform(0.0, 0.5))  # reading time
    except Exception as exc:  # noqa: BLE001 - every failure of a session is a finding, not a crash of the test
        stats.errors.append(f"Sitzung {n}: {type(exc).__name__}: {exc}")


async def drive(sessions: int, port: int, duration: float, kreise: list[str], years: list[int]) -> list[SessionStats]:
    deadline = time.monotonic() + duration
    stats = [SessionStats() for _ in range(sessions)]
    await asyncio.gather(*(session(n, port, deadline, kreise, years, stats[n]) for n in range(sessions)))
    return stats


# --------------------------------------------------------------------------------------------- editors


def editor(worker: int, userdata: str, deadline: float, kreis: str, result) -> None:
    """Edit the worker's own target and increment the shared one until the deadline; report versions written."""
    from indicators.domain.targets import Target
    from indicators.userdata import ConflictError, UserData

    rng = random.Random(1000 + worker)
    ud = UserData(userdata)
    written = created = conflicts = 0
    own = ud.add_target(Target(None, kreis, "jugend_alq", 10.0, 2030 + worker % 5), f"last{worker}")
    created += 1
    shared_id = next(
        t.id for t in ud.targets(SHARED_AGS) if t.indicator == SHARED_INDICATOR and t.target_year == SHARED_YEAR
    )
    while time.monotonic() < deadline:
        own = ud.update_target(own.id, {"target_value": round(rng.uniform(1, 20), 2)}, f"last{worker}", own.version)
        written += 1
        while time.monotonic() < deadline:
            current = ud.get_target(shared_id).target
            try:
                ud.update_target(
                    shared_id, {"target_value": current.target_value + 1}, f"last{worker}", current.version
                )
                written += 1
                break
            except ConflictError:
                conflicts += 1
        time.sleep(rng.uniform(0.2, 1.0))
    result.put({"worker": worker, "created": created, "written": written, "conflicts": conflicts})


def history_rows(userdata: Path) -> int:
    from indicators.userdata import UserData

    ud = UserData(userdata)
    return sum(len(ud.target_history(t.id)) for t in ud.targets(include_deleted=True))


# --------------------------------------------------------------------------------------------- main


def loopback_port(url: str) -> int:
    """The port of ``http://127.0.0.1:<port>``; the load test talks to loopback only."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost") or parts.port is None:
        raise SystemExit(f"--url muss http://127.0.0.1:<port> sein, nicht {url}")
    return parts.port


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def run(args: argparse.Namespace) -> dict:
    from indicators.domain.targets import Target
    from indicators.userdata import UserData
    from indicators.warehouse.store import Store

    sessions = max(1, min(args.sessions, MAX_SESSIONS))
    duration = max(1.0, min(args.duration, MAX_DURATION))
    editors = max(0, min(args.editors if args.editors is not None else sessions, MAX_SESSIONS))
    host = machine()
    with tempfile.TemporaryDirectory(prefix="regiomonitor-last-") as tmp:
        tmp_path = Path(tmp)
        warehouse = Path(args.warehouse) if args.warehouse else None
        if warehouse is None:
            from indicators.warehouse import demo

            warehouse = tmp_path / "warehouse"
            demo.write_demo(warehouse)
        store = Store(warehouse)
        warehouse_info = warehouse_facts(store, warehouse, args.warehouse is None)
        if args.url and args.warehouse is None:  # the server reads its own; the demo only supplies Kreise and years
            warehouse_info["path"] = (
                "(unbekannt: der laufende Server liest sein eigenes; Kreise und Jahre aus Demodaten)"
            )
        districts = store.districts()
        kreise = sorted(districts["ags"])
        years = sorted(store.years(SHARED_INDICATOR))[-5:] if hasattr(store, "years") else [2023]
        userdata = args.userdata or tmp_path / "userdata.sqlite"
        UserData(userdata).add_target(Target(None, SHARED_AGS, SHARED_INDICATOR, 0.0, SHARED_YEAR), "start")
        port = loopback_port(args.url) if args.url else args.port or free_port()
        log = tmp_path / "server.log"
        # with --url the server (or the proxy in front of replicas) is already running and reads --userdata
        server = None if args.url else start_server(port, warehouse, userdata, log, args.streamlit_option)
        workers: list[multiprocessing.Process] = []
        watch = None
        try:
            if server is not None:
                wait_healthy(port, server)
                watch = MemoryWatch(server.pid)
                watch.start()
            context = multiprocessing.get_context("spawn")
            queue = context.Queue()
            editor_deadline = time.monotonic() + duration
            workers = [
                context.Process(target=editor, args=(w, str(userdata), editor_deadline, kreise[w % len(kreise)], queue))
                for w in range(editors)
            ]
            for worker in workers:
                worker.start()
            started = time.monotonic()
            stats = asyncio.run(drive(sessions, port, duration, kreise, years))
            elapsed = time.monotonic() - started
            reports = [queue.get(timeout=120) for _ in workers]
            for worker in workers:
                worker.join(timeout=30)
            server_alive = server is None or server.poll() is None
        finally:
            memory = watch.stop() if watch else {}
            for worker in workers:
                stop(worker)
            stop(server)
        times = [seconds for s in stats for _, seconds in s.runs]
        errors = [e for s in stats for e in s.errors]
        per_page = {
            page: round(percentile([t for s in stats for p, t in s.runs if p == page], 0.95), 3) for page in PAGES
        }
        written = sum(r["written"] for r in reports)
        created = sum(r["created"] for r in reports) + 1
        rows = history_rows(userdata)
        server_log = log.read_text(errors="replace")[-3000:] if errors and log.exists() else ""
    host["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    per_page_runs = {page: sum(1 for s in stats for p, _ in s.runs if p == page) for page in PAGES}
    per_page_median = {
        page: round(percentile([t for s in stats for p, t in s.runs if p == page], 0.5), 3) for page in PAGES
    }
    return {
        "machine": host,
        "warehouse": warehouse_info,
        "streamlit_options": list(args.streamlit_option or []),
        "sessions": sessions,
        "editors": editors,
        "duration_requested_s": duration,
        "duration_s": round(elapsed, 1),
        "page_runs": len(times),
        "runs_per_s": round(len(times) / elapsed, 2) if elapsed else 0,
        "errors": errors[:50],
        "error_count": len(errors),
        "p50_s": round(percentile(times, 0.5), 3),
        "p95_s": round(percentile(times, 0.95), 3),
        "max_s": round(max(times), 3) if times else None,
        "mean_s": round(statistics.fmean(times), 3) if times else None,
        "p95_by_page_s": per_page,
        "median_by_page_s": per_page_median,
        "runs_by_page": per_page_runs,
        "received_mb_per_run": round(sum(s.received_bytes for s in stats) / max(1, len(times)) / 2**20, 3),
        "server_rss": memory,
        "edits_written": written,
        "targets_created": created,
        "edit_conflicts_retried": sum(r["conflicts"] for r in reports),
        "history_rows": rows,
        "edits_all_arrived": rows == created + written,
        "server_survived": server_alive,
        "server_log_tail": server_log,
    }


def summary(result: dict) -> str:
    m, w, rss = result["machine"], result["warehouse"], result.get("server_rss") or {}
    known = (
        f" ({'Demodaten' if w['demo'] else 'amtliche Daten'}), {str(w['size_mb']).replace('.', ',')} MB, "
        f"{w['kreise']} Kreise, {w['indicators']} Indikatoren, " + f"{w['facts']:_} Werte".replace("_", ".")
        if "demo" in w
        else ""
    )
    lines = [
        f"Rechner: {m['cores']} Kerne, {m['ram_gb']} GB RAM, Python {m['python']}, Streamlit {m['streamlit']}; "
        f"Systemlast (1/5/15 min) vorher {m['load_average_before']}, nachher {m['load_average_after']}",
        f"Warehouse: {w['path']}{known}",
        f"Last: {result['sessions']} Sitzungen und {result['editors']} Bearbeiter-Prozesse, {result['duration_s']} s"
        + (f", Streamlit-Optionen {', '.join(result['streamlit_options'])}" if result["streamlit_options"] else ""),
        f"  Seitenläufe: {result['page_runs']} ({result['runs_per_s']} je Sekunde), Fehler: {result['error_count']}, "
        f"{result['received_mb_per_run']} MB je Seitenlauf empfangen",
        f"  Antwortzeit: Median {result['p50_s']} s, p95 {result['p95_s']} s, Maximum {result['max_s']} s",
        "  p95 je Seite: " + ", ".join(f"{k} {v} s" for k, v in result["p95_by_page_s"].items()),
        (
            f"  Speicher des Servers: Beginn {rss.get('start_mb')} MB, Maximum {rss.get('max_mb')} MB, "
            f"Ende {rss.get('end_mb')} MB"
        ),
        f"  Ziel-Änderungen: {result['edits_written']} geschrieben ({result['edit_conflicts_retried']} Konflikte "
        f"neu versucht), {result['targets_created']} Ziele angelegt, {result['history_rows']} Verlaufseinträge: "
        + ("alle angekommen" if result["edits_all_arrived"] else "ES FEHLEN ÄNDERUNGEN"),
    ]
    lines += [f"  Fehler: {e}" for e in result["errors"][:10]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Lasttest gegen den echten Streamlit-Server (nur 127.0.0.1)")
    parser.add_argument("--sessions", type=int, default=25, help="gleichzeitige Sitzungen (höchstens 200)")
    parser.add_argument("--duration", type=float, default=60, help="Dauer in Sekunden (höchstens 600)")
    parser.add_argument("--editors", type=int, default=None, help="Bearbeiter-Prozesse (Standard: wie Sitzungen)")
    parser.add_argument("--warehouse", type=Path, default=None, help="Warehouse (Standard: Demo in Temp-Ordner)")
    parser.add_argument("--port", type=int, default=None, help="Port auf 127.0.0.1 (Standard: ein freier)")
    parser.add_argument(
        "--url",
        default=None,
        help="einen laufenden Server oder nginx vor Replikaten testen (http://127.0.0.1:<port>, z. B. von "
        "python -m deploy.local); kein eigener Server",
    )
    parser.add_argument(
        "--userdata",
        default=None,
        help="Nutzerdaten für die Bearbeiter und den Server: SQLite-Datei oder postgresql://-URL (mit --url die "
        "des laufenden Servers; Standard: eine neue SQLite-Datei)",
    )
    parser.add_argument(
        "--json",
        type=Path,
        nargs="?",
        default=DEFAULT_JSON,
        const=DEFAULT_JSON,
        help=f"Ergebnis als JSON hierhin schreiben (Standard: {DEFAULT_JSON.relative_to(ROOT)})",
    )
    parser.add_argument(
        "--streamlit-option",
        action="append",
        metavar="NAME=WERT",
        help="an streamlit run weitergeben, z. B. runner.postScriptGC=false (mehrfach möglich)",
    )
    args = parser.parse_args(argv)
    result = run(args)
    print(summary(result))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"  JSON: {args.json}")
    ok = result["error_count"] == 0 and result["edits_all_arrived"] and result["server_survived"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
