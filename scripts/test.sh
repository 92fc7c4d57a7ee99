#!/usr/bin/env bash
# The test command: installs what is missing, runs the Swift test suite (debug build), then the
# Python export helper's tests and the numpy/safetensors/verl parity checks of the built binary
# (in a private venv, .venv-py, with numpy, safetensors, pytest and mypy from PyPI).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-dependencies.sh
export OPENBLAS_NUM_THREADS=1
swift build --build-tests
swift test --skip-build
DELTAH_BIN="$PWD/.build/debug/deltah" bash scripts/python-tests.sh
