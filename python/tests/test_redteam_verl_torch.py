"""Red-team regression for deltah.verl.response_logits (needs torch: the venv of scripts/e2e-trl.sh;
skipped elsewhere). A stand-in module and batch; verl itself is not needed."""

import os
import sys

import pytest

torch = pytest.importorskip("torch")

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from deltah.verl import response_logits  # noqa: E402


class _Echo(torch.nn.Module):
    """Logits that depend on the position ids, so dropping them changes the result."""

    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(1))
        self.seen = None

    def forward(self, input_ids, attention_mask=None, position_ids=None, use_cache=False):
        self.seen = position_ids
        b, length = input_ids.shape
        pos = position_ids if position_ids is not None and position_ids.dim() == 2 else torch.arange(length).expand(b, length)
        return type("Out", (), {"logits": pos[..., None].float().expand(b, length, 4) + self.w})()


class _Batch:
    def __init__(self, positions):
        ids = torch.ones(2, 5, dtype=torch.long)
        self.batch = {"input_ids": ids, "attention_mask": torch.ones(2, 5, dtype=torch.long),
                      "responses": ids[:, 3:], "position_ids": positions}


def test_multimodal_position_ids_are_refused_not_dropped():
    # Before: [B, 3, L] position ids (Qwen2-VL's M-RoPE) were silently not passed, so the model
    # used its default positions, ignoring the left padding.
    with pytest.raises(ValueError, match="position_ids"):
        response_logits(_Echo(), _Batch(torch.zeros(2, 3, 5, dtype=torch.long)))


def test_text_position_ids_are_passed():
    module = _Echo()
    positions = torch.tensor([[0, 0, 0, 1, 2], [0, 1, 2, 3, 4]])
    z = response_logits(module, _Batch(positions))
    assert module.seen is not None and z.shape == (2, 2, 4)
    assert z[0, :, 0].tolist() == [0.0, 1.0]  # logits at sequence positions 2, 3


def test_multimodal_inputs_are_refused_not_dropped():
    # Before: a vision-language batch with text-style [B, L] position ids (verl keeps the images in
    # non_tensor_batch["multi_modal_inputs"]) was scored without its images, silently: the image
    # placeholders were read as text and the logits were not those of the trained policy.
    batch = _Batch(torch.arange(5).expand(2, 5))
    batch.non_tensor_batch = {"multi_modal_inputs": [{"pixel_values": torch.ones(1, 3)}] * 2}
    with pytest.raises(ValueError, match="multi_modal_inputs"):
        response_logits(_Echo(), batch)
