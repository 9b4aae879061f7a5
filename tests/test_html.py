"""The HTML builder (ui/html.py) and the text rules (indicators/domain/safe_text.py) on hostile text.

Expected HTML is written out by hand here; the parser-based checks use the standard library's
``html.parser`` (no code shared with the builder) to list the elements a fragment would create.
"""

from __future__ import annotations

import ast
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from indicators.domain import safe_text
from ui import choropleth, components, html, profile_table

ROOT = Path(__file__).resolve().parents[1]
PAYLOADS = [
    '<img src=x onerror="window.__xss=1">',
    '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
    "<script>window.__xss=1</script>",
    '"><svg onload=alert(1)>',
    "</td></tr></table><b>raus</b>",
]


class Elements(HTMLParser):
    """Every start tag and attribute name a browser would see in a fragment."""

    def __init__(self, fragment: str):
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[str] = []
        self.feed(fragment)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [name for name, _ in attrs]


def test_escape_turns_markup_into_text():
    assert html.escape('<img src=x onerror="a">') == "&lt;img src=x onerror=&quot;a&quot;&gt;"
    assert html.escape("Ost's & West") == "Ost&#x27;s &amp; West"
    assert html.escape(None) == ""


@pytest.mark.parametrize("payload", PAYLOADS)
def test_element_escapes_text_children(payload):
    fragment = html.element("div", html.element("b", payload), payload, cls="rm-card")
    assert Elements(fragment).tags == ["div", "b"]
    assert set(Elements(fragment).attributes) == {"class"}
    assert fragment.count("&lt;") == 2 * payload.count("<")


def test_element_keeps_markup_children_and_builds_what_we_expect():
    inner = html.element("small", "5 %")
    assert html.element("td", inner, " · ", "a<b") == "<td><small>5 %</small> · a&lt;b</td>"
    assert html.element("br") == "<br>"
    assert html.element("span", style='left:1%" onmouseover="x') == (
        '<span style="left:1%&quot; onmouseover=&quot;x"></span>'
    )


@pytest.mark.parametrize("payload", PAYLOADS)
def test_table_row_escapes_text_cells_and_keeps_markup(payload):
    row = html.table_row(
        [payload, html.element("b", "6,1"), None, 2023], [None, "rm-opt", None, "rm-opt"], "rm-row-bad"
    )
    assert Elements(row).tags == ["tr", "td", "td", "b", "td", "td"]
    assert set(Elements(row).attributes) == {"class"}
    assert row.count("&lt;") == payload.count("<")
    assert row.endswith('<td class="rm-opt"><b>6,1</b></td><td></td><td class="rm-opt">2023</td></tr>')
    assert row.startswith('<tr class="rm-row-bad"><td>')


def test_table_row_is_the_row_element_builds():
    cells, classes = ["a<b", html.element("small", "5 %"), "Ost's"], [None, "rm-opt", None]
    nested = html.element("tr", *(html.element("td", c, cls=k) for c, k in zip(cells, classes, strict=True)))
    assert html.table_row(cells, classes) == nested
    assert html.table_row(["x"], [None]) == "<tr><td>x</td></tr>"
    with pytest.raises(ValueError):
        html.table_row(["x"], ['a" onclick="b'])  # a class is checked like element's
    with pytest.raises(ValueError):
        html.table_row(["x", "y"], [None])  # one class per cell


def test_element_refuses_tags_and_classes_that_are_not_ours():
    with pytest.raises(ValueError):
        html.element("script", "x")
    with pytest.raises(ValueError):
        html.element("iframe")
    with pytest.raises(ValueError):
        html.element("div", cls='x" onclick="y')


def test_render_refuses_plain_strings():
    with pytest.raises(TypeError):
        html.render("<b>from somewhere</b>")


def test_stylesheet_cannot_close_its_block():
    assert html.stylesheet("a > b {color:red}") == "<style>a > b {color:red}</style>"
    with pytest.raises(ValueError):
        html.stylesheet("a{}</style><script>x</script>")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("![x](http://evil.example/t.png)", r"\!\[x\](http://evil.example/t.png)"),
        ("[klick](javascript:alert(1))", r"\[klick\](javascript:alert(1))"),
        ("$x^2$ und :red[rot]", r"\$x^2\$ und :red\[rot\]"),
        ("**fett** _kursiv_ `code` ~x~ a|b <b>", r"\*\*fett\*\* \_kursiv\_ \`code\` \~x\~ a\|b \<b\>"),
        ("# Titel\n- Liste\n12. Punkt\n> Zitat", "\\# Titel\n\\- Liste\n12\\. Punkt\n\\> Zitat"),
        ("Landkreis Göttingen (Stadt Göttingen); 5-7 Jahre.", "Landkreis Göttingen (Stadt Göttingen); 5-7 Jahre."),
    ],
)
def test_markdown_escape(text, expected):
    assert html.md(text) == expected


def test_plot_text_escapes_tags_only():
    assert html.plot("<a href='x'>A & B</a>") == "&lt;a href='x'&gt;A &amp; B&lt;/a&gt;"


def test_profile_table_escapes_label_unit_and_class_text():
    payload = PAYLOADS[0]
    row = {
        "indicator": "x",
        "label": payload,
        "unit": payload,
        "polarity_text": "niedriger ist günstiger",
        "year": 2023,
        "value": 5.0,
        "value_label": payload,
        "median": 4.0,
        "mean": 4.0,
        "min": 1.0,
        "max": 9.0,
        "germany": 4.5,
        "germany_estimated": False,
        "rank": 3,
        "n": 10,
        "position": 0.5,
        "polarity": -1,
        "assessment": "unguenstig",
        "assessment_icon": "▼",
        "assessment_label": payload,
        "change_1y": 0.5,
        "trend_1y": "schlechter",
        "change_5y": None,
        "trend_5y": "neutral",
    }
    fragment = profile_table.rows_html(pd.DataFrame([row]))
    parsed = Elements(fragment)
    assert "img" not in parsed.tags and "onerror" not in parsed.attributes
    assert set(parsed.tags) <= html.TAGS
    assert fragment.count("&lt;img src=x onerror=&quot;window.__xss=1&quot;&gt;") >= 4  # label, unit, value, trend


def test_map_legend_escapes_the_unit():
    fragment = choropleth.legend_html({"min": 1.0, "median": 2.0, "max": 3.0}, PAYLOADS[1], -1)
    parsed = Elements(fragment)
    assert set(parsed.tags) == {"div"} and "iframe" not in parsed.tags
    assert "&lt;iframe srcdoc=&quot;&lt;script&gt;" in fragment


def test_badge_refuses_a_foreign_class():
    assert 'class="rm-badge rm-keine"' in components.badge('x" onclick="y', "!", "<b>")
    assert "&lt;b&gt;" in components.badge("guenstig", "▲", "<b>")


def test_unsafe_html_is_rendered_in_one_place_only():
    """``unsafe_allow_html``, ``st.html`` and ``components.html`` appear in ui/html.py and nowhere else."""
    offenders = []
    files = [ROOT / "app.py", ROOT / "serve.py", *(ROOT / "ui").glob("*.py")]
    files += [*(ROOT / "app_pages").glob("*.py"), *(ROOT / "pages").glob("*.py")]
    assert len(files) > 20, "the scan must see the pages"
    for path in files:
        if path.name == "html.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg in {"unsafe_allow_html", "unsafe_allow_javascript"}:
                offenders.append(f"{path.name}:{node.lineno} {node.arg}")
            if isinstance(node, ast.Attribute) and node.attr == "html" and getattr(node.value, "id", "") == "st":
                offenders.append(f"{path.name}:{node.lineno} st.html")
            if (
                isinstance(node, ast.Attribute)
                and node.attr == "html"
                and getattr(node.value, "id", "") == "components"
            ):
                offenders.append(f"{path.name}:{node.lineno} components.html")
    assert offenders == []


# --- text rules on the way in ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "unit", ["%", "Anzahl", "EUR/m² (Klasse)", "je 100.000 Einwohner/-innen", "Tsd. EUR", "‰", "je km²", ""]
)
def test_official_units_pass(unit):
    assert safe_text.unit_problem(unit) is None


@pytest.mark.parametrize(
    "unit", ["Anzahl je <img onerror=alert(1)>", "%<script>", "EUR\u202e", "a" * 61, "je {100}", "![x](y)", "a&b"]
)
def test_hostile_units_are_refused_in_german(unit):
    problem = safe_text.unit_problem(unit)
    assert problem is not None and problem.startswith("eine Einheit")


@pytest.mark.parametrize(
    "label",
    [
        "Arbeitslosenquote (alle zivilen Erwerbspersonen)",
        "Schulabgänger ohne Abschluss – Anteil in %",
        "Einkommen < 1.500 € je Haushalt",
        "SGB II-Quote (§ 7), 15 bis < 65 Jahre",
    ],
)
def test_labels_with_comparisons_pass(label):
    assert safe_text.label_problem(label) is None


@pytest.mark.parametrize("label", [*PAYLOADS, "zwei\nZeilen", "x" * 301, "Quote\u200b", "<!-- c -->"])
def test_labels_with_markup_or_hidden_characters_are_refused(label):
    assert safe_text.label_problem(label) is not None


def test_free_text_allows_line_breaks_and_comparisons_but_no_markup():
    assert safe_text.free_text_problem("Ziel < 6 %,\nabgestimmt im RAK", "Notiz") is None
    # an INKAR definition really says this:
    assert safe_text.free_text_problem("SV-Beschäftigte WO <Zeitpunkt> / E 15 bis < 65 Jahre", "Definition") is None
    for hostile in PAYLOADS[:4] + ["<a href=x>", "x onclick = y", "javascript:alert(1)", "<!-- x -->"]:
        assert safe_text.free_text_problem(hostile, "Notiz") is not None, hostile
    problem = safe_text.free_text_problem('Siehe <iframe srcdoc="x">', "Notiz")
    assert problem is not None and "HTML" in problem and "Notiz" in problem
