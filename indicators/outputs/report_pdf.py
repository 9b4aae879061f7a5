"""The Landrat's one-page PDF: the summary of :mod:`indicators.outputs.report` with a chart and a map.

Accessible PDF (PDF/UA-1): the page is written as HTML and printed by WeasyPrint with ``pdf_variant="pdf/ua-1"``,
which tags what the HTML says: the title is ``H1``, the sections ``H2``, text ``P``, the bullet lists ``L``/``LI``,
the table of Kennzahlen ``Table``/``THead``/``TR``/``TH``/``TD``, the chart and the map ``Figure`` with
alternative text that names the indicators, the Kreis and the years. The reading order is the order of the HTML
(banner, title, table, chart, map, targets, strengths, sources, footer). Catalog and metadata carry language
``de-DE``, ``/MarkInfo /Marked true``, the title (``dc:title`` in XMP) and ``/DisplayDocTitle``, so a viewer
shows the title, not the file name. Borders and backgrounds are marked as artefacts.

Every text that is not ours (Kreis names, labels, units, sources, notes) is HTML-escaped in :func:`_el`; images
are ``data:`` addresses made here; the URL fetcher loads nothing else except the font files (no network, no
other file), so a label can neither add markup nor make the renderer fetch anything.

Fonts: DejaVu Sans is embedded when found (``$REGIOMONITOR_PDF_FONT_DIR`` or the usual system font folders), so
status icons (✔ ≈ ✖) print as on screen. Without it (or with ``font_dir=None``) the text is transliterated to
Latin-1 (``≈`` → ``[~]``, ``✔`` → ``[OK]``, ``–`` → ``-``, ``„“`` → ``"``) and set in the system's sans-serif,
so no icon turns into an empty box. Status is always written as text next to the icon; nothing relies on colour.
"""

from __future__ import annotations

import base64
import html
import unicodedata
from pathlib import Path

from indicators import settings
from indicators.domain import formatting as fmt
from indicators.domain import priorities as prio
from indicators.outputs import figures
from indicators.outputs.report import LandratSummary

FONT_DIR_ENV = "REGIOMONITOR_PDF_FONT_DIR"
FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
    "/usr/share/fonts/dejavu-sans-fonts",
    "/usr/local/share/fonts",
    "/Library/Fonts",
    "C:/Windows/Fonts",
)
FONT_FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
#: The family the figures' SVG asks for first (:data:`figures.FONT`): the embedded font answers to it.
FONT_FAMILY = "DejaVu Sans"
DEMO_TEXT = "DEMODATEN – synthetische Werte, keine amtlichen Zahlen"

#: Characters outside Latin-1 that a font without them cannot show, and what is printed instead.
TRANSLITERATION = {
    "✔": "[OK]",
    "≈": "[~]",
    "✖": "[X]",
    "●": "(*)",
    "◐": "(~)",
    "○": "( )",
    "▲": "(+)",
    "▼": "(-)",
    "–": "-",
    "—": "-",
    "−": "-",
    "„": '"',
    "“": '"',
    "”": '"',
    "‚": "'",
    "‘": "'",
    "’": "'",
    "…": "...",
    "≤": "<=",
    "≥": ">=",
    "€": "EUR",
    "›": ">",
    "‹": "<",
    "•": "-",
    "✓": "[OK]",
    "→": "->",
    "↗": "",
    "↘": "",
    "Δ": "Diff.",
    "\u2009": " ",
    "\u202f": " ",
}

#: The page: A4 portrait, black-and-white friendly; the map floats right beside targets and strengths.
CSS = """
@page { size: A4 portrait; margin: 10mm 15mm 16mm 15mm; }
html { font-family: FAMILY; font-size: 8pt; line-height: 1.3; color: #000; }
body { margin: 0; }
h1 { font-size: 14pt; line-height: 1.25; margin: 0 0 1mm 0; }
h2 { font-size: 10.5pt; margin: 2.2mm 0 1.5mm 0; padding-bottom: 0.4mm; border-bottom: 0.2mm solid #000; }
h2.small { font-size: 9.5pt; clear: both; }
p { margin: 0; }
p.lead { font-size: 9pt; }
p.note { font-size: 7pt; margin-top: 0.8mm; }
p.strong { font-weight: bold; }
p.demo { font-size: 12pt; font-weight: bold; text-align: center; border: 0.8mm solid #000;
         padding: 0.8mm; margin-bottom: 2mm; }
p.sources { font-size: 6.8pt; line-height: 1.25; }
ul { margin: 0; padding-left: 4mm; list-style-type: "BULLET"; font-size: 7.6pt; }
table { width: 100%; table-layout: fixed; border-collapse: collapse; font-size: 7.2pt; line-height: 1.22; }
th, td { text-align: left; vertical-align: top; padding: 0.7mm; border-top: 0.2mm solid #000;
         border-bottom: 0.2mm solid #000; }
th { font-weight: bold; }
td.value { text-align: right; font-weight: bold; }
th.value { text-align: right; }
img.chart { display: block; width: 180mm; height: HEIGHTmm; margin-top: 1.5mm; }
img.map { float: right; width: 50mm; height: 51.2mm; margin: 3mm 0 2mm 4mm; }
p.footer { position: fixed; bottom: -10mm; left: 0; right: 0; font-size: 7.5pt; }
p.page { text-align: right; }
p.page::after { content: "Seite " counter(page) "/" counter(pages); }
"""


def find_unicode_font() -> Path | None:
    """Folder holding DejaVu Sans regular and bold, or ``None``."""
    candidates = [settings.get(FONT_DIR_ENV)] + list(FONT_DIRS)
    for folder in candidates:
        if folder and all((Path(folder) / f).is_file() for f in FONT_FILES):
            return Path(folder)
    return None


def latin1(text: str) -> str:
    """``text`` for a font that only knows Latin-1: umlauts stay, other characters are transliterated."""
    out = []
    for ch in text:
        if ch in TRANSLITERATION:
            out.append(TRANSLITERATION[ch])
        elif ord(ch) < 256:
            out.append(ch)
        else:
            plain = unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode("latin-1")
            out.append(plain or "?")
    return "".join(out)


class _Html(str):
    """HTML built by :func:`_el` from our templates and escaped text."""

    __slots__ = ()


def _el(tag: str, *children: object, **attrs: str) -> _Html:
    """``<tag attr="…">children</tag>``: children that are not :class:`_Html` and every attribute are escaped
    (the rule of ``ui/html.py``, here without Streamlit); ``cls`` stands for ``class``."""
    names = {"cls": "class"}
    attributes = "".join(f' {names.get(k, k)}="{html.escape(str(v), quote=True)}"' for k, v in attrs.items())
    body = "".join(c if isinstance(c, _Html) else html.escape(str(c), quote=True) for c in children)
    return _Html(f"<{tag}{attributes}>" if tag == "img" else f"<{tag}{attributes}>{body}</{tag}>")


def _lines(*lines: str) -> _Html:
    """Lines of escaped text separated by line breaks (a table cell of two or three lines)."""
    return _Html("<br>".join(html.escape(line, quote=True) for line in lines))


def _svg_image(svg: str, alt: str, cls: str) -> _Html:
    """The figure as an ``<img>`` with a ``data:`` address: tagged ``Figure`` with ``alt`` as its /Alt."""
    src = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return _el("img", src=src, alt=alt, cls=cls)


def landrat_pdf(summary: LandratSummary, font_dir: Path | None | bool = True) -> bytes:
    """The Landrat page as a tagged (PDF/UA-1) A4 portrait PDF of one page, black-and-white friendly.

    ``font_dir``: ``True`` looks for DejaVu Sans (:func:`find_unicode_font`), a path uses that folder,
    ``None``/``False`` forces the system's sans-serif with Latin-1 transliteration.
    """
    folder = find_unicode_font() if font_dir is True else (Path(font_dir) if font_dir else None)
    unicode_font = folder is not None
    t = (lambda s: s) if unicode_font else latin1
    document = _html(summary, t, unicode_font)
    css = CSS.replace("HEIGHT", f"{180 * figures.TREND_HEIGHT / 900:.1f}")
    css = css.replace("BULLET", "– " if unicode_font else "- ")
    fonts = []
    if unicode_font:
        css = css.replace("FAMILY", f"'{FONT_FAMILY}'")
        for weight, file in zip(("normal", "bold"), FONT_FILES, strict=True):
            fonts.append((folder / file).resolve().as_uri())
            css += f"@font-face {{ font-family: '{FONT_FAMILY}'; font-weight: {weight}; src: url('{fonts[-1]}'); }}\n"
    else:
        css = css.replace("FAMILY", "sans-serif")
    return _render(document.replace("<style></style>", f"<style>{css}</style>", 1), fonts)


def _render(document: str, fonts: list[str]) -> bytes:
    """Print the HTML with WeasyPrint as PDF/UA-1; only ``data:`` images and the font files may be loaded."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    class OnlyOurs(URLFetcher):
        def fetch(self, url, headers=None):
            if not (url.startswith("data:") or url in fonts):
                raise ValueError(f"Der PDF-Bericht lädt nichts von außen nach: {url[:80]}")
            return super().fetch(url, headers)

    return HTML(string=document, url_fetcher=OnlyOurs(allowed_protocols={"data", "file"})).write_pdf(
        pdf_variant="pdf/ua-1"
    )


def _html(summary: LandratSummary, t, unicode_font: bool) -> str:
    """The page in reading order; ``t`` transliterates when the font lacks the icons."""
    body: list[_Html] = []

    def heading(text: str, small: bool = False) -> None:
        body.append(_el("h2", t(text), cls="small") if small else _el("h2", t(text)))

    def paragraph(text: str, cls: str = "") -> None:
        body.append(_el("p", t(text), cls=cls) if cls else _el("p", t(text)))

    def bullets(items: list[str]) -> None:
        body.append(_el("ul", _Html("".join(_el("li", t(item)) for item in items))))

    if summary.demo:
        paragraph(DEMO_TEXT, "demo")
    body.append(_el("h1", t(summary.title)))
    paragraph(
        f"Kreis {summary.kreis_name} (AGS {summary.ags}), {summary.land_name} · Jahr {summary.year} · "
        f"Vergleichsgruppe: {summary.peer_label} ({summary.n_peers} Kreise) · Stand: {summary.created_text}",
        "lead",
    )

    heading("Kennzahlen")
    body.append(_kennzahlen(summary, t))
    paragraph(
        "Veränderung und Abstand in Prozentpunkten (Pp.) bzw. in der Einheit der Kennzahl; "
        "in Klammern, ob das für den Kreis günstig ist (Polarität der Kennzahl).",
        "note",
    )

    footer = f"Quelle: {'; '.join(summary.sources[:2])}{' u. a.' if len(summary.sources) > 2 else ''} · Stand: {summary.data_stand}"
    if summary.trends:
        chart = figures.trend_svg(
            summary.trends,
            summary.kreis_name,
            f"Entwicklung: {summary.kreis_name} und Median der Vergleichsgruppe ({summary.peer_label})",
            footer,
        )
        body.append(_svg_image(t(chart), t(trend_alt_text(summary)), "chart"))
    if summary.region_map is not None:
        map_svg = figures.region_map_svg(summary.region_map, f"© GeoBasis-DE / BKG {summary.created.year} · {footer}")
        body.append(_svg_image(t(map_svg), t(map_alt_text(summary)), "map"))

    heading("Zielvereinbarungen")
    targets = summary.targets
    if targets.total == 0:
        paragraph("Für diesen Kreis sind keine Zielvereinbarungen erfasst.")
    else:
        paragraph(f"{targets.total} Ziele: {targets.count_text()}", "strong")
        if targets.missed:
            paragraph("Verfehlte Ziele:")
            bullets([line.sentence for line in targets.missed])
        else:
            paragraph("Kein Ziel ist verfehlt.")

    heading("Stärken und Schwächen im Vergleich")
    paragraph(f"Günstigste Positionen in der Vergleichsgruppe ({summary.peer_label}):", "strong")
    bullets(
        [f"{prio_icon(item)} {item.explanation}" for item in summary.strengths]
        or ["keine Position günstiger als der Median"]
    )
    paragraph("Ungünstigste Positionen:", "strong")
    bullets(
        [f"{prio_icon(item)} {item.explanation}" for item in summary.weaknesses]
        or ["keine Position ungünstiger als der Median"]
    )
    paragraph(
        f"Handlungsschwerpunkte (ungünstig und verschlechtert): {summary.n_priorities} Indikatoren "
        "(RegioMonitor › Handlungsschwerpunkte)."
    )

    heading("Quellen, Stand und Lizenz", small=True)
    stand = f"Stand: {summary.data_stand}" + (
        f" · Gebietsstand: {summary.gebietsstand}" if summary.gebietsstand else ""
    )
    parts = [stand + "."] + list(summary.notes)
    if summary.sources:
        parts.append("Quellen: " + "; ".join(summary.sources) + ".")
    if summary.licences:
        parts.append("Lizenzen: " + "; ".join(summary.licences) + ".")
    if summary.region_map is not None:
        parts.append(f"Karte: © GeoBasis-DE / BKG {summary.created.year}.")
    paragraph(" ".join(parts), "sources")

    left = f"RegioMonitor · {summary.kreis_name} ({summary.ags}) · erstellt am {summary.created_text}"
    if summary.demo:
        left = "DEMODATEN · " + left
    body.append(_el("p", t(left), cls="footer"))
    body.append(_el("p", "", cls="footer page"))

    head = _el(
        "head",
        _Html('<meta charset="utf-8"><meta name="author" content="RegioMonitor">'),
        _Html('<meta name="generator" content="RegioMonitor">'),
        _el("title", t(summary.title)),
        _Html("<style></style>"),
    )
    return f'<!DOCTYPE html>\n<html lang="de-DE">{head}{_el("body", _Html("".join(body)))}</html>'


def _kennzahlen(summary: LandratSummary, t) -> _Html:
    """The table of headline indicators: a header row (``TH``), then one row per indicator."""
    header = ("Kennzahl", "Wert", "Veränderung", "Vergleichsgruppe", f"Land {summary.land_name}".strip())
    widths = (38, 16, 46, 42, 38)
    head = _el(
        "tr",
        _Html(
            "".join(
                _el("th", t(text), scope="col", style=f"width: {w}mm", **({"cls": "value"} if i == 1 else {}))
                for i, (text, w) in enumerate(zip(header, widths, strict=True))
            )
        ),
    )
    rows = []
    for r in summary.headline:
        since = f"seit {r.year - 5}" if r.year else "5 Jahre"
        cells = (
            _el("td", _lines(t(r.label), t(f"{r.assessment_icon} {r.assessment_label}"))),
            _el("td", _lines(t(r.value_text), f"({r.year})") if r.year else _lines(t(r.value_text)), cls="value"),
            _el("td", _lines(t(f"Vorjahr: {r.compact_change('1y')}"), t(f"{since}: {r.compact_change('5y')}"))),
            _el(
                "td",
                _lines(t(f"Median {r.median_text}"), t(f"Kreis {r.compact_comparison('median')}"), t(r.rank_text)),
            ),
            _el("td", _lines(t(r.land_text), t(f"Kreis {r.compact_comparison('land')}"))),
        )
        rows.append(_el("tr", _Html("".join(cells))))
    return _el("table", _el("thead", head), _el("tbody", _Html("".join(rows))))


def prio_icon(item: prio.PriorityItem) -> str:
    """▲ for a favourable position, ▼ for an unfavourable one (with text in the sentence)."""
    return "▲" if item.percentile > 50 else "▼"


def trend_alt_text(summary: LandratSummary) -> str:
    """What the trend chart shows, in words: first and last value of the Kreis and the median per indicator."""
    parts = []
    for trend in summary.trends:
        known = [(y, k, m) for y, k, m in trend.points if k is not None]
        if not known:
            parts.append(f"{trend.label}: keine Werte")
            continue
        (y0, k0, _), (y1, k1, m1) = known[0], known[-1]
        median = f", Median {fmt.value(m1, trend.unit)}" if m1 is not None else ""
        parts.append(
            f"{trend.label}: {fmt.value(k0, trend.unit)} ({y0}) bis {fmt.value(k1, trend.unit)} ({y1}){median}"
        )
    return f"Liniendiagramm {summary.kreis_name} gegen den Median der Vergleichsgruppe. " + "; ".join(parts) + "."


def map_alt_text(summary: LandratSummary) -> str:
    """What the map shows, in words: indicator, year and Land (its title), the outlined Kreis, the colours."""
    region = summary.region_map
    if region is None:
        return ""
    legend = "; ".join(line.strip() for line in region.legend.split("\n") if line.strip())
    parts = [f"Karte der Kreise: {region.title}."]
    if summary.kreis_name not in legend:
        parts.append(f"Rot umrandet: {summary.kreis_name}.")
    if legend:
        parts.append(legend.rstrip(".") + ".")
    return " ".join(parts)
