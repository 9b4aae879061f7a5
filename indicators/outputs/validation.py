"""``python -m indicators validate``: how good the insight models are on the warehouse, as a Markdown report.

Derived statistics about model quality, not data: the report holds R², coverage, Brier scores and alert rates,
never a Kreis value, so it may be committed (docs/validation.md) and cited in the README.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from indicators import insight
from indicators.domain import expectation as ex
from indicators.domain import forecast as fc
from indicators.domain import trend_break as tb
from indicators.warehouse.store import Store

#: Target years of the backtest; each forecast from data up to three years earlier.
BACKTEST_YEARS = (2019, 2023)
BACKTEST_LEAD = 3
#: An indicator-year takes part when this share of the Kreise has a value.
COVERAGE = 0.9


@dataclass
class Report:
    markdown: str
    expectation: pd.DataFrame
    backtest: pd.DataFrame
    events: pd.DataFrame
    alerts: pd.DataFrame


def _full_years(store: Store, indicator: str, n_kreise: int) -> list[int]:
    quality = store.quality(indicator)
    if quality.empty:
        return []
    return [int(y) for y in quality.loc[quality["kreise_mit_wert"] >= COVERAGE * n_kreise, "year"]]


def expectation_table(store: Store, districts: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    """Per headline indicator and every year with (nearly) all Kreise: R² out of fold and interval coverage."""
    rows = []
    for indicator in indicators.index[indicators["headline"] & (indicators["scale"] == "ratio")]:
        years = _full_years(store, indicator, len(districts))
        contexts: dict[int, pd.DataFrame] = {}
        for year in years:
            contexts.setdefault(year, insight.context(store, year, districts))
            model = ex.fit(indicator, year, insight.kreis_values(store, indicator, year), contexts[year])
            if model is None:
                continue
            rows.append(
                {
                    "indicator": indicator,
                    "year": year,
                    "n": model.n,
                    "r2_oof": model.r2_oof,
                    "r2_in_sample": model.r2_in_sample,
                    "coverage": model.coverage_oof,
                    "half_width": model.half_width,
                    "variables": ", ".join(model.variables),
                    "top": ", ".join(ex.importance(model, contexts[year]).index[:3]),
                }
            )
    return pd.DataFrame(rows)


def backtest_table(store: Store, districts: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    """Every judged ratio indicator with (nearly) all Kreise in the target year and three years before."""
    events = []
    kreise = list(districts.index)
    judged = indicators[(indicators["polarity"] != 0) & (indicators["scale"] == "ratio") & indicators["catalogued"]]
    for indicator, meta in judged.iterrows():
        years = set(_full_years(store, indicator, len(districts)))
        targets = [t for t in BACKTEST_YEARS if t in years and t - BACKTEST_LEAD in years]
        if not targets:
            continue
        panel = insight.panel(store, indicator, kreise)
        for target in targets:
            result = fc.backtest(panel, target - BACKTEST_LEAD, target, int(meta["polarity"]))
            if not result.empty:
                events.append(result.assign(indicator=indicator))
    return pd.concat(events, ignore_index=True) if events else pd.DataFrame()


def alert_table(store: Store, districts: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for indicator in indicators.index[indicators["headline"] & (indicators["scale"] == "ratio")]:
        result = insight.departures(store, indicator, districts=districts)
        if result.empty:
            rows.append({"indicator": indicator, "tested": 0})
            continue
        rows.append(
            {
                "indicator": indicator,
                "tested": len(result),
                "years": f"{int(result['first_year'].iloc[0])}–{int(result['last_year'].iloc[0])}",
                "bound": float(result["bound"].iloc[0]),
                "alerts": int(result["alert"].sum()),
                "across_break": int((result["alert"] & result["across_break"]).sum()),
            }
        )
    return pd.DataFrame(rows)


def _n(value: float, decimals: int = 3) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "–"
    return f"{value:.{decimals}f}"


def scores(events: pd.DataFrame) -> dict[str, float]:
    linear = events["linear_yes"].fillna(events["naive_yes"])
    return {
        "model": fc.brier(events["p_model"], events["hit"]),
        "naive_p": fc.brier(events["p_naive"], events["hit"]),
        "naive_yes": fc.brier(events["naive_yes"], events["hit"]),
        "linear_yes": fc.brier(linear, events["hit"]),
        "fan80": float(events.drop_duplicates(["indicator", "region", "target_year"])["in_fan80"].mean()),
    }


def markdown(
    manifest: dict,
    indicators: pd.DataFrame,
    expectation: pd.DataFrame,
    events: pd.DataFrame,
    alerts: pd.DataFrame,
    seconds: float,
) -> str:
    label = indicators["label"].to_dict()
    lines = [
        "# Validierung der Modelle (Erwartungswert, Zielprognose, Trendbruch)",
        "",
        f"Erzeugt mit `python -m indicators validate` am {dt.date.today():%d.%m.%Y} auf dem Warehouse vom "
        f"{manifest.get('built_at', '–')} ({'Demodaten' if manifest.get('demo') else 'amtliche Daten'}); "
        f"Laufzeit {seconds:.0f} s. Enthält nur Kennzahlen der Modellgüte, keine Kreiswerte.",
        "",
        "## 1. Erwartungswert (fairer Vergleich)",
        "",
        "Lineare Regression je Indikator und Jahr über alle Kreise auf die Struktur (Kreistyp, Ost/West, "
        "Dichte, Anteil ab 65, primärer und sekundärer Sektor, Arbeitsplatzzentralität). R² außerhalb der "
        f"Stichprobe aus {ex.FOLDS}-facher Kreuzvalidierung; Bereich = {round(ex.LEVEL * 100)} %-Quantil der "
        "absoluten Residuen außerhalb der Stichprobe; Abdeckung verschachtelt gemessen (Bereich jeder Gruppe "
        f"nur aus den anderen Gruppen). Ziel: Abdeckung {round(ex.LEVEL * 100)} % ± 3 Prozentpunkte.",
        "",
    ]
    if expectation.empty:
        lines.append("Keine Modelle: zu wenige Kreise mit Wert und Struktur.")
    else:
        latest = expectation.sort_values("year").groupby("indicator").tail(1)
        lines += [
            "### Jüngstes Jahr je Kernindikator",
            "",
            "| Indikator | Jahr | Kreise | R² außerhalb der Stichprobe | R² in der Stichprobe | Abdeckung | "
            "halbe Bereichsbreite | wichtigste Merkmale |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for _, r in latest.iterrows():
            lines.append(
                f"| {label.get(r['indicator'], r['indicator'])} | {r['year']} | {r['n']} | {_n(r['r2_oof'], 2)} | "
                f"{_n(r['r2_in_sample'], 2)} | {r['coverage'] * 100:.1f} % | {_n(r['half_width'], 2)} | {r['top']} |"
            )
        within = (expectation["coverage"] - ex.LEVEL).abs() <= 0.03
        lines += [
            "",
            "### Alle Jahre mit mindestens 90 % der Kreise",
            "",
            "| Indikator | Jahre | R² außerhalb (min–max) | Abdeckung (min–max) | Jahre mit Abdeckung im Ziel |",
            "|---|---|---|---|---|",
        ]
        for indicator, g in expectation.groupby("indicator"):
            ok = ((g["coverage"] - ex.LEVEL).abs() <= 0.03).sum()
            lines.append(
                f"| {label.get(indicator, indicator)} | {g['year'].min()}–{g['year'].max()} ({len(g)}) | "
                f"{_n(g['r2_oof'].min(), 2)}–{_n(g['r2_oof'].max(), 2)} | {g['coverage'].min() * 100:.1f}–"
                f"{g['coverage'].max() * 100:.1f} % | {ok} von {len(g)} |"
            )
        lines += [
            "",
            f"Insgesamt {int(within.sum())} von {len(expectation)} Indikator-Jahren mit Abdeckung im Ziel; "
            f"mittlere Abdeckung {expectation['coverage'].mean() * 100:.1f} %.",
            "",
        ]

    lines += [
        "## 2. Zielprognose: Rückrechnung (Backtest)",
        "",
        f"Für jedes Zieljahr {', '.join(map(str, BACKTEST_YEARS))} und jeden Indikator mit Richtung, der in diesem "
        f"Jahr und {BACKTEST_LEAD} Jahre davor mindestens 90 % der Kreise hat: Prognose aus den Daten bis "
        f"{BACKTEST_LEAD} Jahre vorher (Parameter und Fehlerverteilung nur aus diesen Jahren). Gedachte Ziele je "
        "Kreis: der Ausgangswert, verschoben um −1, −½, 0, +½ und +1 typische Veränderungen (Median der "
        "absoluten Dreijahresveränderung aller Kreise davor) in die günstige Richtung. Brier-Wert = mittlere "
        "quadrierte Differenz zwischen Wahrscheinlichkeit und Eintreten (0 = perfekt, 0,25 = immer 50 %).",
        "",
        "Vergleiche: **letzter Wert mit Fehlerverteilung** (Zufallspfad, gleiche Bündelung der früheren "
        "Fehler), **letzter Wert ja/nein** (Ziel gilt als erreicht, wenn der letzte Wert es schon erreicht) und "
        "**linearer Trend ja/nein** (die bisherige Regel der Ziele-Seite: Gerade durch die letzten fünf Jahre).",
        "",
    ]
    if events.empty:
        lines.append("Keine Rückrechnung möglich: zu kurze Zeitreihen.")
    else:
        total = scores(events)
        lines += [
            "| Indikator | Zieljahr | Fälle | Brier Modell | Brier letzter Wert mit Fehlern | "
            "Brier letzter Wert ja/nein | Brier linearer Trend ja/nein | Abdeckung 80 %-Fächer |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for (indicator, year), g in events.groupby(["indicator", "target_year"]):
            s = scores(g)
            lines.append(
                f"| {label.get(indicator, indicator)} | {year} | {len(g)} | {_n(s['model'])} | {_n(s['naive_p'])} | "
                f"{_n(s['naive_yes'])} | {_n(s['linear_yes'])} | {s['fan80'] * 100:.0f} % |"
            )
        lines += [
            f"| **alle** | | **{len(events)}** | **{_n(total['model'])}** | **{_n(total['naive_p'])}** | "
            f"**{_n(total['naive_yes'])}** | **{_n(total['linear_yes'])}** | **{total['fan80'] * 100:.0f} %** |",
            "",
            "Brier-Skill gegenüber *letzter Wert ja/nein*: "
            f"{_n(1 - total['model'] / total['naive_yes'], 2)}; gegenüber *letzter Wert mit Fehlern*: "
            f"{_n(1 - total['model'] / total['naive_p'], 2)} (positiv = Modell besser).",
            "",
            "### Kalibrierung (alle Fälle, nach Zehnteln der vorhergesagten Wahrscheinlichkeit)",
            "",
            "| vorhergesagt | Fälle | mittlere Vorhersage | beobachtete Trefferquote |",
            "|---|---|---|---|",
        ]
        for _, r in fc.calibration(events["p_model"], events["hit"]).iterrows():
            lines.append(
                f"| {r['bin']} | {r['n']} | {_n(r['predicted'], 2)} | {_n(r['observed'], 2)} |"
                if r["n"]
                else f"| {r['bin']} | 0 | – | – |"
            )
        lines.append("")

    lines += [
        "## 3. Trendbruch gegenüber Deutschland",
        "",
        f"Abweichung der letzten {tb.RECENT} Datenjahre vom Trend der {tb.WINDOW} Jahre davor (Kreis minus "
        "Deutschland), summiert und durch ihren Standardfehler geteilt; Grenze = 95 %-Quantil derselben Größe "
        "über alle Kreise und alle früheren Endjahre. Erwartet sind damit etwa 5 % Meldungen, wenn sich die "
        "Vergangenheit wiederholt; deutlich mehr zeigen eine echte gemeinsame Wende oder einen Quellenwechsel.",
        "",
        "| Indikator | geprüfte Kreise | Jahre | Grenze | Meldungen | davon über einen Quellenwechsel |",
        "|---|---|---|---|---|---|",
    ]
    for _, r in alerts.iterrows():
        if not r.get("tested"):
            lines.append(f"| {label.get(r['indicator'], r['indicator'])} | 0 | – | – | – | – |")
            continue
        share = r["alerts"] / r["tested"] * 100
        lines.append(
            f"| {label.get(r['indicator'], r['indicator'])} | {int(r['tested'])} | {r['years']} | {_n(r['bound'], 2)} | "
            f"{int(r['alerts'])} ({share:.0f} %) | {int(r['across_break'])} |"
        )
    lines.append("")
    return "\n".join(lines)


def run(store: Store) -> Report:
    started = time.perf_counter()
    districts = insight.kreise(store)
    indicators = store.indicators().set_index("id")
    expectation = expectation_table(store, districts, indicators)
    events = backtest_table(store, districts, indicators)
    alerts = alert_table(store, districts, indicators)
    text = markdown(store.manifest, indicators, expectation, events, alerts, time.perf_counter() - started)
    backtest = pd.DataFrame(
        [{"indicator": i, "target_year": y, **scores(g)} for (i, y), g in events.groupby(["indicator", "target_year"])]
        if not events.empty
        else []
    )
    return Report(text, expectation, backtest, events, alerts)
