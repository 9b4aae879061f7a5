"""One importer per official format, and the registry that knows them all.

Each importer module declares its formats in a ``FORMATS`` tuple of :class:`~indicators.importers.base.Format`:
how a file is recognised (``sniff``), what it reads and what it yields (``load``, one pass over the file). The
build, the import page, the "nicht erkannt" message and README's table of formats all come from this registry, so
a new format is one new module (listed in :data:`MODULES`) plus its tests. A file dropped anywhere under the raw
folder is routed by its content, not by its name or folder.
"""

from __future__ import annotations

import importlib
from fnmatch import fnmatch
from pathlib import Path
from types import ModuleType

from indicators.importers.base import Format, ImportResult

#: Importer modules in the order their formats are tried (a format that claims more specific files comes first).
MODULES = (
    "geometry",
    "bbsr",
    "genesis",
    "inkar",
    "inkar_long",
    "deutschlandatlas",
    "destatis",
    "ba",
    "reference",
    "generic_csv",
)


def module(name: str) -> ModuleType:
    return importlib.import_module(f"indicators.importers.{name}")


def _formats() -> dict[str, Format]:
    return {fmt.name: fmt for name in MODULES for fmt in module(name).FORMATS}


FORMATS: dict[str, Format] = _formats()
FORMAT_LABELS = {name: fmt.label for name, fmt in FORMATS.items()}


def recognise(path: Path) -> str | None:
    """Name of the format a file is in, or ``None`` if no importer claims it."""
    path = Path(path)
    for fmt in FORMATS.values():
        if fmt.suffixes and path.suffix.lower() not in fmt.suffixes:
            continue
        try:
            if fmt.sniff(path):
                return fmt.name
        except Exception:  # noqa: BLE001 - a sniffer must never stop recognition of other formats
            continue
    return None


def companion_of(path: Path) -> Format | None:
    """The format a file travels with (read together with a main file, never alone), else ``None``."""
    name = Path(path).name.lower()
    return next((f for f in FORMATS.values() if any(fnmatch(name, p) for p in f.companions)), None)


def load(path: Path, name: str) -> ImportResult:
    """Read a file in format ``name`` once: facts, published reference, breaks and extras together."""
    return FORMATS[name].load(Path(path))


def known_formats_text() -> str:
    """The formats, for the German message about a file nobody recognises."""
    return "; ".join(fmt.label for fmt in FORMATS.values())


def formats_markdown() -> str:
    """README's table of recognised formats (a test keeps README and registry in step)."""
    lines = ["| Format | Liest | Ergibt | Beispiele | Modul |", "|---|---|---|---|---|"]
    for fmt in FORMATS.values():
        owner = next(m for m in MODULES if fmt in module(m).FORMATS)
        lines.append(f"| {fmt.label} | {fmt.reads} | {fmt.yields} | {fmt.examples} | `{owner}.py` |")
    return "\n".join(lines)
