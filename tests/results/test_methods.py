"""The method names pages load at start are those the statistics implement, and
building the app loads none of the statistics libraries."""

from __future__ import annotations

import json
import subprocess
import sys

from judging.results import aggregate, awards, methods


def test_method_names_match_the_statistics():
    assert methods.METHODS == aggregate.METHODS
    assert methods.NOT_AWARDED == awards.NOT_AWARDED


def test_building_the_app_imports_no_statistics_or_spreadsheets(tmp_path):
    code = (
        "import json, sys; from judging import create_app; create_app(); "
        "print(json.dumps(sorted(m for m in ('pandas', 'scipy', 'openpyxl') "
        "if m in sys.modules)))"
    )
    env = {"JUDGING_INSTANCE_PATH": str(tmp_path / "instance"), "PATH": ""}

    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True
    )

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
