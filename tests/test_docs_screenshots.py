"""The meeting-mode screenshots README links to exist and show a 1280x720 projector screen (PNG header read here)."""

from __future__ import annotations

import re
import struct

from tests.conftest import ROOT


def test_readme_links_meeting_mode_screenshots_at_1280x720():
    links = re.findall(r"\((docs/sitzungsmodus-[a-z]+\.png)\)", (ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(set(links)) >= 5, links
    for link in set(links):
        data = (ROOT / link).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n", link
        width, height = struct.unpack(">II", data[16:24])
        assert (width, height) == (1280, 720), link
