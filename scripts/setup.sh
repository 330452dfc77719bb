#!/usr/bin/env bash
# Set up everything the dashboard (and, with --test, the test suite) needs on Debian/Ubuntu:
# system packages, a virtual environment with the pinned Python packages, the front-end assets
# served locally, and for tests a PostGIS database. Safe to run again: it skips what is done.
set -euo pipefail
cd "$(dirname "$0")/.."

want_tests=0
[ "${1:-}" = "--test" ] && want_tests=1

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
python=${PYTHON:-python3}

# Each need is checked by what it provides, not by package name: node and npm, for example,
# may come from elsewhere than Debian, and Debian's npm package would then conflict.
packages=()
dpkg -s libsqlite3-mod-spatialite >/dev/null 2>&1 || packages+=(libsqlite3-mod-spatialite)
"$python" -c "import ensurepip" 2>/dev/null || packages+=(python3-venv)
command -v npm >/dev/null || packages+=(nodejs npm)
if [ "$want_tests" -eq 1 ]; then
  compgen -G "/usr/share/postgresql/*/extension/postgis.control" >/dev/null || packages+=(postgresql postgis)
  command -v chromium >/dev/null || packages+=(chromium)
fi
if [ ${#packages[@]} -gt 0 ]; then
  echo "Installing system packages: ${packages[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
requirements=requirements.txt
[ "$want_tests" -eq 1 ] && requirements=requirements-dev.txt
stamp=".venv/.installed-$(sha256sum "$requirements" requirements.txt | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  .venv/bin/pip install --quiet --upgrade pip
  .venv/bin/pip install --quiet -r "$requirements"
  touch "$stamp"
fi

# The repository root on the venv's path, so benchmarks/ and scripts/ import `hotspots`.
site=$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "$PWD" > "$site/hotspots-repository.pth"

bash scripts/fetch_assets.sh

if [ "$want_tests" -eq 1 ]; then
  bash scripts/postgis.sh
fi
