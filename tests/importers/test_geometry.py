"""BKG VG2500 shapefile importer: fixture shapefiles written with pyshp, plus the real VG2500 files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyproj
import pytest
import shapefile
from shapely.geometry import Point, shape

from indicators.errors import SourceFileError
from indicators.importers import geometry

PRJ = Path(__file__).resolve().parents[1] / "fixtures" / "geometry" / "etrs89_utm32n.prj"
KRS_FIELDS = [("AGS", "C", 5), ("GEN", "C", 60), ("BEZ", "C", 60), ("NUTS", "C", 5), ("GF", "N", 2)]


def _square(x0: float, y0: float, size: float) -> list[tuple[float, float]]:
    """Clockwise ring, as shapefiles store outer rings."""
    return [(x0, y0), (x0, y0 + size), (x0 + size, y0 + size), (x0 + size, y0), (x0, y0)]


def _zigzag_square(x0: float, y0: float, size: float, step: float = 100.0, amp: float = 20.0) -> list:
    """A square whose sides wiggle by ``amp`` metres: many vertices that simplification removes."""
    n = int(size / step)
    left = [(x0 + (amp if i % 2 else 0.0), y0 + i * step) for i in range(n)]
    top = [(x0 + i * step, y0 + size - (amp if i % 2 else 0.0)) for i in range(n)]
    right = [(x0 + size - (amp if i % 2 else 0.0), y0 + size - i * step) for i in range(n)]
    bottom = [(x0 + size - i * step, y0 + (amp if i % 2 else 0.0)) for i in range(n)]
    ring = left + top + right + bottom
    return ring + [ring[0]]


def _write(folder: Path, stem: str, features: list, fields=KRS_FIELDS, shape_type=shapefile.POLYGON, **opts) -> Path:
    """Write a shapefile like BKG's: .shp/.shx/.dbf with pyshp, .prj copied from the fixture, a .cpg."""
    encoding = opts.get("encoding", "utf-8")
    target = folder / stem
    with shapefile.Writer(str(target), shapeType=shape_type, encoding=encoding) as writer:
        for name, kind, size in fields:
            writer.field(name, kind, size=size)
        for record, rings in features:
            if shape_type == shapefile.POINT:
                writer.point(*rings)
            else:
                writer.poly(rings)
            writer.record(*record)
    shutil.copyfile(PRJ, target.with_suffix(".prj"))
    if opts.get("cpg", "UTF-8"):
        target.with_suffix(".cpg").write_text(opts.get("cpg", "UTF-8"), encoding="ascii")
    return target.with_suffix(".shp")


@pytest.fixture
def krs(tmp_path: Path) -> Path:
    """Three Kreise near UTM 32N (500000, 5700000): a plain square, a wiggly one, and one in two parts
    of which one has a hole."""
    features = [
        (("15001", "Süderstadt", "Kreisfreie Stadt", "DEE01", 9), [_square(500000, 5700000, 5000)]),
        (("15002", "Wellenkreis", "Landkreis", "DEE02", 9), [_zigzag_square(510000, 5700000, 10000)]),
        (
            ("15003", "Inselkreis", "Landkreis", "DEE03", 9),
            [
                _square(530000, 5700000, 10000),
                list(reversed(_square(533000, 5703000, 3000))),  # counter-clockwise: a hole
                _square(545000, 5700000, 4000),
            ],
        ),
    ]
    return _write(tmp_path, "VG_TEST_KRS", features)


# --- reading and reprojection ---------------------------------------------------------------------


def test_reads_kreise_with_properties(krs: Path):
    features = geometry.read_kreise(krs)
    assert [f["ags"] for f in features] == ["15001", "15002", "15003"]
    assert features[0]["name"] == "Süderstadt"
    assert features[0]["kind"] == "Kreisfreie Stadt"
    assert set(features[0]) == {"ags", "name", "kind", "geometry"}


def test_reprojects_known_point_like_pyproj(krs: Path):
    expected = pyproj.Transformer.from_crs("EPSG:25832", "EPSG:4326", always_xy=True)
    lon, lat = expected.transform(500000.0, 5700000.0)
    assert lon == pytest.approx(9.0) and 51.4 < lat < 51.5
    feature = geometry.read_kreise(krs, tolerance=0)[0]
    ring = feature["geometry"]["coordinates"][0]
    assert [round(lon, 5), round(lat, 5)] in ring
    far_lon, far_lat = expected.transform(505000.0, 5705000.0)
    assert [round(far_lon, 5), round(far_lat, 5)] in ring


def test_coordinates_are_rounded_to_five_decimals(krs: Path):
    for feature in geometry.read_kreise(krs):
        for rings in geometry._polygons(feature["geometry"]):
            for lon, lat in (pt for ring in rings for pt in ring):
                assert round(lon, 5) == lon and round(lat, 5) == lat


def test_simplification_reduces_vertices_and_stays_valid(krs: Path):
    raw = geometry.read_kreise(krs, tolerance=0)[1]["geometry"]
    simple = geometry.read_kreise(krs, tolerance=500)[1]["geometry"]
    assert len(simple["coordinates"][0]) < len(raw["coordinates"][0]) / 10
    assert shape(simple).is_valid
    # the 20 m wiggle is gone but the 10 km square keeps its area
    assert shape(simple).area == pytest.approx(shape(raw).area, rel=0.02)


def test_multipolygon_and_hole_are_kept(krs: Path):
    geom = geometry.read_kreise(krs)[2]["geometry"]
    assert geom["type"] == "MultiPolygon"
    assert sorted(len(rings) for rings in geom["coordinates"]) == [1, 2]
    assert shape(geom).is_valid
    hole_centre = pyproj.Transformer.from_crs("EPSG:25832", "EPSG:4326", always_xy=True).transform(534500.0, 5704500.0)
    assert not shape(geom).contains(Point(hole_centre))


# --- outputs --------------------------------------------------------------------------------------


def test_write_geojson_feature_collection(krs: Path, tmp_path: Path):
    out = geometry.write_geojson(geometry.read_kreise(krs), tmp_path / "out" / "kreise.geojson")
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection"
    assert len(data["features"]) == 3
    first = data["features"][0]
    assert first["properties"] == {"ags": "15001", "name": "Süderstadt", "kind": "Kreisfreie Stadt"}
    assert first["geometry"]["type"] == "Polygon"
    assert "Süderstadt" in out.read_text(encoding="utf-8")  # umlauts written as text, not escaped


def test_pydeck_polygons_one_row_per_polygon(krs: Path):
    rows = geometry.to_pydeck_polygons(geometry.read_kreise(krs))
    assert [r["ags"] for r in rows] == ["15001", "15002", "15003", "15003"]
    with_hole = [r for r in rows if r["holes"]]
    assert len(with_hole) == 1 and with_hole[0]["ags"] == "15003"
    row = with_hole[0]
    assert row["rings"] == [row["polygon"], *row["holes"]]
    assert row["polygon"][0] == row["polygon"][-1] and len(row["polygon"][0]) == 2


def test_laender_keep_gf9_and_paths(tmp_path: Path):
    fields = [("AGS", "C", 2), ("GEN", "C", 60), ("GF", "N", 2)]
    features = [
        (("15", "Sachsen-Anhalt", 9), [_square(500000, 5700000, 20000), _square(530000, 5700000, 5000)]),
        (("15", "Sachsen-Anhalt (See)", 8), [_square(500000, 5690000, 5000)]),
        (("16", "Thüringen", 9), [_square(500000, 5650000, 20000)]),
    ]
    shp = _write(tmp_path, "VG_TEST_LAN", features, fields=fields)
    laender = geometry.read_laender(tmp_path)
    assert [(f["land_code"], f["name"]) for f in laender] == [("15", "Sachsen-Anhalt"), ("16", "Thüringen")]
    paths = geometry.to_pydeck_paths(laender)
    assert [p["land_code"] for p in paths] == ["15", "15", "16"]
    assert all(p["path"][0] == p["path"][-1] for p in paths)
    assert geometry.sniff(shp)


def test_latin1_dbf_with_matching_cpg(tmp_path: Path):
    shp = _write(
        tmp_path,
        "L_KRS",
        [(("03159", "Göttingen", "Landkreis", "DE91C", 9), [_square(500000, 5700000, 5000)])],
        encoding="latin-1",
        cpg="ISO-8859-1",
    )
    assert geometry.read_kreise(shp)[0]["name"] == "Göttingen"


def test_directory_input_finds_krs_layer(krs: Path):
    assert len(geometry.read_kreise(krs.parent)) == 3


# --- sniff and errors ----------------------------------------------------------------------------


def test_sniff(krs: Path, tmp_path: Path):
    assert geometry.sniff(krs)
    assert not geometry.sniff(krs.with_suffix(".dbf"))
    other = _write(tmp_path, "OTHER", [(("x",), [_square(0, 0, 10)])], fields=[("NAME", "C", 10)])
    assert not geometry.sniff(other)
    junk = tmp_path / "junk.shp"
    junk.write_bytes(b"not a shapefile")
    assert not geometry.sniff(junk)
    assert not geometry.sniff(tmp_path / "missing.shp")


@pytest.mark.parametrize("ext", [".prj", ".dbf", ".shx"])
def test_missing_sidecar_is_named(krs: Path, ext: str):
    krs.with_suffix(ext).unlink()
    with pytest.raises(SourceFileError) as err:
        geometry.read_kreise(krs)
    assert krs.with_suffix(ext).name in str(err.value)


def test_missing_field_is_reported(tmp_path: Path):
    shp = _write(
        tmp_path,
        "NOGEN_KRS",
        [(("15001", "Landkreis"), [_square(500000, 5700000, 5000)])],
        fields=[("AGS", "C", 5), ("BEZ", "C", 60)],
    )
    with pytest.raises(SourceFileError, match="GEN") as err:
        geometry.read_kreise(shp)
    assert "NOGEN_KRS.dbf" in str(err.value)


def test_points_are_rejected(tmp_path: Path):
    shp = _write(
        tmp_path,
        "PT_KRS",
        [(("15001", "A", "Landkreis", "DEE01", 9), (500000, 5700000))],
        shape_type=shapefile.POINT,
    )
    with pytest.raises(SourceFileError, match="Flächen") as err:
        geometry.read_kreise(shp)
    assert "PT_KRS.shp" in str(err.value)


def test_land_key_in_kreis_layer_is_rejected(tmp_path: Path):
    shp = _write(tmp_path, "BAD_KRS", [(("15", "Sachsen-Anhalt", "Land", "DEE", 9), [_square(500000, 5700000, 5000)])])
    with pytest.raises(SourceFileError, match="Kreisschlüssel"):
        geometry.read_kreise(shp)


def test_broken_prj_is_reported(krs: Path):
    krs.with_suffix(".prj").write_text("kein Koordinatensystem", encoding="ascii")
    with pytest.raises(SourceFileError, match="WKT"):
        geometry.read_kreise(krs)


@pytest.mark.filterwarnings("ignore::Warning")
def test_corrupt_shp_is_reported(krs: Path):
    krs.write_bytes(krs.read_bytes()[:150])
    with pytest.raises(SourceFileError) as err:
        geometry.read_kreise(krs)
    assert krs.name in str(err.value)


# --- real VG2500 files ---------------------------------------------------------------------------


@pytest.fixture
def vg2500(shared_data: Path) -> Path:
    folder = shared_data / "bkg_vg2500"
    if not (folder / "VG2500_KRS.shp").exists():
        pytest.skip("VG2500 shapefiles not in the mirror")
    return folder


def test_real_kreise(vg2500: Path):
    kreise = geometry.read_kreise(vg2500 / "VG2500_KRS.shp")
    assert len(kreise) == 400
    assert len({f["ags"] for f in kreise}) == 400
    assert all(shape(f["geometry"]).is_valid and not shape(f["geometry"]).is_empty for f in kreise)
    msh = next(f for f in kreise if f["ags"] == "15087")
    assert msh["name"] == "Mansfeld-Südharz" and msh["kind"] == "Landkreis"
    centre = shape(msh["geometry"]).centroid
    assert 11.0 < centre.x < 11.8 and 51.3 < centre.y < 51.7
    berlin = next(f for f in kreise if f["ags"] == "11000")
    assert 13.0 < shape(berlin["geometry"]).centroid.x < 13.8
    assert next(f for f in kreise if f["ags"] == "02000")["name"] == "Hamburg"
    # reprojected to lon/lat: every Kreis lies within Germany's bounding box
    for f in kreise:
        minx, miny, maxx, maxy = shape(f["geometry"]).bounds
        assert 5.8 < minx and maxx < 15.1 and 47.2 < miny and maxy < 55.1


def test_real_kreise_geojson_is_small_and_simplified(vg2500: Path, tmp_path: Path):
    simple = geometry.read_kreise(vg2500)
    out = geometry.write_geojson(simple, tmp_path / "kreise.geojson")
    assert out.stat().st_size < 1_500_000
    raw_vertices = sum(len(r["polygon"]) for r in geometry.to_pydeck_polygons(geometry.read_kreise(vg2500, 0)))
    vertices = sum(len(r["polygon"]) for r in geometry.to_pydeck_polygons(simple))
    assert vertices < raw_vertices / 2
    rows = geometry.to_pydeck_polygons(simple)
    assert len(rows) > 400 and {r["ags"] for r in rows} == {f["ags"] for f in simple}
    assert any(r["holes"] for r in rows)  # Landkreise around kreisfreie Städte


def test_real_laender(vg2500: Path):
    laender = geometry.read_laender(vg2500)
    assert [f["land_code"] for f in laender] == [f"{i:02d}" for i in range(1, 17)]
    assert next(f for f in laender if f["land_code"] == "15")["name"] == "Sachsen-Anhalt"
    assert all(shape(f["geometry"]).is_valid for f in laender)
    paths = geometry.to_pydeck_paths(laender)
    assert {p["land_code"] for p in paths} == {f["land_code"] for f in laender}
    # the Mansfeld-Südharz centroid lies in Sachsen-Anhalt, not in Thüringen
    msh = next(f for f in geometry.read_kreise(vg2500) if f["ags"] == "15087")
    st = next(f for f in laender if f["land_code"] == "15")
    assert shape(st["geometry"]).contains(shape(msh["geometry"]).centroid)


# --- shared borders stay shared (coverage simplification) on the real VG2500 -----------------------------------


def _equal_area(features: list[dict]) -> list:
    """The WGS84 GeoJSON polygons in ETRS89-LAEA (EPSG:3035), where areas are square metres."""
    import numpy as np
    import shapely

    to_laea = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:3035", always_xy=True)
    return [
        shapely.transform(shape(f["geometry"]), lambda c: np.column_stack(to_laea.transform(c[:, 0], c[:, 1])))
        for f in features
    ]


def _overlaps_and_gaps(geoms: list) -> tuple[float, list[float]]:
    """Area shared by two neighbours (km²) and the holes of the whole (km² each), measured with shapely."""
    import shapely

    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    overlap = sum(shapely.intersection(geoms[a], geoms[b]).area for a, b in zip(left, right, strict=True) if a < b)
    union = shapely.union_all(geoms)
    parts = union.geoms if union.geom_type == "MultiPolygon" else [union]
    holes = sorted(shapely.Polygon(ring).area / 1e6 for part in parts for ring in part.interiors)
    return overlap / 1e6, holes


@pytest.mark.integration
def test_simplified_kreise_keep_shared_borders_on_the_real_vg2500(shared_data):
    """Simplifying each Kreis on its own left 620 km² of overlaps and 1,541 gaps between neighbours; simplified
    together, neighbours share each border: no overlap, and no gap that the unsimplified source does not have
    (the one hole of the source is Jungholz, an Austrian municipality surrounded by Bavaria)."""
    path = shared_data / "bkg_vg2500" / "VG2500_KRS.shp"
    simplified = geometry.read_kreise(path)
    overlap, gaps = _overlaps_and_gaps(_equal_area(simplified))
    _, source_gaps = _overlaps_and_gaps(_equal_area(geometry.read_kreise(path, tolerance=0)))
    assert overlap < 0.01, f"{overlap:.2f} km² Überlappung zwischen Nachbarkreisen"
    assert len(gaps) == len(source_gaps) == 1, gaps
    assert gaps[0] == pytest.approx(source_gaps[0], rel=0.1)
    assert len(simplified) == 400
    assert sum(len(json.dumps(f["geometry"])) for f in simplified) < 1_500_000  # still small for the web map
