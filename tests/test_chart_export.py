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


def square(ags: str, x0: float, fill: list[int]) -> dict:
    ring = [[x0, 50.0], [x0 + 1, 50.0], [x0 + 1, 51.0], [x0, 51.0], [x0, 50.0]]
    return {
        "type": "Feature",
        "properties": {"ags": ags, "fill": fill},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def test_map_picture_fills_each_kreis_in_its_colour_and_outlines_the_home_kreis():
    from ui import choropleth

    features = [square("01001", 10.0, [33, 102, 172]), square("15087", 11.0, [179, 88, 6])]
    fig = choropleth.picture(
        features, "15087", "Quote 2023", ["Quelle: Amt, Stand 01.02.2024", "Karte: © GeoBasis-DE / BKG (2023)"]
    )
    shapes = {s.fillcolor: s for s in fig.layout.shapes}
    assert set(shapes) == {"rgb(33,102,172)", "rgb(179,88,6)"}
    assert shapes["rgb(179,88,6)"].line.width == 3 and shapes["rgb(33,102,172)"].line.width < 1
    # longitudes shrink with cos(51°): x of the first square's corner is 10 * 0.629
    assert shapes["rgb(33,102,172)"].path.startswith("M 6.2900,50.0000 L 6.9190,50.0000")
    assert fig.layout.title.text == "Quote 2023"
    assert fig.layout.title.subtitle.text == "Quelle: Amt, Stand 01.02.2024<br>Karte: © GeoBasis-DE / BKG (2023)"


@pytest.mark.integration
def test_downloaded_map_names_bkg_with_the_year_of_the_boundaries(real_warehouse, shared_data):
    import shapefile

    from indicators.outputs import exports
    from ui import choropleth

    if not chart_export.available():
        skip_or_fail("picture export needs kaleido and Chromium (requirements.txt, Debian package chromium)")
    with shapefile.Reader(str(shared_data / "bkg_vg2500" / "VG2500_KRS.shp")) as reader:
        at = [f[0] for f in reader.fields[1:]].index("BEGINN")
        year = max(r[at] for r in reader.iterRecords()).year
    store = Store(real_warehouse)
    features = choropleth.colour_features(
        store.geometry("kreise")["features"],
        store.values("alq", 2023),
        {},
        "%",
        -1,
        {"median": 5.0, "min": 2.0, "max": 14.6},
    )
    credit = [f"Karte: {exports.map_attribution(store.manifest).split(', ')[0]}"]
    svg = chart_export.image_bytes(choropleth.picture(features, "15087", "ALQ 2023", credit), "svg").decode("utf-8")
    assert f"Karte: © GeoBasis-DE / BKG ({year})" in svg
    assert svg.count('fill="rgb(') + svg.count("fill: rgb(") >= 400
