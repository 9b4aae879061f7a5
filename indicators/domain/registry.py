"""The 400 Kreise of today's Gebietsstand, the 16 Länder and Germany as comparison regions.

Codes, names, kinds and NUTS-3 codes are facts committed in ``reference/``; area, population and the BBSR
Kreistyp come from official files at build time (or from the demo generator), never from this repository.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from indicators.domain.ags import GERMANY

REFERENCE_DIR = Path(__file__).resolve().parents[1] / "reference"
GERMANY_NAME = "Deutschland"

DISTRICT_COLUMNS = [
    "ags",
    "name",
    "display_name",
    "kind",
    "land_code",
    "land_name",
    "nuts3",
    "area_km2",
    "population",
    "kreistyp",
    "kreistyp_name",
    "east",
]

KREISTYP_NAMES = {
    1: "Kreisfreie Großstadt",
    2: "Städtischer Kreis",
    3: "Ländlicher Kreis mit Verdichtungsansätzen",
    4: "Dünn besiedelter ländlicher Kreis",
}


@lru_cache(maxsize=1)
def kreise() -> pd.DataFrame:
    """Today's 400 Kreise with code, name, kind, Land and NUTS-3 (committed facts)."""
    df = pd.read_csv(REFERENCE_DIR / "kreise.csv", dtype=str, keep_default_na=False)
    return df


@lru_cache(maxsize=1)
def laender() -> pd.DataFrame:
    df = pd.read_csv(REFERENCE_DIR / "laender.csv", dtype=str, keep_default_na=False)
    df["east"] = df["east"] == "1"
    return df


@lru_cache(maxsize=1)
def kreis_codes() -> frozenset[str]:
    return frozenset(kreise()["ags"])


def display_names(frame: pd.DataFrame) -> pd.Series:
    """Names that tell Kreise apart: two Kreise are called Kassel, two Rostock, and so on."""
    duplicated = frame["name"].duplicated(keep=False)
    return frame["name"].where(~duplicated, frame["name"] + " (" + frame["kind"] + ")")


def districts(
    areas: pd.DataFrame | None = None,
    kreistypen: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The district table of the warehouse contract.

    ``areas`` has columns ags, area_km2, population (Destatis Kreis list); ``kreistypen`` has ags, kreistyp.
    Missing inputs leave the columns empty rather than inventing values.
    """
    df = kreise().copy()
    df["display_name"] = display_names(df)
    lands = laender().set_index("land_code")
    df["land_name"] = df["land_code"].map(lands["land_name"])
    df["east"] = df["land_code"].map(lands["east"]).astype(bool)
    df["area_km2"] = float("nan")
    df["population"] = pd.array([pd.NA] * len(df), dtype="Int64")
    if areas is not None and len(areas):
        a = areas.drop_duplicates("ags").set_index("ags")
        df["area_km2"] = df["ags"].map(a["area_km2"]).astype(float)
        df["population"] = df["ags"].map(a["population"]).round().astype("Int64")
    df["kreistyp"] = pd.array([pd.NA] * len(df), dtype="Int8")
    if kreistypen is not None and len(kreistypen):
        k = kreistypen.drop_duplicates("ags").set_index("ags")
        df["kreistyp"] = df["ags"].map(k["kreistyp"]).astype("Int8")
    df["kreistyp_name"] = df["kreistyp"].map(lambda t: KREISTYP_NAMES.get(int(t)) if pd.notna(t) else None)
    return df[DISTRICT_COLUMNS]


def comparison_regions() -> pd.DataFrame:
    """Germany and the 16 Länder, the regions the reference rows compare against."""
    lands = laender().rename(columns={"land_code": "region", "land_name": "name"})
    lands["level"] = "land"
    germany = pd.DataFrame([{"region": GERMANY, "name": GERMANY_NAME, "east": False, "level": "bund"}])
    return pd.concat([germany, lands[["region", "name", "east", "level"]]], ignore_index=True)
