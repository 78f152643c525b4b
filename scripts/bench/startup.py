#!/usr/bin/env python3
"""CPU seconds to start: the command line's --help, the app a worker builds, and
the heavy libraries a start must not import (pandas, scipy, reportlab, openpyxl).

    python scripts/bench/startup.py [--runs 5]

Each case runs in a fresh interpreter (the venv's own), in an empty temporary
instance folder; prints the best and the median CPU time (user + system of
the child) and which heavy modules the app has loaded once built.

Two floors are printed with them: the interpreter alone, and the interpreter
importing only the libraries every start needs (Flask, Flask-SQLAlchemy,
Flask-Babel, Flask-Login, Flask-WTF, SQLAlchemy with its ORM): what is above
that is the application's own. The modules' compiled bytecode is kept in a
temporary folder (PYTHONPYCACHEPREFIX, written by an unmeasured first run) as
an installed or once-run copy keeps it, also when PYTHONDONTWRITEBYTECODE is
set in the environment; the last row is a start that compiles every module of
the app from source (PYTHONDONTWRITEBYTECODE and no cache).
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
LIBRARIES = (
    "import flask, flask_babel, flask_login, flask_sqlalchemy, flask_wtf, "
    "sqlalchemy.orm"
)
FLASK = str(Path(sys.executable).with_name("flask"))
CASES = {
    "flask --app judging --help": [FLASK, "--app", "judging", "--help"],
    "create_app() (a worker, a web process)": [sys.executable, "-c", APP],
    "floor: the interpreter alone": [sys.executable, "-c", "pass"],
    "floor: the required libraries alone": [sys.executable, "-c", LIBRARIES],
}
COLD = "create_app(), every module compiled from source"


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
    start_load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        env = dict(
            os.environ,
            JUDGING_INSTANCE_PATH=str(Path(tmp) / "instance"),
            PYTHONPYCACHEPREFIX=str(Path(tmp) / "pycache"),
        )
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        cold = dict(env, PYTHONDONTWRITEBYTECODE="1")
        cold.pop("PYTHONPYCACHEPREFIX")
        print("| start | CPU s (best) | CPU s (median) |")
        print("| --- | ---: | ---: |")
        loaded: list[str] = []
        cases = [(label, command, env) for label, command in CASES.items()]
        for label, command, environ in [
            *cases,
            (COLD, [sys.executable, "-c", APP], cold),
        ]:
            cpu_of(command, environ)  # writes the bytecode cache; not counted
            times = []
            for _ in range(runs):
                cpu, out = cpu_of(command, environ)
                times.append(cpu)
                if command[2:] == [APP]:
                    loaded = json.loads(out.strip().splitlines()[-1])
            print(f"| {label} | {min(times):.2f} | {statistics.median(times):.2f} |")
        load = os.getloadavg()
        print(f"\nload average before/after: {start_load[0]:.1f} / {load[0]:.1f}")
        print(f"\nheavy modules loaded by create_app(): {', '.join(loaded) or 'none'}")


if __name__ == "__main__":
    main()
