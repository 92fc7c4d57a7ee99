#!/usr/bin/env bash
# Opt-in: the whole Python suite with real torch (dumps written by torch in F32 and BF16, KL-Cov
# with torch.topk as verl runs it, and, when trl is there, the capture tests). torch is several GB,
# so it lives in a venv outside the clone: by default the one scripts/e2e-trl.sh uses,
# ~/.cache/deltah/venv-trl (override: DELTAH_TORCH_VENV); created with torch, numpy, safetensors and
# pytest when it has none. Uses the debug binary.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${DELTAH_TORCH_VENV:-$HOME/.cache/deltah/venv-trl}"
PIP=(--quiet --disable-pip-version-check)
[ -x .build/debug/deltah ] || swift build --product deltah
if ! "$VENV/bin/python" -c "import torch, numpy, safetensors, pytest" 2>/dev/null; then
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install "${PIP[@]}" torch numpy safetensors pytest
fi
# install the package from a copy, so that setuptools' build/ and *.egg-info stay out of the clone
STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
cp -r python/pyproject.toml python/README.md python/deltah "$STAGE/"
"$VENV/bin/pip" install "${PIP[@]}" --no-deps --force-reinstall "$STAGE"
rm -rf "$STAGE"
DELTAH_BIN="$PWD/.build/debug/deltah" "$VENV/bin/python" -m pytest -q -p no:cacheprovider python/tests "$@"
