"""Charts carry title, source and Stand inside the picture, and the PNG and SVG files hold them (issue 14).

The Stand is read from the official CSV's own ``Stand:`` line; the picture is rendered by Plotly's exporter in
Chromium, as the download button does."""

from __future__ import annotations

import pytest

from indicators.outputs import chart_credits
from indicators.warehouse.store import Store
from tests.conftest import skip_or_fail
from ui import chart_export, charts

RAW = "regionalstatistik/13211-02-05-4_2023.csv"


def raw_stand(shared_data) -> str:
    with open(shared_data / RAW, encoding="latin-1") as f:
        return next(line for line in f if line.startswith("Stand:")).removeprefix("Stand:").strip()


def test_credit_lines_name_each_source_once_and_own_calculations_once():
    sources = [
        "Amt A: T1, Stand 01.02.2024",
        "Amt A: T1, Stand 01.02.2024 | eigene Berechnung aus den Kreiswerten aus Amt A: T1",
        "Amt B: T2, Stand 03.04.2025",
        None,
    ]
    # 130 characters: wrapped after the second source (a line holds 120)
    assert chart_credits.credit_lines(sources, "05.12.2026") == [
        "Quelle: Amt A: T1, Stand 01.02.2024; Amt B: T2, Stand 03.04.2025;",
        "eigene Berechnung (Deutschland- und Landeswerte aus Kreiswerten)",
    ]
    assert chart_credits.credit_lines(["Amt C: T3"], "05.12.2026") == ["Quelle: Amt C: T3; Datenbestand vom 05.12.2026"]
    many = [f"Amt {n}: Tabelle {n} mit einem recht langen Titel, Stand 01.01.2020" for n in range(8)]
    lines = chart_credits.credit_lines(many)
    assert len(lines) == chart_credits.MAX_LINES and lines[-1].endswith("weitere (siehe Methodik)")
    assert all(len(line) <= chart_credits.LINE + 40 for line in lines)


@pytest.mark.integration
def test_downloaded_pictures_hold_title_source_and_stand(real_warehouse, shared_data):
    if not chart_export.available():
        skip_or_fail("picture export needs kaleido and Chromium (requirements.txt, Debian package chromium)")
    store = Store(real_warehouse)
    values = store.values("alq", 2023)
    fig = charts.distribution(values, "15087", set(), {}, "Arbeitslosenquote 2023: alle Kreise", "%", 5.0)
    picture = chart_export.stamped(fig, chart_credits.credit_lines(values["source"]))
    svg = chart_export.image_bytes(picture, "svg").decode("utf-8")
    assert "Arbeitslosenquote 2023: alle Kreise" in svg
    assert f"13211-02-05-4, Stand {raw_stand(shared_data)}" in svg
    assert "Quelle: Statistische Ämter des Bundes und der Länder" in svg
    png = chart_export.image_bytes(picture, "png")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width = int.from_bytes(png[16:20], "big")
    assert width == chart_export.WIDTH * chart_export.PNG_SCALE
