"""The import page's staging folder: one per session, gone when the import ends, the session ends or the server
restarts.

Uploaded files wait in ``<temp>/regiomonitor-upload-<pid>-<random>`` until „Übernehmen“. The folder belongs to an
object kept in the session state: when Streamlit drops a session (its tab closed, after
``server.disconnectedSessionTTL``) or the process exits, the object goes and takes the folder with it
(:func:`weakref.finalize`). Folders of processes that no longer run (killed servers) are removed at start; the
process id in the name keeps replicas on one machine from removing each other's.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import weakref
from pathlib import Path

import streamlit as st

from indicators import process

PREFIX = "regiomonitor-upload-"
SESSION_KEY = "import_staging"
#: Folders without a process id in their name (older versions) count as stale after this many seconds.
UNNAMED_STALE_SECONDS = 24 * 3600


class UploadFolder:
    """A temporary folder that is removed together with this object."""

    def __init__(self, root: str | None = None):
        self.path = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=root))
        self._remove = weakref.finalize(self, shutil.rmtree, str(self.path), True)

    def remove(self) -> None:
        self._remove()


def session_folder() -> Path:
    """This session's staging folder, created on first use (again after it was removed)."""
    folder = st.session_state.get(SESSION_KEY)
    if not isinstance(folder, UploadFolder) or not folder.path.is_dir():
        folder = UploadFolder()
        st.session_state[SESSION_KEY] = folder
    return folder.path


def end_import() -> None:
    """The import is over (taken over or abandoned): remove the files at once."""
    folder = st.session_state.pop(SESSION_KEY, None)
    if isinstance(folder, UploadFolder):
        folder.remove()


def remove_stale(root: str | None = None) -> list[str]:
    """Remove staging folders of processes that no longer run; returns their names."""
    root_path = Path(root or tempfile.gettempdir())
    removed = []
    for folder in root_path.glob(f"{PREFIX}*"):
        if not folder.is_dir():
            continue
        pid_text = folder.name[len(PREFIX) :].split("-", 1)[0]
        if pid_text.isdigit():
            stale = not process.running(int(pid_text))
        else:
            stale = time.time() - folder.stat().st_mtime > UNNAMED_STALE_SECONDS
        if stale:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder.name)
    return removed
