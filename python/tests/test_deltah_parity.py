"""Cross-checks of the `deltah` binary against independent float64 numpy references.

* Dumps written by numpy (np.save folder, np.savez, np.savez_compressed), by the real
  `safetensors` library (F32, F64, F16) and by deltah.export (BF16): per-position entropy and
  log-prob from `deltah analyze --per-token` agree with numpy float64 on the same (rounded) logits
  to 1e-5 (1e-9 for F64 logits).
* KL-Cov: the tokens `deltah analyze` selects are the ones verl's `compute_policy_loss_kl_cov`
  selects (its selection ported line by line to numpy below; torch.topk becomes a stable argsort).

Needs the binary: $DELTAH_BIN, else .build/debug/deltah (scripts/test.sh builds it first).
"""

import json
import os
import sys

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, ".."))
from deltah import export as dx  # noqa: E402

from deltah_binary import ROOT, run  # noqa: E402
from deltah_binary import requires_binary as pytestmark  # noqa: E402,F401


def reference(logits, tokens, temperature):
    """float64 entropy and sampled log-prob by the definition, from logits already on their grid."""
    x = logits.astype(np.float64) / temperature
    m = x.max(-1, keepdims=True)
    logz = np.log(np.exp(x - m).sum(-1, keepdims=True)) + m
    logp = x - logz
    p = np.exp(logp)
    entropy = -(p * logp).sum(-1)
    sampled = np.take_along_axis(logp, tokens[..., None], -1)[..., 0]
    return entropy, sampled


def batch(rng, b=4, t=6, v=3000, scale=4.0):
    logits = rng.standard_normal((b, t, v)) * scale
    logits[..., 3] += 6.0
    tokens = rng.integers(0, v, size=(b, t))
    adv = rng.standard_normal((b, t))
    mask = np.ones((b, t), np.uint8)
    mask[-1, -2:] = 0
    return logits, tokens, adv, mask


def analyze_per_token(path, tmp_path, *extra):
    out = str(tmp_path / "per_token.safetensors")
    summary = json.loads(run("analyze", path, "--json", "--per-token", out, *extra))
    return summary, load_file(out)


@pytest.mark.parametrize("dtype,tol", [("F32", 1e-5), ("F64", 1e-9), ("F16", 1e-5)])
def test_safetensors_library_dumps(tmp_path, dtype, tol):
    rng = np.random.default_rng({"F32": 1, "F64": 2, "F16": 3}[dtype])
    logits, tokens, adv, mask = batch(rng, scale=2.0 if dtype == "F16" else 4.0)
    np_type = {"F32": np.float32, "F64": np.float64, "F16": np.float16}[dtype]
    stored = logits.astype(np_type)
    path = str(tmp_path / f"dump_{dtype}.safetensors")
    save_file({"logits": stored, "token_ids": tokens.astype(np.int64), "advantages": adv,
               "response_mask": mask}, path, metadata={"temperature": "0.8"})
    _, per_token = analyze_per_token(path, tmp_path)
    entropy, sampled = reference(stored, tokens, 0.8)
    valid = mask.astype(bool)
    assert np.max(np.abs(per_token["entropy"][valid] - entropy[valid])) <= tol
    assert np.max(np.abs(per_token["logprob"][valid] - sampled[valid])) <= tol
    assert np.all(np.isnan(per_token["entropy"][~valid]))


@pytest.mark.parametrize("writer", ["npy_folder", "savez", "savez_compressed", "bf16_helper"])
def test_numpy_and_helper_dumps(tmp_path, writer):
    rng = np.random.default_rng(7)
    logits, tokens, adv, mask = batch(rng)
    logits32 = logits.astype(np.float32)
    arrays = {"logits": logits32, "token_ids": tokens.astype(np.int64), "advantages": adv, "mask": mask}
    if writer == "npy_folder":
        path = str(tmp_path / "folder")
        os.makedirs(path)
        for k, a in arrays.items():
            np.save(os.path.join(path, k + ".npy"), a)
        grid = logits32
    elif writer.startswith("savez"):
        path = str(tmp_path / f"{writer}.npz")
        getattr(np, writer)(path, **arrays)
        grid = logits32
    else:
        path = str(tmp_path / "bf16.safetensors")
        dx.save_dump(path, logits=logits32, token_ids=tokens, advantages=adv, mask=mask, logits_dtype="bf16")
        grid = dx.bf16_bits_to_float32(dx.float32_to_bf16_bits(logits32))
    _, per_token = analyze_per_token(path, tmp_path)
    entropy, sampled = reference(grid, tokens, 1.0)
    valid = mask.astype(bool)
    assert np.max(np.abs(per_token["entropy"][valid] - entropy[valid])) <= 1e-5
    assert np.max(np.abs(per_token["logprob"][valid] - sampled[valid])) <= 1e-5


def verl_kl_cov_selection(log_prob, advantages, response_mask, kl_cov_ratio):
    """verl `compute_policy_loss_kl_cov`, the selection part, ported to numpy (docs/theory.md#kl-cov):
    flatten valid tokens, cov = (A - mean A) * (logp - mean logp), k = max(1, int(N * ratio)),
    top-k largest, mapped back to flat indices of the (B, T) batch."""
    flat_mask = response_mask.reshape(-1) > 0
    all_valid_idx = np.nonzero(flat_mask)[0]
    all_valid_adv = advantages.reshape(-1)[all_valid_idx]
    all_valid_logp = log_prob.reshape(-1)[all_valid_idx]
    k = min(kl_cov_ratio, len(all_valid_adv))  # verl's zero-length guard, kept as is
    if k == 0:
        return []
    cov = (all_valid_adv - all_valid_adv.mean()) * (all_valid_logp - all_valid_logp.mean())
    k_count = max(1, int(len(cov) * kl_cov_ratio))
    top = np.argsort(-cov, kind="stable")[:k_count]
    return sorted(all_valid_idx[top].tolist())


@pytest.mark.parametrize("seed,ratio", [(11, 0.05), (12, 0.2), (13, 0.0002), (14, 0.5)])
def test_kl_cov_matches_verl(tmp_path, seed, ratio):
    rng = np.random.default_rng(seed)
    logits, tokens, _, mask = batch(rng, b=6, t=10, v=500)
    # GRPO-style advantages: one value per sequence, broadcast to its tokens.
    adv = np.repeat(rng.standard_normal((6, 1)), 10, axis=1)
    path = str(tmp_path / "klcov.safetensors")
    save_file({"logits": logits.astype(np.float32), "token_ids": tokens.astype(np.int64),
               "advantages": adv, "mask": mask}, path)
    summary = json.loads(run("analyze", path, "--json", "--kl-cov-ratio", str(ratio)))
    _, logp = reference(logits.astype(np.float32), tokens, 1.0)
    assert summary["kl_cov_selected"] == verl_kl_cov_selection(logp, adv, mask, ratio)


def read_safetensors(path):
    """Minimal reader (numpy's safetensors loader has no bfloat16): BF16 comes back as float32."""
    types = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "U8": np.uint8, "BF16": np.uint16}
    with open(path, "rb") as f:
        data = f.read()
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        a = np.frombuffer(data[8 + n + begin:8 + n + end], dtype=types[info["dtype"]]).reshape(info["shape"])
        out[name] = dx.bf16_bits_to_float32(a) if info["dtype"] == "BF16" else a
    return out


def test_sample_dumps_kl_cov_matches_verl():
    for step in (1, 2, 3):
        path = os.path.join(ROOT, "data", "sample", f"step_000{step}.safetensors")
        arrays = read_safetensors(path)
        logits = arrays["logits"]
        summary = json.loads(run("analyze", path, "--json", "--kl-cov-ratio", "0.05"))
        _, logp = reference(logits, arrays["token_ids"], 1.0)
        assert summary["kl_cov_selected"] == verl_kl_cov_selection(logp, arrays["advantages"], arrays["mask"], 0.05)
