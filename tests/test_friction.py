"""Issue 14, friction: exact German numbers, who changed a target, implausible targets, the bare CSV download,
numbers in the Schwerpunkte CSV, where the official files come from, the BKG attribution, the narrow profile.

Expected values are worked out by hand here or read from the raw official files."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import shapefile

from indicators.domain import formatting as fmt
from indicators.domain import official_sources, priorities
from indicators.domain.targets import Target, plausibility_warnings
from indicators.outputs import exports
from indicators.warehouse.store import Store
from ui import profile_table


@pytest.mark.parametrize(
    ("value", "sign", "text"),
    [
        (1234.5, False, "1.234,5"),
        (0.0012, False, "0,0012"),
        (-3.0, False, "-3"),
        (2.0 / 3.0, False, "0,666667"),
        (1_000_000.0, True, "+1.000.000"),
        (0.0, True, "±0"),
        (float("nan"), False, "–"),
    ],
)
def test_exact_keeps_the_digits_and_writes_them_german(value, sign, text):
    assert fmt.exact(value, sign=sign) == text


def test_person_names_people_not_system_accounts():
    assert fmt.person("anna") == "anna"
    assert fmt.person("lokal:root") == "root (Systemkonto des Servers, vor der Anmeldepflicht)"
    assert "lokal" not in fmt.person("lokal")


def target(value: float, year: int, baseline: float | None = None) -> Target:
    return Target(
        id=1, ags="15087", indicator="jugend_alq", target_value=value, target_year=year, baseline_value=baseline
    )


def test_a_share_above_100_percent_for_a_past_year_is_flagged():
    warnings = plausibility_warnings(target(1234.5, 2020), "%", entered_in=2026)
    assert warnings == [
        "Zielwert 1.234,5 % liegt über 100 %: ein Anteil kann nicht größer als 100 % sein.",
        "Das Zieljahr 2020 lag bei der Eingabe (2026) schon in der Vergangenheit.",
    ]


def test_plausible_targets_pass_and_counts_cannot_be_negative():
    assert plausibility_warnings(target(6.0, 2030, baseline=11.7), "%", entered_in=2026) == []
    assert plausibility_warnings(target(100.0, 2026), "%", entered_in=2026) == []  # the border itself is possible
    assert plausibility_warnings(target(250.0, 2030), "EUR", entered_in=None) == []  # only shares end at 100
    assert plausibility_warnings(target(-5.0, 2030), "Anzahl", entered_in=2026) == [
        "Zielwert -5 Anzahl ist negativ: Werte in „Anzahl“ sind nie negativ."
    ]
    assert plausibility_warnings(target(5.0, 2030, baseline=140.0), "%", entered_in=None) == [
        "Ausgangswert 140 % liegt über 100 %: ein Anteil kann nicht größer als 100 % sein."
    ]


def test_plain_csv_is_the_table_of_the_zip_without_the_archive(demo_warehouse):
    store = Store(demo_warehouse)
    facts = store.facts(["15087", "15001"], ["alq"], (2022, 2023))
    districts, indicators = store.districts(), store.indicators()
    stem = exports.file_stem(["15087", "15001"], ["alq"], (2022, 2023), "lang", demo=True)
    created = dt.datetime(2026, 1, 2, 3, 4)
    args = (facts, districts, indicators, store.manifest)
    plain = exports.export(*args, "csv_de", "lang", stem, created=created, bundled=False)
    bundle = exports.export(*args, "csv_de", "lang", stem, created=created)
    assert plain.file_name == f"{stem}_excel.csv" and plain.mime == "text/csv"
    archive = zipfile.ZipFile(io.BytesIO(bundle.data))
    assert sorted(archive.namelist()) == sorted([plain.file_name, "QUELLEN.txt"])
    assert archive.read(plain.file_name) == plain.data
    rows = list(csv.DictReader(io.StringIO(plain.data.decode("utf-8-sig")), delimiter=";"))
    mine = next(r for r in rows if r["AGS"] == "15087" and r["Jahr"] == "2023")
    assert float(mine["Wert"].replace(",", ".")) == pytest.approx(store.value("15087", "alq", 2023))
    international = exports.export(*args, "csv", "lang", stem, created=created, bundled=False)
    assert international.file_name == f"{stem}.csv" and b";" not in international.data.splitlines()[0]
    parquet = exports.export(*args, "parquet", "lang", stem, created=created, bundled=False)
    assert parquet.file_name.endswith(".zip"), "only CSV comes bare"


def item(**changes) -> priorities.PriorityItem:
    base = dict(
        kind="schwerpunkt",
        indicator="alq_lz",
        label="Anteil Langzeitarbeitsloser",
        topic="Arbeitsmarkt",
        unit="%",
        polarity=-1,
        year=2023,
        value=47.6,
        median=31.8,
        percentile=1.25,
        rank=395,
        n=400,
        change_1y=1.3,
        change_5y=-1.4,
        trend_1y="schlechter",
        trend_5y="besser",
        score=87.5,
        position_text="im ungünstigsten Viertel der Vergleichsgruppe",
        explanation="Mansfeld-Südharz liegt …",
    )
    return priorities.PriorityItem(**(base | changes))


def test_schwerpunkte_csv_holds_numbers_in_number_columns():
    data = exports.to_csv(priorities.download_frame([item(), item(indicator="x", rank=None, n=None, median=None)]))
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    first, bare = rows
    # Excel reads "47,6" as a number; "47,6 %" or "395 von 400" would be text
    assert (first["Wert"], first["Median"], first["Einheit"]) == ("47,6", "31,8", "%")
    assert (first["Rang"], first["von"], first["Jahr"], first["Punkte"]) == ("395", "400", "2023", "87,5")
    assert (first["Δ Vorjahr"], first["Δ 5 Jahre"]) == ("1,3", "-1,4")
    assert (bare["Rang"], bare["von"], bare["Median"]) == ("", "", "")


def test_every_official_folder_says_where_to_download_it(shared_data):
    folders = {p.name for p in shared_data.iterdir() if p.is_dir()} - {"inkar_gerda"}  # a compilation, not a publisher
    listed = {s.folder: s for s in official_sources.SOURCES}
    assert folders <= set(listed), folders - set(listed)
    for source in official_sources.SOURCES:
        assert re.fullmatch(r"https://[a-z0-9.-]+\.de", source.address), source
    # where the files name their publisher's address, the list gives the same one
    ba = openpyxl.load_workbook(shared_data / "ba" / "Kreise_WO_Zeitreihe.xlsx", read_only=True)
    ba_text = " ".join(str(c) for ws in ba.worksheets for row in ws.iter_rows(values_only=True) for c in row if c)
    assert listed["ba"].address in ba_text
    destatis = openpyxl.load_workbook(shared_data / "destatis" / "04-kreise_31122021.xlsx", read_only=True)
    d_text = " ".join(str(c) for ws in destatis.worksheets for row in ws.iter_rows(values_only=True) for c in row if c)
    assert listed["destatis"].address.removeprefix("https://") in d_text
    shown = official_sources.markdown_list()
    assert all(s.address in shown for s in official_sources.SOURCES)


def test_map_attribution_names_bkg_and_the_year_of_the_boundaries(shared_data, real_warehouse):
    with shapefile.Reader(str(shared_data / "bkg_vg2500" / "VG2500_KRS.shp")) as reader:
        names = [f[0] for f in reader.fields[1:]]
        newest = max(r[names.index("BEGINN")] for r in reader.iterRecords())
    manifest = json.loads((Path(real_warehouse) / "manifest.json").read_text(encoding="utf-8"))
    line = exports.map_attribution(manifest)
    assert line.startswith(f"© GeoBasis-DE / BKG ({newest.year}), ")
    assert "dl-de/by-2-0" in line
    assert exports.map_attribution({"sources": [{"format": "genesis", "stand": "2023"}]}) is None


def test_narrow_profile_table_leaves_out_only_the_reference_columns():
    profile = pd.DataFrame(
        [
            dict(
                unit="%",
                value_label=None,
                rank=3,
                n=10,
                germany=5.0,
                germany_estimated=False,
                label="Quote",
                polarity_text="niedriger ist günstiger",
                year=2023,
                value=4.0,
                median=5.0,
                mean=5.1,
                min=1.0,
                max=9.0,
                position=0.4,
                polarity=-1,
                assessment="mittel",
                assessment_icon="●",
                assessment_label="Mittelfeld",
                change_1y=-0.2,
                change_5y=0.5,
                trend_1y="besser",
                trend_5y="schlechter",
            )
        ]
    )
    page = str(profile_table.rows_html(profile))
    head = re.findall(r"<th( class=\"rm-opt\")?>([^<]*)</th>", page)
    assert [name for cls, name in head if cls] == ["Mittelwert", "Minimum", "Maximum", "Position"]
    assert {"Einordnung", "Δ Vorjahr", "Δ 5 Jahre", "Kreis", "Median", "Rang"} <= {n for c, n in head if not c}
    cells = re.findall(r"<td( class=\"rm-opt\")?>", page)
    assert [bool(c) for c in cells] == [name in profile_table.OPTIONAL for name in profile_table.COLUMNS]
    assert "@container (max-width: 1150px)" in str(profile_table.TABLE_CSS)
