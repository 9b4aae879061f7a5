"""Every page the router declares renders without an exception, found from ``app.py`` rather than a hand list.

Each page is opened in one AppTest session after the other, as a user clicks through the navigation: on the demo
warehouse, on the warehouse built from the official files, in meeting mode, and in the set-up state without data.
"""

from __future__ import annotations

import pytest

from tests.pages.routes import ROOT, discover


def failures_on_every_page(monkeypatch, warehouse, userdata, **params) -> dict[str, list[str]]:
    at, routes = discover(monkeypatch, warehouse, userdata, **params)
    failures = {}
    for route in routes:
        at.switch_page(route.file)
        at.run()
        if at.exception:
            failures[route.file] = [e.value for e in at.exception]
    return failures


def test_every_page_file_is_reachable_through_the_router(demo_warehouse, tmp_path, monkeypatch):
    _, with_data = discover(monkeypatch, demo_warehouse, tmp_path / "ud.sqlite")
    _, without_data = discover(monkeypatch, tmp_path / "leer", tmp_path / "ud.sqlite")
    routed = {r.file for r in with_data} | {r.file for r in without_data}
    folders = {(ROOT / f).parent for f in routed}
    assert len(folders) == 1, f"the screens live in one folder: {folders}"
    [folder] = folders
    files = {p.relative_to(ROOT).as_posix() for p in folder.glob("*.py") if not p.name.startswith("_")}
    assert routed == files, "every screen file is reachable through the router"
    assert len(with_data) >= 11, "the benchmarking, steering and data pages"
    assert [r.url_path for r in with_data].count("") == 1, "exactly one default page"


@pytest.mark.parametrize("mode", [{}, {"modus": "sitzung"}], ids=["normal", "sitzungsmodus"])
def test_every_routed_page_renders_on_demo_data(demo_warehouse, tmp_path, monkeypatch, mode):
    assert failures_on_every_page(monkeypatch, demo_warehouse, tmp_path / "ud.sqlite", **mode) == {}


def test_every_routed_page_renders_without_a_warehouse(tmp_path, monkeypatch):
    monkeypatch.setenv("REGIOMONITOR_RAW", str(tmp_path / "raw"))
    assert failures_on_every_page(monkeypatch, tmp_path / "leer", tmp_path / "ud.sqlite") == {}


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.parametrize("mode", [{}, {"modus": "sitzung"}], ids=["normal", "sitzungsmodus"])
def test_every_routed_page_renders_on_the_real_warehouse(real_warehouse, tmp_path, monkeypatch, mode):
    params = {"kreis": "15087", "jahr": "2023", "gruppe": "land", **mode}
    assert failures_on_every_page(monkeypatch, real_warehouse, tmp_path / "ud.sqlite", **params) == {}
