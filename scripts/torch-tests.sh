#!/usr/bin/env bash
# Opt-in: the Python checks that need real torch (dumps written by torch in F32 and BF16; KL-Cov
# with torch.topk as verl runs it). torch with its CUDA stack is several GB, so it lives in its own
# venv (.venv-torch) and is not part of the default test command. Uses the debug binary.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .build/debug/deltah ] || swift build --product deltah
if [ ! -x .venv-torch/bin/python ]; then
  python3 -m venv .venv-torch
fi
.venv-torch/bin/pip install --quiet --disable-pip-version-check torch numpy safetensors pytest
DELTAH_BIN="$PWD/.build/debug/deltah" exec .venv-torch/bin/python -m pytest -q python/tests "$@"
