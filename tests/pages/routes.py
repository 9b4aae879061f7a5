"""The pages the router (``app.py``'s ``st.navigation``) offers, found by running the app, not from a hand list.

A test that lists pages by hand misses the page added next month. Here the app runs once in AppTest with
``st.navigation`` wrapped, and the pages it is handed are recorded: their file, title and URL path.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"


@dataclass(frozen=True)
class Route:
    file: str  # relative to the repository root, as AppTest.switch_page wants it
    title: str
    url_path: str  # "" for the default page


def _route(page) -> Route:
    # StreamlitPage keeps the page it runs in ``_page`` (a Path for file pages); there is no public accessor.
    target = getattr(page, "_page", None)
    if not isinstance(target, Path):
        raise AssertionError(f"page {page.title!r} is not a file page; the smoke test cannot open it")
    return Route(str(target.resolve().relative_to(ROOT)), page.title, page.url_path)


def _flatten(pages) -> list:
    if isinstance(pages, dict):
        return [p for group in pages.values() for p in group]
    return list(pages)


def discover(monkeypatch, warehouse: Path, userdata: Path, **params: str) -> tuple[AppTest, list[Route]]:
    """Run the app once (on ``warehouse``, with URL ``params``); the app and the pages its router declared."""
    declared: list = []
    navigation = st.navigation

    def recording(pages, *args, **kwargs):
        declared[:] = _flatten(pages)
        return navigation(pages, *args, **kwargs)

    monkeypatch.setattr(st, "navigation", recording)
    monkeypatch.setenv("REGIOMONITOR_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("REGIOMONITOR_USERDATA", str(userdata))
    at = AppTest.from_file(str(APP), default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    assert declared, "app.py declared no pages through st.navigation"
    return at, [_route(p) for p in declared]
