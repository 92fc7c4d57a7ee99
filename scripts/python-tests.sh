#!/usr/bin/env bash
# Runs the Python export helper's tests in a private venv (.venv-py; numpy, safetensors, pytest;
# no torch).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv-py/bin/python ]; then
  python3 -m venv .venv-py
fi
.venv-py/bin/pip install --quiet --disable-pip-version-check numpy safetensors pytest
exec .venv-py/bin/python -m pytest -q python/tests "$@"
