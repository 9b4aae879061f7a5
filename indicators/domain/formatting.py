"""German number and date formats, used by every page and export."""

from __future__ import annotations

import math
from datetime import date, datetime
from zoneinfo import ZoneInfo

#: Stored timestamps are UTC; people read them in German local time.
LOCAL_TZ = ZoneInfo("Europe/Berlin")
DECIMALS_BY_UNIT = {"Anzahl": 0, "EUR": 0, "km²": 1, "je km²": 0, "Jahre": 1}


#: ``1,234.5`` -> ``1.234,5`` in one pass.
_GERMAN_SEPARATORS = str.maketrans(",.", ".,")


def _is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value, decimals: int = 1, unit: str = "", sign: bool = False) -> str:
    """``1234.5`` -> ``1.234,5``; missing values -> ``–``."""
    if _is_missing(value):
        return "–"
    try:
        text = f"{float(value):{'+' if sign else ''},.{decimals}f}"
    except (TypeError, ValueError):
        return str(value)
    text = text.translate(_GERMAN_SEPARATORS)
    if not text.strip("+-0,"):  # only zeros: no sign (-0,0 is 0,0)
        text = text.lstrip("+-")
        if sign:
            text = "±" + text
    return f"{text} {unit}".strip() if unit else text


def exact(value, max_decimals: int = 6, sign: bool = False) -> str:
    """A number without rounding it away: ``1234.5`` -> ``1.234,5``, ``0.0012`` -> ``0,0012`` (for revisions and
    entered values, where the unit's usual precision could hide the difference)."""
    if _is_missing(value):
        return "–"
    text = number(value, max_decimals, sign=sign)
    if "," in text:
        text = text.rstrip("0").rstrip(",")
    return text


def decimals_for(unit: str, value=None) -> int:
    if unit in DECIMALS_BY_UNIT:
        return DECIMALS_BY_UNIT[unit]
    if value is not None and not _is_missing(value) and abs(float(value)) >= 1000:
        return 0
    return 1 if unit in {"%", "je 100"} else 2 if unit.startswith("Tsd") else 1


def value(value, unit: str = "", label: str | None = None, with_unit: bool = True) -> str:
    """A value as the page shows it: class/category text where present, else the number in German format."""
    if label:
        return str(label)
    shown_unit = unit if with_unit and unit not in {"Anzahl", "Kategorie"} else ""
    return number(value, decimals_for(unit, value), shown_unit)


def change(delta, unit: str = "", sign: bool = True) -> str:
    """Signed change: ``+0,4`` percentage points for percentages (``sign=False``: the size only, ``0,4 Pp.``)."""
    if _is_missing(delta):
        return "–"
    suffix = "Pp." if unit == "%" else ("" if unit in {"Anzahl", "Kategorie"} else unit)
    return number(delta, decimals_for(unit, delta), suffix, sign=sign)


def german_date(d: date | datetime | str | None) -> str:
    """A day, ``21.11.2026`` (``–`` when there is none); a stored timestamp counts in German local time."""
    if d is None or d == "":
        return "–"
    return german_datetime(d, with_time=False)


def german_datetime(moment: date | datetime | str | None, with_time: bool = True) -> str:
    """A stored timestamp in German local time, ``21.11.2026 09:58``; one without time zone is shown as it is,
    text that is no timestamp is shown unchanged (``unbekannt`` when empty)."""
    if moment is None or moment == "":
        return "unbekannt"
    if isinstance(moment, str):
        try:
            moment = datetime.fromisoformat(moment)
        except ValueError:
            return moment
    if isinstance(moment, datetime) and moment.tzinfo is not None:
        moment = moment.astimezone(LOCAL_TZ)
    return moment.strftime("%d.%m.%Y %H:%M" if with_time else "%d.%m.%Y")


def percent_rank(percentile) -> str:
    return "–" if _is_missing(percentile) else f"{number(percentile, 0)}. Perzentil"


def person(name: str | None) -> str:
    """Who changed something, for people: ``lokal:anna`` (an entry from before sign-in was required, written
    under the server's system account) becomes ``anna (Systemkonto des Servers)``."""
    text = (name or "").strip()
    if text == "lokal" or not text:
        return "unbekannt (vor der Anmeldepflicht)"
    if text.startswith("lokal:"):
        return f"{text.split(':', 1)[1]} (Systemkonto des Servers, vor der Anmeldepflicht)"
    return text
