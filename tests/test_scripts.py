"""The scripts stay runnable: every benchmark can run at its smallest size, none
hides a standard-library module or patches sys.path."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCHES = sorted(
    p for p in (ROOT / "scripts" / "bench").glob("*.py") if not p.name.startswith("_")
)
SCRIPTS = [*BENCHES, ROOT / "scripts" / "simulate.py"]


def test_benchmarks_exist():
    assert {p.name for p in BENCHES} >= {"aggregate.py", "http_load.py", "pages.py"}


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_script_is_executable_with_smoke_mode(script: Path):
    source = script.read_text(encoding="utf-8")
    assert source.startswith("#!/usr/bin/env python3\n")
    assert os.access(script, os.X_OK)
    assert '"--smoke"' in source  # run_all.sh (and so CI) calls every one with it
    assert "sys.path" not in source


@pytest.mark.parametrize(
    "module", sorted((ROOT / "scripts").rglob("*.py")), ids=lambda p: p.name
)
def test_no_script_is_named_after_a_standard_library_module(module: Path):
    assert module.stem not in sys.stdlib_module_names
