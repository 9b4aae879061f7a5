"""The published JUGEND STÄRKEN / JUST BEst reference (2022) beside our numbers, with its own label and year.

The table is a reference, not a source: its rows are shown as published, apart from the official series, and an
indicator that exists only there is marked as such.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from indicators.domain import formatting as fmt
from ui import html

LABEL = "veröffentlicht in JUST BEst (2022)"
STATISTICS = {"median": "Median", "mean": "Mittelwert", "min": "Minimum", "max": "Maximum", "germany": "Deutschland"}
ONLY_PUBLISHED = "nur veröffentlicht (keine amtliche Reihe)"


def _cell(rows: pd.DataFrame, unit: str) -> str:
    if rows.empty:
        return "–"
    row = rows.iloc[0]
    label = row["value_label"] if isinstance(row.get("value_label"), str) else None
    return fmt.value(row["value"], unit, label)


def indicator_rows(published: pd.DataFrame, home: str, home_name: str) -> pd.DataFrame:
    """Median, Mittelwert, Minimum, Maximum, Deutschland (and the home Kreis where the table names it)."""
    if published.empty:
        return pd.DataFrame(columns=["", "Wert"])
    unit = str(published["unit"].iloc[0] or "")
    rows = [(name, _cell(published[published["statistic"] == key], unit)) for key, name in STATISTICS.items()]
    mine = published[(published["statistic"] == "kommune") & (published["region"] == home)]
    if len(mine):
        rows.insert(0, (home_name, _cell(mine, unit)))
    return pd.DataFrame(rows, columns=["", "Wert"])


def show_for_indicator(published: pd.DataFrame, home: str, home_name: str) -> None:
    """The block on the Indikator page: the five published rows with their own label, year and source."""
    if published.empty:
        return
    first = published.iloc[0]
    st.markdown(f"**{LABEL}**")
    st.caption(f"„{first['published_label']}“ · Jahr {int(first['year'])} · eigene Abgrenzung der Tabelle")
    st.table(indicator_rows(published, home, home_name).set_index(""))
    note = first.get("note")
    if isinstance(note, str) and note:
        st.caption(note)
    st.caption(
        f"Quelle: {first['source']} · Stand: {first['stand']}. Wie veröffentlicht; nicht Teil der Zeitreihe und "
        "nicht mit den amtlichen Werten darüber verrechnet."
    )


def profile_rows(published: pd.DataFrame, profile: pd.DataFrame, home: str) -> pd.DataFrame:
    """One row per indicator of the reference table: our latest value (with year) beside the published rows.

    Runs on every view of the Kreisprofil with the reference table open, so it works on plain records, not on one
    small frame per indicator.
    """
    if published.empty:
        return pd.DataFrame()
    ours = {}
    if len(profile):
        columns = (profile["indicator"], profile["value"], profile["value_label"], profile["year"])
        ours = {ind: (value, label, year) for ind, value, label, year in zip(*columns, strict=True)}
    groups: dict[str, list[dict]] = {}
    for row in published.to_dict("records"):
        if isinstance(row["indicator"], str):
            groups.setdefault(row["indicator"], []).append(row)
    out = []
    for indicator, rows in groups.items():
        first = rows[0]
        unit = str(first["unit"] or "")
        if indicator in ours:
            value, label, year = ours[indicator]
            own = f"{fmt.value(value, unit, label if isinstance(label, str) else None)} ({int(year)})"
        elif bool(first["official"]):
            own = "–"
        else:
            own = ONLY_PUBLISHED
        home_rows = [r for r in rows if r["statistic"] == "kommune" and r["region"] == home]
        out.append(
            {
                "Indikator": str(first["label"]),
                "Unser Wert (Jahr)": own,
                "Kreis (veröffentlicht)": _record_cell(home_rows, unit),
                **{
                    name: _record_cell([r for r in rows if r["statistic"] == key], unit)
                    for key, name in STATISTICS.items()
                },
                "Hinweis": first["note"] if isinstance(first.get("note"), str) else "",
            }
        )
    return pd.DataFrame(out)


def _record_cell(rows: list[dict], unit: str) -> str:
    """As :func:`_cell`, for rows as records."""
    if not rows:
        return "–"
    label = rows[0]["value_label"] if isinstance(rows[0].get("value_label"), str) else None
    return fmt.value(rows[0]["value"], unit, label)


def show_for_profile(published: pd.DataFrame, profile: pd.DataFrame, home: str, home_name: str) -> None:
    """The section on the Kreisprofil: every indicator of the reference table, ours beside the published."""
    if published.empty:
        return
    # built only while open (opening reruns the page): most views of the Kreisprofil leave it closed
    with st.expander(
        f"Referenztabelle JUGEND STÄRKEN: {LABEL}",
        icon=":material/menu_book:",
        key="profil_referenz",
        on_change="rerun",
    ) as box:
        if not box.open:
            return
        st.caption(
            f"Veröffentlichte Werte der Tabelle „Daten zur Lebenslage junger Menschen in den JUST BEst Kommunen“, "
            f"Jahr 2022, in ihrer eigenen Abgrenzung. „Kreis (veröffentlicht)“ nur, wo die Tabelle {html.md(home_name)} "
            "nennt. Indikatoren ohne amtliche Reihe im Datenbestand sind als solche gekennzeichnet; keiner dieser "
            "Werte geht in Zeitreihen, Ränge oder Deutschland-Werte ein."
        )
        st.dataframe(profile_rows(published, profile, home), hide_index=True)
        st.caption(f"Quelle: {published['source'].iloc[0]} · Stand: {published['stand'].iloc[0]}")
