#!/usr/bin/env bash
# Set up and start the dashboard on the embedded SpatiaLite database. On first start an empty
# database is filled with synthetic demonstration data. Open http://127.0.0.1:8501
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/streamlit run app.py "$@"
