#!/usr/bin/env bash
# Check the pinned dependencies (constraints.txt) for known vulnerabilities with
# pip-audit. Needs access to a vulnerability database (PyPI's JSON API or OSV);
# run it where the internet is reachable, e.g. before each release.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv-audit/bin/pip-audit ]; then
  python3 -m venv .venv-audit
  .venv-audit/bin/pip install -q pip-audit
fi
exec .venv-audit/bin/pip-audit --strict -r constraints.txt "$@"
