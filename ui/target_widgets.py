"""Screen parts of the Ziele page: target card, chart, history, the add/edit form and CSV import/export.

Every write goes through :class:`indicators.userdata.UserData` in a widget callback that carries the version
the person saw when the form was drawn (``args``), so a colleague's change in between raises a
:class:`ConflictError` that is shown, never overwritten. Errors of the last attempt are kept in the session
state under the form's key and drawn at their fields on the next run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from indicators.domain import formatting as fmt
from indicators.domain.targets import (
    FIELD_LABELS,
    STATUS_ORDER,
    STATUS_TEXT,
    Target,
    format_de,
    projection_line,
    tolerance_width,
    validate_target_fields,
)
from indicators.outputs import report
from indicators.outputs.report import TargetAssessment, target_value_text, tolerance_text
from indicators.userdata import (
    ConflictError,
    ImportReport,
    NotAllowedError,
    UserData,
    UserDataError,
    ValidationError,
)
from ui import components, data, html, user
from ui.charts import figure
from ui.data import Warehouse
from ui.html import Markup

#: Fields a person types in the form, in the order shown.
FORM_FIELDS = (
    "target_value",
    "target_year",
    "baseline_value",
    "baseline_year",
    "tolerance",
    "tolerance_kind",
    "agreed_by",
    "agreed_on",
    "note",
)
EDITABLE = FORM_FIELDS
FLASH_KEY = "ziele_flash"
_TONE_CLASS = {"positive": "guenstig", "warning": "mittel", "negative": "unguenstig", "neutral": "keine"}
_HIDDEN_HISTORY_FIELDS = {"id", "version"}


# --- data ----------------------------------------------------------------------------------------------


def kreis_series(wh: Warehouse, home: str, indicator: str, up_to_year: int) -> list[tuple[int, float]]:
    """The Kreis's facts of one indicator up to the selected year, as ``(year, value)``."""
    frame = data.series(wh, indicator, (home,))
    return report.series_up_to(zip(frame["year"], frame["value"], strict=True), up_to_year)


def kreis_assessments(wh: Warehouse, ud: UserData, home: str, up_to_year: int) -> list[TargetAssessment]:
    """Every active target of ``home`` judged on its latest value up to ``up_to_year``; missed first."""
    meta = data.indicator_meta(wh)
    found = []
    for record in ud.target_records(ags=home):
        ind = record.target.indicator
        row = meta.loc[ind].to_dict() if ind in meta.index else {}
        found.append(report.assess_target(record.target, kreis_series(wh, home, ind, up_to_year), row, up_to_year))
    return report.display_order(found)


# --- small formatting helpers ---------------------------------------------------------------------------


def status_badge(code_tone: str, icon: str, label: str) -> Markup:
    return components.badge(_TONE_CLASS.get(code_tone, "keine"), icon, label)


def field_text(target: Target | None, name: str) -> str | dt.date | None:
    """The stored value as a person would type it (decimal comma), for prefilling the form."""
    if target is None:
        return None if name == "agreed_on" else ("absolut" if name == "tolerance_kind" else "")
    value = getattr(target, name)
    if name == "agreed_on":
        return value
    if value is None:
        return ""
    if isinstance(value, float):
        return format_de(value, 6)
    return str(value)


def _history_value(name: str, value) -> str:
    if value is None or value == "":
        return "leer"
    if name == "deleted":
        return "gelöscht" if value else "aktiv"
    if name == "agreed_on":
        return fmt.german_date(str(value))
    if isinstance(value, float):
        return format_de(value, 6)
    return str(value)


def history_frame(history: list[dict]) -> pd.DataFrame:
    """Every version: when (local time), who, what was done and each changed field as ``old → new``."""
    rows = []
    for entry in history:
        changes = []
        order = list(FIELD_LABELS) + ["deleted"]
        ordered = sorted(entry["changes"].items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order))
        for name, (old, new) in ordered:
            if name in _HIDDEN_HISTORY_FIELDS:
                continue
            label = FIELD_LABELS.get(name, "Status" if name == "deleted" else name)
            if entry["old"] is None:
                if new not in (None, "", False):
                    changes.append(f"{label}: {_history_value(name, new)}")
            else:
                changes.append(f"{label}: {_history_value(name, old)} → {_history_value(name, new)}")
        rows.append(
            {
                "Version": entry["version"],
                "Zeitpunkt": local_time(entry["changed_at"]),
                "Von": fmt.person(entry["changed_by"]),
                "Aktion": entry["action"],
                "Änderungen": "; ".join(changes) or "–",
            }
        )
    return pd.DataFrame(rows, columns=["Version", "Zeitpunkt", "Von", "Aktion", "Änderungen"])


#: The tolerance band behind the target line (a target missed by less than the tolerance is "knapp verfehlt").
TOLERANCE_FILL = "rgba(120,120,120,0.25)"

# --- chart ---------------------------------------------------------------------------------------------


def target_chart(a: TargetAssessment, points: list[tuple[int, float]], kreis_name: str) -> go.Figure:
    """The Kreis's series, the baseline, the target point with its tolerance band and the linear trend."""
    t, unit, raw_unit = a.target, html.plot(a.unit), a.unit
    shapes: list[dict] = []
    notes: list[dict] = []
    if a.polarity in (1, -1):
        width = tolerance_width(t)
        if width > 0:
            low, high = sorted((t.target_value, t.target_value - a.polarity * width))
            shapes.append(
                dict(
                    type="rect",
                    x0=0,
                    x1=1,
                    xref="x domain",
                    y0=low,
                    y1=high,
                    yref="y",
                    fillcolor=TOLERANCE_FILL,
                    line=dict(width=0),
                )
            )
            at_bottom = a.polarity == 1  # the label inside the band, on the side away from the target line
            notes.append(
                dict(
                    text="Toleranzband (knapp verfehlt)",
                    x=0,
                    xref="x domain",
                    xanchor="left",
                    y=low if at_bottom else high,
                    yref="y",
                    yanchor="bottom" if at_bottom else "top",
                    showarrow=False,
                )
            )
    shapes.append(
        dict(
            type="line",
            x0=0,
            x1=1,
            xref="x domain",
            y0=t.target_value,
            y1=t.target_value,
            yref="y",
            line=dict(color="black", dash="dash", width=1),
        )
    )
    traces: list[dict] = []
    if points:
        traces.append(
            dict(
                type="scatter",
                x=[p[0] for p in points],
                y=[p[1] for p in points],
                mode="lines+markers",
                name=html.plot(kreis_name),
                line=dict(color=components.HOME_COLOUR, width=3),
                customdata=[unit] * len(points),
                hovertemplate="%{x}: %{y:,.2f} %{customdata}<extra></extra>",
            )
        )
    trend = projection_line(points, 5, until_year=t.target_year)
    if trend:
        traces.append(
            dict(
                type="scatter",
                x=[p[0] for p in trend],
                y=[p[1] for p in trend],
                mode="lines",
                name="Trend der letzten 5 Jahre, linear fortgeschrieben",
                line=dict(color=components.NEUTRAL, dash="dot", width=2),
                customdata=[unit] * len(trend),
                hovertemplate="%{x}: %{y:,.2f} %{customdata}<extra>Trend</extra>",
            )
        )
    if t.baseline_value is not None and t.baseline_year is not None:
        traces.append(
            dict(
                type="scatter",
                x=[t.baseline_year],
                y=[t.baseline_value],
                mode="markers",
                name=f"Ausgangswert {t.baseline_year}",
                marker=dict(symbol="square", size=11, color="white", line=dict(color="black", width=2)),
            )
        )
    traces.append(
        dict(
            type="scatter",
            x=[t.target_year],
            y=[t.target_value],
            mode="markers+text",
            name=f"Ziel {t.target_year}",
            text=[html.plot(f"Ziel {fmt.value(t.target_value, raw_unit)}")],
            textposition="top center",
            marker=dict(symbol="star", size=18, color="black"),
        )
    )
    span = t.target_year - (points[0][0] if points else t.target_year)
    layout = dict(
        title=dict(text=html.plot(f"{a.label}: Verlauf und Ziel {t.target_year}")),
        yaxis=dict(title=dict(text=unit or "Wert")),
        xaxis=dict(title=dict(text="Jahr"), dtick=1 if span <= 15 else 2),
        height=430,
        legend=dict(orientation="h", yanchor="top", y=-0.2, x=0),
        margin=dict(l=10, r=10, t=60, b=10),
    )
    return figure(traces, layout, shapes, notes)


# --- target card ---------------------------------------------------------------------------------------


def local_time(timestamp: str) -> str:
    """A stored UTC timestamp as German local time, ``21.11.2026 09:58``."""
    return fmt.german_datetime(timestamp)


def card_heading(a: TargetAssessment) -> Markup:
    """``✖ verfehlt · Jugendarbeitslosenquote – Ziel 2027: ≤ 6,0 %`` with the status badge."""
    badge = status_badge(a.status.tone, a.status.icon, a.status.label)
    target = target_value_text(a.target, a.unit, a.polarity)
    return html.element("p", badge, "\u00a0 ", html.element("b", a.label), f" – Ziel {a.target.target_year}: {target}")


def facts_html(a: TargetAssessment) -> Markup:
    """The facts of a target card, one per line; note and "Vereinbart von" are typed by people, units come
    from files: all of it is escaped by ``ui.html``."""
    t = a.target
    latest = f"{fmt.value(a.latest_value, a.unit)} ({a.latest_year})" if a.latest_year else "kein Wert"
    lines = [
        ("Ist-Wert", latest),
        (f"Zielwert {t.target_year}", target_value_text(t, a.unit, a.polarity)),
        ("Toleranz", tolerance_text(t, a.unit)),
    ]
    if t.baseline_value is not None:
        lines.append((f"Ausgangswert {t.baseline_year}", fmt.value(t.baseline_value, a.unit)))
    lines.append(("Status", f"{a.status.icon} {a.status.label} – {a.status.reason}"))
    lines.append(("Entwicklung", f"{a.trajectory.icon} {a.trajectory.label} – {a.trajectory.reason}"))
    agreed = ", ".join(x for x in (t.agreed_by, fmt.german_date(t.agreed_on) if t.agreed_on else "") if x)
    if agreed:
        lines.append(("Vereinbart", agreed))
    if t.note:
        lines.append(("Notiz", t.note))
    parts: list[object] = []
    for name, text in lines:
        parts += [html.element("b", f"{name}:"), f" {text}", html.element("br")]
    parts.append(html.element("small", f"Nr. {t.id} · Version {t.version} · Kennung {t.indicator}"))
    return html.element("p", *parts, style="white-space:pre-line")


# --- forms ---------------------------------------------------------------------------------------------


def _initial(prefix: str, target: Target | None, name: str, options: list[str] | None = None) -> dict:
    """Keyword for a form widget's start value.

    Editing passes the stored value (the key includes the version, so a new version starts fresh). Adding
    seeds the session state once instead, so the callback may clear the fields after a successful save.
    """
    value = field_text(target, name)
    if target is None:
        if name == "tolerance":
            value = "0"
        st.session_state.setdefault(f"{prefix}_{name}", value)
        return {}
    if options is not None:
        return {"index": options.index(value)}
    return {"value": value}


def _errors_key(prefix: str) -> str:
    return f"{prefix}__errors"


def _show_errors(prefix: str, name: str) -> None:
    for message in st.session_state.get(_errors_key(prefix), {}).get(name, []):
        # messages quote what was typed: escaped for Markdown
        st.error(
            html.md(f"{FIELD_LABELS.get(name, '')}: {message}" if name != "_form" else message),
            icon=":material/cancel:",
        )


def _collect(prefix: str) -> dict[str, object]:
    return {name: st.session_state.get(f"{prefix}_{name}") for name in FORM_FIELDS}


def _set_errors(prefix: str, errors: dict[str, list[str]]) -> None:
    st.session_state[_errors_key(prefix)] = errors


def flash(kind: str, text: str) -> None:
    user.flash(FLASH_KEY, kind, text)


def show_flash() -> None:
    user.show_flash(FLASH_KEY)


def target_form(
    prefix: str,
    target: Target | None,
    indicator_options: Mapping[str, str] | None,
    submit_label: str,
    on_submit,
    args: tuple,
) -> None:
    """The add/edit form; ``indicator_options`` (id -> label) only when adding (the indicator is fixed later)."""
    errors = st.session_state.get(_errors_key(prefix), {})
    with st.form(prefix, border=True):
        n_field_errors = sum(len(v) for k, v in errors.items() if k != "_form")
        if n_field_errors:
            st.error(
                f"Nichts gespeichert: {n_field_errors} {'Angabe ist' if n_field_errors == 1 else 'Angaben sind'} "
                "zu korrigieren (unten bei den Feldern mit ✖ markiert).",
                icon=":material/cancel:",
            )
        _show_errors(prefix, "_form")
        if indicator_options is not None:
            st.selectbox(
                "Indikator",
                options=list(indicator_options),
                format_func=lambda i: indicator_options.get(i, i),
                key=f"{prefix}_indicator",
            )
            _show_errors(prefix, "indicator")
        left, right = st.columns(2)
        with left:
            st.text_input(
                "Zielwert",
                **_initial(prefix, target, "target_value"),
                key=f"{prefix}_target_value",
                help="Dezimalkomma, z. B. 6,5",
            )
            _show_errors(prefix, "target_value")
            st.text_input(
                "Ausgangswert (optional)", **_initial(prefix, target, "baseline_value"), key=f"{prefix}_baseline_value"
            )
            _show_errors(prefix, "baseline_value")
            st.text_input(
                "Toleranz",
                **_initial(prefix, target, "tolerance"),
                key=f"{prefix}_tolerance",
                help="Absolut in der Einheit des Indikators (z. B. 0,5) oder relativ als Anteil des Zielwerts (z. B. 0,05 = 5 %)",
            )
            _show_errors(prefix, "tolerance")
            st.text_input(
                "Vereinbart von",
                **_initial(prefix, target, "agreed_by"),
                key=f"{prefix}_agreed_by",
                placeholder="z. B. RAK-Sitzung",
            )
            _show_errors(prefix, "agreed_by")
        with right:
            st.text_input(
                "Zieljahr",
                **_initial(prefix, target, "target_year"),
                key=f"{prefix}_target_year",
                placeholder="z. B. 2027",
            )
            _show_errors(prefix, "target_year")
            st.text_input(
                "Ausgangsjahr (optional)", **_initial(prefix, target, "baseline_year"), key=f"{prefix}_baseline_year"
            )
            _show_errors(prefix, "baseline_year")
            kinds = ["absolut", "relativ"]
            st.radio(
                "Toleranzart",
                kinds,
                **_initial(prefix, target, "tolerance_kind", options=kinds),
                key=f"{prefix}_tolerance_kind",
                horizontal=True,
            )
            _show_errors(prefix, "tolerance_kind")
            st.date_input(
                "Vereinbart am",
                **_initial(prefix, target, "agreed_on"),
                key=f"{prefix}_agreed_on",
                format="DD.MM.YYYY",
                min_value=dt.date(1990, 1, 1),
                max_value=dt.date(2100, 12, 31),
            )
            _show_errors(prefix, "agreed_on")
        st.text_area("Notiz", **_initial(prefix, target, "note"), key=f"{prefix}_note", height=68)
        _show_errors(prefix, "note")
        st.form_submit_button(submit_label, type="primary", on_click=on_submit, args=args, key=f"{prefix}_submit")


def _field_errors(errors) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for error in errors:
        out.setdefault(error.field, []).append(error.message)
    return out


def add_target(prefix: str, ud: UserData, ags: str, known_indicators: set[str], known_ags: set[str]) -> None:
    """Callback of the add form: validate, store as version 1, or keep the errors for the fields."""
    fields = _collect(prefix) | {"ags": ags, "indicator": st.session_state.get(f"{prefix}_indicator")}
    target, errors = validate_target_fields(fields, known_indicators, known_ags)
    if errors:
        _set_errors(prefix, _field_errors(errors))
        return
    try:
        stored = ud.add_target(target, user.editor())
    except NotAllowedError as error:
        flash("error", str(error))
        return
    except (ConflictError, ValidationError, UserDataError) as error:
        messages = error.errors if isinstance(error, ValidationError) else [str(error)]
        _set_errors(prefix, {"_form": messages})
        return
    _set_errors(prefix, {})
    for name in FORM_FIELDS:
        st.session_state[f"{prefix}_{name}"] = "0" if name == "tolerance" else field_text(None, name)
    flash("success", f"Ziel Nr. {stored.id} angelegt (Version 1).")


def _attempt(fields: Mapping[str, object]) -> str:
    shown = [
        f"{FIELD_LABELS[n]} „{fmt.german_date(v) if isinstance(v, dt.date) else v}“"
        for n, v in fields.items()
        if v not in (None, "")
    ]
    return ", ".join(shown)


def conflict_key(target_id: int) -> str:
    return f"ziel{target_id}__conflict"


def save_target(prefix: str, ud: UserData, target_id: int, version: int, ags: str, indicator: str) -> None:
    """Callback of the edit form; ``version`` is the one shown when the form was drawn."""
    fields = _collect(prefix)
    target, errors = validate_target_fields(fields | {"ags": ags, "indicator": indicator}, {indicator}, {ags})
    if errors:
        _set_errors(prefix, _field_errors(errors))
        return
    changes = {name: getattr(target, name) for name in EDITABLE}
    try:
        stored = ud.update_target(target_id, changes, user.editor(), expected_version=version)
    except NotAllowedError as error:
        flash("error", str(error))
        return
    except ConflictError as error:
        st.session_state[conflict_key(target_id)] = (
            f"{error} Ihre Eingaben wurden nicht gespeichert: {_attempt(fields)}. "
            "Das Formular zeigt jetzt den gespeicherten Stand."
        )
        return
    except (ValidationError, UserDataError) as error:
        messages = error.errors if isinstance(error, ValidationError) else [str(error)]
        _set_errors(prefix, {"_form": messages})
        return
    st.session_state.pop(conflict_key(target_id), None)
    _set_errors(prefix, {})
    if stored.version == version:
        flash("info", f"Ziel Nr. {target_id}: keine Änderung, nichts gespeichert.")
    else:
        flash("success", f"Ziel Nr. {target_id} gespeichert (Version {stored.version}).")


def delete_target(prefix: str, ud: UserData, target_id: int, version: int) -> None:
    """Callback of the delete form; needs the confirmation box and the version that was shown."""
    if not st.session_state.get(f"{prefix}_confirm"):
        _set_errors(prefix, {"_form": ["Bitte bestätigen, dass das Ziel gelöscht werden soll."]})
        return
    try:
        ud.delete_target(target_id, user.editor(), expected_version=version)
    except NotAllowedError as error:
        flash("error", str(error))
        return
    except (ConflictError, UserDataError) as error:
        st.session_state[conflict_key(target_id)] = f"{error} Das Ziel wurde nicht gelöscht."
        return
    _set_errors(prefix, {})
    flash("success", f"Ziel Nr. {target_id} gelöscht. Der Verlauf bleibt erhalten.")


def delete_form(prefix: str, ud: UserData, target_id: int, version: int) -> None:
    with st.form(prefix, border=False):
        _show_errors(prefix, "_form")
        st.checkbox("Ja, dieses Ziel löschen (der Verlauf bleibt erhalten)", key=f"{prefix}_confirm")
        st.form_submit_button(
            "Ziel löschen", on_click=delete_target, args=(prefix, ud, target_id, version), key=f"{prefix}_submit"
        )


# --- CSV import -----------------------------------------------------------------------------------------


def preview_import(ud: UserData, data: bytes, known_indicators: set[str], known_ags: set[str]) -> ImportReport:
    """What an import would do, checked against the stored targets in memory (nothing changes, nothing copied)."""
    return ud.preview_targets_csv(data, known_indicators, known_ags)


def import_report(report: ImportReport, labels: Mapping[str, str], names: Mapping[str, str]) -> None:
    """Counts, errors (line and column), warnings and the targets the file holds."""
    if report.errors:
        st.error(
            f"Die Datei lässt sich nicht übernehmen ({len(report.errors)} Fehler); es wird nichts gespeichert:\n\n"
            + "\n".join(f"- {html.md(e)}" for e in report.errors),
            icon=":material/cancel:",
        )
        return
    st.markdown(f"**Vorschau:** {report.created} neu · {report.updated} geändert · {report.unchanged} unverändert")
    for warning in report.warnings:
        st.warning(html.md(warning), icon=":material/warning:")
    if report.targets:
        st.dataframe(
            pd.DataFrame(
                {
                    "Kreis": [f"{names.get(t.ags, t.ags)} ({t.ags})" for t in report.targets],
                    "Indikator": [labels.get(t.indicator, t.indicator) for t in report.targets],
                    "Zieljahr": [str(t.target_year) for t in report.targets],
                    "Zielwert": [format_de(t.target_value, 6) for t in report.targets],
                }
            ),
            hide_index=True,
        )


def apply_import(ud: UserData, data: bytes, known_indicators: set[str], known_ags: set[str], uploader_key: str) -> None:
    try:
        report = ud.import_targets_csv(data, user.editor(), known_indicators, known_ags)
    except NotAllowedError as error:
        flash("error", str(error))
        return
    if report.errors:  # e.g. a colleague changed a target between preview and apply: nothing was stored
        st.session_state[f"{uploader_key}__errors"] = report.errors
        return
    st.session_state["ziele_import_round"] = st.session_state.get("ziele_import_round", 0) + 1
    flash(
        "success",
        f"Import übernommen: {report.created} neu, {report.updated} geändert, {report.unchanged} unverändert.",
    )


def status_filter_options() -> dict[str, str]:
    return {code: f"{STATUS_TEXT[code][0]} {STATUS_TEXT[code][1]}" for code in STATUS_ORDER}
