"""BKG VG2500 boundaries (Shapefile) as small WGS84 polygons for the web map.

The shapefile is projected (ETRS89 / UTM 32N) and far more detailed than a choropleth of Germany needs,
so all features are simplified together in metres (``shapely.coverage_simplify``: a border two neighbours share
stays one line, no overlaps or gaps), reprojected with pyproj to longitude/latitude and rounded to
5 decimals (about 1 m), which keeps the GeoJSON of all 400 Kreise well under 1.5 MB. The CRS is read
from the ``.prj`` and the encoding from the ``.cpg`` of each file, never assumed.
"""

from __future__ import annotations

import json
import struct
from contextlib import ExitStack
from pathlib import Path

import numpy as np
import pyproj
import shapefile
import shapely
from pyproj.exceptions import CRSError, ProjError
from shapely.geometry import MultiPolygon, Polygon, shape

from indicators.domain.ags import is_kreis, is_land, normalise_key
from indicators.errors import SourceFileError
from indicators.importers.base import Format, ImportResult, facts_frame

#: Simplification tolerance in metres (in the source CRS, before reprojecting).
DEFAULT_TOLERANCE_M = 500.0
#: Decimals of the output coordinates: 1e-5 degrees is about 1 m, far below the tolerance.
DECIMALS = 5
TARGET_CRS = "EPSG:4326"
#: BKG "Geofaktor": 9 = whole area of the unit (VG1000/VG2500), 4 = land part (VG250);
#: 8 / 2 mark water-only parts (coastal waters, Bodensee) that would duplicate keys.
PREFERRED_GF = (9, 4)
POLYGON_TYPES = {shapefile.POLYGON, shapefile.POLYGONZ, shapefile.POLYGONM}
KREIS_FIELDS = ("AGS", "GEN", "BEZ")
LAND_FIELDS = ("AGS", "GEN")
_SNIFF_FIELDS = {"AGS", "GEN"}


def sniff(path: Path) -> bool:
    """True for a ``.shp`` whose ``.dbf`` carries ``AGS`` and ``GEN`` (the BKG VG layers)."""
    try:
        path = Path(path)
        if path.suffix.lower() != ".shp" or not path.is_file():
            return False
        dbf = _sibling(path, ".dbf")
        if dbf is None:
            return False
        return _SNIFF_FIELDS <= set(_dbf_field_names(dbf))
    except Exception:  # noqa: BLE001 - sniffing a foreign file must never raise
        return False


def read_kreise(path_or_dir: Path, tolerance: float = DEFAULT_TOLERANCE_M) -> list[dict]:
    """Kreis polygons ``{ags, name, kind, geometry}``; ``geometry`` is a GeoJSON mapping in WGS84.

    ``path_or_dir`` is the ``.shp`` or a folder holding exactly one ``*_KRS.shp``.
    """
    shp = _locate(Path(path_or_dir), "KRS")
    rows = _read_layer(shp, KREIS_FIELDS, tolerance)
    features = []
    for number, record, geom in rows:
        ags = _key(shp, number, record["AGS"], is_kreis, "ein 5-stelliger Kreisschlüssel (AGS)")
        features.append({"ags": ags, "name": record["GEN"], "kind": record["BEZ"], "geometry": geom})
    return _merge_duplicates(features, "ags")


def read_laender(path_or_dir: Path, tolerance: float = DEFAULT_TOLERANCE_M) -> list[dict]:
    """Land polygons ``{land_code, name, geometry}`` (land area incl. inland waters, GF=9)."""
    shp = _locate(Path(path_or_dir), "LAN")
    rows = _read_layer(shp, LAND_FIELDS, tolerance)
    features = []
    for number, record, geom in rows:
        code = _key(shp, number, record["AGS"], is_land, "ein 2-stelliger Landesschlüssel (AGS)")
        features.append({"land_code": code, "name": record["GEN"], "geometry": geom})
    return _merge_duplicates(features, "land_code")


def write_geojson(features: list[dict], out_path: Path) -> Path:
    """Compact GeoJSON FeatureCollection; every key but ``geometry`` becomes a property."""
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {k: v for k, v in f.items() if k != "geometry"},
                "geometry": f["geometry"],
            }
            for f in features
        ],
    }
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    return out_path


def to_pydeck_polygons(features: list[dict]) -> list[dict]:
    """One row per polygon, as pydeck's PolygonLayer wants: MultiPolygons become several rows.

    Each row keeps the feature's properties and adds ``polygon`` (outer ring), ``holes`` and
    ``rings`` (outer ring followed by the holes: ``get_polygon="rings"`` draws the holes, so a
    Landkreis does not paint over the kreisfreie Stadt inside it).
    """
    rows = []
    for feature in features:
        props = {k: v for k, v in feature.items() if k != "geometry"}
        for rings in _polygons(feature["geometry"]):
            rows.append({**props, "polygon": rings[0], "holes": rings[1:], "rings": rings})
    return rows


def to_pydeck_paths(features: list[dict]) -> list[dict]:
    """One row per ring (outer boundaries and holes alike) for a PathLayer of borders."""
    rows = []
    for feature in features:
        props = {k: v for k, v in feature.items() if k != "geometry"}
        for rings in _polygons(feature["geometry"]):
            rows.extend({**props, "path": ring} for ring in rings)
    return rows


# --- reading -------------------------------------------------------------------------------------


def _read_layer(shp: Path, required: tuple[str, ...], tolerance: float) -> list[tuple[int, dict, dict]]:
    """``(record number, attributes, WGS84 GeoJSON geometry)`` for the kept features of one layer."""
    shx, dbf, prj = (_required_sibling(shp, ext, what) for ext, what in _SIDECARS)
    try:
        transformer = pyproj.Transformer.from_crs(_read_crs(prj), TARGET_CRS, always_xy=True)
    except ProjError as exc:
        raise SourceFileError(
            prj, "Inhalt", "eine in WGS84 umrechenbare Projektion (z. B. EPSG:25832)", str(exc)
        ) from None
    records, shapes = _read_shapefile(shp, shx, dbf, required)
    keep_gf = _geofactor_to_keep(records)
    kept = []
    for number, (record, shp_shape) in enumerate(zip(records, shapes, strict=True), start=1):
        if keep_gf is not None and record.get("GF") != keep_gf:
            continue
        try:
            kept.append((number, record, _to_shapely(shp, number, shp_shape)))
        except (shapely.errors.GEOSException, ValueError) as exc:
            raise SourceFileError(
                shp, f"Datensatz {number}", "eine Fläche mit gültigen Koordinaten", str(exc)
            ) from None
    try:
        simplified = _simplify_coverage([geom for _, _, geom in kept], tolerance)
    except (shapely.errors.GEOSException, ValueError) as exc:
        raise SourceFileError(shp, "Geometrie", "Flächen mit gültigen Koordinaten", str(exc)) from None
    rows = []
    for (number, record, _), geom in zip(kept, simplified, strict=True):
        try:
            web = _web_geometry(geom, transformer)
        except (shapely.errors.GEOSException, ValueError) as exc:  # coordinates outside the declared CRS
            raise SourceFileError(
                shp, f"Datensatz {number}", "eine Fläche mit gültigen Koordinaten", str(exc)
            ) from None
        if web is None:
            raise SourceFileError(shp, f"Datensatz {number}", "eine Fläche größer als etwa 1 m²", "leer")
        _check_bounds(shp, number, record, web)
        rows.append((number, record, web))
    return rows


#: Germany spans about 5.9-15.0 degrees east and 47.3-55.1 degrees north; one degree of margin for islands,
#: border Kreise and rounding. One feature far outside stretches the map until Germany vanishes from it.
WGS84_BOUNDS = (4.8, 46.2, 16.1, 56.1)


def _check_bounds(shp: Path, number: int, record: dict, geometry: dict) -> None:
    """Refuse a feature whose WGS84 coordinates lie outside Germany (with margin), naming it."""
    west, south, east, north = shape(geometry).bounds
    lon_min, lat_min, lon_max, lat_max = WGS84_BOUNDS
    if lon_min <= west and east <= lon_max and lat_min <= south and north <= lat_max:
        return

    def de(x: float) -> str:
        return f"{x:.1f}".replace(".", ",")

    name = ", ".join(t for t in (f"AGS {record.get('AGS', '?')}", str(record.get("GEN") or "").strip()) if t)
    raise SourceFileError(
        shp,
        f"Datensatz {number} ({name})",
        f"eine Fläche mit Koordinaten in Deutschland (nach WGS84 umgerechnet Länge {de(lon_min)}° bis {de(lon_max)}°, Breite "
        f"{de(lat_min)}° bis {de(lat_max)}°; passt die .prj-Datei zu den Koordinaten?)",
        f"Länge {de(west)}° bis {de(east)}°, Breite {de(south)}° bis {de(north)}°",
    )


def _simplify_coverage(geoms: list, tolerance: float) -> list:
    """Simplify all areas together, so that a border two neighbours share stays one line: simplifying each area on
    its own moves the same border differently on either side (overlaps and gaps between neighbours on the map).
    A layer that is no clean coverage (overlapping source polygons) falls back to simplifying each area."""
    if tolerance <= 0 or not geoms:
        return geoms
    try:
        if shapely.coverage_is_valid(geoms):
            return list(shapely.coverage_simplify(geoms, tolerance))
    except (shapely.errors.GEOSException, ValueError):
        pass
    return [g.simplify(tolerance, preserve_topology=True) for g in geoms]


_SIDECARS = (
    (".shx", "die Indexdatei (.shx) zur Shapefile-Datei"),
    (".dbf", "die Attributdatei (.dbf) zur Shapefile-Datei"),
    (".prj", "die Projektionsdatei (.prj) mit dem Koordinatensystem"),
)


def _read_shapefile(shp: Path, shx: Path, dbf: Path, required: tuple[str, ...]) -> tuple[list[dict], list]:
    encodings = _encodings(shp)
    for attempt, encoding in enumerate(encodings):
        try:
            with ExitStack() as stack:
                handles = {
                    key: stack.enter_context(open(p, "rb")) for key, p in (("shp", shp), ("shx", shx), ("dbf", dbf))
                }
                reader = stack.enter_context(shapefile.Reader(encoding=encoding, **handles))
                _check_layout(reader, shp, dbf, required)
                records = [rec.as_dict() for rec in reader.iterRecords()]
                shapes = list(reader.iterShapes())
            if len(records) != len(shapes):
                found = f"{len(shapes)} Flächen, {len(records)} Datensätze"
                raise SourceFileError(shp, "Dateiinhalt", "je Fläche einen Datensatz in der .dbf-Datei", found)
            return records, shapes
        except UnicodeDecodeError as exc:
            if attempt + 1 < len(encodings):
                continue
            raise SourceFileError(dbf, "Attributtabelle", f"Text in der Kodierung {encoding}", str(exc)) from None
        except SourceFileError:
            raise
        except Exception as exc:  # noqa: BLE001 - pyshp fails on damaged bytes with any exception type
            raise SourceFileError(
                shp, "Dateiinhalt", "eine lesbare Shapefile-Datei", f"{type(exc).__name__}: {exc}"
            ) from None
    raise AssertionError("unreachable")


def _check_layout(reader: shapefile.Reader, shp: Path, dbf: Path, required: tuple[str, ...]) -> None:
    if reader.shapeType not in POLYGON_TYPES:
        found = shapefile.SHAPETYPE_LOOKUP.get(reader.shapeType, str(reader.shapeType))
        raise SourceFileError(shp, "Geometrietyp", "Flächen (POLYGON)", found)
    names = [f[0] for f in reader.fields[1:]]
    missing = [name for name in required if name not in names]
    if missing:
        raise SourceFileError(
            dbf,
            "Feldliste",
            f"die Felder {', '.join(required)} (fehlt: {', '.join(missing)})",
            ", ".join(names),
        )


def _encodings(shp: Path) -> list[str]:
    """The ``.cpg`` names the DBF encoding; without it try UTF-8, then the older Latin-1."""
    cpg = _sibling(shp, ".cpg")
    if cpg is None:
        return ["utf-8", "latin-1"]
    name = cpg.read_bytes().decode("ascii", errors="replace").strip() or "utf-8"
    try:
        "".encode(name)
    except (LookupError, ValueError):
        raise SourceFileError(cpg, "Inhalt", "der Name einer Zeichenkodierung (z. B. UTF-8)", name) from None
    return [name]


def _read_crs(prj: Path) -> pyproj.CRS:
    text = prj.read_bytes().decode("latin-1").strip()
    try:
        return pyproj.CRS.from_wkt(text)
    except CRSError:
        raise SourceFileError(prj, "Inhalt", "ein Koordinatensystem als WKT", text) from None


def _geofactor_to_keep(records: list[dict]) -> int | None:
    present = {rec.get("GF") for rec in records}
    return next((gf for gf in PREFERRED_GF if gf in present), None)


def _to_shapely(shp: Path, number: int, shp_shape) -> Polygon | MultiPolygon:
    try:
        geom = shape(shp_shape.__geo_interface__)
    except Exception as exc:  # noqa: BLE001 - pyshp raises plain Exception for null or broken shapes
        raise SourceFileError(shp, f"Datensatz {number}", "eine Fläche", str(exc)) from None
    if geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise SourceFileError(shp, f"Datensatz {number}", "eine Fläche", geom.geom_type)
    return geom if geom.is_valid else _polygonal(shapely.make_valid(geom))


def _key(shp: Path, number: int, raw: object, accept, expected: str) -> str:
    key = normalise_key(raw)
    if key is None or not accept(key):
        raise SourceFileError(shp, f"Datensatz {number}, Feld AGS", expected, str(raw))
    return key


def _merge_duplicates(features: list[dict], key: str) -> list[dict]:
    """Units split over several records (e.g. without a GF field) become one MultiPolygon."""
    merged: dict[str, dict] = {}
    for feature in features:
        seen = merged.get(feature[key])
        if seen is None:
            merged[feature[key]] = feature
            continue
        union = shapely.union(shape(seen["geometry"]), shape(feature["geometry"]))
        seen["geometry"] = _geojson(_polygonal(union))
    return sorted(merged.values(), key=lambda f: f[key])


# --- geometry ------------------------------------------------------------------------------------


def _web_geometry(geom, transformer: pyproj.Transformer) -> dict | None:
    """Reproject the (already simplified) area and snap it to the output grid; validity is kept at every step."""

    def project(coords: np.ndarray) -> np.ndarray:
        lon, lat = transformer.transform(coords[:, 0], coords[:, 1])
        out = np.column_stack([lon, lat])
        if not np.isfinite(out).all():
            raise ValueError("Koordinaten liegen außerhalb des Koordinatensystems der .prj-Datei")
        return out

    geom = shapely.transform(geom, project)
    # snapping to 1e-5 degrees can make a narrow spot self-touch; set_precision repairs that
    geom = _polygonal(shapely.set_precision(geom, 10.0**-DECIMALS))
    return None if geom.is_empty else _geojson(geom)


def _polygonal(geom) -> Polygon | MultiPolygon:
    """Only the areal parts of a geometry (make_valid may add lines or points)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    polys = [p for g in parts for p in (g.geoms if g.geom_type == "MultiPolygon" else [g])]
    return MultiPolygon(polys) if len(polys) != 1 else polys[0]


def _geojson(geom: Polygon | MultiPolygon) -> dict:
    polygons = list(geom.geoms) if geom.geom_type == "MultiPolygon" else [geom]
    coords = [[_ring(poly.exterior)] + [_ring(hole) for hole in poly.interiors] for poly in polygons]
    if len(coords) == 1:
        return {"type": "Polygon", "coordinates": coords[0]}
    return {"type": "MultiPolygon", "coordinates": coords}


def _ring(ring) -> list[list[float]]:
    return np.round(np.asarray(ring.coords)[:, :2], DECIMALS).tolist()


def _polygons(geometry: dict) -> list[list]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return list(geometry["coordinates"])
    return []


# --- files ---------------------------------------------------------------------------------------


def _locate(path: Path, layer: str) -> Path:
    """The ``.shp`` itself, or the single ``*_<layer>.shp`` in a folder."""
    if path.is_dir():
        found = sorted(p for p in path.iterdir() if p.suffix.lower() == ".shp" and p.stem.upper().endswith(layer))
        if len(found) != 1:
            shown = ", ".join(p.name for p in found) or "keine"
            raise SourceFileError(path, "Verzeichnis", f"genau eine Shapefile-Datei *_{layer}.shp", shown)
        return found[0]
    if path.suffix.lower() != ".shp":
        candidate = _sibling(path, ".shp")
        if candidate is None:
            raise SourceFileError(path, "Dateiname", "eine Shapefile-Datei (.shp)", path.suffix or path.name)
        path = candidate
    if not path.is_file():
        raise SourceFileError(path, "Datei", "eine vorhandene Shapefile-Datei (.shp)", "nicht gefunden")
    return path


def _sibling(path: Path, ext: str) -> Path | None:
    for suffix in (ext, ext.upper()):
        candidate = path.with_suffix(suffix)
        if candidate.is_file():
            return candidate
    return None


def _required_sibling(shp: Path, ext: str, what: str) -> Path:
    found = _sibling(shp, ext)
    if found is None:
        raise SourceFileError(shp.with_suffix(ext), "Datei", f"{what} „{shp.name}“", "fehlt")
    return found


def _dbf_field_names(dbf: Path) -> list[str]:
    """Field names from the DBF header (32-byte descriptors after a 32-byte header, up to 0x0D)."""
    with open(dbf, "rb") as fh:
        head = fh.read(32)
        header_len = struct.unpack("<H", head[8:10])[0]
        block = fh.read(min(max(header_len - 32, 0), 65536))
    names = []
    for i in range(0, len(block) - 31, 32):
        if block[i] == 0x0D:
            break
        names.append(block[i : i + 11].split(b"\x00")[0].decode("latin-1").strip())
    return names


def load(path: Path) -> ImportResult:
    """Kreis (``*_KRS``) or Land (``*_LAN``) polygons as ``extras``; other layers of VG2500 are not used."""
    path = Path(path)
    extras, problems = {}, []
    stem = path.stem.upper()
    if "KRS" in stem:
        extras["geometry_kreise"] = read_kreise(path)
    elif "LAN" in stem:
        extras["geometry_laender"] = read_laender(path)
    else:
        problems.append("Nur VG2500_KRS (Kreise) und VG2500_LAN (Länder) werden verwendet")
    return ImportResult(
        format="geometry",
        stand=_stand(path),
        table="Kreisgrenzen" if "KRS" in stem else "Ländergrenzen" if "LAN" in stem else path.stem,
        path=path,
        facts=facts_frame([]),
        indicators=[],
        title="BKG Verwaltungsgebiete 1:2 500 000 (VG2500)",
        publisher="© GeoBasis-DE / BKG",
        licence="dl-de/by-2-0",
        problems=problems,
        extras=extras,
    )


def _stand(shp: Path) -> str:
    """VG2500 ships no date file: the newest BEGINN of its records is the Gebietsstand it shows at the latest."""
    try:
        with shapefile.Reader(str(shp)) as reader:
            names = [f[0] for f in reader.fields[1:]]
            if "BEGINN" not in names:
                return ""
            at = names.index("BEGINN")
            days = [r[at] for r in reader.iterRecords() if hasattr(r[at], "year")]
    except Exception:  # noqa: BLE001 - the Stand is a note; the geometry itself was read and checked above
        return ""
    return f"Gebietsstand nach dem jüngsten Änderungsdatum (BEGINN) {max(days):%d.%m.%Y}" if days else ""


FORMATS = (
    Format(
        name="geometry",
        label="BKG Verwaltungsgebiete VG2500 (Shapefile)",
        folder="bkg_vg2500",
        reads="VG2500-Shapefile (.shp mit .shx, .dbf, .prj, .cpg): Kreis- und Ländergrenzen, nach WGS84 umgerechnet",
        yields="Kartengeometrie der 400 Kreise und 16 Länder",
        examples="VG2500_KRS, VG2500_LAN",
        sniff=sniff,
        load=load,
        suffixes=(".shp",),
        companions=("*.shx", "*.dbf", "*.prj", "*.cpg"),
    ),
)
