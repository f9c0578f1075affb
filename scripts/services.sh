#!/usr/bin/env bash
# Throwaway Redis and PostgreSQL on free loopback ports, shared by scripts/test.sh and bench/run.py.
#
# Sourced (scripts/test.sh):
#   services_install [command:package ...]   install redis-server, postgresql and the packages named
#   services_start DIR                       start both with their files in DIR; sets redis_port, pg_port
#   services_stop DIR                        stop both and remove DIR
# Run (bench/run.py):
#   scripts/services.sh start DIR            prints REDIS_PORT=... and PG_PORT=... once both answer
#   scripts/services.sh stop DIR

services_install() {
  # Each argument is "command:package": the package is installed when the command is missing.
  local need=() pair
  command -v redis-server >/dev/null || need+=(redis-server)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null || need+=("${pair#*:}")
  done
  if [ ${#need[@]} -gt 0 ]; then
    echo "Installing Debian packages: ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  fi
}

_services_pgbin() {
  dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)"
}

_services_free_port() {
  .venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

_services_as_postgres() {
  # PostgreSQL refuses to run as root.
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

services_start() {
  local work=$1 pgbin
  pgbin=$(_services_pgbin)
  mkdir -p "$work"
  chmod 755 "$work"
  redis_port=$(_services_free_port)
  pg_port=$(_services_free_port)

  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
    --daemonize yes --pidfile "$work/redis.pid" --dir "$work" --logfile "$work/redis.log"

  mkdir -p "$work/pg"
  [ "$(id -u)" = 0 ] && chown postgres "$work/pg"
  _services_as_postgres "$pgbin/initdb" -D "$work/pg" -A trust -U postgres --no-sync -E UTF8 >/dev/null
  _services_as_postgres "$pgbin/pg_ctl" -D "$work/pg" -w -l "$work/pg/server.log" \
    -o "-p $pg_port -k $work/pg -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null
}

services_stop() {
  local work=$1 pgbin
  pgbin=$(_services_pgbin)
  _services_as_postgres "$pgbin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  [ -f "$work/redis.pid" ] && kill "$(cat "$work/redis.pid")" 2>/dev/null || true
  rm -rf "$work"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  cd "$(dirname "$0")/.."
  case "${1:-}" in
    start) services_start "$2"; echo "REDIS_PORT=$redis_port"; echo "PG_PORT=$pg_port" ;;
    stop) services_stop "$2" ;;
    *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
  esac
fi
