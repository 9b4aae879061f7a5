"""Regional keys (AGS) as the official files write them, normalised to one form.

The join key everywhere is the 5-character Kreis AGS as text; Länder use 2 characters and Germany ``DG``.
Files write keys as 8-digit text, as numbers that lost their leading zero, or with Berlin and Hamburg
only as Land rows, so every importer funnels its keys through :func:`normalise_key`.
"""

from __future__ import annotations

import re

GERMANY = "DG"

#: Berlin and Hamburg are Länder and Kreise at once; Regionalstatistik lists only the Land row.
CITY_STATES = {"11": "11000", "02": "02000"}

_DIGITS = re.compile(r"^\d+$")


def normalise_key(raw: object) -> str | None:
    """Return ``DG``, a 2-digit Land code, or a 5-digit Kreis AGS; ``None`` for other levels.

    Accepts 5- or 8-digit text, numbers without the leading zero (``1001000``), ``15087 Name`` labels
    and ``DG``. Regierungsbezirke (3 digits) and Gemeinde or city-part keys are not Kreise and give ``None``.
    """
    if raw is None:
        return None
    if isinstance(raw, float):
        if raw != raw or raw != int(raw):
            return None
        raw = int(raw)
    text = str(raw).strip()
    if not text:
        return None
    if text.upper() in {"DG", "DE", "DEUTSCHLAND"}:
        return GERMANY
    head = text.split()[0]
    if not _DIGITS.match(head):
        return None
    if len(head) in (1, 4, 7):
        # numeric keys lost their leading zero: 1001 -> 01001, 1001000 -> 01001000
        head = "0" + head
    if len(head) == 2:
        return head
    if len(head) == 5:
        return head
    if len(head) == 8 and head.endswith("000"):
        return head[:5]
    return None


def land_of(ags: str) -> str:
    """Land code of a Kreis AGS (its first two characters)."""
    return ags[:2]


def is_kreis(key: str) -> bool:
    return len(key) == 5 and key.isdigit()


def is_land(key: str) -> bool:
    return len(key) == 2 and key.isdigit()
