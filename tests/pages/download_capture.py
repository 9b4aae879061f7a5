"""Getting at the files a page offers for download: in AppTest (captured bytes) and in a real browser (Playwright).

AppTest renders ``st.download_button`` but keeps the file in a media store that disappears after the run, so
:func:`capture_downloads` records every file handed to the store, by its download file name; a file built only
on click (``data=`` a callable) is built right away and recorded the same way.

In a browser, the Daten page's buttons are labelled as in :data:`DATEN_BUTTONS` (keys ``dl_csv_de_plain`` for the
bare CSV, ``dl_csv_de``, ``dl_csv``, ``dl_xlsx``, ``dl_parquet``, i.e. CSS ``.st-key-dl_csv_de button:visible``);
:func:`browser_download` clicks one and returns the saved file.
"""

from __future__ import annotations

from pathlib import Path

#: Button label per format on the Daten page.
DATEN_BUTTONS = {
    "csv_de_plain": "CSV für Excel",
    "csv_de": "CSV für Excel mit Quellen (ZIP)",
    "csv": "CSV international (ZIP)",
    "xlsx": "Excel (XLSX)",
    "parquet": "Parquet (ZIP)",
}


def capture_downloads(monkeypatch) -> dict[str, bytes]:
    """Patch Streamlit's in-memory media store; returns ``{download file name: bytes}``, filled as pages run."""
    from streamlit.runtime.media_file_manager import MediaFileManager
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    captured: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id
    original_deferred = MediaFileManager.add_deferred

    def recording(self, path_or_data, mimetype, kind, filename=None):
        if filename and isinstance(path_or_data, bytes):
            captured[filename] = path_or_data
        return original(self, path_or_data, mimetype, kind, filename)

    def building(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        if file_name:
            built = data_callable()
            captured[file_name] = built.encode() if isinstance(built, str) else built
        return original_deferred(self, data_callable, mimetype, coordinates, file_name=file_name, **kwargs)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", recording)
    monkeypatch.setattr(MediaFileManager, "add_deferred", building)
    return captured


def browser_download(page, fmt: str = "csv_de", target: Path | None = None, timeout_ms: int = 60_000) -> Path:
    """Click a download button on the open Daten page (Playwright ``page``) and return the saved file.

    Usage: ``page.goto(f"{base_url}/daten?kreis=15087")``, wait for the page, then ``browser_download(page, "xlsx")``.
    """
    # Streamlit renders a hidden copy of a button with a tooltip: take the visible one
    button = page.locator(f".st-key-dl_{fmt} button:visible").first
    button.wait_for(state="visible", timeout=timeout_ms)
    with page.expect_download(timeout=timeout_ms) as info:
        button.click()
    download = info.value
    path = Path(target) if target else Path(download.path())
    if target:
        download.save_as(path)
    return path
