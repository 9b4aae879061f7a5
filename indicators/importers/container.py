"""Limits for zip containers (.xlsx) before anything is decompressed: no decompression bombs.

A 3 MB upload can hold an .xlsx that unpacks to gigabytes (one sheet of repeated cells compresses about
400:1) and would take the machine's memory and minutes of CPU while being parsed. The central directory
lists every member with its unpacked size; :func:`check` reads only that and refuses the file, with a German
message naming it, when it has too many members, unpacks to too much in total, or a large member is packed
far more densely than any real workbook (the official files in the mirror: at most 47 members, 22 MB
unpacked, ratio below 9). Python's zipfile never reads more than the size a member declares.
"""

from __future__ import annotations

import functools
import zipfile
from pathlib import Path

from indicators.errors import SourceFileError

MAX_MEMBERS = 2_000
MAX_UNPACKED_BYTES = 250 * 1024 * 1024
#: Members above this size must not be packed more densely than MAX_RATIO (XML of real sheets: 4 to 30).
RATIO_FROM_BYTES = 10 * 1024 * 1024
MAX_RATIO = 100


class ContainerTooLarge(SourceFileError):
    """The container would unpack to more than a workbook can reasonably hold."""


def check(path: Path) -> None:
    """Raise :class:`ContainerTooLarge` for a zip file over the limits; anything that is no zip passes."""
    path = Path(path)
    try:
        stat = path.stat()
    except OSError:
        return
    _check(str(path), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=256)
def _check(path: str, size: int, mtime_ns: int) -> None:
    """Cached per file version: every importer's recognition step opens the same workbook again."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a zip (or broken): the readers say what is wrong with it
    mb = 1024 * 1024
    if len(members) > MAX_MEMBERS:
        raise ContainerTooLarge(
            path,
            "Zip-Container",
            f"eine Excel-Arbeitsmappe mit höchstens {MAX_MEMBERS} Bestandteilen",
            f"{len(members)} Bestandteile",
        )
    total = sum(m.file_size for m in members)
    if total > MAX_UNPACKED_BYTES:
        raise ContainerTooLarge(
            path,
            "Zip-Container",
            f"eine Excel-Arbeitsmappe, die entpackt höchstens {MAX_UNPACKED_BYTES // mb} MB groß ist "
            "(sonst bitte als CSV exportieren)",
            f"entpackt {total / mb:,.0f} MB".replace(",", "."),
        )
    for member in members:
        if member.file_size > RATIO_FROM_BYTES and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise ContainerTooLarge(
                path,
                f"Bestandteil „{member.filename}“",
                f"ein höchstens {MAX_RATIO}-fach gepackter Bestandteil (echte Arbeitsmappen: unter 30-fach)",
                f"{member.file_size / mb:,.0f} MB aus {member.compress_size / 1024:,.0f} KB".replace(",", "."),
            )
