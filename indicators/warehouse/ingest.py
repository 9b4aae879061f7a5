"""Import official files into the raw folder and rebuild the warehouse, all or nothing.

Two steps, so that nothing is stored before the user has seen what a file holds:

1. :func:`inspect_folder` reads every uploaded file with its importer and reports format, table, indicators
   (with the catalogue label they will get), years, number of Kreise and problems, or the German
   :class:`~indicators.errors.SourceFileError` message (file, line or cell, expected) if it cannot be read.
2. :func:`apply` copies the inspected files into the raw folder (into the folder of their format, or over a
   file of the same name) and rebuilds the warehouse with :func:`indicators.warehouse.build.build`. If anything fails,
   the copied files are removed, replaced files are put back, and the previous warehouse stays untouched
   (``build`` writes a new warehouse beside the old one and swaps it in only on success).

Pure module: no Streamlit. One import at a time per raw folder (a lock file beside it).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from indicators import importers
from indicators.domain import registry
from indicators.domain.catalog import Catalogue, load_catalogue
from indicators.errors import BuildError, SourceFileError
from indicators.importers import generic_csv, unknown
from indicators.warehouse.build import Progress, build, current_territory, discover, sha256

#: Folder under the raw folder for each format (the layout of the offline mirror), from the importer registry.
FORMAT_FOLDERS = {name: fmt.folder for name, fmt in importers.FORMATS.items()}
MAX_NAME = 120


class ImportBusy(RuntimeError):
    """Another import into the same raw folder is running."""


@dataclass
class IndicatorFound:
    raw_id: str
    id: str  # catalogue id the build will use (or the raw id for a new indicator)
    label: str
    unit: str
    catalogued: bool


@dataclass
class FileReport:
    """What one uploaded file holds, shown before anything is stored."""

    path: Path
    sha256: str
    format: str | None = None
    format_label: str = "nicht erkannt"
    table: str = ""
    title: str = ""
    publisher: str = ""
    stand: str = ""
    licence: str = ""
    indicators: list[IndicatorFound] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    kreise: int = 0
    laender: int = 0
    germany: bool = False
    rows: int = 0
    problems: list[str] = field(default_factory=list)
    error: str | None = None
    companions: list[Path] = field(default_factory=list)
    needs_crosswalk: bool = False
    already_present: str | None = None  # relative path of an identical file in the raw folder
    replaces: str | None = None  # relative path of a file of the same name that will be replaced
    mappable: bool = False  # an unrecognised CSV the user may describe with a mapping

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def ok(self) -> bool:
        return self.error is None and self.format is not None


@dataclass
class ApplyResult:
    copied: list[str]
    replaced: list[str]
    unchanged: list[str]
    manifest: dict


# --------------------------------------------------------------------------------------------- staging


def safe_name(name: str) -> str:
    """A file name without folders or control characters, safe to write anywhere (keeps umlauts)."""
    name = unicodedata.normalize("NFC", str(name)).replace("\\", "/").split("/")[-1]
    name = re.sub(r"[\x00-\x1f\x7f<>:\"|?*]+", "_", name).strip(" .")
    if not name or name.startswith("."):
        name = "datei" + (name if name.startswith(".") else "")
    stem, dot, suffix = name.rpartition(".")
    if len(name) > MAX_NAME:
        name = (stem[: MAX_NAME - len(suffix) - 1] + dot + suffix) if dot else name[:MAX_NAME]
    return name


def stage(files: Iterable[tuple[str, bytes]], folder: Path) -> list[Path]:
    """Write uploaded ``(name, content)`` pairs into ``folder``; returns the written paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in files:
        target = folder / safe_name(name)
        target.write_bytes(content)
        written.append(target)
    return written


def mirror(files: Iterable[tuple[str, bytes]], folder: Path) -> list[Path]:
    """Make ``folder`` hold exactly the uploaded ``(name, content)`` pairs (what the uploader shows now), plus
    the column mappings written for an uploaded CSV; unchanged files are not rewritten. Returns the folder's
    files, sorted."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    wanted = {safe_name(name): content for name, content in files}
    stems = {Path(name).stem for name in wanted}
    for path in folder.iterdir():
        owner = path.name[: -len(generic_csv.MAPPING_SUFFIX)] if generic_csv.is_mapping_file(path) else None
        if path.is_file() and path.name not in wanted and owner not in stems:
            path.unlink()
    changed = [
        (name, content)
        for name, content in wanted.items()
        if not (folder / name).is_file() or (folder / name).read_bytes() != content
    ]
    stage(changed, folder)
    return sorted(folder.iterdir())


def _is_companion(path: Path, all_paths: list[Path]) -> Path | None:
    """The main file a companion belongs to (declared by its format in the importer registry), else ``None``."""
    fmt = importers.companion_of(path)
    if fmt is None:
        return None
    if fmt.name == "geometry":  # shapefile parts: the .shp of the same name
        return next((p for p in all_paths if p.stem.lower() == path.stem.lower() and p.suffix.lower() == ".shp"), None)
    if generic_csv.is_mapping_file(path):
        base = path.name[: -len(generic_csv.MAPPING_SUFFIX)].lower()
        return next(
            (p for p in all_paths if p != path and p.stem.lower() == base and p.suffix.lower() in generic_csv.SUFFIXES),
            None,
        )
    mains = [p for p in all_paths if p != path and not _is_sidecar(p)]
    owners = [p for p in mains if importers.recognise(p) == fmt.name]
    if not owners:  # its main file is damaged beyond recognition: the companion goes with it, one report says why
        owners = [p for p in mains if importers.recognise(p) is None]
        owners = owners if len(owners) == 1 else []
    return owners[0] if owners else None


def _is_sidecar(path: Path) -> bool:
    return importers.companion_of(path) is not None


# --------------------------------------------------------------------------------------------- inspection


def _raw_index(raw: Path | None) -> tuple[dict[str, str], dict[str, list[str]], bool]:
    """Checksums and names of the files already in the raw folder, and whether it holds the crosswalk."""
    by_sha: dict[str, str] = {}
    by_name: dict[str, list[str]] = {}
    crosswalk = False
    if raw is None or not Path(raw).is_dir():
        return by_sha, by_name, crosswalk
    for path in sorted(p for p in Path(raw).rglob("*") if p.is_file() and not _hidden(p, raw)):
        rel = str(path.relative_to(raw))
        by_sha.setdefault(sha256(path), rel)
        by_name.setdefault(path.name, []).append(rel)
    found, _ = discover(Path(raw))
    crosswalk = any(fmt == "bbsr_crosswalk" for _, fmt in found)
    return by_sha, by_name, crosswalk


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def inspect(path: Path, catalogue: Catalogue | None = None) -> FileReport:
    """Read one file with its importer (the same ``load`` the build uses) and describe it; never raises."""
    path = Path(path)
    catalogue = catalogue or load_catalogue()
    report = FileReport(path=path, sha256=sha256(path))
    fmt = importers.recognise(path)
    if fmt is None:
        damaged = unknown.damage(path)
        report.mappable = damaged is None and path.suffix.lower() in generic_csv.SUFFIXES
        report.error = str(damaged) if damaged else unknown.message(path, mappable=report.mappable)
        return report
    report.format = fmt
    report.format_label = importers.FORMAT_LABELS[fmt]
    try:
        result = importers.load(path, fmt)
    except SourceFileError as exc:
        report.error = str(exc)
        return report
    except Exception as exc:  # noqa: BLE001 - a damaged file must become a message, not a crash
        report.error = (
            f"Datei „{path.name}“: konnte nicht gelesen werden; erwartet wurde eine unbeschädigte Datei im Format "
            f"{report.format_label} ({type(exc).__name__}: {exc})."
        )
        return report
    report.table = result.table
    report.title = result.title
    report.publisher = result.publisher
    report.stand = result.stand
    report.licence = result.licence
    report.problems = list(result.problems)
    report.rows = result.rows
    if "crosswalk" in result.extras:
        report.years = sorted(int(y) for y in result.extras["crosswalk"]["year"].unique())
    report.kreise = len(result.extras.get("geometry_kreise", []))
    report.laender = len(result.extras.get("geometry_laender", []))
    if result.published is not None:
        _describe_regions(report, result.published.dropna(subset=["region"]))
        report.years = sorted(int(y) for y in result.published["year"].unique())
    elif len(result.facts):
        _describe_regions(report, result.facts)
        report.years = result.years
        # the same test the build makes: rows on an earlier Gebietsstand need the BBSR crosswalk
        report.needs_crosswalk = bool(current_territory(result.facts)["territory_year"].notna().any())
    for spec in result.indicators:
        hit = catalogue.source_for_raw(spec.id)
        if hit:
            ind = hit[0]
            report.indicators.append(IndicatorFound(spec.id, ind.id, ind.label, ind.unit, True))
        else:
            report.indicators.append(IndicatorFound(spec.id, spec.id, spec.label, spec.unit, False))
    return report


def _describe_regions(report: FileReport, rows) -> None:
    regions = rows["region"].dropna().astype(str)
    kreise = regions[regions.str.len() == 5]
    report.kreise = int(kreise.nunique())
    report.laender = int(regions[(regions.str.len() == 2) & regions.str.isdigit()].nunique())
    report.germany = bool((regions == "DG").any())
    if report.kreise and not kreise.isin(registry.kreis_codes()).any():
        report.problems.append("Keiner der Kreisschlüssel gehört zu den heutigen 400 Kreisen")


def inspect_folder(folder: Path, raw: Path | None = None, catalogue: Catalogue | None = None) -> list[FileReport]:
    """A report for every staged file; companions (shapefile parts, mappings, codebooks) go with their main file."""
    folder = Path(folder)
    paths = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    by_sha, by_name, has_crosswalk = _raw_index(raw)
    reports: list[FileReport] = []
    companions: dict[Path, list[Path]] = {}
    for path in paths:
        owner = _is_companion(path, paths)
        if owner is not None:
            companions.setdefault(owner, []).append(path)
    for path in paths:
        if any(path in c for c in companions.values()):
            continue
        if _is_sidecar(path):
            report = FileReport(path=path, sha256=sha256(path))
            owner = importers.companion_of(path)
            report.error = (
                f"Datei „{path.name}“: Begleitdatei zum Format „{owner.label}“ ohne die zugehörige Hauptdatei "
                "(Shapefile-Teil zur .shp, Zuordnung zur .csv, Codebuch oder Beschreibung zur Tabelle); bitte beide "
                "zusammen hochladen."
            )
            reports.append(report)
            continue
        report = inspect(path, catalogue)
        report.companions = companions.get(path, [])
        report.already_present = by_sha.get(report.sha256)
        same_name = [r for r in by_name.get(path.name, []) if r != report.already_present]
        if report.format and report.already_present is None:
            target = _target(path.name, report.format, by_name)
            if target in same_name:
                report.replaces = target
        reports.append(report)
    has_crosswalk = has_crosswalk or any(r.ok and r.format == "bbsr_crosswalk" for r in reports)
    for r in reports:
        if r.ok and r.needs_crosswalk and not has_crosswalk:
            r.error = (
                f"Datei „{r.name}“ bezieht sich auf die Gebietsstände ihrer Jahre; erwartet wurde dazu der "
                "BBSR-Umsteigeschlüssel (ref-kreise-umrech-*.xlsx) im Rohdatenordner oder unter den hochgeladenen Dateien."
            )
    return reports


def _target(name: str, fmt: str, by_name: dict[str, list[str]]) -> str:
    """Where a file goes, relative to the raw folder: over the single file of that name, else its format folder."""
    default = f"{FORMAT_FOLDERS.get(fmt, 'import')}/{name}"
    existing = by_name.get(name, [])
    if default in existing or len(existing) != 1:
        return default
    return existing[0]


def rebuild_notes(raw: Path, warehouse: Path) -> list[str]:
    """What a rebuild from ``raw`` will change beyond the new files: demo data replaced, another raw folder."""
    manifest_path = Path(warehouse) / "manifest.json"
    if not manifest_path.is_file():
        return []
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    notes = []
    if manifest.get("demo"):
        notes.append("Der Datenbestand enthält Demodaten; er wird durch die Werte aus dem Rohdatenordner ersetzt.")
    built_from = manifest.get("raw_dir")
    if built_from and not manifest.get("demo") and Path(built_from).resolve() != Path(raw).resolve():
        notes.append(
            f"Der aktuelle Datenbestand wurde aus „{built_from}“ aufgebaut, der Import baut ihn aus „{raw}“ neu auf: "
            "Indikatoren aus Dateien, die nur im anderen Ordner liegen, fehlen danach."
        )
    return notes


def blocking(reports: list[FileReport]) -> list[str]:
    """Why the import cannot be applied (empty if it can)."""
    if not reports:
        return ["Keine Datei hochgeladen."]
    return [r.error for r in reports if r.error]


# --------------------------------------------------------------------------------------------- applying


@contextmanager
def _import_lock(raw: Path):
    """One import per raw folder at a time; the lock file lives in the temp folder, not beside the data."""
    digest = hashlib.sha256(str(raw.resolve()).encode()).hexdigest()[:16]
    handle = open(Path(tempfile.gettempdir()) / f"regiomonitor-import-{digest}.lock", "a+")
    try:
        try:
            import fcntl

            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # not on POSIX: no cross-process lock
            pass
        except BlockingIOError:
            raise ImportBusy("Gerade läuft ein anderer Import. Bitte in einer Minute erneut versuchen.") from None
        yield
    finally:
        handle.close()


def apply(
    reports: list[FileReport],
    raw: Path,
    warehouse: Path,
    progress: Progress | None = None,
    catalogue: Catalogue | None = None,
) -> ApplyResult:
    """Copy the inspected files into ``raw`` and rebuild ``warehouse``; on any failure undo the copy and re-raise.

    Refuses files that were not inspected successfully or changed since they were inspected.
    """
    raw, warehouse = Path(raw), Path(warehouse)
    problems = blocking(reports)
    if problems:
        raise BuildError("Import nicht möglich: " + " ".join(problems))
    for r in reports:
        for path in [r.path, *r.companions]:
            if not path.is_file():
                raise BuildError(f"Datei „{path.name}“ ist nicht mehr vorhanden; bitte erneut hochladen.")
        if sha256(r.path) != r.sha256:
            raise BuildError(f"Datei „{r.name}“ hat sich seit der Prüfung geändert; bitte erneut prüfen.")
    with _import_lock(raw):
        return _apply_locked(reports, raw, warehouse, progress, catalogue)


def _apply_locked(reports, raw: Path, warehouse: Path, progress, catalogue) -> ApplyResult:
    _, by_name, _ = _raw_index(raw)
    created_dirs: list[Path] = []
    written: list[Path] = []
    moved: list[tuple[Path, Path]] = []
    copied, replaced, unchanged = [], [], []
    plan: list[tuple[Path, Path]] = []
    try:
        if not raw.exists():
            raw.mkdir(parents=True)
            created_dirs.append(raw)
        for r in reports:
            if r.already_present and not r.companions:
                unchanged.append(r.already_present)
                continue
            target = raw / _target(r.name, r.format, by_name)
            plan.append((r.path, target))
            plan += [(c, target.with_name(c.name)) for c in r.companions]
        for i, (source, target) in enumerate(plan):
            if progress:
                progress(0.02 + 0.08 * i / max(len(plan), 1), f"Kopiere {source.name} in den Rohdatenordner")
            for parent in reversed(target.relative_to(raw).parents):
                folder = raw / parent
                if not folder.exists():
                    folder.mkdir()
                    created_dirs.append(folder)
            if target.exists():
                # a hidden name beside the file: the build skips it, and putting it back is one rename
                keep = target.with_name(f".{target.name}.vor-import-{os.getpid()}")
                os.replace(target, keep)
                moved.append((target, keep))
                replaced.append(str(target.relative_to(raw)))
            else:
                copied.append(str(target.relative_to(raw)))
            partial = target.with_name(f".{target.name}.importing")
            shutil.copyfile(source, partial)
            os.replace(partial, target)
            written.append(target)

        def build_progress(fraction: float, message: str) -> None:
            if progress:
                progress(0.1 + 0.9 * fraction, message)

        manifest = build(raw, warehouse, build_progress, catalogue)
    except BaseException:
        _rollback([t for _, t in plan], written, moved, created_dirs)
        raise
    for _, keep in moved:
        keep.unlink(missing_ok=True)
    return ApplyResult(copied=copied, replaced=replaced, unchanged=unchanged, manifest=manifest)


def _rollback(
    planned: list[Path], written: list[Path], moved: list[tuple[Path, Path]], created_dirs: list[Path]
) -> None:
    """Remove what the import wrote, put replaced files back and drop folders it created."""
    for target in planned:
        target.with_name(f".{target.name}.importing").unlink(missing_ok=True)
    for target in written:
        target.unlink(missing_ok=True)
    for target, keep in reversed(moved):
        os.replace(keep, target)
    for folder in reversed(created_dirs):
        try:
            folder.rmdir()
        except OSError:
            pass
