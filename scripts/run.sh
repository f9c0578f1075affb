#!/usr/bin/env bash
# Serve Kokeilu on http://127.0.0.1:5000 with the periodic scheduler beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
FLASK=".venv/bin/flask --app app"

$FLASK scheduler &
scheduler=$!
trap 'kill $scheduler 2>/dev/null || true' EXIT INT TERM
$FLASK run --host 127.0.0.1 --port "${PORT:-5000}"
