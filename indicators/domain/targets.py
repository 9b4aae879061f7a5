"""Target agreements (Zielvereinbarungen): status, trajectory and input rules, without I/O.

Everything with a rule in it lives here so that the dashboard, the report and the tests judge a target
the same way. Polarity ``p`` is +1 (higher is better), -1 (lower is better) or 0 (context indicator,
never judged). The signed gap ``p * (actual - target)`` is positive when the target is beaten.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

from indicators.domain import safe_text

TOLERANCE_KINDS = ("absolut", "relativ")
TARGET_YEAR_RANGE = (2000, 2100)
#: Baselines may reach back to the start of the long INKAR series.
BASELINE_YEAR_RANGE = (1990, 2100)
MAX_TEXT = 2000
#: Differences this small (relative to the values) are float noise, not a miss: 0.1 + 0.2 reaches 0.3.
_RELATIVE_NOISE = 1e-9


@dataclass(frozen=True)
class Target:
    """One agreed target of one Kreis on one indicator; ``version`` counts stored changes (1 = as created)."""

    id: int | None
    ags: str
    indicator: str
    target_value: float
    target_year: int
    baseline_value: float | None = None
    baseline_year: int | None = None
    tolerance: float = 0.0
    tolerance_kind: str = "absolut"
    agreed_by: str = ""
    agreed_on: dt.date | None = None
    note: str = ""
    version: int = 1


@dataclass(frozen=True)
class Status:
    """Judgement of the latest value; ``icon`` and ``label`` carry it without colour (B/W print)."""

    code: str  # erreicht | knapp_verfehlt | verfehlt | keine_bewertung
    label: str
    icon: str
    gap: float | None
    reason: str
    tone: str  # positive | warning | negative | neutral: the UI maps it to green/amber/red/grey


@dataclass(frozen=True)
class Trajectory:
    """Where the linear trend of the last years leads by the target year."""

    code: str  # auf_kurs | richtige_richtung_zu_langsam | entfernt_sich | keine_bewertung
    label: str
    icon: str
    projected_value: float | None
    slope: float | None
    reason: str
    tone: str


_STATUS = {
    "erreicht": ("erreicht", "✔", "positive"),
    "knapp_verfehlt": ("knapp verfehlt", "≈", "warning"),
    "verfehlt": ("verfehlt", "✖", "negative"),
    "keine_bewertung": ("keine Bewertung", "–", "neutral"),
}
#: Harvey balls instead of arrows: an arrow up would read as "good" even where lower is better.
_TRAJECTORY = {
    "auf_kurs": ("auf Kurs", "●", "positive"),
    "richtige_richtung_zu_langsam": ("richtige Richtung, zu langsam", "◐", "warning"),
    "entfernt_sich": ("entfernt sich vom Ziel", "○", "negative"),
    "keine_bewertung": ("keine Bewertung", "–", "neutral"),
}
#: Order of statuses for display and counting: missed targets first.
STATUS_ORDER = ("verfehlt", "knapp_verfehlt", "erreicht", "keine_bewertung")
#: Icon and label of each status, for lists and legends that show a status without a Status object.
STATUS_TEXT = {code: (icon, label) for code, (label, icon, _tone) in _STATUS.items()}
#: Higher rank = better; used to compare statuses.
STATUS_RANK = {"keine_bewertung": -1, "verfehlt": 0, "knapp_verfehlt": 1, "erreicht": 2}
_POLARITY_TEXT = {1: "höher ist besser", -1: "niedriger ist besser"}


def _status(code: str, gap: float | None, reason: str) -> Status:
    label, icon, tone = _STATUS[code]
    return Status(code, label, icon, gap, reason, tone)


def _trajectory(code: str, projected: float | None, slope: float | None, reason: str) -> Trajectory:
    label, icon, tone = _TRAJECTORY[code]
    return Trajectory(code, label, icon, projected, slope, reason, tone)


def format_de(value: float, max_decimals: int = 3) -> str:
    """German number for messages: ``1234.5`` -> ``1.234,5`` (trailing zeros dropped)."""
    text = f"{value:,.{max_decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")


#: Units whose values cannot be negative; a share in % lies between 0 and 100.
_NOT_NEGATIVE = {"%", "Anzahl", "EUR", "je km²", "je 100", "Jahre", "km²"}


def plausibility_warnings(target: Target, unit: str, entered_in: int | None) -> list[str]:
    """What looks like a typing error in a stored target, in German (a warning, not a refusal: the RAK may have
    agreed on it). ``entered_in``: the year the target was last changed, if known."""
    warnings = []
    for name, value in (("Zielwert", target.target_value), ("Ausgangswert", target.baseline_value)):
        if value is None or not _finite(value):
            continue
        shown = f"{format_de(value)} {unit}".strip()
        if unit == "%" and value > 100:
            warnings.append(f"{name} {shown} liegt über 100 %: ein Anteil kann nicht größer als 100 % sein.")
        elif unit in _NOT_NEGATIVE and value < 0:
            warnings.append(f"{name} {shown} ist negativ: Werte in „{unit}“ sind nie negativ.")
    if entered_in is not None and target.target_year < entered_in:
        warnings.append(
            f"Das Zieljahr {target.target_year} lag bei der Eingabe ({entered_in}) schon in der Vergangenheit."
        )
    return warnings


def _finite(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def _check_polarity(polarity: object) -> int | None:
    """Polarity as -1/0/1; ``None`` or NaN means unknown. Anything else is a catalogue bug."""
    try:
        missing = polarity is None or bool(polarity != polarity)  # noqa: PLR0124 (NaN; pandas NA raises TypeError)
    except TypeError:
        missing = True
    if missing:
        return None
    if isinstance(polarity, numbers.Real) and not isinstance(polarity, bool) and polarity in (-1, 0, 1):
        return int(polarity)
    raise ValueError(f"Polarität muss -1, 0 oder 1 sein, nicht {polarity!r}")


def _not_judged(polarity: int | None) -> str | None:
    if polarity is None:
        return "Polarität des Indikators unbekannt: keine Bewertung"
    if polarity == 0:
        return "Kontextindikator (Polarität 0): keine Bewertung"
    return None


def tolerance_width(target: Target) -> float:
    """Absolute width of the tolerance band; a relative tolerance is a fraction of the target value."""
    if target.tolerance_kind == "relativ":
        return target.tolerance * abs(target.target_value)
    return target.tolerance


def _gap(actual: float, target_value: float, polarity: int) -> float:
    gap = polarity * (actual - target_value)
    noise = _RELATIVE_NOISE * max(1.0, abs(actual), abs(target_value))
    return 0.0 if abs(gap) <= noise else gap


def status(target: Target | None, latest_value: float | None, polarity: int | None) -> Status:
    """Judge the latest value against the target.

    With ``gap = polarity * (actual - target)`` and ``w`` = :func:`tolerance_width`:
    ``gap >= 0`` -> erreicht; ``-w < gap < 0`` -> knapp verfehlt; otherwise verfehlt.
    Context indicators (polarity 0), unknown polarity, a missing target or a missing/NaN value give
    ``keine_bewertung`` with the reason. Gaps within float noise count as 0.
    """
    p = _check_polarity(polarity)
    if target is None:
        return _status("keine_bewertung", None, "kein Ziel vereinbart")
    if (why := _not_judged(p)) is not None:
        return _status("keine_bewertung", None, why)
    if not _finite(target.target_value):
        return _status("keine_bewertung", None, "Zielwert fehlt oder ist keine Zahl")
    if not _finite(latest_value):
        return _status("keine_bewertung", None, "kein aktueller Wert vorhanden")
    gap = _gap(float(latest_value), float(target.target_value), p)
    width = tolerance_width(target)
    actual_text, target_text = format_de(latest_value), format_de(target.target_value)
    direction = _POLARITY_TEXT[p]
    if gap >= 0:
        return _status(
            "erreicht",
            gap,
            f"Ist-Wert {actual_text} erreicht den Zielwert {target_text} ({direction}, Abstand {format_de(gap)})",
        )
    miss = f"Ist-Wert {actual_text} verfehlt den Zielwert {target_text} um {format_de(-gap)} ({direction})"
    if gap > -width:
        return _status("knapp_verfehlt", gap, f"{miss}, innerhalb der Toleranz von {format_de(width)}")
    if width > 0:
        return _status("verfehlt", gap, f"{miss}, mehr als die Toleranz von {format_de(width)}")
    return _status("verfehlt", gap, f"{miss}, keine Toleranz vereinbart")


def _window(series: Sequence[tuple[int, float]], n_years: int) -> list[tuple[int, float]]:
    """Finite points of the last ``n_years`` calendar years up to the latest year with a value.

    A year given twice keeps its last value (a revised figure replaces the first release).
    """
    if n_years < 2:
        raise ValueError("n_years muss mindestens 2 sein")
    by_year: dict[int, float] = {}
    for year, value in series:
        if _finite(value):
            by_year[int(year)] = float(value)
    if not by_year:
        return []
    last = max(by_year)
    return sorted((y, v) for y, v in by_year.items() if y > last - n_years)


def _fit(points: list[tuple[int, float]]) -> tuple[float, float, float]:
    """Least-squares line through the points as ``(slope, mean_year, mean_value)``; years centred."""
    n = len(points)
    mean_year = sum(y for y, _ in points) / n
    mean_value = sum(v for _, v in points) / n
    sxx = sum((y - mean_year) ** 2 for y, _ in points)
    sxy = sum((y - mean_year) * (v - mean_value) for y, v in points)
    slope = sxy / sxx
    noise = _RELATIVE_NOISE * max(1.0, max(abs(v) for _, v in points))
    return (0.0 if abs(slope) <= noise else slope), mean_year, mean_value


def projection_line(
    series: Sequence[tuple[int, float]], n_years: int = 5, until_year: int | None = None
) -> list[tuple[int, float]]:
    """Fitted trend line for charts: one point per year from the first fitted year to ``until_year``.

    Empty when fewer than two values lie in the window.
    """
    points = _window(series, n_years)
    if len(points) < 2:
        return []
    slope, mean_year, mean_value = _fit(points)
    last = max(points[-1][0], until_year if until_year is not None else points[-1][0])
    return [(year, mean_value + slope * (year - mean_year)) for year in range(points[0][0], last + 1)]


def trajectory(
    target: Target | None, series: Sequence[tuple[int, float]], polarity: int | None, n_years: int = 5
) -> Trajectory:
    """Project the trend of the last ``n_years`` to the target year, as the German sustainability strategy.

    Rule, with the least-squares line through the finite values of the last ``n_years`` calendar years
    (at least two values, target year after the latest data year):

    1. ``auf_kurs`` if the projected value in the target year would be *erreicht* or *knapp verfehlt*
       (:func:`status` of the projection), or if the latest value already meets the target and the trend
       keeps it there (``polarity * slope >= 0``);
    2. ``richtige_richtung_zu_langsam`` if ``polarity * slope > 0`` but the projection misses;
    3. ``entfernt_sich`` otherwise (a flat trend below the target counts as moving away).

    Context indicators, unknown polarity, no target, too few values or a target year that is not after
    the latest data year (then the status decides) give ``keine_bewertung``.
    """
    p = _check_polarity(polarity)
    if target is None:
        return _trajectory("keine_bewertung", None, None, "kein Ziel vereinbart")
    if (why := _not_judged(p)) is not None:
        return _trajectory("keine_bewertung", None, None, why)
    points = _window(series, n_years)
    if len(points) < 2:
        return _trajectory(
            "keine_bewertung",
            None,
            None,
            f"zu wenige Werte für einen Trend (mindestens 2 in den letzten {n_years} Jahren nötig)",
        )
    last_year, last_value = points[-1]
    if target.target_year <= last_year:
        return _trajectory(
            "keine_bewertung",
            None,
            None,
            f"Zieljahr {target.target_year} liegt nicht nach dem letzten Datenjahr {last_year}: "
            "maßgeblich ist der Status",
        )
    slope, mean_year, mean_value = _fit(points)
    projected = mean_value + slope * (target.target_year - mean_year)
    span = f"Trend {points[0][0]}–{last_year}"
    projected_status = status(target, projected, p)
    moving_right = p * slope
    if projected_status.code in ("erreicht", "knapp_verfehlt"):
        reason = (
            f"{span}, geradlinig fortgeschrieben, ergibt für {target.target_year} {format_de(projected)}: "
            f"Zielwert {format_de(target.target_value)} {projected_status.label}"
        )
        return _trajectory("auf_kurs", projected, slope, reason)
    if status(target, last_value, p).code == "erreicht" and moving_right >= 0:
        reason = f"Ziel schon erreicht ({last_year}: {format_de(last_value)}), {span} hält den Wert"
        return _trajectory("auf_kurs", projected, slope, reason)
    reason = (
        f"{span}, geradlinig fortgeschrieben, ergibt für {target.target_year} {format_de(projected)}, "
        f"Zielwert {format_de(target.target_value)} würde verfehlt"
    )
    if moving_right > 0:
        return _trajectory("richtige_richtung_zu_langsam", projected, slope, reason)
    return _trajectory("entfernt_sich", projected, slope, reason + " (Trend zeigt vom Ziel weg oder stagniert)")


def benchmark_hint(percentile: float | None, polarity: int | None) -> str:
    """Neutral position hint without a target: quartile within the peer group, polarity-aware.

    ``percentile`` is 0..100 with 0 = lowest value of the peer group. Returns ``günstigstes Viertel``,
    ``ungünstigstes Viertel``, ``Mittelfeld``, ``Kontextindikator`` or ``keine Einordnung``.
    """
    p = _check_polarity(polarity)
    if p == 0:
        return "Kontextindikator"
    if p is None or not _finite(percentile) or not 0 <= percentile <= 100:
        return "keine Einordnung"
    favourable = percentile if p == 1 else 100 - percentile
    if favourable >= 75:
        return "günstigstes Viertel"
    if favourable <= 25:
        return "ungünstigstes Viertel"
    return "Mittelfeld"


# --- input validation -------------------------------------------------------------------------------

#: German label of every field: messages and CSV column headers use it.
FIELD_LABELS = {
    "id": "Nr.",
    "ags": "Kreis (AGS)",
    "indicator": "Indikator",
    "target_value": "Zielwert",
    "target_year": "Zieljahr",
    "baseline_value": "Ausgangswert",
    "baseline_year": "Ausgangsjahr",
    "tolerance": "Toleranz",
    "tolerance_kind": "Toleranzart",
    "agreed_by": "Vereinbart von",
    "agreed_on": "Vereinbart am",
    "note": "Notiz",
    "version": "Version",
}

_GERMAN_NUMBER = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$")
_ENGLISH_NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?$")
_EXPONENT_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)[eE][+-]?\d+$")
_DATE_DE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


class FieldError(ValueError):
    """One rejected field; ``str()`` gives ``"<Label>: <what was expected>"``."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.label = FIELD_LABELS.get(field, field)
        self.message = message
        super().__init__(f"{self.label}: {message}")


def _shown(raw: object) -> str:
    text = str(raw)
    return text if len(text) <= 60 else text[:57] + "..."


def _blank(raw: object) -> bool:
    if raw is None:
        return True
    if isinstance(raw, float) and math.isnan(raw):
        return False  # an explicit NaN is an invalid number, not an empty cell
    return isinstance(raw, str) and not raw.strip()


def parse_decimal(raw: object) -> float:
    """Number typed by a person: ``5,5``, ``1.234,5``, ``5.5``, ``1,234.5``, ``-3``; finite only.

    A single dot is a decimal point (plain CSV); a comma is the German decimal comma; with both, the
    last one is the decimal separator. Raises ``ValueError`` for anything else, NaN and infinity.
    """
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        try:
            value = float(raw)
        except OverflowError:
            raise ValueError(raw) from None
    else:
        text = str(raw).strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
        text = text.replace("−", "-")
        if _GERMAN_NUMBER.match(text) and ("," in text or text.count(".") != 1):
            value = float(text.replace(".", "").replace(",", "."))
        elif _ENGLISH_NUMBER.match(text) and any(c.isdigit() for c in text):
            value = float(text.replace(",", ""))
        elif _EXPONENT_NUMBER.match(text):
            value = float(text.replace(",", "."))
        else:
            raise ValueError(raw)
    if not math.isfinite(value):
        raise ValueError(raw)
    return value


def _number(fields: Mapping, name: str, example: str, required: bool) -> float | None:
    raw = fields.get(name)
    if _blank(raw):
        if required:
            raise FieldError(name, f"erwartet wird eine Zahl (z. B. {example}), das Feld ist leer")
        return None
    try:
        return parse_decimal(raw)
    except ValueError:
        raise FieldError(
            name, f"erwartet wird eine endliche Zahl (z. B. {example}), eingegeben wurde „{_shown(raw)}“"
        ) from None


def _year(fields: Mapping, name: str, bounds: tuple[int, int], required: bool) -> int | None:
    raw = fields.get(name)
    low, high = bounds
    expected = f"erwartet wird ein Jahr zwischen {low} und {high}"
    if _blank(raw):
        if required:
            raise FieldError(name, f"{expected}, das Feld ist leer")
        return None
    year: int | None = None
    if isinstance(raw, int) and not isinstance(raw, bool):
        year = raw
    elif isinstance(raw, float) and math.isfinite(raw) and raw.is_integer():
        year = int(raw)
    elif isinstance(raw, str) and re.fullmatch(r"\d{4}([.,]0+)?", raw.strip()):
        year = int(raw.strip()[:4])
    if year is None or not low <= year <= high:
        raise FieldError(name, f"{expected}, eingegeben wurde „{_shown(raw)}“")
    return year


def parse_date(raw: object) -> dt.date | None:
    """``31.12.2023``, ``2023-12-31``, a date or datetime; ``None`` when blank. ``ValueError`` otherwise."""
    if _blank(raw):
        return None
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = str(raw).strip()
    if m := _DATE_DE.match(text):
        day, month, year = (int(g) for g in m.groups())
    elif m := _DATE_ISO.match(text):
        year, month, day = (int(g) for g in m.groups())
    else:
        raise ValueError(raw)
    return dt.date(year, month, day)


def _text(fields: Mapping, name: str) -> str:
    raw = fields.get(name)
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return ""
    text = str(raw).strip()
    if len(text) > MAX_TEXT:
        raise FieldError(name, f"erwartet werden höchstens {MAX_TEXT} Zeichen, eingegeben wurden {len(text)}")
    if problem := safe_text.free_text_problem(text, FIELD_LABELS.get(name, name), MAX_TEXT):
        raise FieldError(name, f"erwartet wird {problem}")
    return text


def _ags(fields: Mapping, known_ags: set[str]) -> str:
    raw = fields.get("ags")
    text = "" if raw is None else str(raw).strip()
    if not re.fullmatch(r"\d{5}", text):
        hint = " (fehlt die führende Null?)" if re.fullmatch(r"\d{4}", text) else ""
        raise FieldError(
            "ags",
            f"erwartet wird ein fünfstelliger Kreisschlüssel wie „01001“, eingegeben wurde „{_shown(text)}“{hint}",
        )
    if text not in known_ags:
        raise FieldError("ags", f"erwartet wird ein bekannter Kreis, „{text}“ ist keiner der Kreise")
    return text


def _indicator(fields: Mapping, known_indicators: set[str]) -> str:
    text = _text(fields, "indicator")
    if not text:
        raise FieldError("indicator", "erwartet wird die Kennung eines Indikators, das Feld ist leer")
    if text not in known_indicators:
        raise FieldError("indicator", f"erwartet wird ein bekannter Indikator, „{_shown(text)}“ ist unbekannt")
    return text


def _tolerance_kind(fields: Mapping) -> str:
    raw = fields.get("tolerance_kind")
    text = "absolut" if _blank(raw) else str(raw).strip().lower()
    if text not in TOLERANCE_KINDS:
        raise FieldError("tolerance_kind", f"erwartet wird „absolut“ oder „relativ“, eingegeben wurde „{_shown(raw)}“")
    return text


def _tolerance(fields: Mapping, kind: str | None) -> float:
    value = _number(fields, "tolerance", "0,5", required=False) or 0.0
    if value < 0:
        raise FieldError(
            "tolerance", f"erwartet wird eine Zahl ab 0, eingegeben wurde „{_shown(fields.get('tolerance'))}“"
        )
    if kind == "relativ" and value > 1:
        raise FieldError(
            "tolerance",
            "bei relativer Toleranz erwartet wird ein Anteil zwischen 0 und 1 (z. B. 0,05 für 5 %), "
            f"eingegeben wurde „{_shown(fields.get('tolerance'))}“",
        )
    return value


def _optional_int(fields: Mapping, name: str, default: int | None) -> int | None:
    raw = fields.get(name)
    if _blank(raw):
        return default
    try:
        value = parse_decimal(raw)
    except ValueError:
        value = -1.0
    if not value.is_integer() or value < 1:
        raise FieldError(name, f"erwartet wird eine ganze Zahl ab 1, eingegeben wurde „{_shown(raw)}“")
    return int(value)


def validate_target(
    fields: Mapping[str, object], known_indicators: set[str], known_ags: set[str]
) -> tuple[Target | None, list[str]]:
    """Check form or CSV input and build a :class:`Target`; all problems at once, in German.

    ``fields`` uses the :class:`Target` field names; values may be typed or text as a person typed
    them (decimal comma, ``31.12.2024``). Returns ``(target, [])`` or ``(None, messages)`` where every
    message names the field and what was expected. Unknown keys are ignored.
    """
    target, errors = validate_target_fields(fields, known_indicators, known_ags)
    return target, [str(e) for e in errors]


def validate_target_fields(
    fields: Mapping[str, object], known_indicators: set[str], known_ags: set[str]
) -> tuple[Target | None, list[FieldError]]:
    """As :func:`validate_target`, but keeps which field each error belongs to (for CSV columns)."""
    errors: list[FieldError] = []
    values: dict[str, object] = {}

    def take(name: str, parse) -> None:
        try:
            values[name] = parse()
        except FieldError as error:
            errors.append(error)

    take("ags", lambda: _ags(fields, known_ags))
    take("indicator", lambda: _indicator(fields, known_indicators))
    take("target_value", lambda: _number(fields, "target_value", "12,5", required=True))
    take("target_year", lambda: _year(fields, "target_year", TARGET_YEAR_RANGE, required=True))
    take("baseline_value", lambda: _number(fields, "baseline_value", "14,2", required=False))
    take("baseline_year", lambda: _year(fields, "baseline_year", BASELINE_YEAR_RANGE, required=False))
    take("tolerance_kind", lambda: _tolerance_kind(fields))
    take("tolerance", lambda: _tolerance(fields, values.get("tolerance_kind")))
    take("agreed_by", lambda: _text(fields, "agreed_by"))
    take("agreed_on", lambda: _agreed_on(fields))
    take("note", lambda: _text(fields, "note"))
    take("id", lambda: _optional_int(fields, "id", None))
    take("version", lambda: _optional_int(fields, "version", 1))
    errors.extend(_baseline_consistency(values))
    if errors:
        return None, errors
    return Target(**values), []


def _agreed_on(fields: Mapping) -> dt.date | None:
    raw = fields.get("agreed_on")
    try:
        return parse_date(raw)
    except (ValueError, TypeError):
        raise FieldError(
            "agreed_on", f"erwartet wird ein Datum wie 31.12.2024, eingegeben wurde „{_shown(raw)}“"
        ) from None


def _baseline_consistency(values: dict[str, object]) -> list[FieldError]:
    value, year, target_year = (
        values.get("baseline_value"),
        values.get("baseline_year"),
        values.get("target_year"),
    )
    if "baseline_value" not in values or "baseline_year" not in values:
        return []  # already reported
    if value is not None and year is None:
        return [FieldError("baseline_year", "erwartet wird das Jahr des Ausgangswerts, das Feld ist leer")]
    if value is None and year is not None:
        return [FieldError("baseline_value", f"erwartet wird der Ausgangswert für {year}, das Feld ist leer")]
    if year is not None and isinstance(target_year, int) and year >= target_year:
        return [
            FieldError(
                "baseline_year",
                f"erwartet wird ein Jahr vor dem Zieljahr {target_year}, eingegeben wurde „{year}“",
            )
        ]
    return []


def target_to_record(target: Target) -> dict[str, object]:
    """JSON-safe dict of a target (date as ISO text), for history rows and exports."""
    record = asdict(target)
    record["agreed_on"] = target.agreed_on.isoformat() if target.agreed_on else None
    return record


def target_from_record(record: Mapping[str, object]) -> Target:
    """Inverse of :func:`target_to_record`; extra keys (``deleted``, audit columns) are ignored."""
    names = Target.__dataclass_fields__.keys()
    values = {name: record.get(name) for name in names}
    values["agreed_on"] = dt.date.fromisoformat(values["agreed_on"]) if values["agreed_on"] else None
    for name in ("target_value", "tolerance"):
        values[name] = float(values[name])
    if values["baseline_value"] is not None:
        values["baseline_value"] = float(values["baseline_value"])
    values["note"] = values["note"] or ""
    values["agreed_by"] = values["agreed_by"] or ""
    return Target(**values)
