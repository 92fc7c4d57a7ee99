#!/usr/bin/env bash
# Set-up: install the system libraries and build DeltaH in release mode.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-dependencies.sh
swift build -c release --product deltah
echo "Built .build/release/deltah. Try: .build/release/deltah demo"
echo "End to end on a real trainer (TRL GRPO on a tiny Qwen2, CPU; installs torch/trl into ~/.cache/deltah/venv-trl on first use):"
echo "  bash scripts/e2e-trl.sh      (the example itself: python/examples/trl_grpo_tiny.py; the Python package: python/)"
