#!/usr/bin/env bash
# The test command: installs what is missing, then runs the Swift test suite (debug build).
# OpenBLAS is kept to one thread: the tests parallelise themselves.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-dependencies.sh
export OPENBLAS_NUM_THREADS=1
swift build --build-tests
swift test --skip-build
