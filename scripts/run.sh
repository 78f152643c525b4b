#!/usr/bin/env bash
# Set up, load the demo data (kept on later runs) and serve on http://127.0.0.1:5000
# with the background job consumer beside it (the embedded SQLite queue:
# instance/queue.sqlite3; no Redis needed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/flask --app judging demo
.venv/bin/flask --app judging worker &
worker=$!
trap 'kill "$worker" 2>/dev/null || true; wait "$worker" 2>/dev/null || true' EXIT
echo "打开 http://127.0.0.1:${PORT:-5000} （Ctrl+C 停止）"
.venv/bin/flask --app judging run --host 127.0.0.1 --port "${PORT:-5000}"
