#!/usr/bin/env bash
# Lint, then run the suite (or the tests named): on SQLite (with the browser tests) and again on PostgreSQL.
# Starts a throwaway Redis and PostgreSQL on loopback and stops them however the tests end.
set -euo pipefail
cd "$(dirname "$0")/.."

# A lint finding fails the run, after the tests have had their say too.
status=0
scripts/lint.sh || status=$?

. scripts/services.sh
services_install chromium:chromium chromedriver:chromium-driver

work=$(mktemp -d /tmp/kokeilu-test.XXXXXX)
trap 'services_stop "$work"' EXIT INT TERM
services_start "$work"

export TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$pg_port/postgres"
export TEST_REDIS_URL="redis://127.0.0.1:$redis_port/0"
# Here every service is up, so a test that would skip for want of one (or any skip) fails instead.
export KOKEILU_REQUIRE_SERVICES=1
export PYTHONDONTWRITEBYTECODE=1

# The whole suite, unless the arguments name test files or directories (scripts/test.sh tests/challenges).
targets=(tests)
for arg in "$@"; do
  if [[ $arg != -* && -e ${arg%%::*} ]]; then targets=(); fi
done

echo "== SQLite, with the browser tests =="
.venv/bin/pytest -n 2 --db=sqlite "$@" "${targets[@]}" || status=$?
echo "== PostgreSQL =="
.venv/bin/pytest -n 2 --db=postgresql "$@" --ignore=tests/e2e "${targets[@]}" || status=$?
exit $status
