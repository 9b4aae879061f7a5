"""Two replicas behind nginx on one PostgreSQL: edits of the same targets through both lose nothing.

Four browser sessions drive the real Ziele page over Streamlit's websocket (the same messages a browser sends:
the page, its query string, the typed value and the click on "Änderungen speichern"), two pinned to each replica
by their route cookie; each first signs in with its own editor account in the sidebar form. First each session edits alone, one after the other (twice round), each on the version
the other replica has just written; then all four load the page, wait for each other and save at once, round after round,
two sessions from different replicas on each target. Afterwards the history in PostgreSQL is read directly and
compared with what the sessions were told: every edit a session saw accepted is in it, with its value, author
and version, every version follows the one before without a gap, and in each simultaneous round exactly one
save per target won while the other got the German conflict message and wrote nothing.
"""

from __future__ import annotations

import asyncio
import os
import re
import time

import psycopg
import pytest

from deploy import local
from indicators import accounts
from indicators.domain.targets import Target
from indicators.userdata import UserData
from tests.deploy_support import AppSession, cookies_per_replica, require_nginx
from tests.userdata_postgres import postgres_server, postgres_url  # noqa: F401 - fixtures

pytestmark = pytest.mark.slow

KREIS = "15087"
QUERY = {"kreis": KREIS}
ROUNDS = 4
PASSWORD = "pruefer-geheim-2026"


@pytest.fixture
def cluster(postgres_url, demo_warehouse, tmp_path):  # noqa: F811 - fixture
    require_nginx()
    path = tmp_path / "konten.toml"
    for n in range(1, 5):  # editors who sign in with name and password (FAST: few hash rounds, for the test)
        accounts.set_password(path, f"pruefer{n}", PASSWORD, "editor", iterations=1_000)
    env = dict(os.environ)
    env[local.DATABASE_URL_ENV] = postgres_url
    env[local.ACCOUNTS_ENV] = str(path)
    env.pop("REGIOMONITOR_USERDATA", None)
    with local.Cluster(2, warehouse=demo_warehouse, run_dir=tmp_path / "betrieb", env=env) as running:
        yield running


class Person:
    """One person at one replica, editing one target through the page."""

    def __init__(self, session: AppSession, name: str, replica: str, target_id: int):
        self.session, self.name, self.replica, self.target_id = session, name, replica, target_id
        self.form = None  # (version shown, widget ids) of the last page load

    async def sign_in(self) -> None:
        """Name and password in the sidebar's sign-in form, as a person types them."""
        run = await self.session.run("ziele", QUERY)
        values = run.submit("anmeldung_name", {"anmeldung_name": self.name, "anmeldung_password": PASSWORD})
        run = await self.session.run("ziele", QUERY, values)
        assert any(f"Angemeldet: **{self.name}**" in text for text in run.texts), run.alerts

    async def load(self) -> int:
        """Open the Ziele page; returns the version the edit form of the target shows."""
        run = await self.session.run("ziele", QUERY)
        assert not run.exceptions, run.exceptions
        pattern = re.compile(rf"ziel{self.target_id}v(\d+)_submit")
        key = next(k for k in run.widgets if pattern.fullmatch(k))
        self.form = (int(pattern.fullmatch(key).group(1)), key, run)
        return self.form[0]

    async def save(self, value: str) -> tuple[str, int]:
        """Type ``value`` as Zielwert and save; returns ("gespeichert", new version) or ("konflikt", shown version)."""
        version, button, shown = self.form
        field = button.replace("_submit", "_target_value")
        values = shown.submit(button, {field: value})
        run = await self.session.run("ziele", QUERY, values)
        assert not run.exceptions, run.exceptions
        saved = [a for a in run.alerts if a.startswith(f"Ziel Nr. {self.target_id} gespeichert")]
        refused = [a for a in run.alerts if "Konflikt" in a and f"„{value}“" in a]
        assert len(saved) + len(refused) == 1, (self.name, value, run.alerts)
        if saved:
            return "gespeichert", int(re.search(r"Version (\d+)", saved[0]).group(1))
        assert "inzwischen" in refused[0] and "nicht gespeichert" in refused[0], refused[0]
        return "konflikt", version


def german(number: float) -> str:
    return f"{number:.2f}".replace(".", ",")


async def drive(cluster: local.Cluster, targets: list[int]) -> tuple[list[dict], list[dict], list[tuple]]:
    cookies = cookies_per_replica(cluster)
    (first, a), (second, b) = sorted(cookies.items())
    plan = [
        (a[0], first, targets[0]),
        (b[0], second, targets[0]),
        (a[1], first, targets[1]),
        (b[1], second, targets[1]),
    ]
    accepted, rounds = [], []
    sessions = [AppSession(cluster.url, cookie) for cookie, _, _ in plan]
    for session in sessions:
        await session.__aenter__()
    try:
        editors = [
            Person(s, f"pruefer{n + 1}", replica, target)
            for n, (s, (_, replica, target)) in enumerate(zip(sessions, plan, strict=True))
        ]

        for editor in editors:
            await editor.sign_in()

        # 1. one after the other, twice round: each save builds on the version the other replica has just written
        for step, editor in enumerate(editors * 2):
            version = await editor.load()
            value = german(10 + step + 0.25)
            outcome, new_version = await editor.save(value)
            assert (outcome, new_version) == ("gespeichert", version + 1), editor.name
            accepted.append(
                {
                    "target": editor.target_id,
                    "value": value,
                    "by": editor.name,
                    "version": new_version,
                    "replica": editor.replica,
                }
            )

        # 2. all at once: everybody loads, then everybody saves on what they loaded
        for r in range(ROUNDS):
            shown = await asyncio.gather(*(e.load() for e in editors))
            values = [german(20 + r + n / 100) for n in range(len(editors))]
            outcomes = await asyncio.gather(*(e.save(v) for e, v in zip(editors, values, strict=True)))
            rounds.append({"shown": shown, "outcomes": outcomes, "editors": editors, "values": values})
            for editor, value, (outcome, version) in zip(editors, values, outcomes, strict=True):
                if outcome == "gespeichert":
                    accepted.append(
                        {
                            "target": editor.target_id,
                            "value": value,
                            "by": editor.name,
                            "version": version,
                            "replica": editor.replica,
                        }
                    )
    finally:
        for session in sessions:
            await session.__aexit__(None, None, None)
    return accepted, rounds, plan


def test_concurrent_edits_through_two_replicas_lose_nothing(cluster, postgres_url):  # noqa: F811 - fixture
    ud = UserData(postgres_url)
    targets = [
        ud.add_target(Target(None, KREIS, "alq", 8.0, 2030), "Vorbereitung").id,
        ud.add_target(Target(None, KREIS, "jugend_alq", 9.0, 2030), "Vorbereitung").id,
    ]
    accepted, rounds, plan = asyncio.run(drive(cluster, targets))

    # in every simultaneous round, per target: both saw the same version, exactly one won, with the next version
    for r in rounds:
        for target in targets:
            mine = [
                (e, s, o)
                for e, s, o in zip(r["editors"], r["shown"], r["outcomes"], strict=True)
                if e.target_id == target
            ]
            assert len({e.replica for e, _, _ in mine}) == 2  # contenders at different replicas
            assert len({s for _, s, _ in mine}) == 1
            winners = [o for _, _, o in mine if o[0] == "gespeichert"]
            assert len(winners) == 1 and winners[0][1] == mine[0][1] + 1, mine

    # the database, read directly: every accepted edit is there, nothing else, no version skipped
    with psycopg.connect(postgres_url) as conn:
        for target in targets:
            rows = conn.execute(
                "SELECT version, changed_by, old, new FROM target_history WHERE target_id = %s ORDER BY version",
                (target,),
            ).fetchall()
            mine = sorted((a for a in accepted if a["target"] == target), key=lambda a: a["version"])
            assert [row[0] for row in rows] == list(range(1, len(mine) + 2))  # version 1 = created
            for row, edit in zip(rows[1:], mine, strict=True):
                assert row[0] == edit["version"] and row[1] == edit["by"]
                assert float(_value(row[3])) == float(edit["value"].replace(",", "."))
            for before, after in zip(rows, rows[1:], strict=False):  # each write started from the version before it
                assert _value(after[2]) == _value(before[3])
            stored = conn.execute("SELECT target_value, version FROM targets WHERE id = %s", (target,)).fetchone()
            assert stored == (float(mine[-1]["value"].replace(",", ".")), mine[-1]["version"])
    by_replica = {a["replica"] for a in accepted}
    assert len(by_replica) == 2  # both replicas wrote

    # and each session's websocket really went to its replica (nginx's log: one line per closed websocket)
    seen: dict[str, str] = {}
    for _ in range(100):
        streams = [line for line in cluster.access_log.read_text().splitlines() if '"GET /_stcore/stream' in line]
        seen = {re.search(r"route=(\S+)", s).group(1): re.search(r"upstream=(\S+)", s).group(1) for s in streams}
        if all(cookie in seen for cookie, _, _ in plan):
            break
        time.sleep(0.3)
    assert {cookie: seen.get(cookie) for cookie, _, _ in plan} == {cookie: replica for cookie, replica, _ in plan}


def _value(snapshot) -> float | None:
    """target_value out of a history snapshot (JSON text or dict)."""
    import json

    data = json.loads(snapshot) if isinstance(snapshot, str) else snapshot
    return None if data is None else data["target_value"]
