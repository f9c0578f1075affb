#!/usr/bin/env bash
# Lint, then run the whole suite: on SQLite (with the browser tests) and again on PostgreSQL.
# Starts a throwaway Redis and PostgreSQL on loopback and stops them however the tests end.
set -euo pipefail
cd "$(dirname "$0")/.."

# A lint finding fails the run, after the tests have had their say too.
status=0
scripts/lint.sh || status=$?

need=()
command -v redis-server >/dev/null || need+=(redis-server)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v chromium >/dev/null || need+=(chromium)
command -v chromedriver >/dev/null || need+=(chromium-driver)
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

pgbin=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
work=$(mktemp -d /tmp/kokeilu-test.XXXXXX)
chmod 755 "$work"
free_port() { .venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
redis_port=$(free_port)
pg_port=$(free_port)

as_postgres() {
  # PostgreSQL refuses to run as root.
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cleanup() {
  as_postgres "$pgbin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  [ -f "$work/redis.pid" ] && kill "$(cat "$work/redis.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
  --daemonize yes --pidfile "$work/redis.pid" --dir "$work" --logfile "$work/redis.log"

mkdir -p "$work/pg"
[ "$(id -u)" = 0 ] && chown postgres "$work/pg"
as_postgres "$pgbin/initdb" -D "$work/pg" -A trust -U postgres --no-sync -E UTF8 >/dev/null
as_postgres "$pgbin/pg_ctl" -D "$work/pg" -w -l "$work/pg/server.log" \
  -o "-p $pg_port -k $work/pg -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >/dev/null

export TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$pg_port/postgres"
export TEST_REDIS_URL="redis://127.0.0.1:$redis_port/0"
# Here every service is up, so a test that would skip for want of one (or any skip) fails instead.
export KOKEILU_REQUIRE_SERVICES=1
export PYTHONDONTWRITEBYTECODE=1

echo "== SQLite, with the browser tests =="
.venv/bin/pytest -n 2 --db=sqlite "$@" tests || status=$?
echo "== PostgreSQL =="
.venv/bin/pytest -n 2 --db=postgresql "$@" --ignore=tests/e2e tests || status=$?
exit $status
