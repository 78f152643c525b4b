#!/usr/bin/env python3
"""CPU seconds to start: the command line's --help, the app a worker builds, and
the heavy libraries a start must not import (pandas, scipy, reportlab, openpyxl).

    python scripts/bench/startup.py [--runs 5]

Each case runs in a fresh interpreter (the venv's own), in an empty temporary
instance folder; prints the best and the median CPU time (user + system of
the child) and which heavy modules the app has loaded once built.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = (
    "pandas", "scipy", "reportlab", "openpyxl", "ortools", "numpy", "pypinyin",
    "PIL", "alembic",
)  # fmt: skip
APP = (
    "import json, sys; from judging import create_app; create_app(); "
    f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
)
FLASK = str(Path(sys.executable).with_name("flask"))
CASES = {
    "flask --app judging --help": [FLASK, "--app", "judging", "--help"],
    "create_app() (a worker, a web process)": [sys.executable, "-c", APP],
}


def cpu_of(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    """(CPU seconds of one child run, its stdout)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        command, env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help="one run per case")
    args = parser.parse_args()
    runs = 1 if args.smoke else args.runs
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        env = dict(os.environ, JUDGING_INSTANCE_PATH=str(Path(tmp) / "instance"))
        print("| start | CPU s (best) | CPU s (median) |")
        print("| --- | ---: | ---: |")
        loaded: list[str] = []
        for label, command in CASES.items():
            times = []
            for _ in range(runs):
                cpu, out = cpu_of(command, env)
                times.append(cpu)
                if command[0] == sys.executable:
                    loaded = json.loads(out.strip().splitlines()[-1])
            print(f"| {label} | {min(times):.2f} | {statistics.median(times):.2f} |")
        print(f"\nheavy modules loaded by create_app(): {', '.join(loaded) or 'none'}")


if __name__ == "__main__":
    main()
