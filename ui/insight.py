"""Screen pieces of the insight features: the fair benchmark (Erwartungswert) on the Indikator page and the
Kreisprofil, the target odds with their fan chart on Ziele, break-away alerts on Ziele and
Handlungsschwerpunkte, and the model figures on Methodik. The models live in :mod:`indicators.domain`
(``expectation``, ``forecast``, ``trend_break``)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from indicators import insight
from indicators.domain import expectation as ex
from indicators.domain import forecast as fc
from indicators.domain import formatting as fmt
from indicators.domain import trend_break as tb
from indicators.outputs import report
from indicators.outputs.report import TargetAssessment
from ui import chart_export, data, html
from ui.charts import band_traces, figure, line
from ui.components import FAVOURABLE, HOME_COLOUR, NEUTRAL, PEER_COLOUR, UNFAVOURABLE
from ui.data import Warehouse

TTL = data.TTL

EXPLANATION = (
    "**So entsteht der Erwartungswert.** Für jedes Jahr wird über alle Kreise berechnet, welchen Wert ein Kreis "
    "allein aufgrund seiner Struktur erwarten lässt – Merkmale, die er kurzfristig nicht ändern kann: "
    + ", ".join(v.label for v in ex.CONTEXT)
    + ". Das Verfahren ist eine lineare Regression (kleinste Quadrate). Ehrlich wird sie durch "
    "Kreuzvalidierung: Die Kreise werden in zehn Gruppen geteilt, jede Gruppe wird von einem Modell geschätzt, "
    "das sie nicht kannte. Daraus stammen das angegebene R² (Anteil der Unterschiede zwischen den Kreisen, den "
    "die Struktur erklärt) und der Bereich, in dem 9 von 10 Kreisen liegen. Nur wer außerhalb dieses Bereichs "
    "liegt, gilt als über oder unter dem Erwartungswert. Die drei genannten Merkmale sind die, die den "
    "Erwartungswert dieses Kreises am stärksten vom Durchschnitt aller Kreise wegschieben. "
    "Der Erwartungswert ist kein Ziel und keine Bewertung der Arbeit vor Ort: Er zeigt, was für Kreise mit "
    "dieser Struktur üblich ist."
)
TONE_ICON = {"positive": "▲", "negative": "▼", "neutral": "●"}
CODE_ICON = {"ueber": ":material/arrow_upward:", "unter": ":material/arrow_downward:", "im_rahmen": ":material/check:"}
POSITION_TEXT = {"ueber": "über Erwartung", "unter": "unter Erwartung", "im_rahmen": "im erwarteten Rahmen"}


@data.shared(max_entries=1024)
def expectation(wh: Warehouse, indicator: str, year: int):
    """Shared by all sessions, not unpickled per call (the Kreisprofil asks for every headline indicator's model on
    each run), and room for every indicator-year of the warehouse: with 64 entries a random walk through Kreise and
    years recomputed models all the time."""
    return insight.expectation_model(wh.store, indicator, year)


def _position_label(code: str, polarity: int) -> str:
    if code == "im_rahmen" or polarity == 0:
        return f"{TONE_ICON['neutral']} {POSITION_TEXT[code]}"
    favourable = polarity * (1 if code == "ueber" else -1) > 0
    return f"{TONE_ICON['positive' if favourable else 'negative']} {POSITION_TEXT[code]}"


def expectation_chart(
    model: ex.ExpectationModel, home: str, names: dict[str, str], unit: str, polarity: int
) -> go.Figure:
    """Every Kreis: expected value (x) against the actual value (y); the band is the 90 % range."""
    table = model.table
    lo = float(min(table["expected"].min(), table["value"].min()))
    hi = float(max(table["expected"].max(), table["value"].max()))
    diagonal = [lo, hi]
    traces = [
        dict(
            type="scatter",
            x=diagonal,
            y=[lo + model.half_width, hi + model.half_width],
            mode="lines",
            line=dict(color=NEUTRAL, dash="dot", width=1),
            showlegend=False,
            hoverinfo="skip",
        ),
        dict(
            type="scatter",
            x=diagonal,
            y=[lo - model.half_width, hi - model.half_width],
            mode="lines",
            fill="tonexty",
            fillcolor="rgba(150,150,150,0.15)",
            line=dict(color=NEUTRAL, dash="dot", width=1),
            name=f"erwarteter Bereich ({round(model.level * 100)} % der Kreise)",
            hoverinfo="skip",
        ),
        dict(
            type="scatter",
            x=diagonal,
            y=diagonal,
            mode="lines",
            line=dict(color="black", dash="dash"),
            name="Wert = Erwartung",
        ),
    ]
    colours = {"im_rahmen": "#b0b0b0", "ueber": NEUTRAL, "unter": NEUTRAL}
    if polarity:
        good, bad = ("ueber", "unter") if polarity > 0 else ("unter", "ueber")
        colours.update({good: FAVOURABLE, bad: UNFAVOURABLE})
    others = table.drop(index=[home], errors="ignore")
    for code, group in others.groupby("position"):
        traces.append(
            dict(
                type="scatter",
                x=group["expected"],
                y=group["value"],
                mode="markers",
                marker=dict(color=colours[code], size=7),
                name=_position_label(code, polarity),
                text=[html.plot(names.get(r, r)) for r in group.index],
                hovertemplate="%{text}: Wert %{y:,.2f}, erwartet %{x:,.2f}<extra></extra>",
            )
        )
    if home in table.index:
        row = table.loc[home]
        traces.append(
            dict(
                type="scatter",
                x=[row["expected"]],
                y=[row["value"]],
                mode="markers",
                marker=dict(color=HOME_COLOUR, size=18, symbol="diamond", line=dict(color="black", width=1)),
                name=html.plot(names.get(home, home)),
                hovertemplate="%{y:,.2f} (erwartet %{x:,.2f})<extra></extra>",
            )
        )
    x_title = f"Erwartungswert ({html.plot(unit)})" if unit else "Erwartungswert"
    y_title = f"Ist-Wert ({html.plot(unit)})" if unit else "Ist-Wert"
    layout = dict(
        title=dict(text=f"Ist-Wert und Erwartungswert aller Kreise {model.year}"),
        xaxis=dict(title=dict(text=x_title)),
        yaxis=dict(title=dict(text=y_title)),
        height=440,
    )
    return figure(traces, layout)


def expectation_section(wh: Warehouse, indicator: str, year: int, home: str, names: dict[str, str]) -> None:
    """Indikator page: is the value unusual for a Kreis with this structure? (only said outside the interval)"""
    meta = data.indicator_meta(wh).loc[indicator]
    if meta["scale"] != "ratio":
        return
    st.subheader("Fairer Vergleich: Erwartungswert für Kreise mit dieser Struktur")
    model, frame = expectation(wh, indicator, int(year))
    if model is None:
        st.info(
            f"Für {year} liegen nicht genug Kreise mit Wert und vollständiger Struktur vor "
            f"(mindestens {ex.MIN_KREISE} von 400): kein Erwartungswert."
        )
        return
    unit, polarity = meta["unit"] or "", int(meta["polarity"])
    said = ex.verdict(model, home, frame.loc[home], unit=unit, polarity=polarity, kreis_name=names.get(home, home))
    if said is None:
        st.info(f"{html.md(names.get(home, home))} hat {year} keinen Wert oder keine vollständige Struktur.")
    else:
        shown = {"positive": st.success, "negative": st.warning}.get(said.tone, st.info)
        shown(html.md(said.headline), icon=CODE_ICON[said.code])  # sentences quote the Kreis name and unit
        st.markdown(
            "**Was den Erwartungswert dieses Kreises am stärksten prägt** (Abweichung vom Durchschnitt aller "
            "Kreise):\n" + "\n".join(f"- {html.md(d)}" for d in said.drivers)
        )
        st.caption(html.md(said.detail))
    meta_all = data.indicator_meta(wh)["source"]
    sources = [meta["source"], *(meta_all.get(i) for i in ex.CONTEXT_INDICATORS)]
    chart_export.show(
        expectation_chart(model, home, names, unit, polarity),
        f"{indicator}_erwartungswert_{year}_{home}",
        sources,
        wh.built,
        key=f"erwartung_{indicator}_{year}",
    )
    st.caption(
        "Punkte über der gestrichelten Linie liegen über ihrem Erwartungswert, darunter darunter. Im grauen Band "
        f"liegen die Kreise, deren Abstand zur Erwartung nicht größer ist als bei {round(model.level * 100)} % "
        "aller Kreise."
    )
    # built only while open (opening reruns the page): the weights table cost a third of this section per run
    with st.expander(
        "Wie der Erwartungswert berechnet wird", icon=":material/info:", key="erwartung_erklaerung", on_change="rerun"
    ) as box:
        if box.open:
            st.markdown(EXPLANATION)
            st.dataframe(model_variables_frame(model, frame, unit), hide_index=True)


def model_variables_frame(model: ex.ExpectationModel, frame: pd.DataFrame, unit: str) -> pd.DataFrame:
    weights = ex.importance(model, frame)
    return pd.DataFrame(
        {
            "Merkmal": [ex.CONTEXT_BY_KEY[k].label for k in weights.index],
            "Warum": [ex.CONTEXT_BY_KEY[k].why for k in weights.index],
            f"mittlerer Einfluss ({unit or 'Einheit'})": [fmt.number(w, 2) for w in weights],
        }
    )


def expectation_profile(wh: Warehouse, home: str, year: int, names: dict[str, str]) -> None:
    """Kreisprofil: the headline indicators against their expected value, the residual made visible."""
    meta = data.indicator_meta(wh)
    headline = [i for i in meta.index[meta["headline"]] if meta.loc[i, "scale"] == "ratio"]
    rows = []
    for indicator in headline:
        years = [y for y in data.years(wh, indicator) if y <= year]
        if not years:
            continue
        model, _ = expectation(wh, indicator, max(years))
        row = model.row(home) if model is not None else None
        if row is None:
            continue
        unit, polarity = meta.loc[indicator, "unit"] or "", int(meta.loc[indicator, "polarity"])
        rows.append(
            {
                "Indikator": meta.loc[indicator, "label"],
                "Jahr": model.year,
                "Kreis": fmt.value(row["value"], unit),
                "Erwartungswert": fmt.value(row["expected"], unit),
                f"Bereich ({round(model.level * 100)} %)": f"{fmt.value(row['lower'], unit)} – {fmt.value(row['upper'], unit)}",
                "Abweichung": fmt.change(row["residual"], unit),
                "Einordnung": _position_label(row["position"], polarity),
            }
        )
    if not rows:
        return
    st.subheader("Fairer Vergleich: Kernindikatoren gegen den Erwartungswert")
    st.caption(
        f"{html.md(names.get(home, home))} gegen den Wert, der für Kreise mit dieser Struktur (Kreistyp, Ost/West, Dichte, "
        "Alter, Branchen, Pendeln) zu erwarten ist. „über“ oder „unter Erwartung“ nur außerhalb des Bereichs, "
        "in dem 9 von 10 Kreisen liegen; ▲ günstig, ▼ ungünstig. Details auf der Seite Indikator."
    )
    st.dataframe(pd.DataFrame(rows), hide_index=True)


@st.cache_data(ttl=TTL, max_entries=8, show_spinner="Modellgüte wird berechnet …", hash_funcs=data.HASH_FUNCS)
def model_quality(wh: Warehouse) -> pd.DataFrame:
    """Methodik: per headline indicator the latest year's R² out of fold, interval coverage and variables."""
    meta = wh.store.indicators().set_index("id")
    rows = []
    for indicator in meta.index[meta["headline"]]:
        if meta.loc[indicator, "scale"] != "ratio":
            continue
        years = wh.store.years(indicator)
        if not years:
            continue
        model, _ = insight.expectation_model(wh.store, indicator, max(years))
        if model is None:
            continue
        rows.append(
            {
                "Indikator": meta.loc[indicator, "label"],
                "Jahr": model.year,
                "Kreise": model.n,
                "R² außerhalb der Stichprobe": fmt.number(model.r2_oof, 2),
                "R² in der Stichprobe": fmt.number(model.r2_in_sample, 2),
                "Abdeckung des 90-%-Bereichs (gemessen)": f"{fmt.number(model.coverage_oof * 100, 1)} %",
                "Merkmale": ", ".join(ex.CONTEXT_BY_KEY[k].label for k in model.variables),
            }
        )
    return pd.DataFrame(rows)


def methodik_models(wh: Warehouse) -> None:
    st.markdown("### Erwartungswert (fairer Vergleich)")
    st.markdown(EXPLANATION)
    quality = model_quality(wh)
    if quality.empty:
        st.info("Mit diesen Daten lässt sich kein Erwartungswert schätzen.")
        return
    st.dataframe(quality, hide_index=True)
    st.caption(
        "Abdeckung: Anteil der Kreise, deren Wert in ihrem Bereich lag, wenn Bereich und Schätzung ohne den Kreis "
        "selbst bestimmt wurden (Ziel: 90 % ± 3 Prozentpunkte). Die vollständige Prüfung (alle Jahre, "
        "Rückrechnung der Prognosen) schreibt `python -m indicators validate` nach docs/validation.md."
    )
    methodik_forecast(wh)


@st.cache_data(
    ttl=TTL, max_entries=2, show_spinner="Rückrechnung läuft (etwa eine Minute) …", hash_funcs=data.HASH_FUNCS
)
def backtest(wh: Warehouse) -> pd.DataFrame:
    from indicators.outputs import validation

    return validation.backtest_table(wh.store, insight.kreise(wh.store), wh.store.indicators().set_index("id"))


def methodik_forecast(wh: Warehouse) -> None:
    from indicators.outputs import validation

    st.markdown("### Zielprognose und Trendbruch")
    st.markdown(ODDS_EXPLANATION)
    st.markdown(
        f"**Trendbruch:** Für jeden Kreis wird der Abstand zu Deutschland betrachtet. Eine Gerade durch die "
        f"{tb.WINDOW} Jahre vor den letzten {tb.RECENT} Datenjahren wird fortgeschrieben; die Abweichungen der letzten "
        f"{tb.RECENT} Jahre werden aufsummiert (CUSUM) und durch ihre Unsicherheit geteilt. Gemeldet wird, was "
        "stärker abweicht als 95 % aller früheren Fälle aller Kreise. Liegt in diesen Jahren ein Quellenwechsel, "
        "steht das dabei."
    )
    st.markdown(
        f"**Rückrechnung:** Für die Zieljahre {', '.join(map(str, validation.BACKTEST_YEARS))} wird mit den Daten "
        f"bis {validation.BACKTEST_LEAD} Jahre vorher prognostiziert und mit dem eingetretenen Wert verglichen – "
        "für alle Kreise und jeden Indikator mit Richtung und ausreichend langer Reihe. Gemessen wird der "
        "Brier-Wert (0 = perfekt, 0,25 = immer 50 %) gegen einfache Vergleichsregeln."
    )
    if not st.toggle("Rückrechnung mit den aktuellen Daten berechnen", key="methodik_rueckrechnung"):
        return
    events = backtest(wh)
    if events.empty:
        st.info("Die Zeitreihen sind für eine Rückrechnung zu kurz.")
        return
    labels = data.indicator_meta(wh)["label"]
    rows = []
    for (indicator, year), group in events.groupby(["indicator", "target_year"]):
        score = validation.scores(group)
        rows.append(
            {
                "Indikator": labels.get(indicator, indicator),
                "Zieljahr": year,
                "Fälle": len(group),
                "Brier Prognose": fmt.number(score["model"], 3),
                "Brier letzter Wert mit Fehlern": fmt.number(score["naive_p"], 3),
                "Brier letzter Wert ja/nein": fmt.number(score["naive_yes"], 3),
                "Brier linearer Trend ja/nein": fmt.number(score["linear_yes"], 3),
                "Abdeckung 80-%-Fächer": f"{fmt.number(score['fan80'] * 100, 0)} %",
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    calibration = fc.calibration(events["p_model"], events["hit"])
    st.markdown("**Kalibrierung:** vorhergesagte Wahrscheinlichkeit und tatsächliche Trefferquote je Zehntel")
    st.dataframe(
        pd.DataFrame(
            {
                "vorhergesagt": calibration["bin"].str.replace(".", ","),
                "Fälle": calibration["n"],
                "mittlere Vorhersage": [fmt.number(x, 2) for x in calibration["predicted"]],
                "beobachtet": [fmt.number(x, 2) for x in calibration["observed"]],
            }
        ),
        hide_index=True,
    )


# --- target odds (Ziele, Landrat) -----------------------------------------------------------------------

ODDS_EXPLANATION = (
    "**So entsteht die Zielprognose.** Die Reihe des Kreises wird mit einem gedämpften Trend fortgeschrieben "
    "(der Trend der letzten Jahre wirkt nach, flacht aber ab). Wie unsicher das ist, zeigen die Fehler, die "
    "dasselbe Verfahren früher gemacht hat – bei Kreisen, die damals auf ähnlichem Niveau lagen, für denselben "
    "Abstand in Jahren. Die Wahrscheinlichkeit ist der Anteil dieser früheren Fälle, in denen das Ziel erreicht "
    "worden wäre: ab zwei Dritteln *wahrscheinlich*, bis ein Drittel *unwahrscheinlich*, dazwischen *offen*. "
    "Der Fächer zeigt die Spanne, in der 50 % bzw. 80 % der früheren Fälle lagen. Die Rückrechnung auf echte "
    "Jahre (Methodik › Modelle und Prüfung) zeigt, wie gut das früher getroffen hat."
)


@st.cache_resource(ttl=TTL, max_entries=64, show_spinner="Prognose wird berechnet …", hash_funcs=data.HASH_FUNCS)
def forecaster(wh: Warehouse, indicator: str, until: int) -> fc.Forecaster:
    """Shared read-only forecaster of one indicator from the data up to ``until``."""
    return insight.forecaster(wh.store, indicator, until)


def odds_for(wh: Warehouse, a: TargetAssessment, home: str, until: int) -> fc.Odds:
    if a.polarity not in (1, -1):
        return fc.no_odds("Kontextindikator: keine Zielprognose")
    return forecaster(wh, a.target.indicator, int(until)).odds(
        home, a.target.target_value, a.target.target_year, a.polarity
    )


def odds_text(odds: fc.Odds) -> str:
    if odds.probability is None:
        return f"{fc.ODDS_ICON[odds.code]} {odds.label}"
    return f"{fc.ODDS_ICON[odds.code]} {odds.label} ({fmt.number(odds.probability * 100, 0)} %)"


def odds_texts(wh: Warehouse, assessments: list[TargetAssessment], home: str, until: int) -> dict[int, str]:
    """Target id -> "◐ Zielerreichung offen (48 %)" for the Landrat summary (targets with a forecast only)."""
    out = {}
    for a in assessments:
        odds = odds_for(wh, a, home, until)
        if odds.probability is not None and a.target.id is not None:
            out[a.target.id] = odds_text(odds)
    return out


def fan_chart(a: TargetAssessment, points: list[tuple[int, float]], odds: fc.Odds, kreis_name: str) -> go.Figure:
    fan, unit = odds.fan, a.unit
    years = fan["year"].to_numpy()
    traces = [
        *band_traces(years, fan["q10"], fan["q90"], "rgba(31,119,180,0.15)", "80 % der früheren Fälle"),
        *band_traces(years, fan["q25"], fan["q75"], "rgba(31,119,180,0.30)", "50 % der früheren Fälle"),
        line(years, fan["q50"], "mittlere Erwartung", color=PEER_COLOUR, dash="dash"),
    ]
    if points:
        xs, values = zip(*points, strict=True)
        traces.append(
            dict(
                type="scatter",
                x=xs,
                y=values,
                mode="lines+markers",
                name=html.plot(kreis_name),
                line=dict(color=HOME_COLOUR, width=3),
            )
        )
    traces.append(
        dict(
            type="scatter",
            x=[a.target.target_year],
            y=[a.target.target_value],
            mode="markers",
            marker=dict(symbol="star", size=16, color="black"),
            name=f"Ziel {a.target.target_year}",
        )
    )
    layout = dict(
        title=dict(text=html.plot(f"{a.label}: Prognose bis {a.target.target_year}")),
        yaxis=dict(title=dict(text=html.plot(unit))),
        xaxis=dict(dtick=2, title=dict(text="Jahr")),
        height=380,
    )
    return figure(traces, layout)


def target_odds(
    wh: Warehouse, a: TargetAssessment, points: list[tuple[int, float]], home: str, until: int, kreis_name: str
) -> None:
    """Ziele card: the chance of meeting the target, why, and the fan chart (folded)."""
    odds = odds_for(wh, a, home, until)
    if odds.probability is None:
        st.caption(f"Zielprognose: {html.md(odds.reason)}.")
        return
    shown = {"positive": st.success, "warning": st.warning, "negative": st.error}[fc.ODDS_TONE[odds.code]]
    shown(f"**{odds_text(odds)}** – {html.md(odds.reason)}.")
    # drawn on request: a page with many targets stays quick
    if st.toggle(f"Prognosefächer bis {a.target.target_year} zeigen", key=f"ziel{a.target.id}_fan_on"):
        source = data.indicator_meta(wh)["source"].get(a.target.indicator)
        chart_export.show(
            fan_chart(a, points, odds, kreis_name),
            f"{a.target.indicator}_zielprognose_{home}",
            [source],
            wh.built,
            key=f"ziel{a.target.id}_fan",
        )
        if odds.extrapolated:
            st.caption(
                "Für so viele Jahre voraus gibt es keine früheren Fehler: Die Spanne ist aus dem längsten geprüften "
                f"Abstand ({odds.horizon - 1 if odds.horizon else ''} Jahre oder weniger) hochgerechnet und daher "
                "nur grob."
            )
        with st.expander("Wie die Zielprognose entsteht", icon=":material/info:"):
            st.markdown(ODDS_EXPLANATION)


# --- break-away alerts (Ziele, Handlungsschwerpunkte) -----------------------------------------------------


@data.shared(max_entries=1024)
def _departures(wh: Warehouse, indicator: str, until: int) -> pd.DataFrame:
    return insight.departures(wh.store, indicator, until)


def departures(wh: Warehouse, indicator: str, until: int) -> pd.DataFrame:
    """The break-away test of every Kreis up to ``until``, shared by all sessions.

    A year after the indicator's last one asks the same question as its last year, so both share one entry: the
    Handlungsschwerpunkte page tests 14 indicators for whichever year is selected, and with one entry per
    indicator and selected year the cache thrashed under load (80 ms per miss).
    """
    last = data.last_years(wh).get(indicator)
    return _departures(wh, indicator, int(min(until, last)) if last is not None else int(until))


def break_alert(wh: Warehouse, home: str, indicator: str, until: int, kreis_name: str) -> None:
    """A warning when the Kreis's series has left its trend relative to Germany (nothing otherwise)."""
    meta = data.indicator_meta(wh)
    if indicator not in meta.index or meta.loc[indicator, "scale"] != "ratio":
        return
    found = tb.departure(departures(wh, indicator, int(until)), home)
    if found is None:
        return
    row = meta.loc[indicator]
    text = tb.describe(found, row["label"], row["unit"] or "", int(row["polarity"]), kreis_name)
    st.warning(f"**Trendbruch:** {html.md(text)}", icon=":material/timeline:")


@data.shared(max_entries=4)
def alert_candidates(wh: Warehouse) -> list[str]:
    """Judged numeric indicators with a history long enough for the break-away test (once per warehouse)."""
    meta = data.indicators(wh)
    span = meta["last_year"].astype("Int64") - meta["first_year"].astype("Int64") + 1
    chosen = meta[
        meta["catalogued"] & (meta["polarity"] != 0) & (meta["scale"] == "ratio") & (span >= tb.WINDOW + tb.RECENT)
    ]
    return list(chosen.sort_values("label")["id"])


def break_alerts_section(wh: Warehouse, home: str, until: int, kreis_name: str) -> None:
    """Handlungsschwerpunkte: every indicator whose recent years left the Kreis's trend relative to Germany."""
    meta = data.indicator_meta(wh)
    found = []
    # no spinner: the tests of an indicator and year are shared by all sessions (a first run computes 14 in about
    # 0.4 s), and a spinner starts a timer thread on every run
    for indicator in alert_candidates(wh):
        departure = tb.departure(departures(wh, indicator, int(until)), home)
        if departure is not None:
            found.append((indicator, departure))
    st.subheader(f"Trendbrüche gegenüber Deutschland ({len(found)})")
    st.caption(
        f"Wo die letzten {tb.RECENT} Datenjahre des Kreises – gemessen am Abstand zu Deutschland – deutlich vom "
        f"Trend der {tb.WINDOW} Jahre davor abweichen: stärker als in 95 % der früheren Fälle aller Kreise. "
        "Ein Hinweis zum genauen Hinsehen, kein Urteil; ein Quellenwechsel in diesen Jahren wird genannt."
    )
    if not found:
        st.info("Keine Reihe des Kreises weicht zuletzt auffällig vom eigenen Trend ab.")
        return
    for indicator, departure in found:
        row = meta.loc[indicator]
        judged = departure.favourable(int(row["polarity"]))
        icon = ":material/trending_up:" if judged else ":material/trending_down:"
        with st.container(border=True):
            st.markdown(
                html.md(tb.describe(departure, row["label"], row["unit"] or "", int(row["polarity"]), kreis_name))
            )
            if st.button(
                "Zum Indikator", key=f"trendbruch_{indicator}", icon=icon, on_click=_open_indicator, args=(indicator,)
            ):
                st.switch_page("app_pages/indikator.py")


def _open_indicator(indicator: str) -> None:
    st.session_state["indikator"] = indicator


def target_outlook(wh: Warehouse, a: TargetAssessment, home: str, until: int, kreis_name: str) -> None:
    """Ziele card, below the chart: the target odds and, if there is one, the break-away alert."""
    points = report.series_up_to(zip(*_series(wh, a.target.indicator, home), strict=True), until)
    target_odds(wh, a, points, home, until, kreis_name)
    break_alert(wh, home, a.target.indicator, until, kreis_name)


def _series(wh: Warehouse, indicator: str, home: str) -> tuple[list, list]:
    frame = data.series(wh, indicator, (home,))
    return list(frame["year"]), list(frame["value"])
