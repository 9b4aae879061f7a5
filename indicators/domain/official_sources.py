"""Where each official file that RegioMonitor reads is published, for the set-up and import pages.

Addresses are the publishers' start pages with the way to the file in words: deep links on these portals change
with every relaunch, the start page and the menu path stay findable.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OfficialSource:
    publisher: str
    what: str  # the files, as the import recognises them
    address: str
    way: str  # how to get from the address to the file
    folder: str  # the sub-folder of the raw data folder the file goes to by convention


SOURCES: tuple[OfficialSource, ...] = (
    OfficialSource(
        "Statistische Ämter des Bundes und der Länder – Regionaldatenbank Deutschland",
        "Tabellen 13211-02-05-4 (Arbeitslose, Quoten), 12411-0018 (Bevölkerung), 13111-07-05-4 (Beschäftigte)",
        "https://www.regionalstatistik.de",
        "Tabelle suchen, Kreise und krfr. Städte wählen, Werteabruf als CSV (flach)",
        "regionalstatistik",
    ),
    OfficialSource(
        "BBSR – INKAR (Indikatoren und Karten zur Raum- und Stadtentwicklung)",
        "Indikatoren auf Kreisebene als Excel-Export",
        "https://www.inkar.de",
        "Raumbezug Kreise, Indikatoren und Jahre wählen, Export als Excel",
        "inkar",
    ),
    OfficialSource(
        "Deutschlandatlas (Bund)",
        "Deutschlandatlas-Daten.xlsx und die Indikatorenbeschreibung (PDF)",
        "https://www.deutschlandatlas.bund.de",
        "Service, Downloads: Daten des Deutschlandatlas (Excel)",
        "deutschlandatlas",
    ),
    OfficialSource(
        "Statistik der Bundesagentur für Arbeit",
        "Tabellen und Sonderauswertungen (z. B. Beschäftigte am Wohnort nach Berufsabschluss)",
        "https://statistik.arbeitsagentur.de",
        "Statistiken, Interaktive Statistiken oder Tabellen nach Regionen; Sonderauswertungen auf Anfrage",
        "ba",
    ),
    OfficialSource(
        "BBSR – Bundesinstitut für Bau-, Stadt- und Raumforschung",
        "Siedlungsstrukturelle Kreistypen (CSV) und Umsteigeschlüssel der Kreise (Excel)",
        "https://www.bbsr.bund.de",
        "Forschung, Raumbeobachtung: Raumabgrenzungen (Kreistypen) und Umstiegsschlüssel",
        "bbsr",
    ),
    OfficialSource(
        "BKG – Bundesamt für Kartographie und Geodäsie",
        "Verwaltungsgebiete 1:2 500 000 (VG2500), Shapefile, für die Karte",
        "https://gdz.bkg.bund.de",
        "Open Data, Verwaltungsgebiete: VG2500 (Stand 31.12.) als Shape herunterladen und entpacken",
        "bkg_vg2500",
    ),
    OfficialSource(
        "Statistisches Bundesamt (Destatis) – Gemeindeverzeichnis",
        "Kreisfreie Städte und Landkreise nach Fläche und Bevölkerung; Auszug aus dem Gemeindeverzeichnis (Excel)",
        "https://www.destatis.de",
        "Themen, Länder und Regionen, Gemeindeverzeichnis: Excel-Dateien",
        "destatis",
    ),
)


def markdown_list() -> str:
    """The sources as a German Markdown list (our own text only, no file content)."""
    return "\n".join(f"- **{s.publisher}**: {s.what}. {s.address} ({s.way}); Ordner `{s.folder}/`" for s in SOURCES)
