"""The Landrat PDF is tagged for screen readers (PDF/UA-1), read back by two readers that share no code with the
renderer: pypdf (catalog, XMP metadata, the structure elements and their /Alt) and poppler's
``pdfinfo -struct-text`` (the text that sits inside each structure element, in reading order).

Expected values come from the demo store asked directly, from the figures' data written in
``tests/test_report.py::_with_figures`` (values worked out by hand below) and from the German words of the page.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from indicators.domain import formatting as fmt
from indicators.outputs import report_pdf
from indicators.warehouse.store import Store
from tests.conftest import skip_or_fail
from tests.test_report import HOME, YEAR, _latest, _summary, _targets, _with_figures

KREIS = "Mansfeld-Südharz"  # AGS 15087 (domain.md: the default home Kreis)
TITLE = f"Lagebild Arbeitsmarkt: {KREIS}"
SECTIONS = ["Kennzahlen", "Zielvereinbarungen", "Stärken und Schwächen im Vergleich", "Quellen, Stand und Lizenz"]
HEADER = ["Kennzahl", "Wert", "Veränderung", "Vergleichsgruppe", "Land Sachsen-Anhalt"]


@pytest.fixture(scope="module")
def demo_store(demo_warehouse) -> Store:
    return Store(demo_warehouse)


@pytest.fixture(scope="module", params=["unicode", "core"])
def landrat(request, demo_store, tmp_path_factory):
    """The PDF with chart and map, in both font variants: (summary, path of the PDF)."""
    if request.param == "unicode" and report_pdf.find_unicode_font() is None:
        pytest.skip("no DejaVu Sans on this system; the core-font variant covers the fallback")
    summary = _with_figures(_summary(demo_store, _targets(demo_store)))
    pdf = report_pdf.landrat_pdf(summary, font_dir=True if request.param == "unicode" else None)
    path = tmp_path_factory.mktemp("ua") / f"lagebild_{request.param}.pdf"
    path.write_bytes(pdf)
    return summary, path


def _poppler(*args: str) -> str:
    if shutil.which("pdfinfo") is None:
        skip_or_fail("pdfinfo (Debian package poppler-utils) not installed")
    return subprocess.run(["pdfinfo", *args], check=True, capture_output=True, text=True).stdout


def struct_elements(reader: PdfReader) -> list[dict]:
    """The structure elements in tree order (depth first), each as ``{"S": "/H1", "Alt": …, "depth": n}``."""
    out = []

    def walk(node, depth: int) -> None:
        node = node.get_object()
        if not hasattr(node, "get") or node.get("/Type") not in ("/StructElem", "/StructTreeRoot"):
            return  # a marked-content id or a reference to content
        if node.get("/Type") == "/StructElem":
            out.append({"S": str(node["/S"]), "Alt": node.get("/Alt"), "depth": depth})
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else ([] if kids is None else [kids]):
            walk(kid, depth + 1)

    walk(reader.trailer["/Root"]["/StructTreeRoot"], 0)
    return out


class Node:
    """One element of poppler's structure dump with the text of everything inside it."""

    def __init__(self, tag: str, depth: int):
        self.tag, self.depth, self.children, self.own = tag, depth, [], []

    @property
    def text(self) -> str:
        return " ".join([*self.own, *(c.text for c in self.children)]).strip()

    def find(self, tag: str) -> list[Node]:
        return [n for c in self.children for n in ([c] if c.tag == tag else []) + c.find(tag)]


def poppler_tree(path: Path) -> Node:
    """``pdfinfo -struct-text`` parsed by indentation: element lines (``H1 (block)``, ``TD:``) and quoted text."""
    root = Node("root", -1)
    stack = [root]
    for line in _poppler("-struct-text", str(path)).splitlines():
        depth = (len(line) - len(line.lstrip(" "))) // 2
        body = line.strip()
        if body.startswith('"'):
            stack[-1].own.append(body[1:-1].strip())
            continue
        match = re.match(r"^([A-Za-z][A-Za-z0-9]*)\b", body)
        if not match or body.startswith("/"):
            continue  # attribute lines such as /Headers [...] or /BBox [...]
        while stack[-1].depth >= depth:
            stack.pop()
        node = Node(match.group(1), depth)
        stack[-1].children.append(node)
        stack.append(node)
    return root


def test_catalog_says_tagged_german_ua_with_the_title_as_window_title(landrat):
    summary, path = landrat
    reader = PdfReader(path)
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"].value is True
    assert str(root["/Lang"]) in ("de-DE", "de")
    assert root["/ViewerPreferences"]["/DisplayDocTitle"].value is True
    assert "/StructTreeRoot" in root
    assert reader.xmp_metadata.dc_title == {"x-default": TITLE}
    assert 'pdfuaid:part="1"' in reader.xmp_metadata.stream.get_data().decode("utf-8")  # claims PDF/UA-1
    info = dict(line.split(":", 1) for line in _poppler(str(path)).splitlines() if ":" in line)
    assert info["Pages"].strip() == "1"
    assert info["Tagged"].strip() == "yes"
    assert info["Title"].strip() == TITLE


def test_headings_table_and_lists_are_tagged_in_reading_order(landrat, demo_store):
    summary, path = landrat
    document = poppler_tree(path).children[0]
    assert document.tag == "Document"
    assert [h.text for h in document.find("H1")] == [TITLE]
    assert [h.text for h in document.find("H2")] == SECTIONS
    order = [c.tag for c in document.children]
    # title, table, chart, map, then the sections that follow them on the page
    assert order.index("H1") < order.index("Table") < order.index("Figure")
    assert order.count("Figure") == 2
    assert order.index("Figure") < [i for i, c in enumerate(document.children) if c.text == SECTIONS[1]][0]

    (table,) = document.find("Table")
    assert [th.text for th in table.find("TH")] == HEADER
    body_rows = table.find("TBody")[0].find("TR")
    meta = demo_store.indicators().set_index("id")
    indicators = [r.indicator for r in summary.headline]  # which row holds which: the summary's choice
    assert len(body_rows) == len(indicators) == 5
    for indicator, row in zip(indicators, body_rows, strict=True):
        year, value = _latest(demo_store, indicator, HOME, YEAR)
        cells = [re.sub(r"\s+", "", td.text) for td in row.find("TD")]
        assert len(cells) == 5
        assert cells[0].startswith(re.sub(r"\s+", "", meta.loc[indicator, "label"]))
        assert cells[1] == re.sub(r"\s+", "", f"{fmt.value(value, meta.loc[indicator, 'unit'])} ({year})")

    lists = document.find("L")
    assert len(lists) == 3  # missed targets, strengths, weaknesses
    missed = [li.text for li in lists[0].find("LI")]
    labels = [meta.loc[i, "label"] for i in ("jugend_alq", "alq")]  # the two missed targets of _targets()
    assert len(missed) == 2 and all(label in text for label, text in zip(labels, missed, strict=True))


def test_chart_and_map_are_figures_whose_alt_text_says_what_they_show(landrat):
    summary, path = landrat
    figures = [e for e in struct_elements(PdfReader(path)) if e["S"] == "/Figure"]
    assert len(figures) == 2 and all(f["Alt"] for f in figures)
    chart, region = (str(f["Alt"]) for f in figures)
    # _with_figures: Arbeitslosenquote 10.0 (2021) ... 9.9 (2023); the median is missing in 2023
    assert KREIS in chart and "Median der Vergleichsgruppe" in chart
    assert "Arbeitslosenquote: 10,0 % (2021) bis 9,9 % (2023)" in chart
    assert "Jugend-ALQ:" in chart and "Dritte:" in chart
    assert "Arbeitslosenquote 2023 in Sachsen-Anhalt" in region and KREIS in region and "Karte" in region


def test_every_word_on_the_page_sits_in_the_structure_tree(landrat):
    """Nothing readable is left outside the tags (a screen reader would skip it): poppler's plain text in content order, line by
    line without spaces, is found in the text of the structure elements (borders and list dashes are artefacts
    or labels)."""
    if shutil.which("pdftotext") is None:
        skip_or_fail("pdftotext (Debian package poppler-utils) not installed")
    summary, path = landrat
    tagged = re.sub(r"\s+", "", poppler_tree(path).text)
    page = subprocess.run(["pdftotext", "-raw", str(path), "-"], check=True, capture_output=True, text=True).stdout
    lines = [re.sub(r"\s+", "", line) for line in page.splitlines()]
    missing = [line for line in lines if line and line not in tagged]
    assert not missing
    assert "RegioMonitor·Mansfeld-Südharz(15087)·erstelltam05.03.2024" in tagged  # the footer, too


def test_pdf_on_real_data_is_tagged_too(real_warehouse, tmp_path):
    """Real names, sources and licences (long, with „“ and –) stay inside the tags, on one page."""
    store = Store(real_warehouse)
    summary = _summary(store, [])
    path = tmp_path / "lagebild.pdf"
    path.write_bytes(report_pdf.landrat_pdf(summary))
    info = dict(line.split(":", 1) for line in _poppler(str(path)).splitlines() if ":" in line)
    assert (info["Pages"].strip(), info["Tagged"].strip(), info["Title"].strip()) == ("1", "yes", TITLE)
    document = poppler_tree(path).children[0]
    assert [h.text for h in document.find("H1")] == [TITLE]
    assert [h.text for h in document.find("H2")] == SECTIONS
    tagged = re.sub(r"\s+", "", document.text)
    assert "Datenlizenz Deutschland – Namensnennung – Version 2.0".replace(" ", "") in tagged


def test_foreign_text_is_printed_as_text_not_as_markup(demo_store, tmp_path):
    """A Kreis name or label with HTML in it shows as written: no extra heading, no image loaded from a file."""
    import dataclasses

    hostile = '<h1>X</h1><img src="file:///etc/hostname" alt="Bild"> & „Kreis“'
    summary = _with_figures(_summary(demo_store, []))
    summary = dataclasses.replace(summary, kreis_name=hostile, peer_label="<b>fett</b>")
    path = tmp_path / "lagebild.pdf"
    path.write_bytes(report_pdf.landrat_pdf(summary))
    document = poppler_tree(path).children[0]
    squeeze = lambda text: re.sub(r"\s+", "", text)  # noqa: E731 (lines may break after "/")
    assert [squeeze(h.text) for h in document.find("H1")] == [squeeze(f"Lagebild Arbeitsmarkt: {hostile}")]
    assert len(document.find("Figure")) == 2  # the chart and the map, no third image
    assert "Vergleichsgruppe:<b>fett</b>" in squeeze(document.text)
