"""One importer per official format; each is generic over the tables and vintages of its format.

:func:`recognise` asks each format's ``sniff`` in turn, so a file dropped anywhere under the raw folder is
routed to its importer by its content, not by its name or folder.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

#: Format name -> module, in the order formats are tried; fact importers expose ``read(path)``.
FACT_FORMATS = (
    "genesis",
    "inkar",
    "inkar_long",
    "deutschlandatlas",
    "destatis",
    "bbsr",
    "ba",
    "reference",
    "generic_csv",
)

FORMAT_LABELS = {
    "genesis": "Regionalstatistik / GENESIS (CSV)",
    "inkar": "INKAR-Export (Excel)",
    "inkar_long": "INKAR-Zusammenstellung im Langformat (CSV)",
    "deutschlandatlas": "Deutschlandatlas (Excel)",
    "destatis": "Destatis Kreis- und Gemeindeverzeichnis (Excel)",
    "bbsr": "BBSR Kreistypen (CSV)",
    "bbsr_crosswalk": "BBSR Umsteigeschlüssel (Excel)",
    "ba": "Statistik der BA, Tabellenlayout (Excel)",
    "reference": "Referenztabelle JUGEND STÄRKEN (CSV)",
    "geometry": "BKG Verwaltungsgebiete VG2500 (Shapefile)",
    "generic_csv": "Eigene Tabelle (CSV mit RegioMonitor-Zuordnung)",
}


def module(name: str) -> ModuleType:
    return importlib.import_module(f"indicators.importers.{name}")


def recognise(path: Path) -> str | None:
    """Name of the format a file is in, or ``None`` if no importer claims it."""
    path = Path(path)
    if path.suffix.lower() == ".shp":
        return "geometry" if module("geometry").sniff(path) else None
    if path.suffix.lower() in {".xlsx", ".xls"}:
        bbsr = module("bbsr")
        if hasattr(bbsr, "sniff_crosswalk") and bbsr.sniff_crosswalk(path):
            return "bbsr_crosswalk"
    for name in FACT_FORMATS:
        try:
            if module(name).sniff(path):
                return name
        except Exception:  # a sniffer must never stop recognition of other formats
            continue
    return None
