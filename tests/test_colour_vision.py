"""The map's colours and the status tones stay apart for colour-blind viewers; status never hangs on colour alone.

Colour vision deficiency is simulated with the matrices of Machado, Oliveira and Fernandes (2009, IEEE TVCG 15(6),
table of pre-computed matrices; severity 1.0 = dichromacy), applied to linear RGB. Differences are CIEDE2000
(Sharma, Wu and Dalal 2005), implemented here and checked against the published test pairs of that paper. Nothing
here shares code with ui/: the colours come from the app, the yardstick from these papers.

Thresholds (ΔE00; about 1 is just noticeable side by side under ideal conditions):

* **10 between classes that mean different things**: favourable vs unfavourable, "no value" vs any value the
  scale can produce, the home Kreis's outline vs any fill and the Länder borders, and the three status tones. These
  must be told apart at a glance, on a projector that washes colours out.
* **10 between neighbouring classes of the legend** (five boxes per scale): a map reader matches a polygon to a
  legend box across the screen, not side by side. ColorBrewer's five-class schemes, made for exactly this, keep
  about that step (Blues 5: smallest step 10.8, asserted below as the yardstick).
"""

from __future__ import annotations

import math
import re
from itertools import combinations
from pathlib import Path

import pandas as pd
import pytest

from indicators.domain import benchmark, forecast, targets
from ui import choropleth, components

ROOT = Path(__file__).resolve().parents[1]

#: Machado et al. (2009), severity 1.0, for linear RGB.
MACHADO = {
    "protanopia": (
        (0.152286, 1.052583, -0.204868),
        (0.114503, 0.786281, 0.099216),
        (-0.003882, -0.048116, 1.051998),
    ),
    "deuteranopia": (
        (0.367322, 0.860646, -0.227968),
        (0.280085, 0.672501, 0.047413),
        (-0.011820, 0.042940, 0.968881),
    ),
    "tritanopia": (
        (1.255528, -0.076749, -0.178779),
        (-0.078411, 0.930809, 0.147602),
        (0.004733, 0.691367, 0.303900),
    ),
}
VISIONS = ("normal", *MACHADO)
APART = 10.0


def channels(colour) -> tuple[int, int, int]:
    if isinstance(colour, str):
        return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return tuple(int(c) for c in colour[:3])


def linear(c: float) -> float:
    c /= 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def seen(colour, vision: str) -> tuple[float, float, float]:
    """CIELAB (D65) of an sRGB colour as a viewer with ``vision`` sees it."""
    rgb = [linear(c) for c in channels(colour)]
    if vision != "normal":
        rgb = [min(1.0, max(0.0, sum(m * c for m, c in zip(row, rgb, strict=True)))) for row in MACHADO[vision]]
    r, g, b = rgb
    x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047
    y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b
    z = (0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def ciede2000(lab1, lab2) -> float:
    """ΔE00 after Sharma, Wu and Dalal (2005), equations 1-22 (kL = kC = kH = 1)."""
    (l1, a1, b1), (l2, a2, b2) = lab1, lab2
    c_bar = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_bar**7 / (c_bar**7 + 25**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = math.degrees(math.atan2(b2, a2p)) % 360 if c2p else 0.0
    dl, dc = l2 - l1, c2p - c1p
    dh = 0.0
    if c1p * c2p:
        dh = h2p - h1p
        dh = dh - 360 if dh > 180 else dh + 360 if dh < -180 else dh
    d_h = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dh / 2))
    l_bar, cp_bar = (l1 + l2) / 2, (c1p + c2p) / 2
    if not c1p * c2p:
        h_bar = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        h_bar = (h1p + h2p) / 2
    else:
        h_bar = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    t = (
        1
        - 0.17 * math.cos(math.radians(h_bar - 30))
        + 0.24 * math.cos(math.radians(2 * h_bar))
        + 0.32 * math.cos(math.radians(3 * h_bar + 6))
        - 0.20 * math.cos(math.radians(4 * h_bar - 63))
    )
    rotation = 30 * math.exp(-(((h_bar - 275) / 25) ** 2))
    rc = 2 * math.sqrt(cp_bar**7 / (cp_bar**7 + 25**7))
    sl = 1 + 0.015 * (l_bar - 50) ** 2 / math.sqrt(20 + (l_bar - 50) ** 2)
    sc, sh = 1 + 0.045 * cp_bar, 1 + 0.015 * cp_bar * t
    rt = -math.sin(math.radians(2 * rotation)) * rc
    return math.sqrt((dl / sl) ** 2 + (dc / sc) ** 2 + (d_h / sh) ** 2 + rt * (dc / sc) * (d_h / sh))


def difference(one, other, vision: str) -> float:
    return ciede2000(seen(one, vision), seen(other, vision))


def too_close(pairs, threshold: float = APART) -> list[str]:
    """Every (name, colour, colour) pair that some vision sees closer than ``threshold``."""
    return [
        f"{name} {vision}: ΔE00 {difference(a, b, vision):.1f}"
        for name, a, b in pairs
        for vision in VISIONS
        if difference(a, b, vision) < threshold
    ]


# -- the yardstick ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("lab1", "lab2", "expected"),
    [  # Sharma, Wu and Dalal (2005), table 1: pairs 1, 7, 13, 17, 25, 34
        ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
        ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
        ((50.0, 2.49, -0.001), (50.0, -2.49, 0.0009), 7.1792),
        ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
        ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
        ((2.0776, 0.0795, -1.135), (0.9033, -0.0636, -0.5514), 0.9082),
    ],
)
def test_ciede2000_gives_the_published_differences(lab1, lab2, expected):
    assert ciede2000(lab1, lab2) == pytest.approx(expected, abs=1e-4)


def test_the_simulation_leaves_greys_grey_and_confuses_red_with_green():
    """Machado's rows sum to one (white stays white); red and green, far apart normally, merge for the red-green
    deficiencies but not for tritanopia."""
    for vision in MACHADO:
        assert difference("#808080", "#808080", "normal") == 0
        assert seen("#ffffff", vision) == pytest.approx((100.0, 0.0, 0.0), abs=0.05)
    red, green = "#d62728", "#2ca02c"
    assert difference(red, green, "normal") > 40
    assert difference(red, green, "deuteranopia") < APART
    assert difference(red, green, "protanopia") < difference(red, green, "normal") / 2
    assert difference(red, green, "tritanopia") > 30


def test_neighbouring_classes_of_colorbrewer_blues_differ_by_the_threshold():
    blues = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"]
    assert min(difference(a, b, "normal") for a, b in zip(blues, blues[1:], strict=False)) >= APART


# -- the map ----------------------------------------------------------------------------------------------------
LOW, MEDIAN, HIGH = 2.0, 5.0, 20.0  # a skewed indicator: the scale runs from the median to each end


def fill(value: float | None, polarity: int) -> list[int]:
    return components.diverging_colour(value, MEDIAN, LOW, HIGH, polarity)


def legend(polarity: int) -> list[tuple[int, int, int]]:
    """The colour boxes of the map legend as the page draws them (ui/choropleth.legend_html)."""
    drawn = str(choropleth.legend_html({"min": LOW, "median": MEDIAN, "max": HIGH}, "%", polarity))
    return [tuple(int(c) for c in m) for m in re.findall(r"background:rgb\((\d+),(\d+),(\d+)\)", drawn)]


def every_fill(polarity: int, steps: int = 100) -> list[list[int]]:
    """Colours the scale can give a Kreis, sampled finely from minimum to maximum."""
    return [fill(LOW + (HIGH - LOW) * i / steps, polarity) for i in range(steps + 1)]


@pytest.mark.parametrize("polarity", [-1, 1])
def test_favourable_and_unfavourable_stay_apart(polarity):
    """The two ends, and each pair of Kreise equally far from the median on either side (a quarter, half, three
    quarters and all of the way to the end)."""
    favourable_end, unfavourable_end = (fill(HIGH, polarity), fill(LOW, polarity))[:: 1 if polarity > 0 else -1]
    assert favourable_end == components.rgb(components.FAVOURABLE)
    assert unfavourable_end == components.rgb(components.UNFAVOURABLE)
    pairs = [("Enden", components.FAVOURABLE, components.UNFAVOURABLE)]
    for share in (0.25, 0.5, 0.75, 1.0):
        up, down = fill(MEDIAN + share * (HIGH - MEDIAN), polarity), fill(MEDIAN - share * (MEDIAN - LOW), polarity)
        pairs.append((f"{share:.0%} des Wegs", up, down))
    assert too_close(pairs) == []


@pytest.mark.parametrize("polarity", [-1, 1, 0], ids=["niedriger-besser", "hoeher-besser", "kontext"])
def test_neighbouring_legend_classes_stay_apart(polarity):
    boxes = legend(polarity)
    assert len(boxes) == 5
    assert (
        too_close([(f"Klasse {i + 1}/{i + 2}", a, b) for i, (a, b) in enumerate(zip(boxes, boxes[1:], strict=False))])
        == []
    )


def test_no_value_looks_like_no_value_at_all():
    """Grey (no value) against every colour either scale can give; the map and its picture use that grey."""
    no_value = fill(None, -1)
    assert (
        choropleth.colour_features(
            [{"type": "Feature", "properties": {"ags": "15087"}, "geometry": None}],
            pd.DataFrame({"region": [], "value": [], "value_label": []}),
            {},
            "%",
            -1,
            {"median": None},
        )[0]["properties"]["fill"]
        == no_value
    )
    pairs = [("kein Wert", no_value, c) for polarity in (-1, 0) for c in every_fill(polarity)]
    assert too_close(pairs) == []


def test_the_home_outline_stands_out_from_every_fill_and_the_laender_borders():
    feature = {"type": "Feature", "properties": {"ags": "15087"}, "geometry": None}
    layers = {layer.id: layer for layer in choropleth.deck([feature], [feature], feature).layers}
    outline, borders = layers["heimatkreis"].get_line_color, layers["laender"].get_line_color
    fills = [c for polarity in (-1, 0) for c in every_fill(polarity)] + [fill(None, -1)]
    pairs = [("Umriss/Fläche", outline, c) for c in fills] + [("Umriss/Landesgrenze", outline, borders)]
    assert too_close(pairs) == []


# -- status --------------------------------------------------------------------------------------------------------
def test_the_three_status_tones_stay_apart():
    background = components.BADGE_BACKGROUND
    css = str(components.PRINT_CSS)
    for code, colour in background.items():
        assert re.search(rf"\.rm-{code}\b[^{{]*\{{background:{colour};", css), code
    tones = {"günstig": background["guenstig"], "Warnung/Mitte": background["mittel"]}
    tones["ungünstig"] = background["unguenstig"]
    assert too_close([(f"{a}/{b}", tones[a], tones[b]) for a, b in combinations(tones, 2)]) == []


def distinct_signs(table: dict[str, tuple[str, str]]) -> None:
    """Every status has its own icon and its own words."""
    icons = [icon for icon, _ in table.values()]
    labels = [label for _, label in table.values()]
    assert all(i.strip() for i in icons) and all(w.strip() for w in labels), table
    assert len(set(icons)) == len(icons) and len(set(labels)) == len(labels), table


def test_every_status_has_an_icon_and_words_of_its_own():
    distinct_signs(targets.STATUS_TEXT)
    distinct_signs({code: (icon, label) for code, (label, icon, _tone) in targets._TRAJECTORY.items()})
    distinct_signs({code: (a.icon, a.label) for code, a in benchmark.ASSESSMENTS.items()})
    distinct_signs({code: (forecast.ODDS_ICON[code], forecast.ODDS_TEXT[code]) for code in forecast.ODDS_TONE})
    badge = str(components.badge("unguenstig", "▼", "ungünstigstes Viertel"))
    assert "▼ ungünstigstes Viertel" in badge


#: Where a tone picks a colour in the UI, and what carries the status besides the colour there.
TONE_SITES = {
    "ui/insight.py": "icon=CODE_ICON[…] on the alert and the verdict's sentence",
    "ui/insight.py#odds": "odds_text(): ODDS_ICON and the label inside the alert text",
    "ui/target_widgets.py": "components.badge(): icon and label inside the badge",
}


def test_where_a_tone_picks_a_colour_the_status_is_also_in_icon_and_words():
    """grep for tone-to-colour maps in ui/ and app_pages/: each one is known and shows an icon with the text."""
    found = []
    for path in sorted([*ROOT.glob("ui/*.py"), *ROOT.glob("app_pages/*.py"), ROOT / "app.py"]):
        lines = path.read_text(encoding="utf-8").splitlines()
        for n, line in enumerate(lines):
            if re.search(r"\{\s*\"positive\":\s*(st\.\w+|\"[a-z]+\")", line):  # to an alert or a CSS class
                found.append((path.relative_to(ROOT).as_posix(), n, lines))
    assert {site for site, _, _ in found} == {k.split("#")[0] for k in TONE_SITES}, found
    for site, n, lines in found:
        nearby = "\n".join(lines[n : n + 3])
        if "st." in lines[n]:  # an alert chosen by tone: shown with an icon, or with a text that starts with one
            assert "icon=" in nearby or "odds_text(" in nearby, f"{site}:{n + 1} shows a tone by colour alone"
        else:  # the badge classes of ui/target_widgets.py
            assert "status_badge" in "\n".join(lines[n : n + 30]) and "components.badge(" in "\n".join(lines)
