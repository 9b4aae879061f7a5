"""Upload staging folders: removed when the import ends, when the session ends, and at start for ended servers."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from tests.pages.editor_account import sign_in_as_editor
from ui import upload_folder

PAGE = str(ROOT / "app_pages" / "datenimport.py")


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_folders_of_ended_processes_are_removed_at_start_others_stay(tmp_path):
    mine = tmp_path / f"{upload_folder.PREFIX}{os.getpid()}-abc"
    ended = tmp_path / f"{upload_folder.PREFIX}{dead_pid()}-def"
    old_unnamed, new_unnamed = tmp_path / f"{upload_folder.PREFIX}xyz", tmp_path / f"{upload_folder.PREFIX}uvw"
    for folder in (mine, ended, old_unnamed, new_unnamed):
        folder.mkdir()
        (folder / "datei.csv").write_text("x")
    day_ago = time.time() - 2 * 24 * 3600
    os.utime(old_unnamed, (day_ago, day_ago))
    assert sorted(upload_folder.remove_stale(str(tmp_path))) == sorted([ended.name, old_unnamed.name])
    assert mine.exists() and new_unnamed.exists() and not ended.exists() and not old_unnamed.exists()


def test_the_folder_goes_with_its_session():
    """Streamlit drops a session's state some time after its tab closed; the folder must not outlive it."""
    folder = upload_folder.UploadFolder()
    path = folder.path
    (path / "hochgeladen.csv").write_text("AGS;Jahr\n")
    assert path.name.startswith(f"{upload_folder.PREFIX}{os.getpid()}-")
    del folder
    gc.collect()
    assert not path.exists()


def staging_folders() -> set[Path]:
    import tempfile

    return {p for p in Path(tempfile.gettempdir()).glob(f"{upload_folder.PREFIX}{os.getpid()}-*")}


def test_the_import_page_removes_its_folder_when_the_files_are_taken_away(tmp_path, monkeypatch):
    monkeypatch.setenv("REGIOMONITOR_RAW", str(tmp_path / "raw"))
    monkeypatch.setenv("REGIOMONITOR_WAREHOUSE", str(tmp_path / "warehouse"))
    monkeypatch.setenv("REGIOMONITOR_USERDATA", str(tmp_path / "userdata.sqlite"))
    monkeypatch.delenv("REGIOMONITOR_ALLOW_IMPORT", raising=False)
    before = staging_folders()
    at = sign_in_as_editor(AppTest.from_file(PAGE, default_timeout=60))
    at.run()
    at.file_uploader[0].set_value(("eigene.csv", b"AGS;Jahr;Quote\n15087;2023;5,1\n", "text/csv")).run()
    assert not at.exception
    [created] = staging_folders() - before
    assert (created / "eigene.csv").is_file()
    at.file_uploader[0].set_value([]).run()
    assert not at.exception and not created.exists()
