"""A boundary far outside Germany is refused on import, naming the feature; the map never sees it.

The shapefiles are written with pyshp in ETRS89/UTM 32N like BKG's (helpers of tests/importers/test_geometry.py);
where the coordinates land in WGS84 is checked against pyproj directly.
"""

from __future__ import annotations

import shutil

import pyproj
import pytest

from indicators.errors import SourceFileError
from indicators.importers import geometry
from indicators.warehouse import demo
from indicators.warehouse.build import build
from tests.importers.test_geometry import _square, _write


def features(far_y: float) -> list:
    return [
        (("15001", "Süderstadt", "Kreisfreie Stadt", "DEE01", 9), [_square(500000, 5700000, 5000)]),
        (("15002", "Weitweg", "Landkreis", "DEE02", 9), [_square(500000, far_y, 5000)]),
    ]


@pytest.mark.parametrize("far_y, region", [(100_000, "near the equator"), (9_000_000, "near the North Pole")])
def test_a_feature_outside_germany_is_refused_with_its_name(tmp_path, far_y, region):
    lon, lat = pyproj.Transformer.from_crs(25832, 4326, always_xy=True).transform(500000, far_y)
    assert not 46 < lat < 57, region  # really outside Germany
    shp = _write(tmp_path, "VG_TEST_KRS", features(far_y))
    with pytest.raises(SourceFileError) as caught:
        geometry.read_kreise(shp)
    message = str(caught.value)
    assert message.startswith(
        "Datei „VG_TEST_KRS.shp“, Datensatz 2 (AGS 15002, Weitweg): erwartet wurde eine Fläche mit Koordinaten"
    )
    assert "Koordinaten in Deutschland" in message and f"Breite {lat:.1f}".replace(".", ",")[:9] in message


def test_features_in_germany_pass(tmp_path):
    shp = _write(tmp_path, "VG_TEST_KRS", features(5_750_000))
    assert [f["ags"] for f in geometry.read_kreise(shp)] == ["15001", "15002"]


def test_the_real_vg2500_lies_within_the_bounds(shared_data):
    kreise = geometry.read_kreise(next(shared_data.rglob("VG2500_KRS.shp")))
    assert len(kreise) == 400


def test_a_build_with_such_a_shapefile_keeps_the_warehouse(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "warehouse"
    raw.mkdir()
    shp = _write(tmp_path, "VG_TEST_KRS", features(100_000))
    for part in tmp_path.glob("VG_TEST_KRS.*"):
        shutil.copy(part, raw / part.name)
    demo.write_demo(out)
    before = (out / "manifest.json").read_bytes()
    with pytest.raises(SourceFileError, match="Weitweg"):
        build(raw, out)
    assert (out / "manifest.json").read_bytes() == before
    assert shp.exists()
