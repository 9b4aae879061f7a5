"""The source lines a chart carries inside its picture, so that a downloaded PNG or SVG still names where its
numbers come from and their Stand (issue 14: "title, source and Stand in the picture").

A fact's source label reads ``Publisher: table, Stand …``; several are joined with `` | ``. Derived values
(Deutschland, Länder) read ``eigene Berechnung … aus <source>``: they are credited once as own calculation.
"""

from __future__ import annotations

from collections.abc import Iterable

OWN = "eigene Berechnung"
#: Characters per line in the picture; a chart 800 px wide fits about this many at 11 px.
LINE = 120
#: At most this many lines; the rest is summarised, the full list stays on the page and in Methodik.
MAX_LINES = 2


def parts(sources: Iterable[object]) -> list[str]:
    """Distinct source labels in first-seen order; own calculations collapsed into one entry."""
    seen: dict[str, None] = {}
    own = False
    for source in sources:
        for part in str(source or "").split(" | "):
            part = part.strip()
            if not part or part.lower() in {"nan", "none"}:
                continue
            if part.lower().startswith(OWN.lower()):
                own = True
                continue
            seen.setdefault(part if len(part) <= LINE else part[: LINE - 1] + "…", None)
    return list(seen) + ([f"{OWN} (Deutschland- und Landeswerte aus Kreiswerten)"] if own else [])


def credit_lines(sources: Iterable[object], built: str = "") -> list[str]:
    """``Quelle: …`` wrapped into at most :data:`MAX_LINES` lines; ``built`` (German date of the warehouse) is
    named when no source gives a Stand of its own."""
    found = parts(sources)
    if not found:
        return [f"Quelle: nicht angegeben{f' · Datenbestand vom {built}' if built else ''}"]
    if built and not any("Stand" in p for p in found):
        found.append(f"Datenbestand vom {built}")
    lines, current = [], "Quelle: "
    for n, part in enumerate(found):
        piece = part if current.endswith(": ") else f"; {part}"
        if len(current) + len(piece) > LINE and current != "Quelle: ":
            if len(lines) == MAX_LINES - 1:
                rest = len(found) - n
                current += f" und {rest} weitere (siehe Methodik)"
                break
            lines.append(current + ";")
            current, piece = "", part
        current += piece
    lines.append(current)
    return lines
