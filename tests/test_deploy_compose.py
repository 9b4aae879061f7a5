"""docker-compose.yml runs what ``python -m deploy.local`` runs: the same replica command and settings, the nginx
configuration rendered from the same template, and nothing reachable except through nginx.

There is no Docker engine on the development machine or in CI, so the containers are never started here; the
file is read as YAML and compared with the local script. (It was also checked once with Debian's
``docker-compose config``, version 1.29, which accepts everything but the top-level ``name``.)
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from deploy import local, nginx

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


#: What deploy/.env would hold; compose substitutes ${NAME:?message} and ${NAME:-default} before reading the file.
ENV = {"POSTGRES_PASSWORD": "pw1234", "REGIOMONITOR_COOKIE_SECRET": "keks", "REGIOMONITOR_SERVER_NAMES": "rm.kreis.de"}


def interpolate(text: str, env: dict[str, str]) -> str:
    def value(match: re.Match) -> str:
        name, kind, rest = match.groups()
        if name in env:
            return env[name]
        if kind == ":?":
            raise KeyError(f"{name}: {rest}")
        return rest

    return re.sub(r"\$\{([A-Z_]+)(:[?-])([^}]*)\}", value, text)


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(interpolate((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"), ENV))


def replicas(compose: dict) -> dict[str, dict]:
    return {name: spec for name, spec in compose["services"].items() if re.fullmatch(r"app\d+", name)}


def test_the_services_are_postgres_the_replicas_nginx_and_the_warehouse_build(compose):
    assert list(replicas(compose)) == nginx.compose_services(2)
    assert set(compose["services"]) == {"postgres", "nginx", "warehouse", *nginx.compose_services(2)}
    assert compose["services"]["warehouse"]["profiles"] == ["werkzeuge"]  # not started by `up`


def test_every_replica_runs_the_local_scripts_command_and_settings(compose):
    expected_command = ["streamlit", *local.replica_args(nginx.COMPOSE_PORT, "0.0.0.0")]
    shared = local.replica_environment(
        Path("/data/warehouse"), "geheim", Path("/config/accounts.toml"), ["rm.kreis.de"]
    )
    for name, spec in replicas(compose).items():
        assert spec["command"] == expected_command, name
        assert "serve.py" in expected_command  # the app behind its security middleware
        env = spec["environment"]
        assert set(shared) <= set(env), name
        assert env[local.ALLOWED_HOSTS_ENV].split() == shared[local.ALLOWED_HOSTS_ENV].split()
        assert local.DATABASE_URL_ENV in env, name  # replicas on several containers need PostgreSQL
        assert env["REGIOMONITOR_ALLOW_IMPORT"] == "0"  # new files arrive through the warehouse service
        assert "ports" not in spec, f"{name} must be reachable through nginx only"


def test_replicas_read_the_warehouse_the_build_service_writes(compose):
    services = compose["services"]
    build_mounts = dict(m.split(":", 1) for m in services["warehouse"]["volumes"])
    command = services["warehouse"]["command"]
    out = command[command.index("--out") + 1]
    for name, spec in replicas(compose).items():
        volume, target, mode = spec["volumes"][0].split(":")
        assert mode == "ro", name
        assert build_mounts[volume] == target  # the same named volume
        warehouse = spec["environment"][local.WAREHOUSE_ENV]
        assert warehouse == out and warehouse.startswith(target + "/")  # snapshots lie beside it, on the volume
    assert set(compose["volumes"]) >= {volume, "userdata"}


def test_replicas_share_one_accounts_file_on_a_writable_volume(compose):
    services = compose["services"]
    for name in [*replicas(compose), "warehouse"]:  # the tool service manages the same accounts
        path = Path(services[name]["environment"][local.ACCOUNTS_ENV])
        mounts = dict(m.split(":", 1) for m in services[name]["volumes"])
        volume = next(v for v, target in mounts.items() if target.split(":")[0] == str(path.parent))
        assert volume == "accounts" and not mounts[volume].endswith(":ro"), name
    assert "accounts" in compose["volumes"]
    assert "/config" in (DEPLOY / "Dockerfile").read_text(encoding="utf-8")  # owned by the app's user


def test_the_database_url_names_the_postgres_service_and_its_database(compose):
    pg = compose["services"]["postgres"]["environment"]
    for name, spec in replicas(compose).items():
        url = urlsplit(spec["environment"][local.DATABASE_URL_ENV])
        assert url.scheme == "postgresql" and url.hostname == "postgres", name
        assert url.username == pg["POSTGRES_USER"] and url.path == "/" + pg["POSTGRES_DB"]
        assert url.password == pg["POSTGRES_PASSWORD"] == ENV["POSTGRES_PASSWORD"]
        assert spec["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_nginx_gets_the_config_rendered_from_the_template_for_these_replicas(compose):
    service = compose["services"]["nginx"]
    source, target, mode = service["volumes"][0].split(":")
    assert (target, mode) == ("/etc/nginx/nginx.conf", "ro")
    mounted = (DEPLOY / source).read_text(encoding="utf-8")
    assert mounted == nginx.compose_conf(len(replicas(compose))), "regenerate: python -m deploy.nginx --compose"
    upstreams = re.findall(r"^\s*server (\S+) ", mounted, flags=re.MULTILINE)
    assert upstreams == [f"{name}:{nginx.COMPOSE_PORT}" for name in replicas(compose)]
    listen = re.search(r"^\s*listen (\d+);", mounted, flags=re.MULTILINE).group(1)
    assert [p.split(":")[-1] for p in service["ports"]] == [listen]
    assert set(service["depends_on"]) == set(replicas(compose))


def test_replicas_believe_forwarded_addresses_from_nginx_only(compose):
    address = compose["services"]["nginx"]["networks"]["regiomonitor"]["ipv4_address"]
    subnet = ipaddress.ip_network(compose["networks"]["regiomonitor"]["ipam"]["config"][0]["subnet"])
    assert ipaddress.ip_address(address) in subnet
    for name, spec in replicas(compose).items():
        env = spec["environment"]
        assert env["FORWARDED_ALLOW_IPS"] == address, name  # Streamlit's server (uvicorn)
        assert env["REGIOMONITOR_TRUSTED_PROXIES"] == address, name  # the sign-in throttle


def test_secrets_come_from_the_env_file_and_must_be_set(compose):
    example = (DEPLOY / "env.example").read_text(encoding="utf-8")
    names = set(re.findall(r"^([A-Z_]+)=", example, flags=re.MULTILINE))
    text = (DEPLOY / "docker-compose.yml").read_text(encoding="utf-8")
    required = set(re.findall(r"\$\{([A-Z_]+):\?", text))
    assert required == {"POSTGRES_PASSWORD", "REGIOMONITOR_COOKIE_SECRET"}
    assert required | set(re.findall(r"\$\{([A-Z_]+):-", text)) <= names
    assert {"REGIOMONITOR_PORT", "REGIOMONITOR_SERVER_NAMES"} <= names
    with pytest.raises(KeyError, match="POSTGRES_PASSWORD"):  # compose refuses to start without it
        interpolate(text, {"REGIOMONITOR_COOKIE_SECRET": "x"})
    for name, spec in replicas(compose).items():  # every replica signs cookies with the one secret
        assert spec["environment"][local.COOKIE_SECRET_ENV] == ENV["REGIOMONITOR_COOKIE_SECRET"], name


def test_the_image_is_built_from_the_repository_with_its_requirements():
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert "pip install --no-cache-dir -r requirements.txt" in dockerfile
    assert f"EXPOSE {nginx.COMPOSE_PORT}" in dockerfile
    assert re.search(r"^USER (?!root)\w+", dockerfile, flags=re.MULTILINE)  # the app does not run as root
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8").split()
    assert "data" in ignored and ".git" in ignored  # official files never go into an image
