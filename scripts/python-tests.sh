#!/usr/bin/env bash
# Installs the Python package (pip install ./python[test]: numpy, safetensors, pytest, mypy; no torch)
# into a private venv (.venv-py) and runs its tests.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv-py/bin/python ]; then
  python3 -m venv .venv-py
fi
# install from a copy, so that setuptools' build/ and *.egg-info stay out of the clone
STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
cp -r python/pyproject.toml python/README.md python/deltah "$STAGE/"
.venv-py/bin/pip install --quiet --disable-pip-version-check "$STAGE[test]"
rm -rf "$STAGE"
exec .venv-py/bin/python -m pytest -q -p no:cacheprovider python/tests "$@"
