#!/usr/bin/env bash
# Set up and run the whole test suite: SpatiaLite and PostGIS database tests, browser tests in
# headless Chromium, lint. Extra arguments go to pytest (e.g. -k import).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
export HOTSPOTS_TEST_POSTGIS_URL=${HOTSPOTS_TEST_POSTGIS_URL:-postgresql+psycopg://hotspots:hotspots@127.0.0.1:5432/hotspots_test}
.venv/bin/ruff check .
.venv/bin/python -m pytest "$@"
