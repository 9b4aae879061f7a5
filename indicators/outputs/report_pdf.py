"""The Landrat's one-page PDF: the summary of :mod:`indicators.outputs.report` with a chart and a map.

PDF fonts: the PDF embeds a Unicode TrueType font (DejaVu Sans) when one is found (``$REGIOMONITOR_PDF_FONT_DIR``
or the usual system font folders), so status icons (✔ ≈ ✖) print as on screen. Without one it falls back to
fpdf2's built-in Helvetica, which only knows Latin-1: German umlauts and ß stay, everything else is
transliterated (``≈`` → ``[~]``, ``✔`` → ``[OK]``, ``–`` → ``-``, ``„“`` → ``"``), so the report never fails
for want of a font. Status is always written as text next to the icon; nothing relies on colour.

Accessibility: fpdf2 2.8 writes the document language, title, bookmarks for the headings and a structure tree
in which the chart and the map are figures with alternative text. It does not tag headings and paragraphs as
such (no full PDF/UA); the page itself (HTML) is the accessible version, and the PDF says where to find it.
"""

from __future__ import annotations

import io
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

#: Characters outside Latin-1 that the built-in PDF fonts cannot show, and what is printed instead.
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


def find_unicode_font() -> Path | None:
    """Folder holding DejaVu Sans regular and bold, or ``None``."""
    candidates = [settings.get(FONT_DIR_ENV)] + list(FONT_DIRS)
    for folder in candidates:
        if folder and all((Path(folder) / f).is_file() for f in FONT_FILES):
            return Path(folder)
    return None


def latin1(text: str) -> str:
    """``text`` for the built-in Latin-1 fonts: umlauts stay, other characters are transliterated."""
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


def landrat_pdf(summary: LandratSummary, font_dir: Path | None | bool = True) -> bytes:
    """The Landrat page as an A4 portrait PDF, black-and-white friendly.

    ``font_dir``: ``True`` looks for DejaVu Sans (:func:`find_unicode_font`), a path uses that folder,
    ``None``/``False`` forces the built-in Helvetica with transliteration.
    """
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    folder = find_unicode_font() if font_dir is True else (Path(font_dir) if font_dir else None)
    unicode_font = folder is not None
    t = (lambda s: s) if unicode_font else latin1
    demo_text = "DEMODATEN – synthetische Werte, keine amtlichen Zahlen"

    class _Report(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font(family, "", 7.5)
            left = f"RegioMonitor · {summary.kreis_name} ({summary.ags}) · erstellt am {summary.created_text}"
            if summary.demo:
                left = "DEMODATEN · " + left
            self.cell(0, 5, t(left), align="L")
            self.set_x(self.l_margin)
            self.cell(0, 5, t(f"Seite {self.page_no()}/{{nb}}"), align="R")

    pdf = _Report(orientation="portrait", unit="mm", format="A4")
    pdf.set_lang("de-DE")
    pdf.set_title(t(summary.title))
    pdf.set_author("RegioMonitor")
    pdf.set_creator("RegioMonitor")
    if unicode_font:
        family = "DejaVu"
        pdf.add_font(family, "", str(folder / FONT_FILES[0]))
        pdf.add_font(family, "B", str(folder / FONT_FILES[1]))
    else:
        family = "helvetica"
    pdf.set_margins(15, 10, 15)
    pdf.set_auto_page_break(True, margin=11)
    pdf.add_page()
    full_width = pdf.epw
    width = full_width
    map_bottom = 0.0  # text beside the map is narrower; below it, full width again

    def text_width() -> float:
        return full_width if pdf.get_y() >= map_bottom else width

    def heading(text: str, size: float = 10.5) -> None:
        pdf.ln(1)
        pdf.start_section(t(text), level=0)
        pdf.set_font(family, "B", size)
        pdf.multi_cell(width, 5, t(text), new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.set_draw_color(0)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + width, pdf.get_y())
        pdf.ln(1.5)

    def paragraph(text: str, size: float = 8.0, style: str = "", height: float = 3.8) -> None:
        pdf.set_font(family, style, size)
        pdf.multi_cell(text_width(), height, t(text), new_x="LMARGIN", new_y="NEXT", align="L")

    def bullet(text: str, size: float = 7.6) -> None:
        pdf.set_font(family, "", size)
        pdf.cell(4, 3.5, t("–" if unicode_font else "-"))
        pdf.multi_cell(text_width() - 4, 3.5, t(text), new_x="LMARGIN", new_y="NEXT", align="L")

    if summary.demo:
        pdf.set_font(family, "B", 12)
        pdf.set_line_width(0.8)
        pdf.cell(width, 7, t(demo_text), border=1, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_line_width(0.2)
        pdf.ln(2)

    pdf.set_font(family, "B", 14)
    pdf.multi_cell(width, 7, t(summary.title), new_x="LMARGIN", new_y="NEXT", align="L")
    paragraph(
        f"Kreis {summary.kreis_name} (AGS {summary.ags}), {summary.land_name} · Jahr {summary.year} · "
        f"Vergleichsgruppe: {summary.peer_label} ({summary.n_peers} Kreise) · Stand: {summary.created_text}",
        size=9,
    )

    heading("Kennzahlen")
    pdf.set_font(family, "", 7.2)
    header = ("Kennzahl", "Wert", "Veränderung", "Vergleichsgruppe", f"Land {summary.land_name}".strip())
    bold = FontFace(emphasis="BOLD")
    with pdf.table(
        col_widths=(38, 16, 46, 42, 38),
        text_align=("LEFT", "RIGHT", "LEFT", "LEFT", "LEFT"),
        headings_style=bold,
        line_height=3.2,
        padding=0.7,
        borders_layout="HORIZONTAL_LINES",
    ) as table:
        head = table.row()
        for cell in header:
            head.cell(t(cell))
        for r in summary.headline:
            row = table.row()
            row.cell(t(f"{r.label}\n{r.assessment_icon} {r.assessment_label}"))
            row.cell(t(f"{r.value_text}\n({r.year})" if r.year else r.value_text), style=bold)
            since = f"seit {r.year - 5}" if r.year else "5 Jahre"
            row.cell(t(f"Vorjahr: {r.compact_change('1y')}\n{since}: {r.compact_change('5y')}"))
            row.cell(t(f"Median {r.median_text}\nKreis {r.compact_comparison('median')}\n{r.rank_text}"))
            row.cell(t(f"{r.land_text}\nKreis {r.compact_comparison('land')}"))

    paragraph(
        "Veränderung und Abstand in Prozentpunkten (Pp.) bzw. in der Einheit der Kennzahl; "
        "in Klammern, ob das für den Kreis günstig ist (Polarität der Kennzahl).",
        size=7,
        height=3.5,
    )

    footer = f"Quelle: {'; '.join(summary.sources[:2])}{' u. a.' if len(summary.sources) > 2 else ''} · Stand: {summary.data_stand}"
    if summary.trends:
        pdf.ln(1.5)
        chart = figures.trend_svg(
            summary.trends,
            summary.kreis_name,
            f"Entwicklung: {summary.kreis_name} und Median der Vergleichsgruppe ({summary.peer_label})",
            footer,
        )
        pdf.image(
            io.BytesIO(t(figures.for_pdf(chart, family)).encode("utf-8")),
            x=pdf.l_margin,
            w=full_width,
            h=full_width * figures.TREND_HEIGHT / 900,
            alt_text=t(trend_alt_text(summary)),
        )
    top = pdf.get_y()
    if summary.region_map is not None:
        width = full_width - 54
        map_svg = figures.region_map_svg(summary.region_map, f"© GeoBasis-DE / BKG {summary.created.year} · {footer}")
        pdf.image(
            io.BytesIO(t(figures.for_pdf(map_svg, family)).encode("utf-8")),
            x=pdf.l_margin + width + 4,
            y=top + 3,
            w=50,
            h=50 * 430 / 420,
            alt_text=t(f"Karte: {summary.region_map.title}. {summary.region_map.legend}"),
        )
        pdf.set_y(top)
        map_bottom = top + 56

    heading("Zielvereinbarungen")
    targets = summary.targets
    if targets.total == 0:
        paragraph("Für diesen Kreis sind keine Zielvereinbarungen erfasst.")
    else:
        paragraph(f"{targets.total} Ziele: {targets.count_text()}", style="B")
        if targets.missed:
            paragraph("Verfehlte Ziele:")
            for line in targets.missed:
                bullet(line.sentence)
        else:
            paragraph("Kein Ziel ist verfehlt.")

    heading("Stärken und Schwächen im Vergleich")
    paragraph(f"Günstigste Positionen in der Vergleichsgruppe ({summary.peer_label}):", style="B")
    for item in summary.strengths or ():
        bullet(f"{prio_icon(item)} {item.explanation}")
    if not summary.strengths:
        bullet("keine Position günstiger als der Median")
    paragraph("Ungünstigste Positionen:", style="B")
    for item in summary.weaknesses or ():
        bullet(f"{prio_icon(item)} {item.explanation}")
    if not summary.weaknesses:
        bullet("keine Position ungünstiger als der Median")
    paragraph(
        f"Handlungsschwerpunkte (ungünstig und verschlechtert): {summary.n_priorities} Indikatoren "
        "(RegioMonitor › Handlungsschwerpunkte).",
        size=7.6,
    )

    width = full_width
    if summary.region_map is not None and pdf.page == 1:
        pdf.set_y(max(pdf.get_y(), map_bottom))
    heading("Quellen, Stand und Lizenz", size=9.5)
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
    paragraph(" ".join(parts), size=6.8, height=3.1)
    return bytes(pdf.output())


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
