"""Mutation testing of the pure domain and the number parsers with mutmut: one command, a score per module.

    python -m tests.mutation                      # every module in pyproject's [tool.mutmut] only_mutate
    python -m tests.mutation formatting base      # only these modules (file stems)
    python -m tests.mutation --report             # print the scores of the last run without running

mutmut copies the code to ``mutants/`` (git-ignored), changes one thing at a time (an operator, a constant, a
comparison, a returned value) and runs the fast unit tests listed in ``[tool.mutmut]`` against each change, niced,
with two workers. A mutant no test notices has *survived*. Each survivor is either killed by a new test or listed in
``docs/mutation.md`` with the reason why it cannot change behaviour (an *equivalent* mutant). The command exits 1
when a module scores below 85 % or a survivor is not listed there; results are incremental (only changed functions
are tested again), ``--fresh`` starts over.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LISTED = ROOT / "docs" / "mutation.md"
GOAL = 85.0
#: Functions of a module that are under mutation testing when not all of them are (mutant names start x_<name>__).
#: base.py holds the number parser and the facts frame every importer returns, and also importer plumbing tested
#: with the importers (markup refusal check_texts, truncation check require_line_break_at_end): not scored here.
SCOPE = {"base": ("parse_number", "slug", "derived_indicator_id", "facts_frame", "empty_facts")}
DETECTED = {1, 3, -24, 24, 36, 37, 152, 255}  # failing tests, pytest errors, timeouts, type check (mutmut's codes)


def modules() -> dict[str, str]:
    """File stem -> path of every module under mutation testing."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mutmut"]
    return {Path(p).stem: p for p in config["only_mutate"]}


def dotted(path: str) -> str:
    return path.removesuffix(".py").replace("/", ".")


def in_scope(path: str, mutant: str) -> bool:
    functions = SCOPE.get(Path(path).stem)
    return functions is None or any(f".x_{f}__mutmut_" in mutant for f in functions)


def results(path: str) -> dict[str, int | None]:
    """Exit code per mutant of the last run (``None``: not tested yet), for the functions in scope."""
    meta = ROOT / "mutants" / (path + ".meta")
    if not meta.exists():
        return {}
    codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
    return {k: v for k, v in codes.items() if in_scope(path, k)}


def listed_equivalents() -> set[str]:
    """Mutant names listed in docs/mutation.md (in backticks at the start of a table row)."""
    if not LISTED.exists():
        return set()
    return set(re.findall(r"^\|\s*`([\w.]+__mutmut_\d+)`", LISTED.read_text(encoding="utf-8"), flags=re.M))


def report(chosen: dict[str, str]) -> int:
    listed = listed_equivalents()
    status = 0
    print(f"{'module':<40} {'mutants':>8} {'killed':>7} {'equivalent':>10} {'survived':>9} {'score':>7}")
    for path in chosen.values():
        codes = results(path)
        if not codes or None in codes.values():
            print(f"{path:<40} not (fully) tested yet: run python -m tests.mutation first")
            status = 1
            continue
        survivors = sorted(k for k, c in codes.items() if c not in DETECTED)
        equivalent = [k for k in survivors if k in listed]
        unexplained = [k for k in survivors if k not in listed]
        killed = len(codes) - len(survivors)
        score = 100.0 * killed / len(codes)
        print(f"{path:<40} {len(codes):>8} {killed:>7} {len(equivalent):>10} {len(unexplained):>9} {score:>6.1f}%")
        for name in unexplained:
            print(f"    survived, not listed in docs/mutation.md: {name}   (mutmut show {name})")
        if score < GOAL or unexplained:
            status = 1
    stale = sorted(k for k in listed if any(k.startswith(dotted(p) + ".") for p in chosen.values()))
    stale = [k for k in stale if results(modules_path(k, chosen)).get(k) in DETECTED]
    for name in stale:
        print(f"    listed as equivalent but now killed (remove it from docs/mutation.md): {name}")
    return status


def modules_path(mutant: str, chosen: dict[str, str]) -> str:
    return next(p for p in chosen.values() if mutant.startswith(dotted(p) + "."))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.mutation", description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help="file stems, e.g. formatting base (default: all)")
    parser.add_argument("--fresh", action="store_true", help="discard earlier results (mutants/) first")
    parser.add_argument("--report", action="store_true", help="only print the scores of the last run")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    known = modules()
    unknown = [m for m in args.modules if m not in known]
    if unknown:
        parser.error(f"unknown module {unknown}; known: {', '.join(known)}")
    chosen = {m: known[m] for m in args.modules} if args.modules else known
    if not LISTED.exists():  # without the list every equivalent mutant would count as an unexplained survivor
        parser.error(f"{LISTED} not found: it lists the equivalent mutants the survivors are checked against")
    if not args.report:
        if args.fresh:
            shutil.rmtree(ROOT / "mutants", ignore_errors=True)
        # mutmut maps tests to functions once and keeps the map; a test added since would not be run against the
        # mutants it kills, so the map is rebuilt on every run (a minute)
        (ROOT / "mutants" / "mutmut-stats.json").unlink(missing_ok=True)
        patterns = [
            f"{dotted(p)}.x_{f}__*" if m in SCOPE else f"{dotted(p)}.*"
            for m, p in chosen.items()
            for f in SCOPE.get(m, ("",))
        ]
        patterns = patterns if args.modules else []
        command = ["nice", "-n", "10", sys.executable, "-m", "mutmut", "run", "--max-children", str(args.workers)]
        env = dict(os.environ, REGIOMONITOR_MUTATION="1")  # hypothesis profile "mutation" (tests/conftest.py)
        done = subprocess.run(command + patterns, cwd=ROOT, env=env, check=False)
        if done.returncode != 0:  # e.g. "failed to collect stats": a selected test fails on the unmutated code
            print(f"mutmut failed (exit code {done.returncode}); see its output above", file=sys.stderr)
            return done.returncode
    return report(chosen)


if __name__ == "__main__":
    sys.exit(main())
