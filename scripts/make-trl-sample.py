#!/usr/bin/env python3
"""Regenerate data/trl-tiny: before/after logit dumps of 3 real GRPO steps.

TRL's GRPOTrainer trains the tiny random Qwen2 of python/examples/trl_grpo_tiny.py (seed 0, CPU,
Adam lr 5e-4 with linear decay, T = 0.9, 8 completions of up to 12 characters per step) with
deltah.trl.capture on (BF16 logits); the six dumps are copied to data/trl-tiny. `deltah demo`
compares each pair. Same seed and same torch/transformers/trl versions give bit-identical files
(checked by running this twice; other versions may round differently).

Needs the trl extra; run from the repository root in the e2e venv:
    ~/.cache/deltah/venv-trl/bin/python scripts/make-trl-sample.py
"""
import os
import shutil
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "python"))
sys.path.insert(0, os.path.join(ROOT, "python", "examples"))

import torch  # noqa: E402

import trl_grpo_tiny as tiny  # noqa: E402
from deltah.trl import capture  # noqa: E402

SEED = 0


def main() -> int:
    target = os.path.join(ROOT, "data", "trl-tiny")
    os.makedirs(target, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        torch.manual_seed(SEED)
        trainer = tiny.make_trainer(os.path.join(tmp, "trainer"), steps=3, seed=SEED)
        callback = capture(trainer, os.path.join(tmp, "dumps"), dtype="bf16")
        trainer.train()
        if callback.failures or len(callback.written) != 3:
            raise SystemExit("capture failed: " + "; ".join(callback.failures))
        for pair in callback.written:
            for path in pair:
                shutil.copyfile(path, os.path.join(target, os.path.basename(path)))
                print("wrote", os.path.join("data", "trl-tiny", os.path.basename(path)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
