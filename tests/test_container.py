"""Decompression bombs: an .xlsx that unpacks to far more than it weighs is refused before anything is parsed.

The bombs are written here with zipfile (valid workbooks whose sheet XML repeats one row); the limits are checked
against sizes the test computes itself.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest
import python_calamine
import xlsxwriter

from indicators.importers import container, workbook
from indicators.warehouse import demo, ingest
from indicators.warehouse.build import build

ROW = b'<row><c t="n"><v>1</v></c><c t="n"><v>2</v></c><c t="n"><v>3</v></c></row>'


def workbook_with_sheet(path: Path, megabytes: int, extra_members: int = 0) -> Path:
    """A valid .xlsx whose sheet unpacks to about ``megabytes`` MB of identical rows (packs about 280:1)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    book.add_worksheet("Daten").write(0, 0, "x")
    book.close()
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                out.writestr(info, source.read(info))
                continue
            with out.open(info.filename, "w", force_zip64=True) as sheet:
                sheet.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                            b'spreadsheetml/2006/main"><sheetData>')  # fmt: skip
                chunk = ROW * (1024 * 1024 // len(ROW))
                for _ in range(megabytes):
                    sheet.write(chunk)
                sheet.write(b"</sheetData></worksheet>")
        for n in range(extra_members):
            out.writestr(f"xl/media/bild{n}.bin", b"x")
    return path


@pytest.fixture
def no_parsing(monkeypatch):
    """Fail if calamine is asked to open anything: the guard must refuse first."""

    def refuse(*args, **kwargs):
        raise AssertionError("calamine opened a workbook the guard should have refused")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_path", refuse)


def test_a_densely_packed_sheet_is_refused_before_parsing(tmp_path, no_parsing):
    path = workbook_with_sheet(tmp_path / "Kreise_bombe.xlsx", 40)
    sheet = zipfile.ZipFile(path).getinfo("xl/worksheets/sheet1.xml")
    assert sheet.file_size > 100 * sheet.compress_size and path.stat().st_size < 1024 * 1024  # what makes it a bomb
    with pytest.raises(container.ContainerTooLarge) as caught:
        workbook.open_workbook(path)
    message = str(caught.value)
    assert message.startswith("Datei „Kreise_bombe.xlsx“, Bestandteil „xl/worksheets/sheet1.xml“: erwartet wurde ein ")
    assert "höchstens 100-fach gepackter Bestandteil" in message


def test_too_much_in_total_is_refused(tmp_path, monkeypatch, no_parsing):
    monkeypatch.setattr(container, "MAX_RATIO", 10_000)  # only the total counts here
    path = workbook_with_sheet(tmp_path / "gross.xlsx", 260)
    with pytest.raises(container.ContainerTooLarge, match=r"entpackt höchstens 250 MB groß ist.*entpackt 260 MB"):
        workbook.open_workbook(path)


def test_too_many_members_are_refused(tmp_path, no_parsing):
    path = workbook_with_sheet(tmp_path / "viele.xlsx", 0, extra_members=2_001)
    with pytest.raises(container.ContainerTooLarge, match="höchstens 2000 Bestandteilen"):
        workbook.open_workbook(path)


def test_the_import_page_names_the_bomb_instead_of_calling_it_unrecognised(tmp_path, no_parsing):
    report = ingest.inspect(workbook_with_sheet(tmp_path / "upload.xlsx", 40))
    assert not report.ok and report.error.startswith("Datei „upload.xlsx“, Bestandteil „xl/worksheets/sheet1.xml“")


def test_a_build_with_a_bomb_stops_naming_it_and_keeps_the_warehouse(tmp_path, no_parsing):
    raw, out = tmp_path / "raw", tmp_path / "warehouse"
    raw.mkdir()
    workbook_with_sheet(raw / "bombe.xlsx", 40)
    demo.write_demo(out)
    before = (out / "manifest.json").read_bytes()
    with pytest.raises(container.ContainerTooLarge, match="„bombe.xlsx“"):
        build(raw, out)
    assert (out / "manifest.json").read_bytes() == before


def test_an_ordinary_workbook_passes(tmp_path):
    path = workbook_with_sheet(tmp_path / "klein.xlsx", 1)
    container.check(path)
    assert workbook.sheets(path, max_rows=2)["Daten"][0] == [1, 2, 3]


def test_the_official_workbooks_pass(shared_data, tmp_path):
    found = sorted(shared_data.rglob("*.xlsx"))
    assert len(found) >= 5
    for path in found:
        copy = shutil.copy(path, tmp_path / path.name)
        container.check(Path(copy))
