#!/usr/bin/env bash
# End to end on a real trainer: TRL GRPOTrainer, 3 steps on CPU, on a tiny Qwen2 with random
# weights (no download) and a character-level tokenizer, with deltah.trl.capture writing
# before/after logits per optimizer step; then `deltah compare` per step, `deltah analyze` on the
# series and `deltah report --html` (python/examples/trl_grpo_tiny.py), after the pytest checks of
# the capture (python/tests/test_trl_*.py, test_plots.py, test_cli.py) and of linearize=True
# (test_linearize.py, test_trl_linearize.py: J·Δθ, ∇θH̄·Δθ, the update predicted before the step)
# and of a real two-process run (test_trl_multiprocess.py: torch.distributed.run, gloo, CPU), and
# the dumps torch writes in F32 and BF16 (test_torch_parity.py).
#
# torch, transformers, trl, datasets and accelerate (~6 GB) live in a venv outside the clone,
# ~/.cache/deltah/venv-trl (override: DELTAH_TRL_VENV), installed on first use (~6 minutes) and
# reused afterwards. The deltah binary: $DELTAH_BIN, else .build/release/deltah (built if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${DELTAH_TRL_VENV:-$HOME/.cache/deltah/venv-trl}"
PIP=(--quiet --disable-pip-version-check)
if ! "$VENV/bin/python" -c "import torch, transformers, trl, datasets, accelerate, safetensors, pytest" 2>/dev/null; then
  echo "== installing torch transformers trl datasets accelerate into $VENV (first run only)"
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install "${PIP[@]}" torch transformers trl datasets accelerate safetensors numpy pytest
fi
"$VENV/bin/python" -c "import matplotlib, pandas" 2>/dev/null || "$VENV/bin/pip" install "${PIP[@]}" matplotlib pandas
# install the package from a copy, so that setuptools' build/ and *.egg-info stay out of the clone
STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
cp -r python/pyproject.toml python/README.md python/deltah "$STAGE/"
"$VENV/bin/pip" install "${PIP[@]}" --no-deps --force-reinstall "$STAGE"
rm -rf "$STAGE"
if [ -z "${DELTAH_BIN:-}" ]; then
  [ -x .build/release/deltah ] || swift build -c release --product deltah
  DELTAH_BIN="$PWD/.build/release/deltah"
fi
export DELTAH_BIN
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"
echo "== pytest: capture checks on real GRPOTrainer runs ($("$VENV/bin/python" -c 'import trl, transformers, torch; print("trl", trl.__version__, "transformers", transformers.__version__, "torch", torch.__version__)'))"
"$VENV/bin/python" -m pytest -q -p no:cacheprovider -W ignore::FutureWarning \
  python/tests/test_trl_capture.py python/tests/test_trl_heldout.py python/tests/test_plots.py python/tests/test_cli.py \
  python/tests/test_linearize.py python/tests/test_trl_linearize.py python/tests/test_redteam_trl.py python/tests/test_redteam_verl_torch.py \
  python/tests/test_redteam_capture.py python/tests/test_trl_multiprocess.py python/tests/test_torch_parity.py
echo "== example: python/examples/trl_grpo_tiny.py --out out/e2e-trl"
"$VENV/bin/python" -W ignore::FutureWarning python/examples/trl_grpo_tiny.py --out out/e2e-trl --linearize 2>&1 | grep -v "^{'"
