"""Every environment setting has one home (indicators/settings.py) and one row in README's settings table."""

from __future__ import annotations

import re
from pathlib import Path

from indicators import settings

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ["app.py", "serve.py", "app_pages", "ui", "indicators"]


def product_sources():
    for entry in PRODUCT:
        path = ROOT / entry
        yield from ([path] if path.is_file() else sorted(path.rglob("*.py")))


def test_only_the_settings_module_reads_the_environment():
    readers = [
        p.relative_to(ROOT).as_posix() for p in product_sources() if re.search(r"os\.environ|getenv", p.read_text())
    ]
    assert readers == ["indicators/settings.py"]


def test_every_setting_named_in_the_code_is_declared_and_every_declared_one_is_used():
    named = set()
    for path in product_sources():
        if path.name != "settings.py":
            named |= set(re.findall(r"REGIOMONITOR_[A-Z_]+", path.read_text()))
    assert named == {s.name for s in settings.SETTINGS}


def test_readme_lists_every_setting_with_its_default():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `(REGIOMONITOR_[A-Z_]+)` \| ([^|]+) \|", readme, re.M))
    assert set(rows) == {s.name for s in settings.SETTINGS}
    for s in settings.SETTINGS:
        assert rows[s.name].strip() == (f"`{s.default}`" if s.default else "–"), s.name


def test_unset_or_blank_gives_the_default_and_a_value_is_trimmed():
    assert settings.get("REGIOMONITOR_HOME_KREIS", {}) == "15087"
    assert settings.get("REGIOMONITOR_HOME_KREIS", {"REGIOMONITOR_HOME_KREIS": "  "}) == "15087"
    assert settings.get("REGIOMONITOR_HOME_KREIS", {"REGIOMONITOR_HOME_KREIS": " 01001 "}) == "01001"
    assert settings.switched_on("REGIOMONITOR_ALLOW_IMPORT", {})  # on unless switched off
    assert not settings.switched_on("REGIOMONITOR_ALLOW_IMPORT", {"REGIOMONITOR_ALLOW_IMPORT": "0"})
    assert not settings.switched_on("REGIOMONITOR_METRICS", {})
    assert settings.switched_on("REGIOMONITOR_METRICS", {"REGIOMONITOR_METRICS": "1"})
