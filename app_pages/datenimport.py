"""Import: upload official files, see what each holds, then take them over: copy into the raw folder and rebuild.

Works without a warehouse (first import) and touches nothing until „Übernehmen“ is clicked; a failed rebuild
leaves the raw folder and the warehouse as they were.
"""

import pandas as pd
import streamlit as st

from indicators import importers
from indicators.domain import formatting as fmt
from indicators.domain import official_sources
from indicators.errors import BuildError, SourceFileError
from indicators.importers import generic_csv
from indicators.importers.base import slug
from indicators.warehouse import ingest
from ui import data, html, permissions, upload_folder
from ui import meeting as meeting_mode

RAW = data.raw_path()
WAREHOUSE = data.warehouse_path()

st.title("Daten importieren")
st.caption(f"Rohdatenordner: {RAW} · Datenbestand (Warehouse): {WAREHOUSE}")
meeting_mode.key_figures_when_data()

with st.expander("Wo es die amtlichen Dateien gibt"):
    st.markdown(official_sources.markdown_list())

if not permissions.import_allowed():
    st.warning(permissions.import_hint(), icon=":material/lock:")
    st.stop()

done = st.session_state.pop("import_done", None)
if done:
    st.success(done, icon=":material/check_circle:")

st.markdown(
    """
**So geht's:** 1. Neue amtliche Dateien hochladen (mehrere auf einmal möglich). 2. Prüfen, was erkannt wurde –
noch wird nichts gespeichert. 3. **Übernehmen**: Die Dateien werden in den Rohdatenordner kopiert und der
Datenbestand wird neu aufgebaut. Schlägt der Aufbau fehl, bleibt alles wie vorher.

Erkannte Formate: """
    + ", ".join(label for key, label in importers.FORMAT_LABELS.items())
    + ". Eine eigene CSV-Tabelle (Kreisschlüssel, Jahr, Wertspalten) lässt sich nach dem Hochladen zuordnen."
)

# -- upload and staging -------------------------------------------------------------------------------------
upload_key = f"import_upload_{st.session_state.get('import_round', 0)}"
#: Official formats and their companions (shapefile parts, mapping of an own table, Deutschlandatlas PDF).
UPLOAD_TYPES = ["csv", "txt", "xlsx", "xls", "shp", "shx", "dbf", "prj", "cpg", "json", "pdf"]
#: What the import takes per file. The browser's own check (server.maxUploadSize, 200 MB) answers only in English,
#: so files between the two limits are refused here, in German, naming the file.
MAX_FILE_MB = 50
uploaded = st.file_uploader(
    f"Dateien hochladen (höchstens {MAX_FILE_MB} MB je Datei)",
    type=UPLOAD_TYPES,
    accept_multiple_files=True,
    key=upload_key,
    help=f"Höchstens {MAX_FILE_MB} MB je Datei; Dateitypen: {', '.join(t.upper() for t in UPLOAD_TYPES)}.",
)
too_large = [f for f in uploaded or [] if f.size > MAX_FILE_MB * 1024 * 1024]
for f in too_large:
    st.error(
        f"Datei „{html.md(f.name)}“ ist {fmt.number(f.size / 1024 / 1024, 1)} MB groß; erwartet wird höchstens "
        f"{MAX_FILE_MB} MB je Datei. Größere Tabellen bitte aufteilen oder mit `python -m indicators build` aus dem "
        "Rohdatenordner laden. Die Datei wird nicht übernommen.",
        icon=":material/block:",
    )
uploaded = [f for f in uploaded or [] if f not in too_large]
if not uploaded:  # nothing (more) to import: the session's staging folder goes (ui/upload_folder.py)
    upload_folder.end_import()
    st.session_state.pop("import_reports", None)
    st.info("Noch keine Datei hochgeladen.")
    st.stop()
staging = upload_folder.session_folder()
staged = ingest.mirror([(f.name, f.getvalue()) for f in uploaded], staging)
uploaded_names = {ingest.safe_name(f.name) for f in uploaded or []}

signature = tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in staged)
cached = st.session_state.get("import_reports")
if cached is None or cached[0] != signature:
    with st.spinner("Lese und prüfe die Dateien …"):
        reports = ingest.inspect_folder(staging, RAW)
    st.session_state["import_reports"] = (signature, reports)
else:
    reports = cached[1]

# -- what was recognised ------------------------------------------------------------------------------------
st.subheader("Erkannt")


def year_text(years: list[int]) -> str:
    if not years:
        return "–"
    return str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]} ({len(years)} Jahre)"


#: Columns offered in the mapping form: a header of a million columns would hang the browser in the pickers.
MAX_COLUMNS = 200


def mapping_form(report: ingest.FileReport) -> None:
    """Describe an own CSV table: which column holds the AGS, the year and the values."""
    guess = generic_csv.guess_layout(report.path)
    columns = guess["columns"][:MAX_COLUMNS]
    k = report.name
    with st.expander(f"Spalten von „{html.md(report.name)}“ zuordnen (eigene Tabelle)", expanded=True):
        if not columns:
            st.error("Die Datei hat keine lesbare Kopfzeile.")
            return
        if len(guess["columns"]) > MAX_COLUMNS:
            st.warning(
                f"Die Datei hat {fmt.number(len(guess['columns']), 0)} Spalten; zur Auswahl stehen die ersten "
                f"{MAX_COLUMNS}. Eine Tabelle mit mehr Spalten bitte vorher auf die benötigten Spalten kürzen.",
                icon=":material/view_column:",
            )
        st.caption(
            "Vorschlag aus dem Inhalt der Datei; bitte prüfen. Eigene Indikatoren erscheinen als „eigene__…“ "
            "(ohne Wertung) und überschreiben nie amtliche Werte. Die Zuordnung wird als "
            f"„{html.md(generic_csv.mapping_path(report.path).name)}“ neben der Datei gespeichert."
        )
        c1, c2, c3, c4 = st.columns(4)
        encoding = c1.selectbox(
            "Zeichenkodierung",
            generic_csv.ENCODINGS,
            index=generic_csv.ENCODINGS.index(guess["encoding"]),
            key=f"enc_{k}",
        )
        delimiters = list(generic_csv.DELIMITERS)
        delimiter = c2.selectbox(
            "Trennzeichen",
            delimiters,
            index=delimiters.index(guess["delimiter"]),
            format_func=generic_csv.DELIMITERS.get,
            key=f"sep_{k}",
        )
        decimals = list(generic_csv.DECIMALS)
        decimal = c3.selectbox(
            "Dezimaltrennzeichen",
            decimals,
            index=decimals.index(guess["decimal"]),
            format_func=generic_csv.DECIMALS.get,
            key=f"dec_{k}",
        )
        thousands = c4.selectbox(
            "Tausendertrennzeichen",
            ["", ".", ","],
            format_func=lambda t: {"": "keines", ".": "Punkt", ",": "Komma"}[t],
            key=f"tsd_{k}",
        )
        wide = st.checkbox(
            "Jahre stehen als Spalten (z. B. 2019, 2020, 2021): eine Zahl je Kreis und Jahr",
            value=bool(guess.get("years_in_columns")),
            key=f"wide_{k}",
        )
        c1, c2, c3 = st.columns(3)
        key_column = c1.selectbox(
            "Spalte mit dem Kreisschlüssel (AGS)",
            columns,
            index=columns.index(guess["key_column"]) if guess["key_column"] in columns else 0,
            key=f"key_{k}",
        )
        year_options = ["(festes Jahr)"] + columns
        year_column = c2.selectbox(
            "Spalte mit dem Jahr",
            year_options,
            index=year_options.index(guess["year_column"]) if guess["year_column"] in columns else 0,
            key=f"year_{k}",
        )
        fixed_year = c3.number_input("Festes Jahr (ohne Jahresspalte)", 1990, 2100, 2023, step=1, key=f"fixed_{k}")
        candidates = [c for c in columns if c not in (key_column, year_column)]
        if wide:
            years = [c for c in candidates if c in guess.get("year_columns", [])] or candidates
            value_columns = st.multiselect("Jahresspalten", candidates, default=years, key=f"years_{k}")
            a, b, c = st.columns([3, 1, 2])
            label = a.text_input("Bezeichnung des Indikators", value=report.path.stem, key=f"wlab_{k}")
            unit = b.text_input("Einheit", value="", key=f"wunit_{k}", placeholder="%, Anzahl …")
            ident = c.text_input("Kennung", value=slug(report.path.stem), key=f"wid_{k}")
            value_specs = [
                {"column": column, "id": slug(ident) or slug(label), "label": label.strip(), "unit": unit.strip()}
                for column in value_columns
            ]
        else:
            value_columns = st.multiselect("Wertspalten", candidates, default=candidates[:10], key=f"values_{k}")
            value_specs = None
        specs = [] if value_specs is None else value_specs
        for column in value_columns if value_specs is None else []:
            a, b, c = st.columns([3, 1, 2])
            label = a.text_input(f"Bezeichnung für „{html.md(column)}“", value=column, key=f"lab_{k}_{column}")
            unit = b.text_input("Einheit", value="", key=f"unit_{k}_{column}", placeholder="%, Anzahl …")
            ident = c.text_input("Kennung", value=slug(column), key=f"id_{k}_{column}")
            specs.append(
                {"column": column, "id": slug(ident) or slug(label), "label": label.strip(), "unit": unit.strip()}
            )
        a, b, c, e = st.columns(4)
        publisher = a.text_input("Herausgeber", placeholder="z. B. Jobcenter Mansfeld-Südharz", key=f"pub_{k}")
        title = b.text_input("Titel", value=report.path.stem, key=f"title_{k}")
        stand = c.text_input("Stand", placeholder="TT.MM.JJJJ", key=f"stand_{k}")
        licence = e.text_input("Lizenz / Nutzung", placeholder="z. B. intern, nur für den RAK", key=f"lic_{k}")
        if st.button("Zuordnung prüfen und speichern", key=f"save_{k}"):
            mapping = {
                "encoding": encoding,
                "delimiter": delimiter,
                "decimal": decimal,
                "thousands": thousands,
                "skip_rows": 0,
                "key_column": key_column,
                "year_column": None if wide or year_column == "(festes Jahr)" else year_column,
                "year": int(fixed_year) if not wide and year_column == "(festes Jahr)" else None,
                "years_in_columns": wide,
                "title": title.strip() or report.path.stem,
                "publisher": publisher.strip() or "Eigene Daten",
                "stand": stand.strip(),
                "licence": licence.strip(),
                "values": specs,
            }
            try:
                generic_csv.write_mapping(report.path, mapping)
            except SourceFileError as exc:
                st.error(html.md(exc))
            else:
                st.session_state.pop("import_reports", None)
                st.rerun()


def drop_mapping(report: ingest.FileReport) -> None:
    generic_csv.mapping_path(report.path).unlink(missing_ok=True)
    st.session_state.pop("import_reports", None)


for report in reports:
    with st.container(border=True):
        status = ":material/check_circle: lesbar" if report.ok else ":material/cancel: nicht übernehmbar"
        st.markdown(f"**{html.md(report.name)}** · {report.format_label} · {status}")
        if report.error and report.mappable:
            st.warning(html.md(report.error), icon=":material/table_edit:")
        elif report.error:
            st.error(html.md(report.error), icon=":material/error:")
        if report.mappable:
            mapping_form(report)
            continue
        if not report.ok:
            continue
        facts_line = [("Tabelle", html.md(report.table or "–")), ("Jahre", year_text(report.years))]
        if report.format not in ("bbsr_crosswalk", "geometry"):
            facts_line += [
                ("Kreise", f"{fmt.number(report.kreise, 0)} von 400" if report.kreise else "–"),
                ("Länder", fmt.number(report.laender, 0) if report.laender else "–"),
                ("Deutschland", "ja" if report.germany else "nein"),
            ]
        facts_line.append(("Zeilen", fmt.number(report.rows, 0)))
        st.markdown(" · ".join(f"{k}: **{val}**" for k, val in facts_line))
        if report.publisher or report.stand or report.licence:
            st.caption(
                f"Herausgeber: {html.md(report.publisher or '–')} · Stand: {html.md(report.stand or '–')} · "
                f"Lizenz: {html.md(report.licence or '–')}"
            )
        if report.companions:
            st.caption("Dazugehörige Dateien: " + ", ".join(html.md(c.name) for c in report.companions))
        if report.format == "generic_csv" and generic_csv.mapping_path(report.path).name not in uploaded_names:
            st.button("Zuordnung ändern", key=f"remap_{report.name}", on_click=drop_mapping, args=(report,))
        if report.indicators:
            st.dataframe(
                pd.DataFrame(
                    {
                        "Kennung": [i.id for i in report.indicators],
                        "Bezeichnung": [i.label for i in report.indicators],
                        "Einheit": [i.unit for i in report.indicators],
                        "Im Katalog": ["ja" if i.catalogued else "neu (ohne Wertung)" for i in report.indicators],
                    }
                ),
                hide_index=True,
            )
        for problem in report.problems:
            st.warning(html.md(problem), icon=":material/info:")
        if report.already_present:
            st.info(
                f"Liegt bereits unverändert im Rohdatenordner: {html.md(report.already_present)}",
                icon=":material/info:",
            )
        if report.replaces:
            st.info(
                f"Ersetzt die gleichnamige Datei im Rohdatenordner: {html.md(report.replaces)}", icon=":material/sync:"
            )

# -- apply ---------------------------------------------------------------------------------------------------
problems = ingest.blocking(reports)
for note in ingest.rebuild_notes(RAW, WAREHOUSE):
    st.warning(html.md(note), icon=":material/warning:")
if problems:
    st.warning(
        "Übernehmen ist erst möglich, wenn alle Dateien fehlerfrei gelesen wurden: fehlerhafte Dateien entfernen oder ersetzen."
    )
if st.button("Übernehmen", type="primary", disabled=bool(problems), icon=":material/upload_file:", key="import_apply"):
    bar = st.progress(0.0, text="Starte …")
    try:
        result = ingest.apply(
            reports, RAW, WAREHOUSE, progress=lambda f, m: bar.progress(min(1.0, max(0.0, f)), text=m)
        )
    except (SourceFileError, BuildError, ingest.ImportBusy) as exc:
        bar.empty()
        st.error(
            f"Import fehlgeschlagen – Rohdatenordner und Datenbestand sind unverändert. {html.md(exc)}",
            icon=":material/block:",
        )
    except Exception as exc:  # noqa: BLE001 - the user must learn that nothing changed, whatever broke
        bar.empty()
        st.error(
            "Import fehlgeschlagen – Rohdatenordner und Datenbestand sind unverändert. Unerwarteter Fehler: "
            f"{type(exc).__name__}: {html.md(exc)}",
            icon=":material/block:",
        )
    else:
        counts = result.manifest.get("counts", {})
        st.session_state["import_done"] = (
            f"Übernommen: {len(result.copied)} neue, {len(result.replaced)} ersetzte Dateien"
            + (f", {len(result.unchanged)} schon vorhanden" if result.unchanged else "")
            + f". Der Datenbestand wurde neu aufgebaut: {fmt.number(counts.get('indicators', 0), 0)} Indikatoren, "
            f"{fmt.number(counts.get('facts', 0), 0)} Werte."
        )
        upload_folder.end_import()
        st.session_state.pop("import_reports", None)
        st.session_state["import_round"] = st.session_state.get("import_round", 0) + 1
        st.rerun()
