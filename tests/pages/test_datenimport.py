"""Import page: a real official file into an empty warehouse; a broken file shows the German error, changes nothing."""

from __future__ import annotations

import shutil

import pytest
from streamlit.testing.v1 import AppTest

from indicators.warehouse.store import Store
from tests.conftest import ROOT
from tests.pages.editor_account import sign_in_as_editor
from tests.test_ingest import GENESIS_2023, broken_copy, tree_digest

PAGE = str(ROOT / "app_pages" / "datenimport.py")


def import_page(monkeypatch, raw, warehouse, tmp_path) -> AppTest:
    monkeypatch.setenv("REGIOMONITOR_RAW", str(raw))
    monkeypatch.setenv("REGIOMONITOR_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("REGIOMONITOR_USERDATA", str(tmp_path / "userdata.sqlite"))
    monkeypatch.delenv("REGIOMONITOR_ALLOW_IMPORT", raising=False)
    at = sign_in_as_editor(AppTest.from_file(PAGE, default_timeout=120))
    at.run()
    assert not at.exception
    return at


def test_real_file_into_an_empty_warehouse(shared_data, tmp_path, monkeypatch):
    raw, warehouse = tmp_path / "raw", tmp_path / "warehouse"
    at = import_page(monkeypatch, raw, warehouse, tmp_path)
    upload = ("13211-02-05-4_2023.csv", (shared_data / GENESIS_2023).read_bytes(), "text/csv")
    at.file_uploader[0].set_value(upload).run()
    assert not at.exception and not at.error
    shown = "\n".join(m.value for m in at.markdown)
    # file names are foreign text: escaped for Markdown (the underscore would start emphasis)
    assert "**13211-02-05-4\\_2023.csv** · Regionalstatistik / GENESIS (CSV) · :material/check_circle: lesbar" in shown
    assert "Jahre: **2023**" in shown and "Kreise: **400 von 400**" in shown
    indicators = at.dataframe[0].value
    assert "Arbeitslosenquote (alle zivilen Erwerbspersonen)" in set(indicators["Bezeichnung"])
    assert not raw.exists() and not warehouse.exists(), "nothing stored before „Übernehmen“"

    apply = at.button(key="import_apply")
    assert apply.label == "Übernehmen" and not apply.disabled
    apply.click().run()
    assert not at.exception and not at.error
    assert any(s.value.startswith("Übernommen: 1 neue") for s in at.success)
    assert Store(warehouse).value("15087", "alq", 2023) == pytest.approx(9.9)
    assert (raw / GENESIS_2023).is_file()


def test_broken_file_shows_the_german_error_and_leaves_the_warehouse_unchanged(
    shared_data, demo_warehouse, tmp_path, monkeypatch
):
    raw, warehouse = tmp_path / "raw", tmp_path / "warehouse"
    shutil.copytree(demo_warehouse, warehouse)
    raw.mkdir()
    before = tree_digest(raw), tree_digest(warehouse)
    at = import_page(monkeypatch, raw, warehouse, tmp_path)
    broken = broken_copy(shared_data, tmp_path / "13211-02-05-4_2023.csv").read_bytes()
    at.file_uploader[0].set_value(("13211-02-05-4_2023.csv", broken, "text/csv")).run()
    assert not at.exception
    [error] = [e.value for e in at.error]
    assert error.startswith("Datei „13211-02-05-4\\_2023.csv“, Zeile ")
    assert "erwartet wurde eine Zahl" in error and "„abc“" in error
    assert at.button(key="import_apply").disabled
    assert (tree_digest(raw), tree_digest(warehouse)) == before


def test_import_is_switched_off_by_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("REGIOMONITOR_ALLOW_IMPORT", "0")
    monkeypatch.setenv("REGIOMONITOR_RAW", str(tmp_path / "raw"))
    monkeypatch.setenv("REGIOMONITOR_WAREHOUSE", str(tmp_path / "warehouse"))
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.run()
    assert not at.exception
    assert not at.file_uploader
    assert "abgeschaltet" in at.warning[0].value


def test_a_table_with_a_million_columns_offers_the_first_200_and_says_so(tmp_path, monkeypatch):
    """The pickers of the mapping form would hold every column: a million of them hung the browser tab."""
    n = 1_000_000
    header = "AGS;Jahr;" + ";".join(f"s{i}" for i in range(n))
    content = (header + "\n15087;2023;" + ";".join("1" for _ in range(n)) + "\n").encode()
    at = import_page(monkeypatch, tmp_path / "raw", tmp_path / "warehouse", tmp_path)
    at.file_uploader[0].set_value(("breit.csv", content, "text/csv")).run()
    assert not at.exception
    [note] = [w.value for w in at.warning if "Spalten" in w.value and "zur Auswahl" in w.value]
    assert note.startswith("Die Datei hat 1.000.002 Spalten; zur Auswahl stehen die ersten 200.")
    assert at.selectbox(key="key_breit.csv").options[:2] == ["AGS", "Jahr"]
    assert len(at.selectbox(key="key_breit.csv").options) == 200
    assert len(at.multiselect(key="values_breit.csv").options) == 198


def test_a_file_over_50_mb_is_refused_in_german_naming_it(tmp_path, monkeypatch):
    """Streamlit's own size message is English and only comes at server.maxUploadSize; the page says it first."""
    at = import_page(monkeypatch, tmp_path / "raw", tmp_path / "warehouse", tmp_path)
    big = b"AGS;Jahr;Wert\n" + b"15087;2023;1\n" * (51 * 1024 * 1024 // 13)
    at.file_uploader[0].set_value([("riesig.csv", big, "text/csv")]).run()
    assert not at.exception
    [error] = [e.value for e in at.error]
    assert error.startswith("Datei „riesig.csv“ ist 51,0 MB groß; erwartet wird höchstens 50 MB je Datei.")
    assert "Noch keine Datei hochgeladen." in [i.value for i in at.info]  # nothing staged, nothing read
