"""Oracle for `deltah analyze --clip-low/--clip-high/--dual-clip`: clipping counts (by rule and by
quadrant) and the removed polarity against an independent float64 numpy computation.

Inputs are dumps with importance ratios ≠ 1:

* the bundled sample's step-2 logits with old log-probabilities taken from the step-1 checkpoint's
  logits at the same positions and tokens (two real checkpoints of the toy run);
* a random dump whose old log-probabilities are perturbed by N(0, 0.3²), so that every clipping
  rule (upper, lower, dual) fires often.

Rule (verl `compute_policy_loss`, vanilla with dual clip): a token's gradient is zero when
(A > 0 and r > 1 + ε_h) or (A < 0 and r < 1 − ε_l) or (A < 0 and r > c). Removed polarity:
Σ over clipped tokens of r·η·A·(E_π S − S_y)/T.
"""

import json
import os
import struct
import sys

import numpy as np
import pytest
from safetensors.numpy import save_file

HERE = os.path.dirname(__file__)
sys.path.insert(0, HERE)
from deltah_binary import ROOT, run  # noqa: E402
from float64_reference import log_softmax, token_quantities  # noqa: E402
from deltah_binary import requires_binary as pytestmark  # noqa: E402,F401

SAMPLE = os.path.join(ROOT, "data", "sample")


def read_safetensors(path):
    """All tensors of a safetensors file as float64/int64 numpy arrays (BF16 decoded by hand)."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        body = f.read()
    out = {}
    types = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "U8": np.uint8, "I32": np.int32}
    for name, d in header.items():
        if name == "__metadata__":
            continue
        raw = body[d["data_offsets"][0]:d["data_offsets"][1]]
        if d["dtype"] == "BF16":
            bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            a = bits.view(np.float32)
        else:
            a = np.frombuffer(raw, dtype=types[d["dtype"]])
        out[name] = a.reshape(d["shape"])
    return out, header.get("__metadata__", {})


def oracle(logits, tokens, adv, old, mask, temperature, lr, low, high, dual):
    q = token_quantities(logits, tokens, temperature)
    h, es, logp, s_y = q["entropy"], q["expected_discriminator"], q["logp"], q["sampled_discriminator"]
    r = np.exp(logp - old)
    valid = mask.astype(bool)
    upper = valid & (adv > 0) & (r > 1 + high)
    lower = valid & (adv < 0) & (r < 1 - low)
    dual_mask = valid & (adv < 0) & ~lower & (r > dual) if dual is not None else np.zeros_like(valid)
    clipped = upper | lower | dual_mask
    term = r * lr / temperature * adv * (es - s_y)
    high_p = logp > -h
    quadrants = {
        "A>0,p>e^-H": (adv > 0) & high_p, "A>0,p<e^-H": (adv > 0) & ~high_p,
        "A<0,p>e^-H": (adv <= 0) & high_p, "A<0,p<e^-H": (adv <= 0) & ~high_p,
    }
    bounds = [1 + high, 1 - low] + ([dual] if dual is not None else [])
    margin = min(np.min(np.abs(r[valid] - b)) for b in bounds)
    return {
        "count": int(clipped.sum()), "upper": int(upper.sum()), "lower": int(lower.sum()),
        "dual": int(dual_mask.sum()),
        "positive": float(term[clipped & (term > 0)].sum()), "negative": float(term[clipped & (term < 0)].sum()),
        "quadrants": {q: (int((clipped & m).sum()), float(term[clipped & m].sum())) for q, m in quadrants.items()},
        "scale": float(np.abs(term[clipped]).sum()) if clipped.any() else 1.0, "margin": margin,
        "ratios": r[valid],
    }


def check(path, expected, low, high, dual):
    args = ["analyze", path, "--json", "--clip-low", str(low), "--clip-high", str(high)]
    if dual is not None:
        args += ["--dual-clip", str(dual)]
    c = json.loads(run(*args))["clipping"]
    # deltah's per-position log-probs agree with float64 numpy to ~1e-6 on F32 logits; no ratio may
    # sit that close to a bound, or the two clipping decisions could legitimately differ.
    assert expected["margin"] > 1e-5
    assert c["count"] == expected["count"] > 0
    assert (c["count_upper"], c["count_lower"], c["count_dual"]) == (expected["upper"], expected["lower"], expected["dual"])
    tol = 1e-5 * expected["scale"]
    assert abs(c["polarity_removed"]["positive"] - expected["positive"]) <= tol
    assert abs(c["polarity_removed"]["negative"] - expected["negative"]) <= tol
    for row in c["quadrants"]:
        n, total = expected["quadrants"][row["quadrant"]]
        assert row["count"] == n
        assert abs(row["polarity_removed"] - total) <= tol
    for key, q in [("p5", 5), ("p50", 50), ("p95", 95)]:
        assert abs(c["ratio_percentiles"][key] - np.percentile(expected["ratios"], q)) <= 1e-5


def test_two_real_checkpoints(tmp_path):
    before, _ = read_safetensors(os.path.join(SAMPLE, "step_0001.safetensors"))
    after, meta = read_safetensors(os.path.join(SAMPLE, "step_0002.safetensors"))
    t, lr = float(meta["temperature"]), float(meta["lr"])
    tokens = after["token_ids"]
    old = np.take_along_axis(log_softmax(before["logits"], t), tokens[..., None], -1)[..., 0]
    path = str(tmp_path / "two_checkpoints.safetensors")
    save_file({"logits": after["logits"].astype(np.float32), "token_ids": tokens, "advantages": after["advantages"].astype(np.float64),
               "mask": after["mask"], "old_logprobs": old}, path, metadata={"temperature": str(t), "lr": str(lr)})
    low, high, dual = 0.2, 0.28, 3.0
    expected = oracle(after["logits"], tokens, after["advantages"].astype(np.float64), old, after["mask"], t, lr, low, high, dual)
    assert np.any(np.abs(expected["ratios"] - 1) > 0.1)  # ratios really differ from 1
    check(path, expected, low, high, dual)


@pytest.mark.parametrize("seed,low,high,dual", [(1, 0.2, 0.28, 1.5), (2, 0.1, 0.1, None)])
def test_random_dump_every_rule(tmp_path, seed, low, high, dual):
    rng = np.random.default_rng(seed)
    b, t, v = 6, 20, 300
    logits = (rng.standard_normal((b, t, v)) * 3).astype(np.float32)
    tokens = rng.integers(0, v, size=(b, t)).astype(np.int64)
    adv = rng.standard_normal((b, t))
    mask = np.ones((b, t), np.uint8)
    mask[-1, -3:] = 0
    temperature = 0.9
    logp = np.take_along_axis(log_softmax(logits, temperature), tokens[..., None], -1)[..., 0]
    old = logp + 0.3 * rng.standard_normal((b, t))
    path = str(tmp_path / f"random{seed}.safetensors")
    save_file({"logits": logits, "token_ids": tokens, "advantages": adv, "mask": mask, "old_logprobs": old},
              path, metadata={"temperature": str(temperature), "lr": "0.1"})
    expected = oracle(logits, tokens, adv, old, mask, temperature, 0.1, low, high, dual)
    if dual is not None:
        assert expected["dual"] > 0
    assert expected["upper"] > 0 and expected["lower"] > 0
    check(path, expected, low, high, dual)
