#!/usr/bin/env bash
# Run every benchmark once at its smallest size (--smoke), so that none can
# break unnoticed. Used by .ci/run; prints each one's output and a summary.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-.venv/bin/python}
failed=()
for bench in scripts/bench/[!_]*.py scripts/simulate.py; do
  echo "── $bench --smoke"
  start=$(date +%s)
  if "$PY" "$bench" --smoke; then
    echo "   ok in $(( $(date +%s) - start )) s"
  else
    failed+=("$bench")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "benchmarks that failed: ${failed[*]}" >&2
  exit 1
fi
