#!/usr/bin/env bash
# Fetch Leaflet and the other front-end assets folium needs into static/vendor/ from the npm
# registry, so that maps draw with no internet (the work is in scripts/fetch_assets.py).
# Idempotent and quick when the files are already there. Needs npm and the project's venv.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-.venv/bin/python}
[ -x "$python" ] || python=python3
exec "$python" scripts/fetch_assets.py "$@"
