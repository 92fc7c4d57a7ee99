#!/usr/bin/env bash
# Installs the Python package (pip install ./python[test]: numpy, safetensors, pytest; no torch)
# into a private venv (.venv-py) and runs its tests.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv-py/bin/python ]; then
  python3 -m venv .venv-py
fi
.venv-py/bin/pip install --quiet --disable-pip-version-check "./python[test]"
exec .venv-py/bin/python -m pytest -q python/tests "$@"
