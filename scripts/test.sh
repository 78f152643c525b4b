#!/usr/bin/env bash
# Set up and run the whole test suite (SQLite; set JUDGING_TEST_DATABASE_URL
# for PostgreSQL). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
exec .venv/bin/python -m pytest "$@"
