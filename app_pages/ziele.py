"""Ziele: the Kreis's target agreements with status, trajectory, chart and history; add, edit, delete, CSV."""

import datetime as dt

import streamlit as st

from indicators.domain import formatting as fmt
from indicators.domain import records as table_rows
from indicators.domain.targets import STATUS_ORDER, STATUS_TEXT, plausibility_warnings
from indicators.outputs import report
from ui import chart_export, components, context, data, html, insight, user
from ui import meeting as meeting_mode
from ui import target_widgets as tw
from ui.permissions import can_edit, edit_hint

ctx = context.page()
wh, sel = ctx.wh, ctx.sel
districts = ctx.districts.reset_index()
names = dict(zip(districts["ags"], districts["display_name"], strict=True))
indicators = data.indicators(wh)
meta = data.indicator_meta(wh)
labels = dict(zip(indicators["id"], indicators["label"], strict=True))
known_indicators, known_ags = set(indicators["id"]), set(districts["ags"])
ud = user.userdata()
editable = can_edit()
kreis_name = names[sel.home]

components.header(
    f"Zielvereinbarungen: {html.md(kreis_name)}",
    f"{html.md(kreis_name)} ({sel.home}) · Ist-Werte: letzter Wert bis {sel.year} · "
    "Status: erreicht / knapp verfehlt (innerhalb der Toleranz) / verfehlt, je nach Polarität des Indikators",
)
meeting_mode.key_figures(ctx)
tw.show_flash()

assessments = tw.kreis_assessments(wh, ud, sel.home, sel.year)
records = ud.target_records(ags=sel.home)
updated = {r.target.id: (r.updated_by, r.updated_at) for r in records}

# Judgeable indicators for new targets: a direction and numbers (context indicators get no status).
target_options = {
    r["id"]: f"{r['label']} ({r['unit'] or '–'}, {'höher' if r['polarity'] > 0 else 'niedriger'} ist günstiger)"
    for r in table_rows.records(indicators.sort_values("label"), ["id", "label", "unit", "polarity", "scale"])
    if r["polarity"] != 0 and r["scale"] == "ratio"
}

if not editable:  # editors are signed in: the history records their sign-in name
    st.info(edit_hint(), icon=":material/lock:")

if not assessments:
    st.info(
        "**Für diesen Kreis ist noch keine Zielvereinbarung erfasst.**\n\n"
        "Eine *Zielvereinbarung* hält fest, welchen Wert ein Indikator bis zu einem Zieljahr erreichen soll, "
        "wie ihn der Regionale Arbeitskreis (RAK) vereinbart hat – etwa „Jugendarbeitslosenquote bis 2027 "
        "höchstens 6,0 %“. Dazu gehören Ausgangswert und -jahr, eine Toleranz (innerhalb derer ein Ziel als "
        "*knapp verfehlt* gilt), wer es wann vereinbart hat und eine Notiz. RegioMonitor vergleicht jedes Ziel "
        "mit dem letzten amtlichen Wert, schreibt den Trend bis zum Zieljahr fort und hält jede Änderung im "
        "Verlauf fest.\n\n"
        + (
            "**So legen Sie ein Ziel an:** unten das Formular *Neues Ziel anlegen* ausfüllen oder mehrere Ziele "
            "als CSV-Datei importieren (Vorlage: der Export unten liefert die Kopfzeile mit allen Spalten)."
            if editable
            else "Ziele anlegen können Personen mit Bearbeitungsrecht."
        ),
        icon=":material/flag:",
    )
else:
    counts = report.summarise_targets(assessments).counts
    with st.container(horizontal=True):
        for code in STATUS_ORDER:
            icon, label = STATUS_TEXT[code]
            st.metric(f"{icon} {label}", counts[code], border=True)

    options = tw.status_filter_options()
    trajectories = {a.trajectory.code: f"{a.trajectory.icon} {a.trajectory.label}" for a in assessments}
    with st.container(horizontal=True):
        wanted_status = st.multiselect(
            "Status", list(options), format_func=options.get, placeholder="alle", key="ziele_status"
        )
        wanted_traj = st.multiselect(
            "Entwicklung", list(trajectories), format_func=trajectories.get, placeholder="alle", key="ziele_trajectory"
        )
        wanted_topic = st.multiselect(
            "Thema", sorted({a.topic for a in assessments}), placeholder="alle Themen", key="ziele_topic"
        )
    shown = [
        a
        for a in assessments
        if (not wanted_status or a.status.code in wanted_status)
        and (not wanted_traj or a.trajectory.code in wanted_traj)
        and (not wanted_topic or a.topic in wanted_topic)
    ]
    if not shown:
        st.info("Kein Ziel entspricht den gewählten Filtern.")

    for a in shown:
        t = a.target
        with st.container(border=True):
            html.render(tw.card_heading(a))
            if a.status.code == "verfehlt":
                st.error(f"**Ziel verfehlt:** {html.md(a.status.reason)}", icon=":material/cancel:")
            elif a.status.code == "knapp_verfehlt":
                st.warning(f"**Ziel knapp verfehlt:** {html.md(a.status.reason)}", icon=":material/warning:")
            if (message := st.session_state.get(tw.conflict_key(t.id))) is not None:
                st.error(f"**Nicht gespeichert – Konflikt:** {html.md(message)}", icon=":material/block:")
            left, right = st.columns([2, 3])
            with left:
                html.render(tw.facts_html(a))
                if t.id in updated:
                    by, at = updated[t.id]
                    st.caption(f"Zuletzt geändert von {html.md(fmt.person(by))} am {tw.local_time(at)}")
                entered = int(str(updated[t.id][1])[:4]) if t.id in updated else None
                for warning in plausibility_warnings(t, a.unit, entered):
                    st.warning(f"**Bitte prüfen:** {html.md(warning)}", icon="⚠️")
            with right:
                chart_export.show(
                    tw.target_chart(a, tw.kreis_series(wh, sel.home, t.indicator, sel.year), kreis_name),
                    f"ziel_{t.id}_{t.indicator}_{sel.home}",
                    [meta.loc[t.indicator, "source"]] if t.indicator in meta.index else [],
                    ctx.built,
                    key=f"ziel{t.id}",
                )
            insight.target_outlook(wh, a, sel.home, sel.year, kreis_name)
            history = ud.target_history(t.id)
            with st.expander(f"Verlauf ({len(history)} {'Version' if len(history) == 1 else 'Versionen'})"):
                st.dataframe(tw.history_frame(history), hide_index=True, key=f"ziel{t.id}_history")
            if editable:
                prefix = f"ziel{t.id}v{t.version}"
                with st.expander("Bearbeiten oder löschen"):
                    tw.target_form(
                        prefix,
                        t,
                        None,
                        "Änderungen speichern",
                        tw.save_target,
                        (prefix, ud, t.id, t.version, t.ags, t.indicator),
                    )
                    tw.delete_form(f"{prefix}_loeschen", ud, t.id, t.version)

if editable:
    st.subheader("Neues Ziel anlegen")
    tw.target_form(
        "ziel_neu",
        None,
        target_options,
        "Ziel anlegen",
        tw.add_target,
        ("ziel_neu", ud, sel.home, known_indicators, known_ags),
    )

st.subheader("Import und Export (CSV)")
st.download_button(
    "Ziele dieses Kreises als CSV herunterladen (Excel)",
    data=ud.export_targets_csv(ags=sel.home),
    file_name=f"zielvereinbarungen_{sel.home}_{dt.date.today():%Y-%m-%d}.csv",
    mime="text/csv",
    icon=":material/download:",
    key="ziele_export",
)
st.caption(
    "Semikolon-getrennt, Dezimalkomma, UTF-8 mit BOM: öffnet sich in deutschem Excel direkt. Die Datei lässt sich bearbeitet wieder importieren."
)
if editable:
    uploader_key = f"ziele_import_{st.session_state.get('ziele_import_round', 0)}"
    upload = st.file_uploader(
        "CSV-Datei mit Zielen importieren",
        type=["csv", "txt"],
        key=uploader_key,
        help="Eine Datei im Format des Exports oben (CSV oder TXT, Semikolon-getrennt).",
    )
    for error in st.session_state.get(f"{uploader_key}__errors", []):
        st.error(html.md(error), icon=":material/cancel:")
    if upload is not None:
        content = upload.getvalue()
        preview = tw.preview_import(ud, content, known_indicators, known_ags)
        tw.import_report(preview, labels, names)
        if preview.ok:
            st.button(
                "Import übernehmen",
                type="primary",
                on_click=tw.apply_import,
                args=(ud, content, known_indicators, known_ags, uploader_key),
                key="ziele_import_apply",
            )
    st.caption(
        "Ablauf: Datei wählen → Vorschau prüfen → übernehmen. Es werden alle Zeilen übernommen oder keine; "
        "Fehler nennen Zeile und Spalte. Ziele werden über Kreis, Indikator und Zieljahr zugeordnet."
    )
