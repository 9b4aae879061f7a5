"""The Kreisprofil table as HTML: reference rows, rank, position marker and assessment per indicator."""

from __future__ import annotations

import pandas as pd

from indicators.domain import formatting as fmt
from indicators.domain.records import records
from ui import components, html
from ui.html import Markup

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
#: Columns a narrow table leaves out, so that Einordnung and the changes stay in view at 1280 px with the sidebar
#: open (Rang and Einordnung already say where the Kreis lies; the Indikator page shows all of them).
OPTIONAL = {"Mittelwert", "Minimum", "Maximum", "Position"}
#: Below this width of the table's container the optional columns are hidden (a CSS container query).
NARROW_PX = 1150


def _trend(delta, unit: str, direction: str) -> Markup:
    arrow = {"besser": "↗ besser", "schlechter": "↘ schlechter", "unverändert": "→", "neutral": ""}.get(direction, "")
    text = fmt.change(delta, unit)
    if arrow and text != "–":
        return html.join([text, " ", html.element("small", arrow)])
    return html.escape(text)


def topics(profile: pd.DataFrame) -> list[tuple[str, list[dict]]]:
    """The rows of each topic in topic order (rows without a topic left out), read from the frame once: one
    ``groupby`` frame per topic cost more than the rows it held."""
    by_topic: dict[str, list[dict]] = {}
    for row in records(profile, (*FIELDS, "topic")):
        if isinstance(row["topic"], str):
            by_topic.setdefault(row["topic"], []).append(row)
    return sorted(by_topic.items())


def rows_html(profile: pd.DataFrame | list[dict]) -> Markup:
    """The table of one topic (a frame, or its rows from :func:`topics`); labels, units and class texts come from
    files and are escaped by ``ui.html``."""
    head = html.element("tr", *(html.element("th", c, cls=_cls(c)) for c in COLUMNS))
    body = []
    for r in profile if isinstance(profile, list) else records(profile, FIELDS):
        unit = r["unit"] or ""
        label = r["value_label"] if isinstance(r["value_label"], str) else None
        rank = f"{int(r['rank'])} von {int(r['n'])}" if r["rank"] is not None and not pd.isna(r["rank"]) else "–"
        germany = fmt.value(r["germany"], unit, with_unit=False)
        if r["germany_estimated"] is True:
            germany += "*"
        cells = [
            html.join(
                [
                    html.element("b", r["label"]),
                    html.element("br"),
                    html.element("small", f"{unit} · {r['polarity_text']}"),
                ]
            ),
            str(int(r["year"])),
            html.element("b", fmt.value(r["value"], unit, label, with_unit=False)),
            fmt.value(r["median"], unit, with_unit=False),
            fmt.value(r["mean"], unit, with_unit=False),
            fmt.value(r["min"], unit, with_unit=False),
            fmt.value(r["max"], unit, with_unit=False),
            germany,
            rank,
            components.position_marker(r["position"], int(r["polarity"])),
            components.badge(
                r["assessment"], r["assessment_icon"], SHORT_ASSESSMENT.get(r["assessment"], r["assessment_label"])
            ),
            _trend(r["change_1y"], unit, r["trend_1y"]),
            _trend(r["change_5y"], unit, r["trend_5y"]),
        ]
        cls = "rm-row-bad" if r["assessment"] == "unguenstig" else None
        body.append(html.table_row(cells, CELL_CLASSES, cls=cls))
    table = html.element("table", html.element("thead", head), html.element("tbody", *body), cls="rm-profile")
    return html.element("div", table, cls="rm-profile-wrap")


#: The columns a row reads.
FIELDS = (
    "label", "unit", "polarity_text", "year", "value", "value_label", "median", "mean", "min", "max", "germany",
    "germany_estimated", "rank", "n", "position", "polarity", "assessment", "assessment_icon", "assessment_label",
    "change_1y", "trend_1y", "change_5y", "trend_5y",
)  # fmt: skip


def _cls(column: str) -> str | None:
    return "rm-opt" if column in OPTIONAL else None


CELL_CLASSES = [_cls(c) for c in COLUMNS]


TABLE_CSS = html.stylesheet(
    """
div.rm-profile-wrap {container-type:inline-size;}
table.rm-profile {width:100%; border-collapse:collapse; font-size:0.82rem;}
table.rm-profile td:first-child {min-width:11rem;}
table.rm-profile th {text-align:left; border-bottom:2px solid #333; padding:0.3rem; position:sticky; top:0; background:#fff;}
table.rm-profile td {border-bottom:1px solid #ddd; padding:0.3rem; vertical-align:middle;}
table.rm-profile td:nth-child(n+2):nth-child(-n+9) {text-align:right; white-space:nowrap;}
table.rm-profile td:nth-child(n+12) {min-width:4.5rem;}
"""
    + f"table.rm-profile tr.rm-row-bad td:first-child {{border-left:4px solid {components.UNFAVOURABLE};}}\n"
    + f"@container (max-width: {NARROW_PX}px) {{table.rm-profile .rm-opt {{display:none;}}}}"
)
