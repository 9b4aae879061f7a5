"""The environment settings of RegioMonitor in one place: the name, default and meaning of each.

Modules ask :func:`get` or :func:`switched_on` instead of reading ``os.environ`` themselves, so the table in
README (printed by ``python -m indicators settings``) and the code cannot drift apart, and a test can hand in
its own environment. Streamlit's own settings (``STREAMLIT_*``) are Streamlit's and are not listed here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    meaning: str


SETTINGS: tuple[Setting, ...] = (
    Setting("REGIOMONITOR_WAREHOUSE", "data/warehouse", "folder of the warehouse (rebuilt from the official files)"),
    Setting("REGIOMONITOR_RAW", "data/raw", "folder where the official files are dropped and read from"),
    Setting("REGIOMONITOR_SNAPSHOTS_KEEP", "5", "how many dated warehouse snapshots are kept"),
    Setting("REGIOMONITOR_USERDATA", "", "SQLite file of the user data (empty: `data/userdata/regiomonitor.sqlite`)"),
    Setting("REGIOMONITOR_DATABASE_URL", "", "`postgresql://` URL: the user data in PostgreSQL instead of SQLite"),
    Setting("REGIOMONITOR_ACCOUNTS", "", "sign-in accounts file (empty: `accounts.toml` beside the SQLite file)"),
    Setting("REGIOMONITOR_REQUIRE_LOGIN", "0", "`1`: reading needs a sign-in too (editing always does)"),
    Setting("REGIOMONITOR_TRUSTED_PROXIES", "", "comma-separated proxy addresses whose `X-Forwarded-For` is believed"),
    Setting("REGIOMONITOR_ALLOW_IMPORT", "1", "`0`: the import page is closed for everybody"),
    Setting("REGIOMONITOR_HOME_KREIS", "15087", "AGS of the Kreis the app opens on"),
    Setting("REGIOMONITOR_FRAME_ANCESTORS", "", "space-separated origins that may show the app in a frame"),
    Setting("REGIOMONITOR_METRICS", "0", "`1`: Streamlit's `/_stcore/metrics` is served"),
    Setting("REGIOMONITOR_ONLINE_BASEMAP", "0", "`1`: the map loads CARTO's light basemap from the internet"),
    Setting("REGIOMONITOR_PDF_FONT_DIR", "", "folder with DejaVu Sans for the PDF (else the system's fonts)"),
)
BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}


def get(name: str, environ: Mapping[str, str] | None = None) -> str:
    """The setting's value, or its default when unset or blank (a blank value is never meant literally)."""
    setting = BY_NAME[name]
    environ = os.environ if environ is None else environ
    return (environ.get(name) or "").strip() or setting.default


def switched_on(name: str, environ: Mapping[str, str] | None = None) -> bool:
    """Switches are ``1`` (on) or anything else (off)."""
    return get(name, environ) == "1"


def external(name: str, environ: Mapping[str, str] | None = None) -> str:
    """A variable that another tool defines (kaleido's ``BROWSER_PATH``): read here too, so that this module
    stays the only reader of the environment."""
    environ = os.environ if environ is None else environ
    return (environ.get(name) or "").strip()


def markdown_table() -> str:
    """README's settings table."""
    rows = ["| setting | default | what it does |", "|---|---|---|"]
    rows += [f"| `{s.name}` | {f'`{s.default}`' if s.default else '–'} | {s.meaning} |" for s in SETTINGS]
    return "\n".join(rows)
