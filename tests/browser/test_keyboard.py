"""Keyboard operation (WCAG 2.1.1) and visible focus (WCAG 2.4.7) at 1280x720, without the mouse.

With Tab, Shift+Tab, typing, Enter, Space and the arrow keys a user reaches the Kreis box in the sidebar and
picks another Kreis (the heading follows), switches on meeting mode, and pages through the meeting agenda with
← and → and with the „Zurück“/„Weiter“ buttons. Every control the walk lands on shows where the focus is.

Expected values come from the warehouse files and the catalogue read here with pandas and tomllib: the Kreis
name from ``districts.parquet``, the agenda (headline indicators in the catalogue's order that have a value for
the Kreis up to the year) from ``catalog.toml`` and ``facts.parquet``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pandas as pd
import pytest

from tests.browser.app_server import ARTIFACTS, CONTENT_TIMEOUT_MS, ROOT, running_app, wait_for_app, wait_for_rerun

pytestmark = pytest.mark.browser

HOME, OTHER, YEAR = "15087", "15002", 2023
#: Tab stops the walk may pass before it must have reached its target (the sidebar has about 25).
MAX_TABS = 60
#: Streamlit animates focus styles (CSS transitions): the ring is read once it has settled, and a ring that has not
#: appeared after this long is not there for the user either.
RING_SETTLES_MS = 3_000

#: What the eye sees of the focus: an outline or a box-shadow on the focused element or on a box of its widget
#: (Streamlit draws a select box's frame on a wrapper of its text input), on a box of at least 8x8 px that no
#: smaller clipping box encloses (a toggle's real input sits in a visually hidden 1-px box).
FOCUS_RING = """e => {
  const MIN = 8;
  const small = n => { const r = n.getBoundingClientRect(); return r.width < MIN || r.height < MIN; };
  const clips = n => { const s = getComputedStyle(n);
    return s.overflow !== 'visible' || s.clip !== 'auto' || s.clipPath !== 'none'; };
  const stop = e.closest('[data-testid=stElementContainer]') || e;
  for (let n = e; n; n = n.parentElement) {
    const s = getComputedStyle(n);
    const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
    let hidden = small(n);
    for (let a = n.parentElement; a && !hidden; a = a.parentElement) hidden = clips(a) && small(a);
    if (ring && !hidden) return true;
    if (n === stop) break;
  }
  return false;
}"""

DESCRIBE = """e => [e.tagName.toLowerCase(), e.getAttribute('role') || '', e.getAttribute('aria-label') || '',
  (e.innerText || '').replace(/\\s+/g, ' ').trim().slice(0, 40)].filter(Boolean).join(' ')"""


@pytest.fixture(scope="module")
def server(warehouse, tmp_path_factory):
    with running_app(warehouse, tmp_path_factory.mktemp("ud") / "ud.sqlite") as base:
        yield base


def agenda(warehouse: Path, kreis: str, year: int) -> list[tuple[str, str]]:
    """(id, label) of the headline indicators in the catalogue's order with a value for ``kreis`` up to ``year``:
    the start of the meeting agenda (headline indicators come first, README and ui/meeting.py)."""
    catalogue = tomllib.loads((ROOT / "indicators" / "domain" / "catalog.toml").read_text(encoding="utf-8"))
    facts = pd.read_parquet(warehouse / "facts.parquet", columns=["region", "indicator", "year", "value"])
    mine = facts[(facts["region"] == kreis) & (facts["year"] <= year) & facts["value"].notna()]
    with_value = set(mine["indicator"])
    return [
        (i["id"], i["label"])
        for i in catalogue["indicator"]
        if i.get("headline") and i.get("scale", "ratio") == "ratio" and i["id"] in with_value
    ]


class Keyboard:
    """Moves the focus with the keyboard only and notes every stop that shows no focus."""

    def __init__(self, page):
        self.page = page
        self.unseen: list[str] = []

    def focused(self) -> str:
        return self.page.evaluate(f"() => ({DESCRIBE})(document.activeElement)")

    def look(self) -> None:
        """Note the focused element if it shows no ring."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        try:
            self.page.wait_for_function(f"() => ({FOCUS_RING})(document.activeElement)", timeout=RING_SETTLES_MS)
        except PlaywrightTimeout:
            self.unseen.append(self.focused())

    def tab_to(self, wanted: str, backwards: bool = False) -> None:
        """Tab (or Shift+Tab) until the focused element's description contains ``wanted``."""
        for _ in range(MAX_TABS):
            self.page.keyboard.press("Shift+Tab" if backwards else "Tab")
            self.look()
            if wanted in self.focused():
                return
        pytest.fail(f"{wanted!r} not reached with {MAX_TABS} presses of Tab; last focus: {self.focused()}")


def settle(page) -> None:
    """Wait until nothing is drawn any more: no run indicator, no placeholder, and a moment for charts and the map to
    mount. A Tab pressed while the last elements mount lands on elements that are then replaced, and the focus falls
    back to the document (the walk ends after a few stops) or to the skip link before its style applies."""
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=stSkeleton]') && !document.querySelector('[data-testid=stStatusWidget]')",
        timeout=CONTENT_TIMEOUT_MS,
    )
    page.wait_for_timeout(1_000)


def shown_indicator(page) -> str:
    """The indicator of the meeting-mode key figures under the headline (its bold label)."""
    return page.locator(".st-key-sitzung_leiste strong").first.inner_text()


def wait_for_indicator(page, indicator: str, label: str) -> None:
    wait_for_rerun(page, f"() => new URLSearchParams(location.search).get('indikator') === '{indicator}'")
    page.locator(".st-key-sitzung_leiste strong").filter(has_text=label).first.wait_for(timeout=CONTENT_TIMEOUT_MS)


def test_kreis_meeting_mode_and_agenda_by_keyboard_alone_with_visible_focus(browser, server, warehouse):
    names = pd.read_parquet(warehouse / "districts.parquet").set_index("ags")["display_name"]
    steps = agenda(warehouse, OTHER, YEAR)
    assert len(steps) >= 3 and steps[0][0] == "alq", steps
    page = browser.new_page(locale="de-DE", viewport={"width": 1280, "height": 720})
    keys = Keyboard(page)
    page.goto(f"{server}/?kreis={HOME}&jahr={YEAR}&indikator=alq&gruppe=alle")
    wait_for_app(page)
    heading = page.locator("[data-testid='stMain'] h1").first
    assert heading.inner_text() == f"Kreisprofil: {names[HOME]}"

    # (a) the Kreis box in the sidebar: type part of the name, Enter picks the first match; the page follows
    keys.tab_to("combobox Kreis")
    page.keyboard.type(names[OTHER])
    page.get_by_role("option", name=names[OTHER], exact=False).first.wait_for(timeout=CONTENT_TIMEOUT_MS)
    page.keyboard.press("Enter")
    wait_for_rerun(page, f"() => location.search.includes('kreis={OTHER}')")
    heading.filter(has_text=f"Kreisprofil: {names[OTHER]}").wait_for(timeout=CONTENT_TIMEOUT_MS)

    # (b) meeting mode: the toggle under the selectors, switched with Space
    keys.tab_to("switch Sitzungsmodus")
    page.keyboard.press("Space")
    wait_for_rerun(page, "() => location.search.includes('modus=sitzung')")
    page.locator(".st-key-sitzung_leiste").wait_for(timeout=CONTENT_TIMEOUT_MS)
    assert not page.locator("[data-testid='stSidebar']").is_visible()
    assert shown_indicator(page) == steps[0][1]
    assert heading.inner_text() == f"Kreisprofil: {names[OTHER]}"

    # (c) next and previous on the agenda: the → and ← keys (documented in the toggle's help) ...
    page.keyboard.press("ArrowRight")
    wait_for_indicator(page, *steps[1])
    page.keyboard.press("ArrowRight")
    wait_for_indicator(page, *steps[2])
    page.keyboard.press("ArrowLeft")
    wait_for_indicator(page, *steps[1])
    # ... and the buttons of the control row, reached with Tab and Shift+Tab and pressed with Enter and Space
    keys.tab_to("button Weiter")
    page.keyboard.press("Enter")
    wait_for_indicator(page, *steps[2])
    keys.tab_to("button ◀ Zurück", backwards=True)
    page.keyboard.press("Space")
    wait_for_indicator(page, *steps[1])
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "tastatur_sitzung_1280x720.png"))
    assert heading.inner_text() == f"Kreisprofil: {names[OTHER]}"
    assert f"kreis={OTHER}" in page.url and "modus=sitzung" in page.url

    # (d) every stop of the walk showed where the focus was
    assert keys.unseen == [], f"focus not visible on: {sorted(set(keys.unseen))}"
    page.close()


@pytest.mark.parametrize("meeting", [False, True], ids=["normal", "sitzung"])
@pytest.mark.parametrize("path", ["", "karte", "sitzung"], ids=["profil", "karte", "sitzung"])
def test_every_tab_stop_of_a_page_shows_the_focus(browser, server, path, meeting):
    """Tab through the whole page once (until the focus leaves the document) and look at every stop."""
    page = browser.new_page(locale="de-DE", viewport={"width": 1280, "height": 720})
    page.goto(f"{server}/{path}?kreis={HOME}&jahr={YEAR}&indikator=alq" + ("&modus=sitzung" if meeting else ""))
    wait_for_app(page)
    if path == "karte":
        page.locator("[data-testid=stDeckGlJsonChart] canvas").first.wait_for(timeout=CONTENT_TIMEOUT_MS)
    settle(page)
    keys = Keyboard(page)
    stops = 0
    while stops < 400:
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement === document.body"):
            break
        stops += 1
        keys.look()
    page.close()
    assert stops > 10, "the walk ended before it reached the page"
    assert keys.unseen == [], f"focus not visible on: {sorted(set(keys.unseen))}"
