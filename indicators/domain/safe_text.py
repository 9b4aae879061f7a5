"""What text from files and forms may look like before it is stored: units, labels, free text.

Every page escapes such text where it is shown (``ui/html.py``); these checks refuse the obvious attempts
on the way in, so that a unit like ``Anzahl je <img onerror=…>`` never reaches the warehouse or the user
data at all. Each check returns a German sentence saying what was expected, or ``None`` when the text is fine.
"""

from __future__ import annotations

import re
import unicodedata

MAX_UNIT = 60
MAX_LABEL = 300
MAX_FREE_TEXT = 2000

#: Units are short: letters (Umlauts, µ), digits, spaces and the signs official units use
#: (``%``, ``‰``, ``€``, ``km²``, ``je 1.000 Einwohner/-innen``, ``Tsd. EUR``, ``EUR/m² (Klasse)``).
_UNIT_SIGNS = set(" %‰€$£¥²³°.,;:/()-–+*'’·\"„“”")
#: Something that opens an HTML tag, comment or declaration: ``<img``, ``</``, ``<!--``, ``<?`` (labels).
_MARKUP = re.compile(r"<\s*[A-Za-z/!?]")
#: HTML that does something in a browser (free text: definitions may say ``WO <Zeitpunkt>``, notes ``< 6 %``):
#: a tag of an element that loads, runs or frames content, an event handler, a script address.
_ACTIVE_HTML = re.compile(
    r"<\s*/?\s*(?:script|iframe|frame|frameset|img|image|svg|math|object|embed|applet|a|area|link|meta|base|style"
    r"|form|input|button|textarea|select|video|audio|source|track|picture|body|html|head|template|details|dialog"
    r"|marquee|portal|noscript|xmp|plaintext)\b"
    r"|<\s*[!?]|\bon[a-z]+\s*=|\b(?:java|vb)script\s*:|\bsrcdoc\s*=",
    re.IGNORECASE,
)
UNIT_EXAMPLES = "z. B. „%“, „Anzahl“, „EUR“, „je 1.000 Einwohner“"
#: Characters that make Markdown do something anywhere in a line: emphasis, code, links and images (``![``),
#: HTML, entities, tables, strike-through, formulas (``$``) and colour directives (``:red[…]``).
_MD_INLINE = re.compile(r"([\\`*_{}\[\]<>!|~$&])")
#: ... and at the start of a line: headings, quotes, lists, rules.
_MD_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)])", re.MULTILINE)


def markdown_escape(text: object) -> str:
    """Text that is not ours, for a Markdown document or element: every character Markdown acts on is
    backslash-escaped, so it shows as written and carries no link, image (``![](…)`` would load from any
    server), formula or formatting. Line breaks stay. Bare web addresses are still turned into links by
    Streamlit; they show the address they lead to."""
    escaped = _MD_INLINE.sub(r"\\\1", "" if text is None else str(text))
    return _MD_LINE_START.sub(lambda m: f"{m.group(1)}{m.group(2)[:-1]}\\{m.group(2)[-1]}", escaped)


def _invisible(text: str, allow_newlines: bool) -> str | None:
    """The first control or formatting character (zero-width, direction overrides), if any."""
    for char in text:
        if allow_newlines and char in "\n\t\r":
            continue
        if unicodedata.category(char) in {"Cc", "Cf", "Cs", "Co"}:
            return f"U+{ord(char):04X}"
    return None


def _shown(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def unit_problem(text: str) -> str | None:
    """Why ``text`` is no unit, or ``None``; an empty unit is fine (``–`` is shown)."""
    text = str(text)
    if len(text) > MAX_UNIT:
        return f"eine Einheit mit höchstens {MAX_UNIT} Zeichen ({UNIT_EXAMPLES}), sie hat {len(text)} Zeichen"
    bad = sorted({c for c in text if not (c.isalnum() or c in _UNIT_SIGNS)})
    if bad:
        shown = " ".join(f"„{c}“" if c.isprintable() else f"U+{ord(c):04X}" for c in bad)
        return (
            f"eine Einheit aus Buchstaben, Ziffern und den Zeichen % ‰ € ² ³ . , / ( ) - ({UNIT_EXAMPLES}); "
            f"nicht erlaubt: {shown} in „{_shown(text)}“"
        )
    return None


def label_problem(text: str, what: str = "Bezeichnung") -> str | None:
    """Why ``text`` is no label (one line, no markup, at most :data:`MAX_LABEL` characters), or ``None``."""
    text = str(text)
    if len(text) > MAX_LABEL:
        return f"eine {what} mit höchstens {MAX_LABEL} Zeichen, sie hat {len(text)} Zeichen"
    if "\n" in text or "\r" in text:
        return f"eine {what} in einer Zeile, ohne Zeilenumbruch"
    return _free_text_rules(text, what, allow_newlines=False, markup=_MARKUP)


def free_text_problem(text: str, what: str = "Text", limit: int = MAX_FREE_TEXT) -> str | None:
    """Why a note or name typed by a person cannot be stored, or ``None``; line breaks are allowed."""
    text = str(text)
    if len(text) > limit:
        return f"höchstens {limit} Zeichen im Feld {what}, eingegeben wurden {len(text)}"
    return _free_text_rules(text, what, allow_newlines=True, markup=_ACTIVE_HTML)


def _free_text_rules(text: str, what: str, allow_newlines: bool, markup: re.Pattern) -> str | None:
    invisible = _invisible(text, allow_newlines)
    if invisible:
        return f"{what} ohne unsichtbare Steuerzeichen ({invisible} gefunden)"
    if found := markup.search(text):
        start = max(0, found.start() - 10)
        rule = "spitze Klammer vor Buchstaben oder /" if markup is _MARKUP else "HTML-Element, Ereignis oder Skript"
        return f"{what} ohne HTML-Auszeichnung ({rule}), gefunden: „{_shown(text[start : start + 40])}“"
    return None


# --- spreadsheet cells -----------------------------------------------------------------------------------------

#: Signs with which Excel and LibreOffice start a formula, also in their full-width forms (OWASP CSV injection).
FORMULA_START = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
#: Leading characters a spreadsheet skips before it looks for a formula sign.
BLANKS = " \u00a0\t\r\n"


def runs_as_formula(text: str) -> bool:
    """Whether a spreadsheet would run this cell: it starts with a tab or line break, or with a formula sign after
    leading blanks. Every CSV we write prefixes such text with an apostrophe (the one rule for all downloads)."""
    return bool(text) and (text[0] in "\t\r\n" or text.lstrip(BLANKS)[:1] in FORMULA_START)
