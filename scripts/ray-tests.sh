#!/usr/bin/env bash
# The deltah.ray tests on a real local Ray cluster (ray.init(num_cpus=2)): bit-exactness against
# `deltah analyze`/`compare`, retries after a killed worker or binary, restarts that reuse partials.
# Ray (≈ 360 MB) lives in its own venv outside the clone, ~/.cache/deltah/venv-ray (override with
# DELTAH_RAY_VENV), created on the first run and reused after. Uses the debug binary (or $DELTAH_BIN).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${DELTAH_RAY_VENV:-$HOME/.cache/deltah/venv-ray}"
if [ -z "${DELTAH_BIN:-}" ]; then
  [ -x .build/debug/deltah ] || swift build --product deltah
  export DELTAH_BIN="$PWD/.build/debug/deltah"
fi
if [ ! -x "$VENV/bin/python" ]; then
  mkdir -p "$(dirname "$VENV")"
  python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c "import ray, numpy, safetensors, pytest" 2>/dev/null; then
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "ray>=2.9" numpy safetensors pytest
fi
# install the package from a copy, so that setuptools' build/ and *.egg-info stay out of the clone
STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
cp -r python/pyproject.toml python/README.md python/deltah "$STAGE/"
"$VENV/bin/pip" install --quiet --disable-pip-version-check --no-deps --force-reinstall "$STAGE"
rm -rf "$STAGE"
export OPENBLAS_NUM_THREADS=1 RAY_USAGE_STATS_ENABLED=0
exec "$VENV/bin/python" -m pytest -q -p no:cacheprovider python/tests/test_ray.py "$@"
