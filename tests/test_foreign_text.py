"""Units, labels and notes are checked on the way in: an official file, an own table's mapping and a target.

The hostile files are the hand-made GENESIS fixture with one header cell changed; what the message must say
is written out here (file name, indicator, what was expected).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from indicators.domain.targets import validate_target
from indicators.errors import SourceFileError
from indicators.importers import generic_csv, genesis
from indicators.warehouse import demo
from indicators.warehouse.build import build

FIX = Path(__file__).resolve().parent / "fixtures"
GENESIS_2023 = FIX / "genesis" / "13211-02-05-4_2023.csv"
IMG = "<img src=x onerror=alert(1)>"


def hostile_genesis(tmp_path: Path, old: str, new: str, count: int = 1) -> Path:
    text = GENESIS_2023.read_text(encoding="latin-1")
    assert old in text
    target = tmp_path / GENESIS_2023.name
    target.write_text(text.replace(old, new, count), encoding="latin-1")
    return target


def test_a_unit_line_with_markup_is_refused_naming_file_and_indicator(tmp_path):
    """``Prozent je <img …>`` passes GENESIS's unit pattern; the file must still be refused."""
    path = hostile_genesis(tmp_path, ";Prozent;", f";Prozent je {IMG};")
    with pytest.raises(SourceFileError) as caught:
        genesis.read(path)
    message = str(caught.value)
    assert message.startswith("Datei „13211-02-05-4_2023.csv“, Kopfzeilen oder Metadaten, Indikator „")
    assert ", Einheit: erwartet wurde eine Einheit aus Buchstaben, Ziffern" in message
    assert "„<“" in message and "„>“" in message


def test_a_header_label_with_markup_is_refused(tmp_path):
    path = hostile_genesis(tmp_path, ";langzeitarbeitslos;", f";langzeitarbeitslos {IMG};")
    with pytest.raises(SourceFileError) as caught:
        genesis.read(path)
    assert ", Bezeichnung: erwartet wurde Bezeichnung ohne HTML-Auszeichnung" in str(caught.value)


def test_the_real_fixture_still_reads():
    result = genesis.read(GENESIS_2023)
    assert {spec.unit for spec in result.indicators} == {"Anzahl", "Prozent"}


def test_a_build_with_a_hostile_unit_leaves_the_warehouse_untouched(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "warehouse"
    raw.mkdir()
    shutil.copy(hostile_genesis(tmp_path, ";Prozent;", f";Prozent je {IMG};"), raw / GENESIS_2023.name)
    demo.write_demo(out)
    before = (out / "manifest.json").read_bytes()
    with pytest.raises(SourceFileError):
        build(raw, out)
    assert (out / "manifest.json").read_bytes() == before


def own_table(tmp_path: Path) -> Path:
    path = tmp_path / "eigene.csv"
    path.write_text("AGS;Jahr;Quote\n15087;2023;5,1\n15088;2023;4,2\n", encoding="utf-8")
    return path


def mapping(**value) -> dict:
    return {
        "encoding": "utf-8",
        "delimiter": ";",
        "decimal": ",",
        "thousands": "",
        "key_column": "AGS",
        "year_column": "Jahr",
        "title": "Eigene Quote",
        "publisher": "Jobcenter",
        "values": [{"column": "Quote", "id": "quote", "label": "Quote", "unit": "%"} | value],
    }


@pytest.mark.parametrize(
    "field, value, expected",
    [
        ("unit", f"% {IMG}", "Wertspalte „Quote“: erwartet wird eine Einheit aus Buchstaben"),
        ("label", 'Quote <iframe srcdoc="x">', "Wertspalte „Quote“: erwartet wird Bezeichnung ohne HTML-Auszeichnung"),
        ("unit", "x" * 70, "Wertspalte „Quote“: erwartet wird eine Einheit mit höchstens 60 Zeichen"),
    ],
)
def test_own_table_mapping_refuses_hostile_unit_and_label(tmp_path, field, value, expected):
    path = own_table(tmp_path)
    with pytest.raises(SourceFileError) as caught:
        generic_csv.write_mapping(path, mapping(**{field: value}))
    assert str(caught.value).startswith("Datei „eigene.mapping.json“, Zuordnung: erwartet wurde eine vollständige")
    assert expected in str(caught.value)
    assert not generic_csv.mapping_path(path).exists()


def test_own_table_mapping_with_plain_text_is_written(tmp_path):
    path = own_table(tmp_path)
    generic_csv.write_mapping(path, mapping(label="Quote der Jugendlichen (< 25 Jahre)", unit="%"))
    assert generic_csv.mapping_path(path).is_file()


def test_a_hand_edited_sidecar_with_markup_is_refused(tmp_path):
    """Whoever writes the JSON beside the file directly meets the same rules."""
    import json

    path = own_table(tmp_path)
    generic_csv.write_mapping(path, mapping())
    sidecar = generic_csv.mapping_path(path)
    data = json.loads(sidecar.read_text(encoding="utf-8"))
    data["values"][0]["unit"] = f"% {IMG}"
    sidecar.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(SourceFileError):
        generic_csv.load_mapping(path)


@pytest.mark.parametrize("field, label", [("note", "Notiz"), ("agreed_by", "Vereinbart von")])
def test_target_note_and_agreed_by_refuse_markup(field, label):
    fields = {"ags": "15087", "indicator": "alq", "target_value": "6,0", "target_year": "2027", field: IMG}
    target, errors = validate_target(fields, {"alq"}, {"15087"})
    assert target is None
    assert errors == [
        f"{label}: erwartet wird {label} ohne HTML-Auszeichnung (HTML-Element, Ereignis oder Skript), gefunden: „{IMG}“"
    ]


def test_target_note_keeps_comparisons_and_line_breaks():
    fields = {"ags": "15087", "indicator": "alq", "target_value": "6,0", "target_year": "2027"}
    target, errors = validate_target(fields | {"note": "unter < 6 %\nlaut RAK"}, {"alq"}, {"15087"})
    assert errors == [] and target.note == "unter < 6 %\nlaut RAK"
