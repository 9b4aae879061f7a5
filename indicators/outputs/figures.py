"""The Landrat's figures as plain SVG: the trend of the three headline indicators and the map of the Kreis's Land.

Pure functions, no plotting library: the same SVG goes into the PDF (WeasyPrint draws SVG as vectors) and can be
downloaded. Title, source and Stand are part of the picture; every text is XML-escaped. A text too long for its
room is set smaller (down to :data:`MIN_SIZE`) instead of running over the edge, where the picture ends.
"""

from __future__ import annotations

import math
from xml.sax.saxutils import escape

from indicators.domain import formatting as fmt
from indicators.outputs.report import RegionMap, Trend

HOME = "#b2182b"
TREND_HEIGHT = 196
MEDIAN = "#222222"
FONT = "font-family='DejaVu Sans, Helvetica, Arial, sans-serif'"


#: Average advance of DejaVu Sans in em (regular, bold), measured over our German labels and sources (0.52-0.56
#: and 0.59-0.62), with some room to spare: what a text of ``n`` characters needs.
EM_WIDTH = {"normal": 0.6, "bold": 0.68}
MIN_SIZE = 5.0


def fitted_size(text: str, size: float, room: float, weight: str = "normal") -> float:
    """``size``, or smaller so that ``text`` fits into ``room`` pixels (never below :data:`MIN_SIZE`)."""
    need = len(text) * size * EM_WIDTH[weight]
    return size if need <= room else max(MIN_SIZE, room / (len(text) * EM_WIDTH[weight]))


def _text(
    x: float,
    y: float,
    text: str,
    size: float = 11,
    anchor: str = "start",
    weight: str = "normal",
    room: float | None = None,
) -> str:
    if room is not None:
        size = fitted_size(text, size, room, weight)
    return (
        f"<text x='{x:.1f}' y='{y:.1f}' {FONT} font-size='{size:.3g}' text-anchor='{anchor}' font-weight='{weight}' "
        f"fill='#111111'>{escape(text)}</text>"
    )


def _frame(width: int, height: int, title: str, footer: str, body: list[str]) -> str:
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' viewBox='0 0 {width} {height}'>"
        f"<rect width='{width}' height='{height}' fill='#ffffff'/>"
        + _text(8, 18, title, 14, weight="bold", room=width - 16)
        + "".join(body)
        + _text(8, height - 8, footer, 9, room=width - 16)
        + "</svg>"
    )


def _panel(trend: Trend, x0: float, y0: float, w: float, h: float, room: float) -> list[str]:
    """One indicator's panel; ``room`` is the width its label may take (up to the next panel)."""
    points = [(y, k, m) for y, k, m in trend.points]
    values = [v for _, k, m in points for v in (k, m) if v is not None]
    label = trend.label + (f" ({trend.unit})" if trend.unit else "")
    out = [_text(x0, y0 - 8, label, 10, weight="bold", room=room)]
    out.append(f"<rect x='{x0}' y='{y0}' width='{w}' height='{h}' fill='none' stroke='#999999' stroke-width='0.6'/>")
    if not values or len(points) < 1:
        return out + [_text(x0 + w / 2, y0 + h / 2, "keine Werte", 10, "middle")]
    lo, hi = min(values), max(values)
    pad = (hi - lo) * 0.08 or abs(hi) * 0.05 or 1.0
    lo, hi = lo - pad, hi + pad
    years = [y for y, _, _ in points]
    first, last = min(years), max(years)

    def px(year: int) -> float:
        return x0 + (w / 2 if first == last else (year - first) / (last - first) * w)

    def py(value: float) -> float:
        return y0 + h - (value - lo) / (hi - lo) * h

    for column, colour, dash, width in ((2, MEDIAN, "5,3", 1.4), (1, HOME, "", 2.4)):
        line = [(px(p[0]), py(p[column])) for p in points if p[column] is not None]
        if len(line) == 1:
            out.append(f"<circle cx='{line[0][0]:.1f}' cy='{line[0][1]:.1f}' r='3' fill='{colour}'/>")
        elif line:
            coords = " ".join(f"{a:.1f},{b:.1f}" for a, b in line)
            dashes = f" stroke-dasharray='{dash}'" if dash else ""
            out.append(f"<polyline points='{coords}' fill='none' stroke='{colour}' stroke-width='{width}'{dashes}/>")
    unit = trend.unit
    out.append(_text(x0 - 3, y0 + 9, fmt.value(hi, unit, with_unit=False), 8, "end"))
    out.append(_text(x0 - 3, y0 + h, fmt.value(lo, unit, with_unit=False), 8, "end"))
    out.append(_text(x0, y0 + h + 12, str(first), 8))
    if last != first:
        out.append(_text(x0 + w, y0 + h + 12, str(last), 8, "end"))
    return out


def trend_svg(trends: list[Trend] | tuple[Trend, ...], kreis_name: str, title: str, footer: str) -> str:
    """Small multiples: one panel per indicator, the Kreis (solid red) against the peers' median (dashed)."""
    width, height = 900, TREND_HEIGHT
    n = max(1, len(trends))
    gap, left = 60, 52
    w = (width - left - gap * (n - 1) - 16) / n
    body = []
    for i, trend in enumerate(trends):
        body += _panel(trend, left + i * (w + gap), 48, w, 92, w + (gap - 12 if i < n - 1 else 12))
    body.append(f"<line x1='{left}' y1='168' x2='{left + 24}' y2='168' stroke='{HOME}' stroke-width='2.4'/>")
    body.append(_text(left + 30, 172, kreis_name, 9))
    body.append(
        f"<line x1='{left + 220}' y1='168' x2='{left + 244}' y2='168' stroke='{MEDIAN}' stroke-width='1.4' "
        "stroke-dasharray='5,3'/>"
    )
    body.append(_text(left + 250, 172, "Median der Vergleichsgruppe", 9))
    return _frame(width, height, title, footer, body)


def region_map_svg(region: RegionMap, footer: str) -> str:
    """The Land's Kreise, coloured; the home Kreis outlined in red. Equirectangular, scaled by cos(latitude)."""
    width, height = 420, 430
    rings = [pt for _, shape, _, _ in region.shapes for ring in shape for pt in ring]
    if not rings:
        return _frame(width, height, region.title, footer, [_text(20, 200, "keine Geometrie", 11)])
    lat0 = sum(p[1] for p in rings) / len(rings)
    k = math.cos(math.radians(lat0))
    xs = [p[0] * k for p in rings]
    ys = [p[1] for p in rings]
    box = (10, 30, width - 20, height - 90)
    scale = min(box[2] / ((max(xs) - min(xs)) or 1), box[3] / ((max(ys) - min(ys)) or 1))

    def project(lon: float, lat: float) -> str:
        return f"{box[0] + (lon * k - min(xs)) * scale:.1f},{box[1] + (max(ys) - lat) * scale:.1f}"

    body, home = [], []
    for _, shape, fill, is_home in region.shapes:
        colour = "#{:02x}{:02x}{:02x}".format(*fill)
        for ring in shape:
            points = " ".join(project(lon, lat) for lon, lat in ring)
            body.append(f"<polygon points='{points}' fill='{colour}' stroke='#ffffff' stroke-width='0.6'/>")
            if is_home:
                home.append(f"<polygon points='{points}' fill='none' stroke='{HOME}' stroke-width='2.6'/>")
    legend = [
        _text(10, height - 62 + 12 * i, line, 9, room=width - 20)
        for i, line in enumerate(region.legend.split("\n")[:3])
    ]
    return _frame(width, height, region.title, footer, body + home + legend)
