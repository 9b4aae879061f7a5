"""Screen pieces of the insight features: the fair benchmark (Erwartungswert) on the Indikator page and the
Kreisprofil, and the model figures on Methodik. The models live in :mod:`indicators.domain.expectation`."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from indicators import insight
from indicators.domain import expectation as ex
from indicators.domain import formatting as fmt
from indicators.warehouse.store import Store
from ui import data
from ui.charts import LAYOUT
from ui.components import FAVOURABLE, HOME_COLOUR, NEUTRAL, UNFAVOURABLE

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


@st.cache_data(ttl=TTL, max_entries=64, show_spinner="Erwartungswert wird berechnet …")
def expectation(_s: Store, v: str, indicator: str, year: int):
    return insight.expectation_model(_s, indicator, year)


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
    fig = go.Figure()
    diagonal = [lo, hi]
    fig.add_trace(
        go.Scatter(
            x=diagonal,
            y=[lo + model.half_width, hi + model.half_width],
            mode="lines",
            line=dict(color=NEUTRAL, dash="dot", width=1),
            showlegend=False,
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=diagonal,
            y=[lo - model.half_width, hi - model.half_width],
            mode="lines",
            fill="tonexty",
            fillcolor="rgba(150,150,150,0.15)",
            line=dict(color=NEUTRAL, dash="dot", width=1),
            name=f"erwarteter Bereich ({round(model.level * 100)} % der Kreise)",
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Scatter(x=diagonal, y=diagonal, mode="lines", line=dict(color="black", dash="dash"), name="Wert = Erwartung")
    )
    colours = {"im_rahmen": "#b0b0b0", "ueber": NEUTRAL, "unter": NEUTRAL}
    if polarity:
        good, bad = ("ueber", "unter") if polarity > 0 else ("unter", "ueber")
        colours.update({good: FAVOURABLE, bad: UNFAVOURABLE})
    others = table.drop(index=[home], errors="ignore")
    for code, group in others.groupby("position"):
        fig.add_trace(
            go.Scatter(
                x=group["expected"],
                y=group["value"],
                mode="markers",
                marker=dict(color=colours[code], size=7),
                name=_position_label(code, polarity),
                text=[names.get(r, r) for r in group.index],
                hovertemplate="%{text}: Wert %{y:,.2f}, erwartet %{x:,.2f}<extra></extra>",
            )
        )
    if home in table.index:
        row = table.loc[home]
        fig.add_trace(
            go.Scatter(
                x=[row["expected"]],
                y=[row["value"]],
                mode="markers",
                marker=dict(color=HOME_COLOUR, size=18, symbol="diamond", line=dict(color="black", width=1)),
                name=names.get(home, home),
                hovertemplate="%{y:,.2f} (erwartet %{x:,.2f})<extra></extra>",
            )
        )
    fig.update_layout(
        title=f"Ist-Wert und Erwartungswert aller Kreise {model.year}",
        xaxis_title=f"Erwartungswert ({unit})" if unit else "Erwartungswert",
        yaxis_title=f"Ist-Wert ({unit})" if unit else "Ist-Wert",
        height=440,
        **LAYOUT,
    )
    return fig


def expectation_section(s: Store, v: str, indicator: str, year: int, home: str, names: dict[str, str]) -> None:
    """Indikator page: is the value unusual for a Kreis with this structure? (only said outside the interval)"""
    meta = data.indicators(s, v).set_index("id").loc[indicator]
    if meta["scale"] != "ratio":
        return
    st.subheader("Fairer Vergleich: Erwartungswert für Kreise mit dieser Struktur")
    model, frame = expectation(s, v, indicator, int(year))
    if model is None:
        st.info(
            f"Für {year} liegen nicht genug Kreise mit Wert und vollständiger Struktur vor "
            f"(mindestens {ex.MIN_KREISE} von 400): kein Erwartungswert."
        )
        return
    unit, polarity = meta["unit"] or "", int(meta["polarity"])
    said = ex.verdict(model, home, frame.loc[home], unit=unit, polarity=polarity, kreis_name=names.get(home, home))
    if said is None:
        st.info(f"{names.get(home, home)} hat {year} keinen Wert oder keine vollständige Struktur.")
    else:
        shown = {"positive": st.success, "negative": st.warning}.get(said.tone, st.info)
        shown(said.headline, icon=CODE_ICON[said.code])
        st.markdown(
            "**Was den Erwartungswert dieses Kreises am stärksten prägt** (Abweichung vom Durchschnitt aller "
            "Kreise):\n" + "\n".join(f"- {d}" for d in said.drivers)
        )
        st.caption(said.detail)
    st.plotly_chart(expectation_chart(model, home, names, unit, polarity), key=f"erwartung_{indicator}_{year}")
    st.caption(
        "Punkte über der gestrichelten Linie liegen über ihrem Erwartungswert, darunter darunter. Im grauen Band "
        f"liegen die Kreise, deren Abstand zur Erwartung nicht größer ist als bei {round(model.level * 100)} % "
        "aller Kreise."
    )
    with st.expander("Wie der Erwartungswert berechnet wird", icon=":material/info:"):
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


def expectation_profile(s: Store, v: str, home: str, year: int, names: dict[str, str]) -> None:
    """Kreisprofil: the headline indicators against their expected value, the residual made visible."""
    meta = data.indicators(s, v).set_index("id")
    headline = [i for i in meta.index[meta["headline"]] if meta.loc[i, "scale"] == "ratio"]
    rows = []
    for indicator in headline:
        years = [y for y in data.years(s, v, indicator) if y <= year]
        if not years:
            continue
        model, _ = expectation(s, v, indicator, max(years))
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
        f"{names.get(home, home)} gegen den Wert, der für Kreise mit dieser Struktur (Kreistyp, Ost/West, Dichte, "
        "Alter, Branchen, Pendeln) zu erwarten ist. „über“ oder „unter Erwartung“ nur außerhalb des Bereichs, "
        "in dem 9 von 10 Kreisen liegen; ▲ günstig, ▼ ungünstig. Details auf der Seite Indikator."
    )
    st.dataframe(pd.DataFrame(rows), hide_index=True)


@st.cache_data(ttl=TTL, max_entries=8, show_spinner="Modellgüte wird berechnet …")
def model_quality(_s: Store, v: str) -> pd.DataFrame:
    """Methodik: per headline indicator the latest year's R² out of fold, interval coverage and variables."""
    meta = _s.indicators().set_index("id")
    rows = []
    for indicator in meta.index[meta["headline"]]:
        if meta.loc[indicator, "scale"] != "ratio":
            continue
        years = _s.years(indicator)
        if not years:
            continue
        model, _ = insight.expectation_model(_s, indicator, max(years))
        if model is None:
            continue
        rows.append(
            {
                "Indikator": meta.loc[indicator, "label"],
                "Jahr": model.year,
                "Kreise": model.n,
                "R² außerhalb der Stichprobe": round(model.r2_oof, 2),
                "R² in der Stichprobe": round(model.r2_in_sample, 2),
                "Abdeckung des 90-%-Bereichs (gemessen)": f"{fmt.number(model.coverage_oof * 100, 1)} %",
                "Merkmale": ", ".join(ex.CONTEXT_BY_KEY[k].label for k in model.variables),
            }
        )
    return pd.DataFrame(rows)


def methodik_models(s: Store, v: str) -> None:
    st.markdown("### Erwartungswert (fairer Vergleich)")
    st.markdown(EXPLANATION)
    quality = model_quality(s, v)
    if quality.empty:
        st.info("Mit diesen Daten lässt sich kein Erwartungswert schätzen.")
        return
    st.dataframe(quality, hide_index=True)
    st.caption(
        "Abdeckung: Anteil der Kreise, deren Wert in ihrem Bereich lag, wenn Bereich und Schätzung ohne den Kreis "
        "selbst bestimmt wurden (Ziel: 90 % ± 3 Prozentpunkte). Die vollständige Prüfung (alle Jahre, "
        "Rückrechnung der Prognosen) schreibt `python -m indicators validate` nach docs/validation.md."
    )
