"""Every third-party package the code imports is declared, pinned with ``==``, in requirements*.txt.

A fresh machine installs only what those files name: an import that works here because some other package pulled
it in (``websockets`` for ``bench/load.py`` once did) breaks there.
"""

from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions

from tests.conftest import ROOT

CODE = ["app.py", "pages", "ui", "indicators", "bench", "deploy", "tests"]
OWN = {"app", "pages", "ui", "indicators", "bench", "deploy", "tests"}


def imported_modules() -> dict[str, str]:
    """Top-level module -> first file importing it, over the product, bench and test code."""
    files = [ROOT / "app.py"] + [f for d in CODE[1:] for f in sorted((ROOT / d).rglob("*.py"))]
    found: dict[str, str] = {}
    for file in files:
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], str(file.relative_to(ROOT)))
    return found


def pinned() -> dict[str, str]:
    out = {}
    for file in ROOT.glob("requirements*.txt"):
        for line in file.read_text(encoding="utf-8").splitlines():
            m = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*==\s*(\S+)\s*(#.*)?", line)
            if m:
                out[re.sub(r"[-_.]+", "-", m.group(1)).lower()] = m.group(3)
    return out


def test_every_imported_package_is_pinned():
    distributions = packages_distributions()
    declared = pinned()
    missing = {}
    for module, file in imported_modules().items():
        if module in OWN or module in sys.stdlib_module_names or module.startswith("_"):
            continue
        names = {re.sub(r"[-_.]+", "-", d).lower() for d in distributions.get(module, [module])}
        if not names & declared.keys():
            missing[module] = file
    assert missing == {}, f"imported but not pinned in requirements*.txt: {missing}"


def test_pins_are_exact():
    for file in ROOT.glob("requirements*.txt"):
        for line in file.read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0].strip()
            if line and not line.startswith("-r "):
                assert "==" in line, f"{file.name}: {line} is not pinned with =="
