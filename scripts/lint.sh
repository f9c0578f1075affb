#!/usr/bin/env bash
# Static checks, in seconds: ruff (pyflakes, pycodestyle, bugbear, security rules) and bandit,
# both configured in pyproject.toml. A finding that is not a flaw is silenced on its own line, with the reason.
set -uo pipefail
cd "$(dirname "$0")/.."

status=0
echo "== Lint: ruff and bandit =="
.venv/bin/ruff check --no-cache --quiet . || status=$?
.venv/bin/bandit --quiet --configfile pyproject.toml --recursive . || status=$?
exit $status
