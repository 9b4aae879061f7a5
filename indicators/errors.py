"""Errors an official file can cause, worded in German for the people who dropped the file."""

from __future__ import annotations

from pathlib import Path


class SourceFileError(Exception):
    """A file does not have the shape its format promises.

    The message names the file, the position (line, cell or sheet) and what was expected, so that a
    REKO analyst can fix the file or pick the right one without reading code.
    """

    def __init__(self, path: str | Path, where: str, expected: str, found: str | None = None):
        self.path = Path(path)
        self.where = where
        self.expected = expected
        self.found = found
        text = f"Datei „{self.path.name}“, {where}: erwartet wurde {expected}"
        if found is not None:
            shown = str(found)
            if len(shown) > 80:
                shown = shown[:77] + "..."
            text += f", gefunden: „{shown}“"
        super().__init__(text + ".")


class BuildError(Exception):
    """A warehouse build cannot go on; the previous warehouse stays as it was."""
