#!/usr/bin/env bash
# Start a local PostgreSQL for the central API tests; idempotent, safe to run again.
# Installs the server with apt-get when missing (run as root on Debian/Ubuntu), creates a
# cluster if none exists, starts it, creates role `calldesk` (password `calldesk`, CREATEDB) and
# database `calldesk_test` when missing. The LAST line printed is the SQLAlchemy URL to use, e.g.
#   postgresql+psycopg://calldesk:calldesk@127.0.0.1:5432/calldesk_test
# Usage: export CALLDESK_TEST_PG_URL=$(bash scripts/start-postgres.sh | tail -n 1)
set -euo pipefail

log() { echo "start-postgres: $*" >&2; }

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then
    log "PostgreSQL is not installed and this is not root: install the 'postgresql' package first"
    exit 1
  fi
  log "installing postgresql with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq postgresql >/dev/null
fi

version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
cluster_line=$(pg_lsclusters --no-header 2>/dev/null | awk -v v="$version" '$1 == v {print; exit}')
if [ -z "$cluster_line" ]; then
  log "creating cluster $version/main"
  pg_createcluster "$version" main >/dev/null
  cluster_line=$(pg_lsclusters --no-header | awk -v v="$version" '$1 == v {print; exit}')
fi
cluster=$(echo "$cluster_line" | awk '{print $2}')
port=$(echo "$cluster_line" | awk '{print $3}')
status=$(echo "$cluster_line" | awk '{print $4}')

if [[ "$status" != online* ]]; then
  log "starting cluster $version/$cluster on port $port"
  pg_ctlcluster "$version" "$cluster" start
fi

as_postgres() {
  if [ "$(id -u)" = 0 ]; then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

for _ in $(seq 1 30); do
  as_postgres psql -p "$port" -d postgres -Atqc "SELECT 1" >/dev/null 2>&1 && break
  sleep 0.5
done

psql_admin() { as_postgres psql -p "$port" -d postgres -v ON_ERROR_STOP=1 -Atqc "$1"; }

if [ "$(psql_admin "SELECT 1 FROM pg_roles WHERE rolname = 'calldesk'")" != "1" ]; then
  log "creating role calldesk"
  psql_admin "CREATE ROLE calldesk LOGIN PASSWORD 'calldesk' CREATEDB"
fi
if [ "$(psql_admin "SELECT 1 FROM pg_database WHERE datname = 'calldesk_test'")" != "1" ]; then
  log "creating database calldesk_test"
  psql_admin "CREATE DATABASE calldesk_test OWNER calldesk"
fi

echo "postgresql+psycopg://calldesk:calldesk@127.0.0.1:${port}/calldesk_test"
