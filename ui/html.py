"""The one place where HTML is built and put on the page: text that is not ours is escaped here.

Labels, units and notes come from imported files and forms; written into HTML as they are, an
``<img onerror=…>`` in a unit would run in every viewer's browser. So pages never build HTML strings
themselves: they assemble :class:`Markup` from :func:`element`, :func:`escape` and our own style sheets,
and :func:`render` refuses anything that is not :class:`Markup`. ``st.html`` (sanitised by DOMPurify, no
Markdown) is the only sink; ``unsafe_allow_html`` appears nowhere else (a test checks that).

Foreign text also reaches Markdown (``st.markdown``, captions, alerts, widget labels), where ``![](…)`` loads
an image from anywhere and ``$…$`` runs the formula renderer: :func:`md` escapes it for those places.
Plotly renders a subset of HTML in titles and hover texts (``<a href>``, ``<b>``): :func:`plot` escapes for it.
"""

from __future__ import annotations

import functools
import html as _stdlib_html
import re
from collections.abc import Iterable

import streamlit as st

from indicators.domain import safe_text

#: The elements our fragments are made of; anything else is a programming error.
TAGS = frozenset({"div", "span", "b", "small", "br", "table", "thead", "tbody", "tr", "th", "td", "p"})
VOID_TAGS = frozenset({"br"})
_CLASS = re.compile(r"^[a-z][a-z0-9_ -]*$")


class Markup(str):
    """HTML that may be rendered: built in this module from our own templates and escaped text."""

    __slots__ = ()


def escape(text: object) -> Markup:
    """Foreign text as HTML text: ``<``, ``>``, ``&`` and quotes become entities; ``None`` becomes empty."""
    if isinstance(text, Markup):
        return text
    return Markup(_escaped(text))


def _escaped(text: object) -> str:
    """The escaped text as a plain string, for joining (a Kreisprofil has thousands of cells)."""
    return _stdlib_html.escape("" if text is None else str(text), quote=True)


def join(parts: Iterable[object], sep: str = "") -> Markup:
    """Fragments and text in a row; text is escaped, ``sep`` is ours."""
    return Markup(_escaped(sep).join([p if isinstance(p, Markup) else _escaped(p) for p in parts]))


@functools.lru_cache(maxsize=1024)
def _attributes(cls: str | None, style: str | None) -> str:
    """`` class="…" style="…"`` of our own elements, checked once per distinct pair (a table has thousands of
    cells with a handful of classes)."""
    attrs = ""
    if cls is not None:
        if not _CLASS.match(cls):
            raise ValueError(f"class {cls!r} is not a plain class name")
        attrs += f' class="{cls}"'
    if style is not None:
        attrs += f' style="{escape(style)}"'
    return attrs


def element(tag: str, *children: object, cls: str | None = None, style: str | None = None) -> Markup:
    """``<tag class=… style=…>children</tag>``; children that are not :class:`Markup` are escaped.

    ``cls`` and ``style`` are ours (never foreign text): a class name is checked, a style is escaped as an
    attribute value, so neither can close the tag.
    """
    if tag not in TAGS:
        raise ValueError(f"tag {tag!r} is not one of the fragments we build")
    attrs = _attributes(cls, style) if cls is not None or style is not None else ""
    if tag in VOID_TAGS:
        return Markup(f"<{tag}{attrs}>")
    return Markup(f"<{tag}{attrs}>{join(children)}</{tag}>")


def table_row(cells: Iterable[object], classes: Iterable[str | None], cls: str | None = None) -> Markup:
    """``<tr>`` with one ``<td>`` per cell (class from ``classes``) in one pass: the same as nesting
    :func:`element` calls, for tables of thousands of cells. Cells that are not :class:`Markup` are escaped."""
    tds = "".join(
        [
            f"<td{_attributes(c, None) if c is not None else ''}>"
            f"{cell if isinstance(cell, Markup) else _escaped(cell)}</td>"
            for cell, c in zip(cells, classes, strict=True)
        ]
    )
    return Markup(f"<tr{_attributes(cls, None) if cls is not None else ''}>{tds}</tr>")


def stylesheet(rules: str) -> Markup:
    """Our own CSS as a ``<style>`` block; rules that could close the block are refused."""
    if "<" in rules:
        raise ValueError("a style sheet holds CSS rules only")
    return Markup(f"<style>{rules}</style>")


def render(fragment: Markup) -> None:
    """Put a fragment on the page. Only :class:`Markup` is accepted: a plain string may hold foreign text."""
    if not isinstance(fragment, Markup):
        raise TypeError("html.render takes Markup built by ui.html, not a plain string")
    if fragment:
        st.html(str(fragment))


def md(text: object) -> str:
    """Foreign text for Markdown (``st.markdown``, captions, alerts, widget labels): shown as typed, without
    link, image, formula or formatting (see :func:`indicators.domain.safe_text.markdown_escape`)."""
    return safe_text.markdown_escape(text)


def plot(text: object) -> str:
    """Foreign text for Plotly titles, names and hover texts, which render a subset of HTML (tags only, so
    ``<``, ``>`` and ``&`` suffice; Plotly knows no ``&quot;``)."""
    return _stdlib_html.escape("" if text is None else str(text), quote=False)
