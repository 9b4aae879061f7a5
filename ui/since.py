"""Data vintages on screen: "Seit der letzten Sitzung" on the Sitzung page, the Datenstand a session views
(any page "as of" a snapshot, with a banner), and the revisions between two snapshots on Methodik.

The rules live in :mod:`indicators.domain.changes`, the snapshots in :mod:`indicators.warehouse.snapshots`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import streamlit as st

from indicators.domain import changes as ch
from indicators.domain import formatting as fmt
from indicators.domain import targets
from indicators.domain.targets import target_from_record
from indicators.outputs import report
from indicators.userdata import UserData
from indicators.userdata.errors import UserDataError
from indicators.warehouse import snapshots
from indicators.warehouse.store import Store
from ui import data, html, user
from ui.data import Warehouse
from ui.permissions import can_edit

STATUS_TEXT = {
    "neu": "neu angelegt",
    **{code: f"{icon} {label}" for code, (icon, label) in targets.STATUS_TEXT.items()},
}


@st.cache_resource(show_spinner=False, max_entries=3)
def _snapshot_store(path: str) -> Store:
    """A snapshot never changes: its path is the whole cache key."""
    return Store(path)


def snapshot_store(snapshot: snapshots.Snapshot) -> Store:
    return _snapshot_store(str(snapshot.path))


# --- Datenstand: any page as of a snapshot ----------------------------------------------------------------


def viewing() -> snapshots.Snapshot | None:
    """The snapshot this session views instead of the current one, if any."""
    chosen = st.session_state.get(data.SNAPSHOT_KEY)
    if not chosen:
        return None
    root = data.warehouse_path()
    if chosen == snapshots.current_id(root):
        return None
    return next((s for s in snapshots.available(root) if s.id == chosen), None)


def _back_to_current() -> None:
    st.session_state.pop(data.SNAPSHOT_KEY, None)


def snapshot_banner() -> None:
    """Every page: say plainly that an older Datenstand is shown, with the way back."""
    shown = viewing()
    if shown is None:
        return
    meeting = st.session_state.get("_datenstand_label") or shown.label
    with st.container(horizontal=True):
        st.warning(
            f"**Ansicht eines früheren Datenstands:** {meeting}. Werte, Jahre und Rangfolgen sind so, wie sie damals "
            "vorlagen; Ziele und Notizen sind die aktuellen.",
            icon=":material/history:",
        )
        st.button(
            "Zum aktuellen Datenstand", on_click=_back_to_current, icon=":material/update:", key="datenstand_aktuell"
        )


def _view(snapshot_id: str, label: str) -> None:
    st.session_state[data.SNAPSHOT_KEY] = snapshot_id
    st.session_state["_datenstand_label"] = label


# --- Seit der letzten Sitzung ------------------------------------------------------------------------------


@dataclass
class SinceReport:
    """Everything new since a date for one Kreis; lists of (text, indicator or None) for the links."""

    since: dt.date
    baseline: snapshots.Snapshot | None
    new_years: list[tuple[str, str]] = field(default_factory=list)
    moved: list[tuple[str, str, str]] = field(default_factory=list)  # text, indicator, tone
    similar: int = 0
    statuses: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def count_text(self) -> str:
        def count(n: int, one: str, many: str) -> str:
            return f"{n} {one if n == 1 else many}"

        return " · ".join(
            [
                count(len(self.new_years), "Indikator mit neuem Datenjahr", "Indikatoren mit neuem Datenjahr"),
                count(len(self.moved), "auffällige Veränderung", "auffällige Veränderungen"),
                count(len(self.statuses), "Ziel mit geändertem Status", "Ziele mit geändertem Status"),
                count(len(self.notes), "neue Notiz", "neue Notizen"),
            ]
        )


def _end_of(day: dt.date) -> str:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=dt.UTC).isoformat()


def target_statuses_then(ud: UserData, home: str, day: dt.date, old: Store | None) -> dict[int, tuple[str, str]]:
    """Status of every target as it stood at the end of ``day``: its version then, judged on the data then."""
    if old is None:
        return {}
    meta = old.indicators().set_index("id")
    out = {}
    for record in ud.target_records(ags=home, include_deleted=True):
        versions = [h for h in ud.target_history(record.target.id) if h["changed_at"] <= _end_of(day)]
        if not versions or (versions[-1]["new"] or {}).get("deleted"):
            continue
        target = target_from_record(versions[-1]["new"])
        series = old.series(target.indicator, [home])
        row = meta.loc[target.indicator].to_dict() if target.indicator in meta.index else {}
        judged = report.assess_target(target, zip(series["year"], series["value"], strict=True), row, 9999)
        out[target.id] = (target.indicator, judged.status.code)
    return out


def target_statuses_now(ud: UserData, home: str, s: Store) -> dict[int, tuple[str, str]]:
    meta = s.indicators().set_index("id")
    out = {}
    for record in ud.target_records(ags=home):
        target = record.target
        series = s.series(target.indicator, [home])
        row = meta.loc[target.indicator].to_dict() if target.indicator in meta.index else {}
        judged = report.assess_target(target, zip(series["year"], series["value"], strict=True), row, 9999)
        out[target.id] = (target.indicator, judged.status.code)
    return out


def since_report(s: Store, ud: UserData, home: str, day: dt.date, meeting_snapshot: str | None) -> SinceReport:
    """What is new for ``home`` since ``day``: data years, movements beyond noise, target statuses, notes."""
    root = data.warehouse_path()
    baseline = None
    if meeting_snapshot:
        baseline = next((x for x in snapshots.available(root) if x.id == meeting_snapshot), None)
    baseline = baseline or snapshots.as_of(root, day)
    result = SinceReport(day, baseline)
    meta = s.indicators().set_index("id")
    old = snapshot_store(baseline) if baseline is not None else None
    if old is not None and Path(old.path).resolve() != Path(s.path).resolve():
        n_kreise = len(s.districts())
        arrived = ch.new_years(old.quality(), s.quality(), n_kreise)
        for indicator, group in arrived.groupby("indicator", sort=False):
            if indicator not in meta.index or not bool(meta.loc[indicator, "catalogued"]):
                continue
            row = meta.loc[indicator]
            years = ", ".join(str(y) for y in sorted(group["year"]))
            result.new_years.append((f"{row['label']}: {years}", indicator))
            if row["scale"] != "ratio":
                continue
            series = s.series(indicator, [home]).set_index("year")
            breaks = {int(y) for y, b in series["break"].items() if bool(b)}
            for year in sorted(group["year"]):
                moved = ch.movement(
                    series["value"], int(year), floor=ch.precision_floor(row["unit"] or ""), breaks=breaks
                )
                if moved is None:
                    continue
                if moved.code in ("hoeher", "niedriger", "bruch"):
                    result.moved.append(
                        (moved.sentence(row["label"], row["unit"] or ""), indicator, moved.tone(int(row["polarity"])))
                    )
                else:
                    result.similar += 1
    labels = meta["label"].to_dict()
    before = target_statuses_then(ud, home, day, old if old is not None else s)
    for change in ch.status_changes(before, target_statuses_now(ud, home, s)):
        result.statuses.append(
            f"{labels.get(change.indicator, change.indicator)}: {STATUS_TEXT.get(change.before, change.before)} → "
            f"{STATUS_TEXT.get(change.after, change.after)}"
        )
    for note in ud.notes(home):
        if note.created_at > _end_of(day):
            about = f" ({labels.get(note.indicator, note.indicator)})" if note.indicator else ""
            result.notes.append(f"{fmt.german_date(note.created_at[:10])}, {note.author}{about}: {note.text}")
    return result


def _open_indicator(indicator: str) -> None:
    st.session_state["indikator"] = indicator


def _links(items: list[tuple[str, str]], key: str, page: str) -> None:
    for n, (text, indicator) in enumerate(items):
        with st.container(horizontal=True, vertical_alignment="center"):
            st.markdown(f"- {html.md(text)}")
            if st.button("öffnen", key=f"{key}_{n}", on_click=_open_indicator, args=(indicator,), type="tertiary"):
                st.switch_page(page)


def since_last_meeting(wh: Warehouse, home: str, kreis_name: str, expanded: bool = True) -> None:
    """Sitzung page: what is new since the last meeting (or a chosen date), each item with a link."""
    ud = user.userdata()
    try:
        meetings = ud.meetings(home)
    except UserDataError:
        meetings = []
    last = meetings[0] if meetings else None
    default = last.held_on if last else dt.date.today() - dt.timedelta(days=90)
    day = st.session_state.get("seit_datum", default)
    title = f"Seit der letzten Sitzung ({fmt.german_date(day)})" if last else f"Neu seit {fmt.german_date(day)}"
    with st.expander(title, expanded=expanded, icon=":material/new_releases:"):
        with st.container(horizontal=True):
            st.date_input("Neu seit", value=default, format="DD.MM.YYYY", key="seit_datum")
            if meetings:
                st.caption("Gespeicherte Sitzungen: " + ", ".join(fmt.german_date(m.held_on) for m in meetings[:6]))
        snapshot_id = last.snapshot if last and last.held_on == day else None
        found = since_report(wh.store, ud, home, day, snapshot_id)
        st.markdown(f"**{html.md(kreis_name)} seit {fmt.german_date(day)}:** {found.count_text}")
        if found.baseline is None:
            st.info(
                f"Für den {fmt.german_date(day)} ist kein Datenstand gespeichert (Datenstände entstehen mit jedem "
                "Neuaufbau). Neue Datenjahre und Veränderungen lassen sich daher nicht bestimmen; Ziele und Notizen "
                "schon."
            )
        else:
            st.caption(
                f"Verglichen mit dem Datenstand, der damals galt ({found.baseline.label}). Eine Veränderung heißt "
                f"nur dann „höher“ oder „niedriger“, wenn sie mehr als {fmt.number(ch.NOISE_FACTOR, 0)}-mal so groß ist "
                "wie die übliche Schwankung der Reihe von Jahr zu Jahr; sonst „ähnlich“."
            )
            st.button(
                f"Seiten so zeigen wie damals ({found.baseline.label})",
                on_click=_view,
                args=(found.baseline.id, f"Stand der Sitzung vom {fmt.german_date(day)}"),
                icon=":material/history:",
                key="seit_ansicht",
            )
        if found.new_years:
            st.markdown("**Neue Datenjahre**")
            _links(found.new_years, "seit_jahr", "app_pages/indikator.py")
        if found.moved:
            st.markdown(f"**Auffällige Veränderungen** (dazu {found.similar} ähnlich wie üblich)")
            _links([(text, ind) for text, ind, _ in found.moved], "seit_wert", "app_pages/indikator.py")
        if found.statuses:
            st.markdown("**Ziele mit geändertem Status**")
            for text in found.statuses:
                st.markdown(f"- {html.md(text)}")
            st.page_link("app_pages/ziele.py", label="Zu den Zielen", icon=":material/flag:")
        if found.notes:
            st.markdown("**Neue Notizen**")
            for text in found.notes:
                st.markdown(f"- {html.md(text)}")
        if can_edit():
            _record_meeting(ud, home)


def _record_meeting(ud: UserData, home: str) -> None:
    with st.popover("Heutige Sitzung festhalten", icon=":material/event:"):
        with st.form("sitzung_festhalten", border=False):
            day = st.date_input("Datum", value=dt.date.today(), format="DD.MM.YYYY")
            title = st.text_input("Bezeichnung (optional)", placeholder="z. B. RAK Frühjahr")
            if st.form_submit_button("Sitzung speichern"):
                snapshot = snapshots.current_id(data.warehouse_path())
                try:
                    ud.add_meeting(home, day, user.editor(), title=title, snapshot=snapshot)
                except UserDataError as error:
                    st.error(html.md(str(error)))
                else:
                    st.success(f"Sitzung vom {fmt.german_date(day)} gespeichert (mit dem heutigen Datenstand).")


# --- Methodik: revisions between two snapshots -------------------------------------------------------------


@st.cache_data(show_spinner="Datenstände werden verglichen …", max_entries=4)
def revisions(older: str, newer: str) -> pd.DataFrame:
    """Changed cells between two snapshot folders (immutable: their paths are the key)."""
    return ch.revisions(_snapshot_store(older).facts(), _snapshot_store(newer).facts())


def revisions_section(wh: Warehouse) -> None:
    st.markdown("### Datenstände und Revisionen")
    found = snapshots.available(data.warehouse_path())
    st.markdown(
        f"Jeder Neuaufbau wird als datierter Datenstand aufbewahrt (die letzten {snapshots.keep_count()}, "
        f"einstellbar mit `{snapshots.KEEP_ENV}`). Jede Seite lässt sich mit einem früheren Stand ansehen; hier "
        "steht, welche Werte sich zwischen zwei Ständen geändert haben."
    )
    if len(found) < 2:
        st.info(
            "Es gibt noch keine zwei Datenstände zum Vergleichen." if found else "Noch kein Datenstand gespeichert."
        )
        return
    labels = {x.id: x.label for x in found}
    with st.container(horizontal=True):
        newer = st.selectbox("Neuerer Stand", list(labels), format_func=labels.get, key="revision_neu")
        older_options = [i for i in labels if i < newer] or list(labels)
        older = st.selectbox("Älterer Stand", older_options, format_func=labels.get, key="revision_alt")
        st.selectbox(
            "Seiten zeigen mit Stand",
            ["", *labels],
            format_func=lambda i: "aktuell" if not i else labels[i],
            key=data.SNAPSHOT_KEY,
        )
    paths = {x.id: str(x.path) for x in found}
    cells = revisions(paths[older], paths[newer])
    if cells.empty:
        st.success(f"Keine Werte geändert zwischen {labels[older]} und {labels[newer]}.")
        return
    meta = data.indicator_meta(wh)
    summary = ch.revision_summary(cells)
    summary.insert(0, "Indikator", [meta["label"].get(i, i) for i in summary["indicator"]])
    st.dataframe(summary.drop(columns=["indicator"]), hide_index=True)
    names = data.districts(wh).set_index("ags")["display_name"].to_dict()
    shown = cells.assign(abs=cells["difference"].abs()).sort_values("abs", ascending=False).head(200)
    st.dataframe(
        pd.DataFrame(
            {
                "Region": [names.get(r, r) for r in shown["region"]],
                "Indikator": [meta["label"].get(i, i) for i in shown["indicator"]],
                "Jahr": shown["year"],
                "vorher": [fmt.exact(x) for x in shown["before"]],
                "nachher": [fmt.exact(x) for x in shown["after"]],
                "Änderung": [fmt.exact(x, sign=True) for x in shown["difference"]],
                "Art": shown["kind"],
            }
        ),
        hide_index=True,
        column_config={c: st.column_config.TextColumn(alignment="right") for c in ("vorher", "nachher", "Änderung")},
    )
    st.caption(f"{len(cells)} geänderte, neue oder entfallene Werte; gezeigt die {len(shown)} größten Änderungen.")
