"""The Landrat summary and its PDF: same numbers as the store, missed targets by name, readable without colour."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from indicators.domain import benchmark
from indicators.domain import formatting as fmt
from indicators.domain.targets import Target
from indicators.outputs import report, report_pdf
from indicators.warehouse.store import Store
from tests.conftest import skip_or_fail

HOME = "15087"
YEAR = 2023
TODAY = dt.date(2024, 3, 5)


def _latest(store: Store, indicator: str, home: str, year: int) -> tuple[int, float]:
    """The store's latest value of ``home`` up to ``year``, asked directly (not via the profile)."""
    series = store.series(indicator, [home]).dropna(subset=["value"])
    series = series[series["year"] <= year]
    row = series.sort_values("year").iloc[-1]
    return int(row["year"]), float(row["value"])


def _assessments(store: Store, targets: list[Target], home: str, year: int) -> list[report.TargetAssessment]:
    meta = store.indicators().set_index("id")
    out = []
    for t in targets:
        s = store.series(t.indicator, [home])
        out.append(
            report.assess_target(t, zip(s["year"], s["value"], strict=True), meta.loc[t.indicator].to_dict(), year)
        )
    return out


def _summary(store: Store, targets: list[Target], home: str = HOME, year: int = YEAR) -> report.LandratSummary:
    districts = store.districts()
    meta = store.indicators()
    profile = benchmark.enrich_profile(store.profile(home, list(districts["ags"]), year), meta)
    kreis = districts.set_index("ags").loc[home]
    return report.landrat_summary(
        profile,
        _assessments(store, targets, home, year),
        meta,
        kreis_name=kreis["display_name"],
        ags=home,
        land_name=kreis["land_name"],
        year=year,
        peer_label="Alle Kreise",
        n_peers=len(districts),
        demo=store.is_demo,
        built_at=store.manifest.get("built_at"),
        gebietsstand=store.manifest.get("gebietsstand", ""),
        today=TODAY,
    )


def _text(pdf: bytes) -> tuple[str, PdfReader]:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return " ".join(text.split()), reader


def _targets(store: Store) -> list[Target]:
    """One missed target (far below the latest value), one reached, one narrowly missed."""
    _, jugend = _latest(store, "jugend_alq", HOME, YEAR)
    _, quote = _latest(store, "beschaeftigtenquote", HOME, YEAR)
    _, alq = _latest(store, "alq", HOME, YEAR)
    return [
        Target(1, HOME, "jugend_alq", round(jugend / 2, 1), 2027, tolerance=0.5),
        Target(2, HOME, "beschaeftigtenquote", round(quote - 5, 1), 2026),
        Target(3, HOME, "alq", round(alq - 0.1, 2), 2026, tolerance=0.5),
    ]


@pytest.fixture(scope="module")
def demo_store(demo_warehouse) -> Store:
    return Store(demo_warehouse)


# --- pure wording -----------------------------------------------------------------------------------


def test_change_and_comparison_wording_follow_polarity():
    assert report.change_text(0.4, "%", "schlechter", 2022) == "+0,4 Pp. seit 2022 – verschlechtert"
    assert report.change_text(-0.4, "%", "besser", None) == "-0,4 Pp. – verbessert"
    assert report.change_text(0.0, "%", "unverändert", 2018) == "±0,0 Pp. seit 2018 – unverändert"
    assert report.change_text(None, "%", "keine Angabe", 2018) == "kein Wert für 2018"  # never "unverändert"
    assert report.change_text(None, "%", "keine Angabe", None) == "–"
    assert report.comparison_text(9.9, 5.0, "%", -1, "dem Median") == "4,9 Pp. über dem Median – ungünstiger"
    assert report.comparison_text(9.9, 5.0, "%", 1, "dem Median") == "4,9 Pp. über dem Median – günstiger"
    assert report.comparison_text(3.0, 5.0, "%", 0, "dem Landeswert") == "2,0 Pp. unter dem Landeswert – ohne Wertung"
    assert report.comparison_text(5.02, 5.0, "%", -1, "dem Median") == "gleichauf mit dem Median"


def test_latin1_transliteration_keeps_umlauts():
    assert (
        report_pdf.latin1("Südharz ✔ erreicht ≈ knapp – „Ziel“ ≤ 6 € ›")
        == 'Südharz [OK] erreicht [~] knapp - "Ziel" <= 6 EUR >'
    )
    assert report_pdf.latin1("✖ verfehlt ● ◐ ○ ▲ ▼").encode("latin-1")


def test_assess_target_uses_latest_value_up_to_the_year():
    target = Target(1, HOME, "alq", 6.0, 2027, tolerance=0.5)
    series = [(2019, 8.0), (2020, 7.5), (2021, 7.0), (2022, float("nan")), (2023, 6.3), (2024, 5.0)]
    a = report.assess_target(target, series, {"label": "ALQ", "unit": "%", "polarity": -1, "topic": "T"}, 2023)
    assert (a.latest_year, a.latest_value) == (2023, 6.3)
    assert a.status.code == "knapp_verfehlt" and a.missed
    assert a.trajectory.code == "auf_kurs"
    later = report.assess_target(target, series, {"label": "ALQ", "unit": "%", "polarity": -1}, 2024)
    assert later.status.code == "erreicht" and not later.missed
    none = report.assess_target(target, [], {"label": "ALQ", "unit": "%", "polarity": -1}, 2023)
    assert none.status.code == "keine_bewertung" and none.latest_value is None


def test_target_summary_counts_and_missed_first():
    meta = {"unit": "%", "polarity": -1}
    items = [
        report.assess_target(Target(1, HOME, "a", 5.0, 2027), [(2023, 4.0)], meta | {"label": "A erreicht"}, 2023),
        report.assess_target(
            Target(2, HOME, "b", 5.0, 2027, tolerance=1), [(2023, 5.5)], meta | {"label": "B knapp"}, 2023
        ),
        report.assess_target(Target(3, HOME, "c", 5.0, 2027), [(2023, 9.0)], meta | {"label": "C verfehlt"}, 2023),
        report.assess_target(
            Target(4, HOME, "d", 5.0, 2027), [(2023, 9.0)], {"label": "D Kontext", "polarity": 0}, 2023
        ),
    ]
    summary = report.summarise_targets(items)
    assert summary.counts == {"verfehlt": 1, "knapp_verfehlt": 1, "erreicht": 1, "keine_bewertung": 1}
    assert [line.label for line in summary.missed] == ["C verfehlt", "B knapp"]
    assert summary.missed[0].sentence.startswith("✖ verfehlt: C verfehlt – Ziel 2027: ≤ 5,0 %, Ist 9,0 % (2023)")
    assert [a.label for a in report.display_order(items)] == ["C verfehlt", "B knapp", "A erreicht", "D Kontext"]
    assert "✖ verfehlt: 1" in summary.count_text() and "– keine Bewertung: 1" in summary.count_text()


def test_tolerance_text():
    assert report.tolerance_text(Target(None, HOME, "a", 6.0, 2027, tolerance=0.5), "%") == "0,5 Pp."
    relative = Target(None, HOME, "a", 60.0, 2027, tolerance=0.05, tolerance_kind="relativ")
    assert report.tolerance_text(relative, "%") == "5,0 % des Zielwerts (= 3,0 Pp.)"
    assert report.tolerance_text(Target(None, HOME, "a", 6.0, 2027), "%") == "keine"


# --- summary on the demo warehouse ------------------------------------------------------------------


def test_summary_holds_the_store_values(demo_store):
    summary = _summary(demo_store, _targets(demo_store))
    assert [r.indicator for r in summary.headline] == report.default_headline(demo_store.indicators())
    assert {r.indicator for r in summary.headline} == {
        "alq",
        "jugend_alq",
        "mindestsicherungsquote",
        "schulabg_ohne_hsa",
        "beschaeftigtenquote",
    }
    for row in summary.headline:
        year, value = _latest(demo_store, row.indicator, HOME, YEAR)
        assert (row.year, row.value) == (year, value)
        assert row.value_text == fmt.value(value, row.unit)
        assert row.land == pytest.approx(demo_store.value(HOME[:2], row.indicator, year))
    assert summary.targets.counts == {"verfehlt": 1, "knapp_verfehlt": 1, "erreicht": 1, "keine_bewertung": 0}
    assert [line.indicator for line in summary.targets.missed] == ["jugend_alq", "alq"]
    assert len(summary.strengths) == 3 and len(summary.weaknesses) == 3
    assert all(i.polarity != 0 for i in summary.strengths + summary.weaknesses)
    assert summary.demo and summary.created_text == "05.03.2024"
    assert summary.sources and summary.licences


def test_summary_with_chosen_headline_and_missing_indicator(demo_store):
    districts = demo_store.districts()
    meta = demo_store.indicators()
    profile = benchmark.enrich_profile(demo_store.profile(HOME, list(districts["ags"]), YEAR), meta)
    summary = report.landrat_summary(
        profile[profile["indicator"] != "alq"],
        [],
        meta,
        kreis_name="X",
        ags=HOME,
        land_name="L",
        year=YEAR,
        peer_label="P",
        n_peers=1,
        headline_ids=["alq", "jugend_alq", "gibt_es_nicht"],
        today=TODAY,
    )
    assert [r.indicator for r in summary.headline] == ["alq", "jugend_alq"]
    assert summary.headline[0].value_text == "keine Daten" and summary.targets.total == 0


# --- PDF ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fonts", ["unicode", "core"])
def test_pdf_text_holds_name_values_and_missed_targets(demo_store, fonts):
    if fonts == "unicode" and report_pdf.find_unicode_font() is None:
        pytest.skip("no DejaVu Sans on this system; the core-font variant covers the fallback")
    summary = _summary(demo_store, _targets(demo_store))
    pdf = report_pdf.landrat_pdf(summary, font_dir=True if fonts == "unicode" else None)
    assert pdf.startswith(b"%PDF")
    text, reader = _text(pdf)
    assert len(reader.pages) == 1  # one page for the Landrat
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 portrait
    assert "Mansfeld-Südharz" in text and "AGS 15087" in text
    for row in summary.headline:
        _, value = _latest(demo_store, row.indicator, HOME, YEAR)
        assert fmt.value(value, row.unit) in text
    for line in summary.targets.missed:
        assert line.label in text
    assert "DEMODATEN" in text and "05.03.2024" in text
    if fonts == "unicode":
        assert "✖ verfehlt" in text and "≈ knapp verfehlt" in text
    else:
        assert "[X] verfehlt" in text and "[~] knapp verfehlt" in text


def test_pdf_without_targets_says_so(demo_store):
    text, _ = _text(report_pdf.landrat_pdf(_summary(demo_store, [])))
    assert "keine Zielvereinbarungen erfasst" in text


def test_pdf_page_renders_to_png(demo_store, tmp_path):
    if shutil.which("pdftoppm") is None:
        skip_or_fail("pdftoppm (Debian package poppler-utils) not installed")
    pdf = tmp_path / "lagebild.pdf"
    pdf.write_bytes(report_pdf.landrat_pdf(_summary(demo_store, _targets(demo_store))))
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "seite")], check=True
    )
    png = tmp_path / "seite-1.png"
    assert png.stat().st_size > 10_000


def test_pdf_on_real_data_carries_licence_and_store_values(real_warehouse):
    store = Store(real_warehouse)
    summary = _summary(store, [])
    text, _ = _text(report_pdf.landrat_pdf(summary))
    assert (
        "Datenlizenz Deutschland – Namensnennung – Version 2.0" in text
        or "Datenlizenz Deutschland - Namensnennung - Version 2.0" in text
    )
    assert "DEMODATEN" not in text
    year, value = _latest(store, "alq", HOME, YEAR)
    assert fmt.value(value, "%") in text and f"({year})" in text


# --- figures in the PDF ---------------------------------------------------------------------------------


def _with_figures(summary):
    import dataclasses

    trends = tuple(
        report.Trend(ind, label, "%", ((2021, 10.0, 6.0), (2022, 9.5, 5.8), (2023, 9.9, None)))
        for ind, label in (("alq", "Arbeitslosenquote"), ("jugend_alq", "Jugend-ALQ"), ("x", "Dritte"))
    )
    square = lambda x0, y0: (((x0, y0), (x0 + 1, y0), (x0 + 1, y0 + 1), (x0, y0 + 1), (x0, y0)),)  # noqa: E731
    region = report.RegionMap(
        "Arbeitslosenquote 2023 in Sachsen-Anhalt",
        (("15087", square(11.0, 51.4), (179, 88, 6), True), ("15002", square(12.0, 51.4), (33, 102, 172), False)),
        "Legende: Blau = günstiger",
    )
    return dataclasses.replace(summary, trends=trends, region_map=region)


def test_pdf_carries_chart_and_map_as_tagged_figures_on_one_page(demo_store):
    summary = _with_figures(_summary(demo_store, _targets(demo_store)))
    pdf = report_pdf.landrat_pdf(summary)
    text, reader = _text(pdf)
    assert len(reader.pages) == 1
    root = reader.trailer["/Root"]
    assert str(root["/Lang"]).startswith("de")
    assert "/StructTreeRoot" in root and "/MarkInfo" in root
    from tests.test_report_pdf_ua import struct_elements

    figures = [e for e in struct_elements(reader) if e["S"] == "/Figure"]
    assert len(figures) == 2 and all(f["Alt"] for f in figures)
    # the chart's alternative text says what it shows, with first and last value of the Kreis
    alt = report_pdf.trend_alt_text(summary)
    assert "Arbeitslosenquote: 10,0 % (2021) bis 9,9 % (2023)" in alt
    assert "Median 5,8 %" not in alt  # the median of the last year with a Kreis value is missing: not invented
    assert "Mansfeld-Südharz" in text  # the table stays on the page beside the figures


def test_figures_name_title_source_and_stand_and_escape_foreign_text():
    from indicators.outputs import figures

    trend = report.Trend("a", "Quote <b>&", "%", ((2020, 1.0, 2.0), (2021, 1.5, 2.0)))
    svg = figures.trend_svg([trend], "Kreis & Co", "Titel", "Quelle: Test · Stand: 01.01.2024")
    assert "Titel" in svg and "Quelle: Test · Stand: 01.01.2024" in svg
    assert "<b>" not in svg and "Quote &lt;b&gt;&amp;" in svg and "Kreis &amp; Co" in svg
    import xml.dom.minidom

    xml.dom.minidom.parseString(svg)  # well-formed


def test_figure_texts_fit_their_picture_in_dejavu_sans():
    """Long labels (real INKAR names) are set smaller instead of running past the picture's edge, where the PDF
    cuts them off, or into the next panel. Measured with DejaVu's own advance widths (fontTools), not with the
    estimate the figures use."""
    import xml.etree.ElementTree as ET

    from fontTools.ttLib import TTFont

    from indicators.outputs import figures

    folder = report_pdf.find_unicode_font()
    if folder is None:
        pytest.skip("no DejaVu Sans on this system to measure with")
    fonts = {}
    for weight, file in (("normal", "DejaVuSans.ttf"), ("bold", "DejaVuSans-Bold.ttf")):
        font = TTFont(folder / file)
        fonts[weight] = (font.getBestCmap(), font["hmtx"], font["head"].unitsPerEm)

    def extent(node) -> tuple[float, float]:
        cmap, hmtx, upm = fonts[node.get("font-weight")]
        width = sum(hmtx[cmap[ord(c)]][0] for c in node.text) / upm * float(node.get("font-size"))
        x = float(node.get("x"))
        return {"start": (x, x + width), "end": (x - width, x), "middle": (x - width / 2, x + width / 2)}[
            node.get("text-anchor")
        ]

    long = "Arbeitslosenquote (alle zivilen Erwerbspersonen)"
    trends = [
        report.Trend("a", long, "%", ((1998, 20.0, 15.0), (2023, 9.9, 5.0))),
        report.Trend("b", "Jugendarbeitslosenquote (15 bis unter 25 Jahre)", "%", ((2008, 17.0, 9.0),)),
        report.Trend("c", "Beschäftigtenquote", "%", ((1997, 45.0, 50.0), (2021, 64.8, 64.2))),
    ]
    source = "Quelle: BBSR INKAR (Zusammenstellung GERDA): gerda_county_covariates_inkar_1995-2022, Stand 2024"
    square = (((11.0, 51.4), (12.0, 51.4), (12.0, 52.4), (11.0, 52.4), (11.0, 51.4)),)
    region = report.RegionMap(
        f"{long} 2023 in Sachsen-Anhalt",
        (("15087", square, (179, 88, 6), True),),
        f"{long} 2023: Farbe zentriert auf den Median 5,0 %\nBlau = günstiger (niedriger), Orange = ungünstiger; "
        "rot umrandet: Mansfeld-Südharz",
    )
    for svg in (
        figures.trend_svg(trends, "Mansfeld-Südharz", f"Entwicklung: {long}", source),
        figures.region_map_svg(region, f"© GeoBasis-DE / BKG 2026 · {source}"),
    ):
        root = ET.fromstring(svg)
        width = float(root.get("width"))
        texts = [n for n in root.iter("{http://www.w3.org/2000/svg}text")]
        for node in texts:
            left, right = extent(node)
            assert 0 <= left and right <= width, (node.text, left, right, width)
        labels = sorted(extent(n) for n in texts if n.get("font-weight") == "bold" and n.text.endswith("(%)"))
        assert all(a[1] < b[0] for a, b in itertools.pairwise(labels)), labels  # panel labels do not overlap
