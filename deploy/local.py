"""RegioMonitor as several replicas behind nginx on this machine, started and stopped by one command.

    python -m deploy.local --replicas 2 --port 8080            # http://127.0.0.1:8080, Strg+C beendet alles
    python -m deploy.local --replicas 3 --port 80 --host 0.0.0.0 --server-name regiomonitor.kreis.example

Starts ``--replicas`` Streamlit processes (``serve.py``: the app behind its security middleware) on free loopback
ports (the same command the containers run, see :func:`replica_args`), waits until each answers, renders the nginx configuration (``deploy/nginx.conf.template``)
into the run folder, checks it with ``nginx -t`` and starts nginx in the foreground of this script. A replica
that dies is started again on its port; nginx meanwhile sends its sessions to the others. Strg+C or SIGTERM stops
nginx, then the replicas (SIGTERM, after 15 s SIGKILL), and nothing is left running.

The replicas share everything that is not a session: the warehouse folder (``--warehouse``, read through its
snapshot pointer, so a rebuild is picked up by every replica on its next request), the user data
(``REGIOMONITOR_DATABASE_URL``, else the one SQLite file, which several processes on one machine may share) and
the secret that signs cookies (``STREAMLIT_SERVER_COOKIE_SECRET``, generated per start when unset, so a sign-in
cookie is valid on every replica), the sign-in accounts (``accounts.toml``; a fresh installation's first editor
account is created here, its password printed on this console) and the host names the websocket is accepted
under (``--server-name``). All other settings come from the environment as for a single process.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from deploy import nginx

ROOT = Path(__file__).resolve().parents[1]
COOKIE_SECRET_ENV = "STREAMLIT_SERVER_COOKIE_SECRET"
WAREHOUSE_ENV = "REGIOMONITOR_WAREHOUSE"
DATABASE_URL_ENV = "REGIOMONITOR_DATABASE_URL"
ACCOUNTS_ENV = "REGIOMONITOR_ACCOUNTS"
ALLOWED_HOSTS_ENV = "STREAMLIT_SERVER_ALLOWED_HOSTS"
#: Host names the websocket is always accepted under (as .streamlit/config.toml); --server-name adds more.
LOCAL_NAMES = ("localhost", "127.0.0.1", "::1")
MAX_REPLICAS = 32
STOP_SECONDS = 15


def replica_args(port: int, address: str = "127.0.0.1") -> list[str]:
    """Arguments after ``streamlit`` for one replica; docker-compose.yml runs the same (a test compares them)."""
    return [
        "run",
        "serve.py",  # app.py behind the security middleware (ui/http_guard.py)
        "--server.port",
        str(port),
        "--server.address",
        address,
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
    ]


def replica_environment(
    warehouse: Path, cookie_secret: str, accounts: Path, server_names: list[str] | tuple[str, ...] = ()
) -> dict[str, str]:
    """What every replica must share; docker-compose.yml sets the same names (a test compares them): the warehouse
    folder, the secret that signs cookies, the sign-in accounts and the host names the websocket is accepted under
    (Streamlit's server.allowedHosts: the browser's host name reaches the replica unchanged through nginx)."""
    names = list(dict.fromkeys([*LOCAL_NAMES, *server_names]))
    return {
        WAREHOUSE_ENV: str(Path(warehouse).resolve()),
        COOKIE_SECRET_ENV: cookie_secret,
        ACCOUNTS_ENV: str(accounts),
        ALLOWED_HOSTS_ENV: " ".join(names),
    }


def accounts_file(env: dict[str, str]) -> Path:
    """The accounts file every replica reads (indicators.accounts.default_path, with the replicas' environment and
    the project folder they run in)."""
    from indicators import accounts
    from indicators.userdata.facade import DEFAULT_PATH, ENV_VAR

    if env.get(ACCOUNTS_ENV, "").strip():
        return (ROOT / env[ACCOUNTS_ENV].strip()).resolve()
    return (ROOT / (env.get(ENV_VAR) or DEFAULT_PATH)).resolve().parent / accounts.FILE_NAME


def first_account(env: dict[str, str], path: Path) -> None:
    """Create the first editor account here, before the replicas start, so that its password is printed on this
    console (once) rather than in one replica's log (ui/startup.py would otherwise do it in whichever is first)."""
    import tomllib

    from indicators import auth
    from ui.startup import first_account as create

    secrets: dict = {}
    for file in (Path.home() / ".streamlit" / "secrets.toml", ROOT / ".streamlit" / "secrets.toml"):
        if file.exists():
            secrets |= tomllib.loads(file.read_text(encoding="utf-8"))
    path.parent.mkdir(parents=True, exist_ok=True)
    create(path, auth.config_from_secrets(secrets, environ=env))


def nginx_binary() -> str:
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx", "/sbin/nginx") if Path(p).exists()), None)
    if found is None:
        raise DeployError("nginx ist nicht installiert (Debian: apt-get install -y nginx).")
    return found


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=3) as response:
            return response.read().strip() == b"ok"
    except OSError:
        return False


class DeployError(RuntimeError):
    """A German message for the person starting the installation."""


def wait_healthy(url: str, deadline: float, process: subprocess.Popen, name: str, log: Path) -> None:
    """Wait until ``url`` answers Streamlit's health check; a process that exits meanwhile is an error."""
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise DeployError(f"{name} wurde mit Code {process.returncode} beendet. Protokoll {log}:\n{tail}")
        if healthy(url):
            return
        time.sleep(0.3)
    raise DeployError(f"{name} antwortet nicht auf {url}/_stcore/health (Protokoll: {log}).")


def start_nginx(settings: nginx.Settings, run_dir: Path) -> subprocess.Popen:
    """Write the configuration into ``run_dir``, check it (``nginx -t``) and run nginx in its own process group."""
    run_dir = Path(run_dir)
    temp = Path(settings.temp)
    temp.mkdir(parents=True, exist_ok=True)
    for folder in (run_dir, temp):  # nginx's workers run as another user when started as root
        folder.chmod(0o755)
    conf = run_dir / "nginx.conf"
    conf.write_text(nginx.render(settings), encoding="utf-8")
    base = [nginx_binary(), "-p", str(run_dir), "-c", str(conf), "-e", settings.error_log]
    check = subprocess.run([*base, "-t", "-q"], capture_output=True, text=True, timeout=60)
    if check.returncode != 0:
        raise DeployError(f"nginx lehnt die Konfiguration {conf} ab: {check.stderr.strip()}")
    log = open(run_dir / "nginx.out", "wb")  # noqa: SIM115 - lives as long as nginx
    return subprocess.Popen([*base, "-g", "daemon off;"], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


@dataclass
class Replica:
    number: int
    port: int
    process: subprocess.Popen
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def stop_group(process: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = STOP_SECONDS) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        process.wait(timeout=10)


class Cluster:
    """N replicas and nginx; use as a context manager, or :meth:`start` and :meth:`stop`."""

    def __init__(
        self,
        replicas: int = 2,
        port: int | None = None,
        host: str = "127.0.0.1",
        warehouse: Path | None = None,
        run_dir: Path | None = None,
        env: dict[str, str] | None = None,
        streamlit_options: list[str] | None = None,
        startup_timeout: float = 180.0,
        server_names: list[str] | None = None,
    ):
        if not 1 <= replicas <= MAX_REPLICAS:
            raise DeployError(f"--replicas muss zwischen 1 und {MAX_REPLICAS} liegen, nicht {replicas}.")
        self.count, self.host = replicas, host
        self.port = port or free_port()
        self.env = dict(os.environ if env is None else env)
        default_warehouse = self.env.get(WAREHOUSE_ENV) or str(ROOT / "data" / "warehouse")
        self.warehouse = Path(warehouse or default_warehouse).resolve()
        self.run_dir = Path(run_dir or ROOT / "data" / "deploy").resolve()
        self.streamlit_options = list(streamlit_options or [])
        self.startup_timeout = startup_timeout
        self.cookie_secret = self.env.get(COOKIE_SECRET_ENV) or secrets.token_urlsafe(32)
        self.accounts = accounts_file(self.env)
        names = list(server_names or [])
        if not names and host not in ("127.0.0.1", "localhost", "::1"):  # reachable from the network
            names = list(dict.fromkeys([socket.gethostname(), socket.getfqdn()]))
        self.server_names = names
        self.replicas: list[Replica] = []
        self.nginx: subprocess.Popen | None = None

    # --- addresses -------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        return f"http://{host}:{self.port}"

    @property
    def nginx_conf(self) -> Path:
        return self.run_dir / "nginx.conf"

    @property
    def access_log(self) -> Path:
        return self.run_dir / "nginx-access.log"

    @property
    def user_data(self) -> str:
        """Where the replicas keep user data, as a person reads it (no password)."""
        url = self.env.get(DATABASE_URL_ENV, "").strip()
        if url:
            return "PostgreSQL " + url.split("@")[-1]
        return "SQLite " + (self.env.get("REGIOMONITOR_USERDATA") or "data/userdata/regiomonitor.sqlite")

    # --- start and stop --------------------------------------------------------------------------------

    def start(self) -> Cluster:
        nginx_binary()  # fail before starting anything
        self.run_dir.mkdir(parents=True, exist_ok=True)
        first_account(self.env, self.accounts)
        try:
            ports = [free_port() for _ in range(self.count)]
            self.replicas = [self._start_replica(n + 1, port) for n, port in enumerate(ports)]
            deadline = time.monotonic() + self.startup_timeout
            for replica in self.replicas:
                wait_healthy(replica.url, deadline, replica.process, f"Replikat {replica.number}", replica.log)
            settings = nginx.local_settings(ports, f"{self.host}:{self.port}", self.run_dir)
            self.nginx = start_nginx(settings, self.run_dir)
            wait_healthy(self.url, deadline, self.nginx, "nginx", self.run_dir / "nginx-error.log")
        except BaseException:
            self.stop()
            raise
        return self

    def _start_replica(self, number: int, port: int) -> Replica:
        env = self.env | replica_environment(self.warehouse, self.cookie_secret, self.accounts, self.server_names)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
        command = [sys.executable, "-m", "streamlit", *replica_args(port)]
        for option in self.streamlit_options:  # name=value, e.g. runner.postScriptGC=false
            name, _, value = option.partition("=")
            command += [f"--{name}", value]
        log = self.run_dir / f"replica-{number}.log"
        handle = open(log, "ab")  # noqa: SIM115 - lives as long as the replica
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
        return Replica(number, port, process, log)

    def restart_dead_replicas(self) -> list[int]:
        """Start every replica that has exited again on its port; returns their numbers."""
        restarted = []
        for i, replica in enumerate(self.replicas):
            if replica.process.poll() is not None:
                self.replicas[i] = self._start_replica(replica.number, replica.port)
                restarted.append(replica.number)
        return restarted

    def stop(self) -> None:
        """nginx first (no new requests), then the replicas; waits until every process has exited."""
        if self.nginx is not None:
            stop_group(self.nginx, signal.SIGTERM)
        stoppers = [threading.Thread(target=stop_group, args=(r.process,)) for r in self.replicas]
        for thread in stoppers:
            thread.start()
        for thread in stoppers:
            thread.join()

    def processes(self) -> list[subprocess.Popen]:
        return [r.process for r in self.replicas] + ([self.nginx] if self.nginx else [])

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m deploy.local", description="RegioMonitor mit mehreren Replikaten hinter nginx starten"
    )
    parser.add_argument("--replicas", type=int, default=2, help="Anzahl der Streamlit-Prozesse (Standard: 2)")
    parser.add_argument("--port", type=int, default=8080, help="Port von nginx (Standard: 8080)")
    parser.add_argument(
        "--host", default="127.0.0.1", help="Adresse von nginx (Standard: 127.0.0.1; 0.0.0.0 = für das Netz)"
    )
    parser.add_argument("--warehouse", type=Path, default=None, help="Warehouse-Ordner (Standard: data/warehouse)")
    parser.add_argument(
        "--server-name",
        action="append",
        default=None,
        help="Name, unter dem Browser den Server erreichen (mehrfach möglich; bei --host 0.0.0.0 Standard: der "
        "Rechnername)",
    )
    parser.add_argument("--run-dir", type=Path, default=None, help="Konfiguration und Protokolle (data/deploy)")
    args = parser.parse_args(argv)

    stopping: list[int] = []  # a plain list: a handler taking a lock (threading.Event) can deadlock the main thread
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda number, _frame: stopping.append(number))
    cluster = Cluster(args.replicas, args.port, args.host, args.warehouse, args.run_dir, server_names=args.server_name)
    print(f"Starte {cluster.count} Replikate und nginx … (Protokolle: {cluster.run_dir})", flush=True)
    try:
        cluster.start()
    except DeployError as error:
        print(f"Fehler: {error}", file=sys.stderr)
        return 1
    if cluster.count > 1 and not cluster.env.get(DATABASE_URL_ENV):
        print(
            "Hinweis: Nutzerdaten in einer SQLite-Datei: mehrere Prozesse auf diesem Rechner teilen sie sicher; "
            f"für mehrere Rechner {DATABASE_URL_ENV} auf PostgreSQL setzen.",
            flush=True,
        )
    print(
        f"RegioMonitor läuft: {cluster.url} ({cluster.count} Replikate, Nutzerdaten: {cluster.user_data}, "
        f"Warehouse: {cluster.warehouse}). Beenden mit Strg+C.",
        flush=True,
    )
    if cluster.server_names:
        print(f"Erreichbar unter den Namen: {', '.join(cluster.server_names)} (weitere mit --server-name).", flush=True)
    code = 0
    try:
        while not stopping:
            time.sleep(0.5)
            if cluster.nginx is not None and cluster.nginx.poll() is not None:
                print(
                    f"Fehler: nginx wurde beendet (Protokoll: {cluster.run_dir / 'nginx-error.log'}).", file=sys.stderr
                )
                code = 1
                break
            for number in cluster.restart_dead_replicas():
                print(f"Replikat {number} war beendet und wurde neu gestartet.", flush=True)
    finally:
        print("Beende nginx und die Replikate …", flush=True)
        cluster.stop()
        print("Beendet.", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
