"""Processes that start hdcat as an installed hdcat starts: with its modules' bytecode already compiled.

pip compiles a wheel's modules when it installs them, and an editable install caches them on first
import. A shell with PYTHONDONTWRITEBYTECODE set (this machine's tool shell has it) keeps an editable
install from writing that cache, so every process compiled the hdcat modules it imports again: about
0.13 s of CPU a command (a 1 %-changed re-harvest of 1,000 datasets, four alternated pairs: 1.44 s
against 1.31 s), a tenth of that re-harvest, and a cost no user pays (README, "The pipeline, measured").
Imported by the benches as a sibling module.
"""

from __future__ import annotations

import compileall
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("catalog", "harvesters", "ontology", "search", "web")
_compiled = False


def env(base: dict | None = None) -> dict:
    """`base` (default: this process's environment) for a child that runs hdcat, which then reads and
    writes bytecode as usual; hdcat's packages compiled once beforehand, as pip does at install."""
    global _compiled
    if not _compiled:
        for name in PACKAGES:
            compileall.compile_dir(ROOT / name, quiet=1)
        _compiled = True
    return {k: v for k, v in (os.environ if base is None else base).items() if k != "PYTHONDONTWRITEBYTECODE"}
