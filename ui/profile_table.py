"""The Kreisprofil table as HTML: reference rows, rank, position marker and assessment per indicator."""

from __future__ import annotations

import html

import pandas as pd

from indicators.domain import formatting as fmt
from ui import components

#: Short badge texts for the wide table; the legend below the table spells them out.
SHORT_ASSESSMENT = {"guenstig": "günstig", "unguenstig": "ungünstig", "mittel": "Mitte", "kontext": "Kontext"}

COLUMNS = [
    "Indikator",
    "Jahr",
    "Kreis",
    "Median",
    "Mittelwert",
    "Minimum",
    "Maximum",
    "Deutschland",
    "Rang",
    "Position",
    "Einordnung",
    "Δ Vorjahr",
    "Δ 5 Jahre",
]


def _trend(delta, unit: str, direction: str) -> str:
    arrow = {"besser": "↗ besser", "schlechter": "↘ schlechter", "unverändert": "→", "neutral": ""}.get(direction, "")
    text = fmt.change(delta, unit)
    return f"{text} <small>{arrow}</small>" if arrow and text != "–" else text


def rows_html(profile: pd.DataFrame) -> str:
    head = "".join(f"<th>{c}</th>" for c in COLUMNS)
    body = []
    for r in profile.itertuples():
        unit = r.unit or ""
        label = r.value_label if isinstance(r.value_label, str) else None
        rank = f"{int(r.rank)} von {int(r.n)}" if r.rank is not None and not pd.isna(r.rank) else "–"
        germany = fmt.value(r.germany, unit, with_unit=False)
        if r.germany_estimated is True:
            germany += "*"
        cells = [
            f"<b>{html.escape(r.label)}</b><br><small>{html.escape(unit)} · {html.escape(r.polarity_text)}</small>",
            str(int(r.year)),
            f"<b>{html.escape(fmt.value(r.value, unit, label, with_unit=False))}</b>",
            fmt.value(r.median, unit, with_unit=False),
            fmt.value(r.mean, unit, with_unit=False),
            fmt.value(r.min, unit, with_unit=False),
            fmt.value(r.max, unit, with_unit=False),
            germany,
            rank,
            components.position_marker(r.position, int(r.polarity)),
            components.badge(r.assessment, r.assessment_icon, SHORT_ASSESSMENT.get(r.assessment, r.assessment_label)),
            _trend(r.change_1y, unit, r.trend_1y),
            _trend(r.change_5y, unit, r.trend_5y),
        ]
        cls = ' class="rm-row-bad"' if r.assessment == "unguenstig" else ""
        body.append(f"<tr{cls}>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return (
        '<div style="overflow-x:auto"><table class="rm-profile"><thead><tr>'
        + head
        + "</tr></thead><tbody>"
        + "".join(body)
        + "</tbody></table></div>"
    )


TABLE_CSS = """
<style>
table.rm-profile {width:100%; border-collapse:collapse; font-size:0.82rem;}
table.rm-profile td:first-child {min-width:13rem;}
table.rm-profile th {text-align:left; border-bottom:2px solid #333; padding:0.3rem; position:sticky; top:0; background:#fff;}
table.rm-profile td {border-bottom:1px solid #ddd; padding:0.3rem; vertical-align:middle;}
table.rm-profile td:nth-child(n+2):nth-child(-n+9) {text-align:right; white-space:nowrap;}
table.rm-profile tr.rm-row-bad td:first-child {border-left:4px solid #b35806;}
</style>
"""
