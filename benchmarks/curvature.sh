#!/usr/bin/env bash
# Curvature benchmark (issue 5): builds the release benchmark executable and runs it on one core.
# Targets: top-5 Lanczos eigenvalues of the entropy Hessian at V = 151,936 in < 0.5 s on one core;
# dense eigenproblems at K = 2,000 in seconds. One OpenBLAS thread so the figures are single-core.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product curvature-bench
export OPENBLAS_NUM_THREADS=1
exec taskset -c 0 .build/release/curvature-bench "$@"
