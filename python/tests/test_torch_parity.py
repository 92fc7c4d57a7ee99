"""Dumps written by torch (F32 and BF16, via the real `safetensors.torch` and via deltah.export's
torch path) read by `deltah analyze`, against torch float64 references; and KL-Cov selection with
the real `torch.topk` exactly as verl's `compute_policy_loss_kl_cov` calls it.

Skipped when torch is not installed (it is several GB); `scripts/torch-tests.sh` makes a venv with
torch and runs these.
"""

import json
import os
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from safetensors.numpy import load_file  # noqa: E402
from safetensors.torch import save_file  # noqa: E402

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, ".."))
from deltah import export as dx  # noqa: E402

from deltah_binary import run  # noqa: E402
from deltah_binary import requires_binary as pytestmark  # noqa: E402,F401


def batch(seed, b=4, t=8, v=4096):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(b, t, v, generator=g) * 4
    logits[..., 5] += 8
    tokens = torch.randint(0, v, (b, t), generator=g)
    adv = torch.randn(b, 1, generator=g).expand(b, t).contiguous()
    mask = torch.ones(b, t, dtype=torch.bool)
    mask[0, -3:] = False
    return logits, tokens, adv, mask


def torch_reference(logits, tokens, temperature):
    """float64 torch: H = −Σ softmax·log_softmax, log π(y), from the stored (rounded) logits."""
    x = logits.to(torch.float64) / temperature
    logp = torch.log_softmax(x, dim=-1)
    entropy = -(logp.exp() * logp).sum(-1)
    return entropy.numpy(), logp.gather(-1, tokens[..., None])[..., 0].numpy()


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
@pytest.mark.parametrize("writer", ["safetensors.torch", "deltah.export"])
def test_torch_written_dumps(tmp_path, dtype, writer):
    logits, tokens, adv, mask = batch(1)
    stored = logits.to(dtype)
    path = str(tmp_path / "dump.safetensors")
    if writer == "safetensors.torch":
        save_file({"logits": stored, "responses": tokens, "advantages": adv, "response_mask": mask}, path,
                  metadata={"temperature": "0.7"})
    else:
        dx.save_dump(path, logits=stored, token_ids=tokens, advantages=adv, mask=mask, temperature=0.7,
                     logits_dtype="bf16" if dtype == torch.bfloat16 else "f32")
    out = str(tmp_path / "per_token.safetensors")
    run("analyze", path, "--json", "--per-token", out)
    per_token = load_file(out)
    entropy, logp = torch_reference(stored, tokens, 0.7)
    valid = mask.numpy()
    # float32 accumulation within 1024-element blocks, Double across them: ~1e-6 at V = 4096.
    assert np.max(np.abs(per_token["entropy"][valid] - entropy[valid])) <= 1e-5
    assert np.max(np.abs(per_token["logprob"][valid] - logp[valid])) <= 1e-5


def verl_kl_cov_selection(log_prob, advantages, response_mask, kl_cov_ratio):
    """The selection lines of verl's compute_policy_loss_kl_cov, with torch as verl runs them."""
    all_valid = response_mask > 0
    all_valid_idx = torch.nonzero(all_valid.reshape(-1), as_tuple=True)[0]
    all_valid_adv = advantages[all_valid].detach().reshape(-1).cpu()
    all_valid_logp = log_prob[all_valid].detach().reshape(-1).cpu()
    k = min(kl_cov_ratio, len(all_valid_adv))
    if k == 0:
        return []
    cov_lst_all = (all_valid_adv - all_valid_adv.mean()) * (all_valid_logp - all_valid_logp.mean())
    k_percent_nums = max(1, int(len(cov_lst_all) * kl_cov_ratio))
    large_cov_idxs = torch.topk(cov_lst_all, k_percent_nums, largest=True).indices
    return sorted(all_valid_idx[large_cov_idxs].tolist())


@pytest.mark.parametrize("ratio", [0.0002, 0.01, 0.05, 0.3])
def test_kl_cov_matches_verl_with_torch_topk(tmp_path, ratio):
    logits, tokens, _, mask = batch(2, b=8, t=16, v=1000)
    g = torch.Generator().manual_seed(3)
    adv = torch.randn(8, 16, generator=g, dtype=torch.float64)
    path = str(tmp_path / "klcov.safetensors")
    save_file({"logits": logits, "token_ids": tokens, "advantages": adv, "mask": mask.to(torch.uint8)}, path)
    summary = json.loads(run("analyze", path, "--json", "--kl-cov-ratio", str(ratio)))
    # verl's log-probs: the current forward pass at temperature 1 (float32 here, as in training).
    logp = torch.log_softmax(logits, dim=-1).gather(-1, tokens[..., None])[..., 0]
    assert summary["kl_cov_selected"] == verl_kl_cov_selection(logp, adv, mask, ratio)
