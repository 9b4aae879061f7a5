"""Downloads of filtered facts: CSV for German Excel, plain CSV, XLSX and Parquet, in long or wide layout.

Pure functions, no Streamlit: a page (or a script) passes the long facts frame from ``Store.facts`` together with
the district and indicator tables and the warehouse manifest, and gets bytes and a file name back.

Layouts
    ``lang``  one row per region, indicator and year with every flag and the source of each value:
              AGS, Kreis, Land, Indikator-Kennung, Indikator, Einheit, Jahr, Wert, Klasse, unterdrückt,
              harmonisiert, geschätzt, Reihenbruch, Quelle.
    ``breit`` one row per region and year, one column per indicator (``Label [Einheit] (kennung)``); years stay
              rows so a time series is one column and a pivot table needs no unpivoting. Class and category
              indicators hold their class text; withheld values are empty. The flags do not fit a wide table:
              use the long layout for them.

Every download carries its sources and licences: CSV and Parquet travel in a ZIP together with ``QUELLEN.txt``
(a commented header line would break Excel), XLSX has a second sheet ``Quellen``. Text cells that a spreadsheet
would run as a formula (``= + - @``, tab or carriage return at the start, also after leading spaces) get a
leading apostrophe in CSV and XLSX, and XLSX writes every text cell with ``write_string``; Parquet is typed data
for programs and keeps the text as it is.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from indicators.domain import formatting as fmt
from indicators.domain import registry, safe_text
from indicators.domain.ags import GERMANY
from indicators.importers.base import slug

FORMATS = {
    "csv_de": "CSV für Excel (Semikolon, Dezimalkomma, UTF-8 mit BOM)",
    "csv": "CSV international (Komma, Dezimalpunkt, UTF-8)",
    "xlsx": "Excel-Arbeitsmappe (XLSX) mit Blatt „Quellen“",
    "parquet": "Parquet (typisiert, für R, Python, DuckDB)",
}
LAYOUTS = {
    "lang": "lang: eine Zeile je Kreis, Indikator und Jahr, mit Kennzeichen und Quelle",
    "breit": "breit: eine Zeile je Kreis und Jahr, eine Spalte je Indikator",
}

LONG_COLUMNS = [
    "AGS",
    "Kreis",
    "Land",
    "Indikator-Kennung",
    "Indikator",
    "Einheit",
    "Jahr",
    "Wert",
    "Klasse",
    "unterdrückt",
    "harmonisiert",
    "geschätzt",
    "Reihenbruch",
    "Quelle",
]
FLAG_COLUMNS = {
    "unterdrückt": "suppressed",
    "harmonisiert": "harmonised",
    "geschätzt": "estimated",
    "Reihenbruch": "break",
}
WIDE_KEYS = ["AGS", "Kreis", "Land", "Jahr"]
SOURCE_COLUMNS = ["Indikator-Kennung", "Indikator", "Einheit", "Quelle", "Stand", "Lizenz"]

#: Excel's sheet limit, header row included.
XLSX_MAX_ROWS = 1_048_576
MAX_STEM = 110

DEMO_MARKER = "DEMODATEN – synthetisch erzeugt, keine amtlichen Werte. Nicht zitieren, nicht weitergeben."

#: Licence shorthands in official files and the text an attribution line needs.
LICENCE_TEXTS = {
    "dl-de/by-2-0": "Datenlizenz Deutschland – Namensnennung – Version 2.0 (dl-de/by-2-0, https://www.govdata.de/dl-de/by-2-0)",
    "dl-de/zero-2-0": "Datenlizenz Deutschland – Zero – Version 2.0 (dl-de/zero-2-0, https://www.govdata.de/dl-de/zero-2-0)",
}

_STAND = re.compile(r",\s*Stand\s+(.+?)\s*$")

ZIP_SUFFIX = {"csv_de": "csv-excel", "csv": "csv", "parquet": "parquet"}
MIME = {
    "csv_de": "application/zip",
    "csv": "application/zip",
    "parquet": "application/zip",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

#: The CSV formats that can also be downloaded as the bare file (``export(..., bundled=False)``).
PLAIN_CSV = {"csv_de": "text/csv", "csv": "text/csv"}


class ExportTooLarge(ValueError):
    """The selection does not fit the format (Excel's row limit); the message says what to do instead."""


@dataclass(frozen=True)
class Download:
    file_name: str
    data: bytes
    mime: str


# ------------------------------------------------------------------------------------------- cell safety


def neutralise(text: object) -> object:
    """Prefix text a spreadsheet would run as a formula with an apostrophe; other values pass unchanged."""
    if not isinstance(text, str) or not text:
        return text
    if safe_text.runs_as_formula(text):
        return "'" + text
    return text


def licence_text(licence: str | None) -> str:
    """``dl-de/by-2-0`` -> the full licence name with its address; longer texts pass unchanged."""
    text = (licence or "").strip()
    return LICENCE_TEXTS.get(text.lower(), text)


def stand_of(source: str | None) -> str:
    """The Stand written into a source label (``…, Stand 09.07.2024``), or ``""``."""
    match = _STAND.search(source or "")
    return match.group(1) if match else ""


# ------------------------------------------------------------------------------------------- tables


def region_names(districts: pd.DataFrame) -> pd.DataFrame:
    """Name and Land name of every region a fact can have: the Kreise, the 16 Länder and Germany."""
    kreise = districts[["ags", "display_name", "land_name"]].rename(columns={"display_name": "name"})
    comparison = registry.comparison_regions().rename(columns={"region": "ags"})
    comparison["land_name"] = comparison["name"].where(comparison["ags"] != GERMANY, "")
    return pd.concat([kreise, comparison[["ags", "name", "land_name"]]], ignore_index=True).drop_duplicates("ags")


def long_table(facts: pd.DataFrame, districts: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    """The download in long layout, typed (strings, Int16 year, float value, bool flags)."""
    names = region_names(districts).set_index("ags")
    meta = indicators.set_index("id")
    region = facts["region"].astype("string")
    ind = facts["indicator"].astype("string")
    out = pd.DataFrame(
        {
            "AGS": region,
            "Kreis": region.map(names["name"]).fillna("").astype("string"),
            "Land": region.map(names["land_name"]).fillna("").astype("string"),
            "Indikator-Kennung": ind,
            "Indikator": ind.map(meta["label"]).fillna(ind).astype("string"),
            "Einheit": ind.map(meta["unit"]).fillna("").astype("string"),
            "Jahr": facts["year"].astype("Int16"),
            "Wert": facts["value"].astype("float64"),
            "Klasse": facts["value_label"].astype("string") if "value_label" in facts else pd.NA,
        }
    )
    for column, field in FLAG_COLUMNS.items():
        out[column] = facts[field].fillna(False).astype(bool) if field in facts else False
    out["Quelle"] = facts["source"].astype("string") if "source" in facts else ""
    return out[LONG_COLUMNS].sort_values(["Indikator-Kennung", "AGS", "Jahr"], kind="stable").reset_index(drop=True)


def wide_header(indicator: str, label: str, unit: str) -> str:
    return f"{label} [{unit}] ({indicator})" if unit else f"{label} ({indicator})"


def wide_table(long: pd.DataFrame) -> pd.DataFrame:
    """One row per region and year, one column per indicator, from a :func:`long_table`."""
    if long.empty:
        return pd.DataFrame(columns=WIDE_KEYS)
    headers = {
        row["Indikator-Kennung"]: wide_header(row["Indikator-Kennung"], row["Indikator"], row["Einheit"])
        for _, row in long.drop_duplicates("Indikator-Kennung").iterrows()
    }
    is_class = long.groupby("Indikator-Kennung")["Klasse"].apply(lambda s: s.notna().any())
    cell = long["Wert"].astype(object).where(long["Wert"].notna(), None)
    with_label = long["Indikator-Kennung"].map(is_class).astype(bool)
    cell = cell.where(~with_label, long["Klasse"].astype(object).where(long["Klasse"].notna(), None))
    frame = long[WIDE_KEYS + ["Indikator-Kennung"]].assign(cell=cell)
    wide = frame.pivot(index=WIDE_KEYS, columns="Indikator-Kennung", values="cell")
    order = list(dict.fromkeys(long["Indikator-Kennung"]))
    wide = wide.reindex(columns=order)
    for ind in order:
        if is_class[ind]:
            wide[ind] = wide[ind].astype("string")
        else:
            wide[ind] = pd.to_numeric(wide[ind], errors="coerce").astype("float64")
    wide = wide.rename(columns=headers).reset_index()
    wide.columns.name = None
    wide["Jahr"] = wide["Jahr"].astype("Int16")
    return wide.sort_values(["AGS", "Jahr"], kind="stable").reset_index(drop=True)


def sources_table(facts: pd.DataFrame, indicators: pd.DataFrame, manifest: dict) -> pd.DataFrame:
    """Source, Stand and licence of every indicator and source in the download (one row per pair)."""
    meta = indicators.set_index("id")
    pairs = facts[["indicator", "source"]].drop_duplicates().sort_values(["indicator", "source"])
    files = [s for s in manifest.get("sources", []) if s.get("publisher")]
    rows = []
    for ind, source in pairs.itertuples(index=False):
        source = "" if pd.isna(source) else str(source)
        label = meta["label"].get(ind, ind) if "label" in meta else ind
        unit = meta["unit"].get(ind, "") if "unit" in meta else ""
        catalogue_licence = str(meta["licence"].get(ind, "") or "") if "licence" in meta else ""
        licence = ""
        stand = stand_of(source)
        for f in files:
            if _file_feeds(f, source):
                licence = licence_text(f.get("licence"))
                stand = stand or f.get("stand", "")
                break
        if source.startswith("Eigene Berechnung"):
            licence = (
                f"Eigene Berechnung aus Daten unter: {catalogue_licence}" if catalogue_licence else "Eigene Berechnung"
            )
        if manifest.get("demo"):
            licence = licence or catalogue_licence
            source = source or DEMO_MARKER
        rows.append(
            {
                "Indikator-Kennung": ind,
                "Indikator": label,
                "Einheit": unit,
                "Quelle": source,
                "Stand": stand,
                "Lizenz": licence or catalogue_licence,
            }
        )
    return pd.DataFrame(rows, columns=SOURCE_COLUMNS)


def _file_feeds(src: dict, source: str) -> bool:
    """Whether a value with source label ``source`` comes from the warehouse file ``src`` (manifest entry)."""
    publisher = src.get("publisher") or ""
    if not publisher:
        return False
    if source == publisher:
        return True
    stand = src.get("stand") or ""
    return source.startswith(f"{publisher}:") and (not stand or source.endswith(f", Stand {stand}"))


def attribution_lines(manifest: dict, used_sources: list[str] | None = None) -> list[str]:
    """One attribution line per publisher and licence: publisher, Stand and licence.

    With ``used_sources`` (the source labels of the values in a download) only the files those values come from.
    """
    seen: dict[tuple[str, str], set[str]] = {}
    for src in manifest.get("sources", []):
        publisher = src.get("publisher") or ""
        if not publisher:
            continue
        if used_sources is not None and not any(_file_feeds(src, str(u)) for u in used_sources):
            continue
        key = (publisher, licence_text(src.get("licence")))
        seen.setdefault(key, set())
        if src.get("stand"):
            seen[key].add(str(src["stand"]))
    lines = []
    for (publisher, licence), stands in sorted(seen.items()):
        line = f"Quelle: {publisher}"
        if stands:
            line += f", Stand {', '.join(sorted(stands))}"
        if licence:
            line += f"; Lizenz: {licence}"
        lines.append(line)
    return lines


def map_attribution(manifest: dict) -> str | None:
    """``© GeoBasis-DE / BKG (2023)`` for the map's boundaries, with the licence; ``None`` without geometry.

    BKG asks for the year of the data retrieval, which VG2500 does not record; the year of its newest
    Gebietsstand (the Stand the importer reads from the file) is the closest year the file itself names.
    """
    years, licences = [], set()
    for src in manifest.get("sources", []):
        if src.get("format") != "geometry":
            continue
        years += [int(y) for y in re.findall(r"\b(19\d\d|20\d\d)\b", str(src.get("stand") or ""))]
        if src.get("licence"):
            licences.add(licence_text(src["licence"]))
    if not years and not licences:
        return None
    line = "© GeoBasis-DE / BKG" + (f" ({max(years)})" if years else "")
    return line + (f", {'; '.join(sorted(licences))}" if licences else "")


def notes(manifest: dict, layout: str, created: datetime) -> list[str]:
    """The lines that head the sources sheet and ``QUELLEN.txt``."""
    lines = []
    if manifest.get("demo"):
        lines.append(DEMO_MARKER)
    lines += [
        "RegioMonitor – Datenauszug",
        f"Erstellt am {created:%d.%m.%Y um %H:%M} Uhr",
        f"Datenstand des Warehouse: {fmt.german_datetime(manifest.get('built_at', ''))}",
        f"Gebietsstand: {manifest.get('gebietsstand', '')}",
        f"Tabellenform: {LAYOUTS.get(layout, layout)}",
    ]
    if layout == "breit":
        lines.append(
            "Die breite Form enthält keine Kennzeichen (unterdrückt, harmonisiert, geschätzt, Reihenbruch); "
            "dafür die lange Form herunterladen."
        )
    else:
        lines.append(
            "Kennzeichen: unterdrückt = Wert geheim gehalten oder unsicher (. x / *); harmonisiert = auf den heutigen "
            "Gebietsstand umgerechnet; geschätzt = aus Kreiswerten abgeleitet (Näherung); Reihenbruch = ab diesem "
            "Jahr andere Quelle. Bei Klassen-Indikatoren steht der Klassentext in „Klasse“, in „Wert“ die Rangnummer."
        )
    return lines


def sources_text(sources: pd.DataFrame, manifest: dict, layout: str, created: datetime) -> str:
    """``QUELLEN.txt``: notes, attribution lines and source, Stand and licence of every indicator in the file."""
    lines = notes(manifest, layout, created) + ["", "Quellen und Lizenzen", "===================="]
    used = sorted(set(sources["Quelle"]))
    lines += attribution_lines(manifest, used) or ["(siehe die Angaben je Indikator)"]
    lines += ["", "Indikatoren in dieser Datei", "==========================="]
    for row in sources.itertuples(index=False):
        unit = f" [{row.Einheit}]" if row.Einheit else ""
        lines.append(f"{row.Indikator} ({row[0]}){unit}")
        lines.append(f"  Quelle: {row.Quelle or 'unbekannt'}")
        if row.Stand:
            lines.append(f"  Stand: {row.Stand}")
        lines.append(f"  Lizenz: {row.Lizenz or 'unbekannt'}")
    return "\r\n".join(lines) + "\r\n"


# ------------------------------------------------------------------------------------------- file names


def _part(codes: list[str], all_label: str | None = None, total: int | None = None, limit: int = 3) -> str:
    """``a``, ``a-b-c`` or ``a-und-4-weitere``; ``all_label`` when every one of ``total`` codes is there."""
    codes = [c for c in codes if c]
    if not codes:
        return "keine"
    if all_label and total and len(set(codes)) >= total:
        return all_label
    if len(codes) <= limit:
        return "-".join(codes)
    return f"{codes[0]}-und-{len(codes) - 1}-weitere"


def file_stem(
    regions: list[str], indicators: list[str], years: tuple[int, int], layout: str, demo: bool = False
) -> str:
    """``regiomonitor_15087-und-13-weitere_alq-jugend_alq_2019-2023_lang``: ASCII only, at most 110 characters.

    ``regions`` in the order wanted (the home Kreis first); Länder and Germany are not named.
    """
    kreise = [r for r in regions if len(r) == 5 and r.isdigit()]
    region_part = _part(kreise, "alle-kreise", len(registry.kreis_codes()))
    ind_part = _part([slug(i)[:30].strip("_") for i in indicators])
    first, last = int(years[0]), int(years[1])
    year_part = str(first) if first == last else f"{first}-{last}"
    head = f"regiomonitor{'-demo' if demo else ''}_{region_part}"
    tail = f"_{year_part}_{layout}"
    room = MAX_STEM - len(head) - len(tail) - 1
    if len(ind_part) > room:
        ind_part = ind_part[:room].rstrip("-_")
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{head}_{ind_part}{tail}")


# ------------------------------------------------------------------------------------------- writers


def number_text(value: object, decimal: str = ",") -> str:
    """A number as text for CSV: no thousands separator (Excel parses it), up to 10 decimals, ``""`` if missing."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    text = f"{float(value):.10f}".rstrip("0").rstrip(".")
    if text in {"-0", ""}:
        text = "0"
    return text.replace(".", decimal)


def neutralise_series(series: pd.Series) -> pd.Series:
    """:func:`neutralise` over a column of text (missing cells become ``""``)."""
    text = series.astype("string").fillna("")
    risky = text.str[:1].isin(["\t", "\r", "\n"]) | text.str.lstrip(safe_text.BLANKS).str[:1].isin(
        safe_text.FORMULA_START
    )  # safe_text.runs_as_formula over a whole column
    return text.where(~risky, "'" + text).astype(object)


def _text_frame(table: pd.DataFrame, german: bool) -> pd.DataFrame:
    """Every cell as the text the CSV holds: numbers formatted, flags worded, text neutralised."""
    decimal = "," if german else "."
    yes, no = ("ja", "nein") if german else ("true", "false")
    out = {}
    for column in table.columns:
        series = table[column]
        if pd.api.types.is_bool_dtype(series):
            out[column] = series.map({True: yes, False: no})
        elif pd.api.types.is_integer_dtype(series):
            out[column] = series.astype("string").fillna("")
        elif pd.api.types.is_float_dtype(series):
            out[column] = series.map(lambda v: number_text(v, decimal))
        else:
            out[column] = neutralise_series(series)
    frame = pd.DataFrame(out, index=table.index)
    frame.columns = [neutralise(str(c)) for c in table.columns]
    return frame


def to_csv(table: pd.DataFrame, german: bool = True) -> bytes:
    """German Excel: ``;``, decimal comma, UTF-8 with BOM, CRLF. Plain: ``,``, decimal point, UTF-8, LF."""
    text = _text_frame(table, german).to_csv(
        sep=";" if german else ",",
        index=False,
        lineterminator="\r\n" if german else "\n",
        quoting=csv.QUOTE_MINIMAL,
    )
    return text.encode("utf-8-sig" if german else "utf-8")


def note_line(text: str, german: bool = True) -> bytes:
    """One line of text below a CSV table (a source note) as a single quoted, neutralised cell, so that a ``;``
    in a peer-group name cannot open a new cell that starts with ``=``."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";" if german else ",", lineterminator="\r\n" if german else "\n").writerow(
        [neutralise(text)]
    )
    return buffer.getvalue().encode("utf-8")


def to_parquet(table: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    table.to_parquet(buffer, index=False)
    return buffer.getvalue()


def to_xlsx(table: pd.DataFrame, sources: pd.DataFrame, header_lines: list[str], attribution: list[str]) -> bytes:
    """Data sheet ``Daten`` and sheet ``Quellen``; text always through ``write_string``, never as a formula."""
    import xlsxwriter

    if len(table) + 1 > XLSX_MAX_ROWS:
        raise ExportTooLarge(
            f"Die Auswahl hat {len(table):,} Zeilen; ein Excel-Blatt fasst höchstens {XLSX_MAX_ROWS - 1:,}. ".replace(
                ",", "."
            )
            + "Bitte weniger Kreise, Indikatoren oder Jahre wählen oder CSV bzw. Parquet herunterladen."
        )
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    bold = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    warn = book.add_format({"bold": True, "font_color": "#9c0006", "bg_color": "#ffc7ce"})
    sheet = book.add_worksheet("Daten")
    _write_table(sheet, table, bold, start_row=0)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(table), 1), max(len(table.columns) - 1, 0))
    for i, column in enumerate(table.columns):
        width = 8 if column in {"AGS", "Jahr"} else 12 if column in FLAG_COLUMNS or column == "Wert" else 28
        sheet.set_column(i, i, width)

    info = book.add_worksheet("Quellen")
    row = 0
    for line in header_lines:
        info.write_string(row, 0, neutralise(line), warn if line == DEMO_MARKER else None)
        row += 1
    row += 1
    info.write_string(row, 0, "Quellen und Lizenzen", bold)
    row += 1
    for line in attribution:
        info.write_string(row, 0, neutralise(line))
        row += 1
    row += 1
    _write_table(info, sources, bold, start_row=row)
    for i, width in enumerate((22, 40, 10, 70, 22, 70)):
        info.set_column(i, i, width)
    book.close()
    return buffer.getvalue()


def _write_table(sheet, table: pd.DataFrame, header_format, start_row: int) -> None:
    for j, column in enumerate(table.columns):
        sheet.write_string(start_row, j, neutralise(str(column)), header_format)
    columns = []
    for column in table.columns:
        series = table[column]
        if pd.api.types.is_bool_dtype(series):
            kind = "bool"
        elif pd.api.types.is_numeric_dtype(series):
            kind = "number"
        else:
            kind = "text"
        columns.append((kind, series.tolist()))
    for i in range(len(table)):
        r = start_row + 1 + i
        for j, (kind, values) in enumerate(columns):
            v = values[i]
            if v is None or v is pd.NA or (isinstance(v, float) and v != v):
                continue
            if kind == "number":
                sheet.write_number(r, j, float(v))
            elif kind == "bool":
                sheet.write_string(r, j, "ja" if v else "nein")
            else:
                sheet.write_string(r, j, neutralise(str(v)))


def zipped(member: str, data: bytes, sources: str, created: datetime) -> bytes:
    buffer = io.BytesIO()
    stamp = created.timetuple()[:6]
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo(member, date_time=stamp), data, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr(
            zipfile.ZipInfo("QUELLEN.txt", date_time=stamp),
            sources.encode("utf-8-sig"),
            compress_type=zipfile.ZIP_DEFLATED,
        )
    return buffer.getvalue()


# ------------------------------------------------------------------------------------------- entry point


def file_name(stem: str, fmt: str) -> str:
    """Name of the downloaded file: the XLSX itself, or the ZIP that holds a CSV or Parquet file and QUELLEN.txt."""
    if fmt == "xlsx":
        return f"{stem}.xlsx"
    return f"{stem}_{ZIP_SUFFIX[fmt]}.zip"


def member_name(stem: str, fmt: str) -> str:
    """Name of the data file inside the ZIP."""
    return f"{stem}.parquet" if fmt == "parquet" else f"{stem}{'_excel' if fmt == 'csv_de' else ''}.csv"


def export(
    facts: pd.DataFrame,
    districts: pd.DataFrame,
    indicators: pd.DataFrame,
    manifest: dict,
    fmt: str,
    layout: str,
    stem: str,
    created: datetime | None = None,
    bundled: bool = True,
) -> Download:
    """One download: ``fmt`` in :data:`FORMATS`, ``layout`` in :data:`LAYOUTS`, ``stem`` from :func:`file_stem`.

    ``bundled=False`` gives a CSV format as the bare CSV file (opens in Excel with a double click; sources and
    licences are then in the ZIP or XLSX download beside it)."""
    if fmt not in FORMATS:
        raise ValueError(f"unbekanntes Format {fmt}")
    if layout not in LAYOUTS:
        raise ValueError(f"unbekannte Tabellenform {layout}")
    created = created or datetime.now()
    long = long_table(facts, districts, indicators)
    table = long if layout == "lang" else wide_table(long)
    sources = sources_table(facts, indicators, manifest)
    if fmt == "xlsx":
        used = sorted(set(facts["source"].dropna().astype(str)))
        data = to_xlsx(table, sources, notes(manifest, layout, created), attribution_lines(manifest, used))
        return Download(file_name(stem, fmt), data, MIME["xlsx"])
    if not bundled and fmt in PLAIN_CSV:
        return Download(member_name(stem, fmt), to_csv(table, german=fmt == "csv_de"), PLAIN_CSV[fmt])
    text = sources_text(sources, manifest, layout, created)
    data = to_parquet(table) if fmt == "parquet" else to_csv(table, german=fmt == "csv_de")
    return Download(file_name(stem, fmt), zipped(member_name(stem, fmt), data, text, created), MIME[fmt])
