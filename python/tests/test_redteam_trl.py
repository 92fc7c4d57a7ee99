"""Red-team regression for deltah.trl's writer (needs torch and transformers: the venv of
scripts/e2e-trl.sh; skipped elsewhere). No trainer is run: the callback's summarise/write steps
are called directly on a hand-made batch."""

import os
import sys

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from deltah import per_token  # noqa: E402
from deltah.trl import LogitCapture  # noqa: E402


def callback(tmp_path, dtype):
    cb = LogitCapture.__new__(LogitCapture)  # the writer's state only; no trainer
    cb.logits_mode, cb.dtype, cb.output_dir, cb._vocab_seen, cb.trainer = "full", dtype, str(tmp_path), None, None
    return cb


def pending(rows=1, width=2):
    batch = {"rows": rows, "completion_ids": torch.zeros(rows, width, dtype=torch.long),
             "completion_mask": torch.ones(rows, width, dtype=torch.long), "mask": torch.ones(rows, width, dtype=torch.long),
             "advantages": torch.ones(rows, width),
             "old_logprobs": None, "group_ids": None, "prompt_ids": torch.ones(rows, 1, dtype=torch.long),
             "prompt_mask": torch.ones(rows, 1, dtype=torch.long)}
    return {"step": 1, "batch": batch, "temperature": 1.0, "lr": None}


def test_f16_capture_refuses_logits_beyond_f16_range(tmp_path):
    # Before: z.to(torch.float16) turned 1e5 into Inf and the dump was written; deltah analyze then
    # excluded those positions with a warning.
    cb = callback(tmp_path, "f16")
    z = torch.full((1, 2, 5), 1.0e5)
    with pytest.raises(ValueError, match="F16"):
        cb._write(pending(), "before", cb._summarise(z, torch.zeros(1, 2, dtype=torch.long), 2))
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("dtype,expected", [("f16", "F16"), ("bf16", "BF16"), ("f32", "F32")])
def test_capture_dtypes_store_the_rounded_logits(tmp_path, dtype, expected):
    cb = callback(tmp_path, dtype)
    z = torch.tensor([[[0.1, -2.5, 3.0e3, 7.0, -1.0e-3]] * 2])
    cb._write(pending(), "before", cb._summarise(z, torch.zeros(1, 2, dtype=torch.long), 2))
    path = tmp_path / "step_000001.before.safetensors"
    stored = per_token.load(path)["logits"]
    reference = {"f16": torch.float16, "bf16": torch.bfloat16, "f32": torch.float32}[dtype]
    assert (torch.from_numpy(stored.astype("float32")) == z.to(reference).float()).all()
    import json
    import struct
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        assert json.loads(f.read(n))["logits"]["dtype"] == expected


class _StubTrainer:
    """What capture() installs itself on: add_callback, compute_loss, state."""

    def __init__(self):
        self.state = type("State", (), {"global_step": 0})()
        self.callbacks = []

    def add_callback(self, cb):
        self.callbacks.append(cb)

    def compute_loss(self, model, inputs):
        return 0.0


def test_capture_accepts_numpy_integer_arguments(tmp_path):
    # Before: every=np.int64(2) (e.g. from a config array) was refused as "every must be a
    # positive integer, not 2".
    import warnings

    import numpy as np
    from deltah.trl import capture

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the stub has no _generate_and_score_completions
        cb = capture(_StubTrainer(), tmp_path, every=np.int64(2), max_sequences=np.int32(4), logits="topk",
                     top_k=np.int64(3))
    assert (cb.every, cb.max_sequences, cb.top_k) == (2, 4, 3) and type(cb.every) is int
    with pytest.raises(ValueError, match="every"):
        capture(_StubTrainer(), tmp_path, every=np.float64(2.0))
