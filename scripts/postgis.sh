#!/usr/bin/env bash
# Start the local PostgreSQL cluster if it is down and make the PostGIS test database:
# role `hotspots` (password `hotspots`), database `hotspots_test` with the postgis extension.
# Only for tests on this machine; a deployment's database is set up by its administrator.
set -euo pipefail

as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if ! pg_lsclusters --no-header 2>/dev/null | grep -q online; then
  read -r version cluster _ < <(pg_lsclusters --no-header | head -1)
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" start
fi
for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 && break; sleep 1; done

as_postgres psql -q -v ON_ERROR_STOP=1 <<'SQL'
SELECT 'CREATE ROLE hotspots LOGIN PASSWORD ''hotspots'''
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hotspots')\gexec
SELECT 'CREATE DATABASE hotspots_test OWNER hotspots'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'hotspots_test')\gexec
SQL
as_postgres psql -q -v ON_ERROR_STOP=1 -d hotspots_test -c "CREATE EXTENSION IF NOT EXISTS postgis"
echo "PostGIS test database ready: postgresql+psycopg://hotspots:hotspots@127.0.0.1:5432/hotspots_test"
