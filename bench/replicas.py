"""Load figures for several replicas and both user databases, side by side, on this machine.

    python -m bench.replicas                                   # 25 sessions, 10 editors, 60 s per set-up
    python -m bench.replicas --sessions 10 --duration 20 --only 1-sqlite 2-sqlite

For each set-up it starts the real thing and runs the project's load test (``bench/load.py``) against it:

* ``leer``: the baseline, ``bench/streamlit_floor_app.py``: a Streamlit process with the same page addresses and
  nothing on them (no data, no widgets), under the same load: what a page run costs Streamlit itself;
* ``direkt``: one Streamlit process, the load straight at it, no nginx, SQLite (the reference);
* ``1-sqlite``, ``2-sqlite``: 1 or 2 replicas behind nginx (``python -m deploy.local``), one SQLite file;
* ``1-postgresql``, ``2-postgresql``: the same on PostgreSQL (a throwaway cluster started here, with fsync on,
  one fresh database per set-up).

Every replica is warmed first (a short load run straight against it), so the figures are the steady state, not
the first page runs of a cold process. Recorded per set-up: page runs per second, median and p95, errors, the
editors' writes and conflicts and whether every write arrived in the history, the CPU seconds the replicas
and the load client used per page run, the replicas' peak memory, and the machine's load average before and
after. Written to ``bench/replicas.json`` and ``bench/replicas.md``.

The replicas, nginx, the load client and its editor processes share this machine's cores: on 2 cores a second
replica can only help where one process leaves a core idle (waiting, Python's global interpreter lock); the
table says what it did here.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import load  # noqa: E402
from deploy import local  # noqa: E402

SETUPS = {
    "leer": (0, "floor"),
    "direkt": (0, "sqlite"),
    "1-sqlite": (1, "sqlite"),
    "2-sqlite": (2, "sqlite"),
    "1-postgresql": (1, "postgresql"),
    "2-postgresql": (2, "postgresql"),
}
LABELS = {
    "leer": "Grundlast: leere Streamlit-Seiten, 1 Prozess",
    "direkt": "1 Prozess ohne nginx",
    "1-sqlite": "1 Replikat hinter nginx",
    "2-sqlite": "2 Replikate hinter nginx",
    "1-postgresql": "1 Replikat hinter nginx",
    "2-postgresql": "2 Replikate hinter nginx",
}
WARM_SECONDS = 10
OUT_JSON = ROOT / "bench" / "replicas.json"
OUT_MD = ROOT / "bench" / "replicas.md"


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_load(args: list[str], json_path: Path) -> tuple[dict, float]:
    """bench/load.py in its own process; returns its result and the CPU seconds it and its editors used."""
    before = os.times()
    command = [sys.executable, str(ROOT / "bench" / "load.py"), *args, "--json", str(json_path)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
    after = os.times()
    if not json_path.exists():
        raise RuntimeError(
            f"Lasttest ohne Ergebnis (Code {done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
        )
    client_cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return json.loads(json_path.read_text(encoding="utf-8")), client_cpu


@contextlib.contextmanager
def user_database(kind: str, name: str, tmp: Path, postgres: str | None):
    if kind == "sqlite":
        yield str(tmp / f"{name}.sqlite")
        return
    import psycopg

    database = "last_" + name.replace("-", "_")
    with psycopg.connect(f"{postgres}/postgres", autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {database}")
    try:
        yield f"{postgres}/{database}"
    finally:
        with psycopg.connect(f"{postgres}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE {database} WITH (FORCE)")


def measure_floor(name: str, base: list[str], options: argparse.Namespace, tmp: Path) -> dict:
    """The same load against pages that draw nothing (``bench/streamlit_floor_app.py``), one process, SQLite for
    the editors (the pages do not read it): the ceiling of one Streamlit process on this machine."""
    load_before = [round(x, 2) for x in os.getloadavg()]
    port, location = load.free_port(), str(tmp / f"{name}.sqlite")
    script = ROOT / "bench" / "streamlit_floor_app.py"
    server = load.start_server(port, options.warehouse, location, tmp / f"{name}.log", script=script)
    try:
        load.wait_healthy(port, server)
        url = f"http://127.0.0.1:{port}"
        warm = ["--sessions", "4", "--duration", str(options.warm), "--editors", "0", "--url", url]
        warm += ["--warehouse", str(options.warehouse), "--userdata", str(tmp / f"{name}-warm.sqlite")]
        run_load(warm, tmp / f"{name}-warm.json")
        watch = load.MemoryWatch(server.pid)
        watch.start()
        cpu_before = cpu_seconds(server.pid)
        result, client_cpu = run_load([*base, "--url", url, "--userdata", location], tmp / f"{name}.json")
        server_cpu = cpu_seconds(server.pid) - cpu_before
        memory = [watch.stop()]
    finally:
        load.stop(server)
    return summarise(name, result, client_cpu, server_cpu, memory, load_before)


def measure(name: str, options: argparse.Namespace, tmp: Path, postgres: str | None) -> dict:
    replicas, kind = SETUPS[name]
    base = ["--sessions", str(options.sessions), "--duration", str(options.duration), "--editors", str(options.editors)]
    base += ["--warehouse", str(options.warehouse)]
    if kind == "floor":
        return measure_floor(name, base, options, tmp)
    load_before = [round(x, 2) for x in os.getloadavg()]
    with user_database(kind, name, tmp, postgres) as location:
        env = dict(os.environ)
        env.pop("REGIOMONITOR_DATABASE_URL", None)
        env["REGIOMONITOR_DATABASE_URL" if kind == "postgresql" else "REGIOMONITOR_USERDATA"] = location
        # the sign-in accounts of the throwaway installation; without this, a PostgreSQL set-up would create its
        # first account in the project's data/userdata/ (the real installation's accounts file)
        env[local.ACCOUNTS_ENV] = str(tmp / f"{name}-accounts.toml")
        cluster = local.Cluster(max(1, replicas), warehouse=options.warehouse, run_dir=tmp / f"run-{name}", env=env)
        with cluster:
            for replica in cluster.replicas:  # warm every replica (store, caches, pages) straight, not through nginx
                warm = ["--sessions", "4", "--duration", str(options.warm), "--editors", "0", "--url", replica.url]
                warm += ["--warehouse", str(options.warehouse), "--userdata", str(tmp / f"{name}-warm.sqlite")]
                run_load(warm, tmp / f"{name}-warm.json")
            target = cluster.url if replicas else cluster.replicas[0].url  # "direkt": the one process, no nginx
            pids = [r.process.pid for r in cluster.replicas]
            watches = [load.MemoryWatch(pid) for pid in pids]
            for watch in watches:
                watch.start()
            cpu_before = sum(cpu_seconds(pid) for pid in pids)
            result, client_cpu = run_load([*base, "--url", target, "--userdata", location], tmp / f"{name}.json")
            server_cpu = sum(cpu_seconds(pid) for pid in pids) - cpu_before
            memory = [watch.stop() for watch in watches]
    return summarise(name, result, client_cpu, server_cpu, memory, load_before)


def summarise(name, result, client_cpu, server_cpu, memory, load_before) -> dict:
    runs = result["page_runs"] or 1
    replicas, kind = SETUPS[name]
    return {
        "setup": name,
        "label": LABELS[name],
        "replicas": max(1, replicas),
        "nginx": replicas > 0,
        "userdata": {"postgresql": "PostgreSQL", "floor": "–"}.get(kind, "SQLite"),
        "runs_per_s": result["runs_per_s"],
        "p50_s": result["p50_s"],
        "p95_s": result["p95_s"],
        "page_runs": result["page_runs"],
        "errors": result["error_count"],
        "edits_written": result["edits_written"],
        "edit_conflicts_retried": result["edit_conflicts_retried"],
        "edits_all_arrived": result["edits_all_arrived"],
        "server_cpu_s_per_run": round(server_cpu / runs, 3),
        "client_cpu_s_per_run": round(client_cpu / runs, 3),
        "replica_peak_mb": [m.get("max_mb") for m in memory],
        "load_average_before": load_before,
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "duration_s": result["duration_s"],
        "p95_by_page_s": result["p95_by_page_s"],
        "first_errors": result["errors"][:5],
    }


def german(value, digits: int = 2) -> str:
    if value is None:
        return "–"
    return f"{value:.{digits}f}".replace(".", ",")


def markdown(report: dict) -> str:
    m = report["machine"]
    lines = [
        "# Lastmessung: Replikate und Nutzerdatenbanken",
        "",
        f"Gemessen am {report['measured_at']} mit `python -m bench.replicas` auf {m['cores']} Kernen "
        f"({m['ram_gb']} GB RAM, Python {m['python']}, Streamlit {m['streamlit']}): je Aufbau "
        f"{report['sessions']} Sitzungen und {report['editors']} Bearbeiter-Prozesse für {report['duration_s']} s "
        f"(`bench/load.py`), Warehouse `{report['warehouse']}`; jedes Replikat vorher {german(report['warm_s'], 0)} s aufgewärmt.",
        "",
        "| Aufbau | Nutzerdaten | Seitenläufe/s | Median | p95 | Fehler | Änderungen (Konflikte) | alle im Verlauf "
        "| CPU Server je Lauf | CPU Lastclient je Lauf | Speicher je Replikat (max) | Systemlast vorher → nachher |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in report["results"]:
        memory = " / ".join(f"{german(x, 0)} MB" for x in r["replica_peak_mb"] if x is not None) or "–"
        lines.append(
            f"| {r['label']} | {r['userdata']} | {german(r['runs_per_s'])} | {german(r['p50_s'])} s "
            f"| {german(r['p95_s'])} s | {r['errors']} | {r['edits_written']} ({r['edit_conflicts_retried']}) "
            f"| {'ja' if r['edits_all_arrived'] else 'NEIN'} | {german(r['server_cpu_s_per_run'], 3)} s "
            f"| {german(r['client_cpu_s_per_run'], 3)} s | {memory} "
            f"| {german(r['load_average_before'][0], 1)} → {german(r['load_average_after'][0], 1)} |"
        )
    lines += [
        "",
        "Seitenläufe/s: abgeschlossene Skriptläufe aller Sitzungen je Sekunde (geschlossene Schleife: Seite, eine "
        "Auswahländerung, 0–0,5 s Lesezeit, nächste Seite; Antwortzeit ≈ Sitzungen ÷ Durchsatz). CPU je Lauf: "
        "CPU-Sekunden der Replikate bzw. des Lastclients mit seinen Bearbeiter-Prozessen, geteilt durch die "
        "Seitenläufe. Systemlast: 1-Minuten-Mittel des Rechners (andere Prozesse eingeschlossen).",
    ]
    return "\n".join(lines) + "\n"


def warehouse_label(path: Path) -> str:
    """How the report names the warehouse: its folder (inside the project relative to it), or "Demo" for demo data
    (read from its manifest, not guessed from where it lies)."""
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    if manifest.get("demo"):
        return "Demo"
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.replicas", description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=25)
    parser.add_argument("--editors", type=int, default=10)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--warm", type=float, default=WARM_SECONDS, help="Sekunden Aufwärmen je Replikat")
    parser.add_argument("--warehouse", type=Path, default=None, help="Standard: data/warehouse, sonst Demodaten")
    parser.add_argument("--only", nargs="+", choices=list(SETUPS), default=list(SETUPS), help="nur diese Aufbauten")
    parser.add_argument("--json", type=Path, default=OUT_JSON)
    parser.add_argument("--markdown", type=Path, default=OUT_MD)
    options = parser.parse_args(argv)
    local.nginx_binary()
    with tempfile.TemporaryDirectory(prefix="regiomonitor-replikate-") as folder:
        tmp = Path(folder)
        if options.warehouse is None:
            default = ROOT / "data" / "warehouse"
            if (default / "manifest.json").exists():
                options.warehouse = default
            else:
                from indicators.warehouse import demo

                options.warehouse = tmp / "warehouse"
                demo.write_demo(options.warehouse)
        options.warehouse = options.warehouse.resolve()
        needs_postgres = any(SETUPS[name][1] == "postgresql" for name in options.only)
        with contextlib.ExitStack() as stack:
            postgres = None
            if needs_postgres:
                from tests.userdata_postgres import throwaway_cluster

                postgres = stack.enter_context(throwaway_cluster(fsync=True))
            results = []
            for name in options.only:
                print(f"Messe {name} …", flush=True)
                results.append(measure(name, options, tmp, postgres))
                r = results[-1]
                print(
                    f"  {r['runs_per_s']} Läufe/s, Median {r['p50_s']} s, p95 {r['p95_s']} s, Fehler {r['errors']}, "
                    f"Änderungen {r['edits_written']} ({'alle angekommen' if r['edits_all_arrived'] else 'ES FEHLEN'})",
                    flush=True,
                )
    machine = load.machine()
    report = {
        "measured_at": time.strftime("%d.%m.%Y %H:%M"),
        "machine": machine,
        "sessions": options.sessions,
        "editors": options.editors,
        "duration_s": options.duration,
        "warm_s": options.warm,
        "warehouse": warehouse_label(options.warehouse),
        "results": results,
    }
    options.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    options.markdown.write_text(markdown(report), encoding="utf-8")
    print(markdown(report))
    ok = all(r["errors"] == 0 and r["edits_all_arrived"] for r in results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
