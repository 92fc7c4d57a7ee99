"""The trust scale s* of `deltah compare --per-token` and `deltah step --json` against an
independent float64 numpy computation.

s* = 2ε·|g·Δx| / |ΔxᵀQΔx| with g = ∇H = −π⊙(log π + H) and the entropy Hessian
Q = −diag(w) + wπᵀ + πwᵀ − ππᵀ, w = π⊙(1 + log π + H), built here as a dense matrix (not the
O(K) form the binary uses). Also the bundled sample dumps (BF16, held out from the Swift tests)
and random F64 dumps written by the `safetensors` library.

Needs the binary: $DELTAH_BIN, else .build/debug/deltah.
"""

import json
import os
import sys

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

HERE = os.path.dirname(__file__)
sys.path.insert(0, HERE)
from deltah_binary import ROOT, run  # noqa: E402
from deltah_binary import requires_binary as pytestmark  # noqa: E402,F401


def trust_scale(z, dz, temperature=1.0, eps=0.1):
    """s* for one row by the dense Hessian, float64."""
    x = np.asarray(z, np.float64) / temperature
    dx = np.asarray(dz, np.float64) / temperature
    logp = x - x.max() - np.log(np.exp(x - x.max()).sum())
    p = np.exp(logp)
    h = -(p * logp).sum()
    g = -p * (logp + h)
    w = p * (1 + logp + h)
    q = -np.diag(w) + np.outer(w, p) + np.outer(p, w) - np.outer(p, p)
    first, quad = g @ dx, dx @ q @ dx
    if quad == 0:
        return np.inf
    return 2 * eps * abs(first) / abs(quad)


def test_step_json_matches_numpy():
    rng = np.random.default_rng(7)
    for trial in range(20):
        k = int(rng.integers(2, 30))
        z = rng.standard_normal(k) * 2
        dz = rng.standard_normal(k) * 0.5
        t = [1.0, 0.7, 1.3][trial % 3]
        eps = [0.1, 0.05][trial % 2]
        out = json.loads(run("step", "--logits", ",".join(map(repr, z.tolist())), "--delta", ",".join(map(repr, dz.tolist())),
                             "--temperature", repr(t), "--trust-tolerance", repr(eps), "--json"))
        expected = trust_scale(z, dz, t, eps)
        # Both are float64 evaluations of the same quantity by different routes (pivoted O(K)
        # sums vs a dense matrix): agreement to 1e-9 relative.
        assert out["trust_scale"] == pytest.approx(expected, rel=1e-9)


def compare_scales(before, after, tmp_path, *extra):
    out = str(tmp_path / "per_token.safetensors")
    summary = json.loads(run("compare", before, after, "--json", "--per-token", out, *extra))
    return summary, load_file(out)


def check_rows(a, b, valid, scales, temperature, eps, rel, stride=1):
    """Checks every `stride`-th valid row by the dense Hessian; returns the number of valid rows."""
    n = 0
    for i in np.ndindex(valid.shape):
        if not valid[i]:
            assert np.isnan(scales[i])
            continue
        n += 1
        if (n - 1) % stride:
            continue
        expected = trust_scale(a[i], b[i] - a[i], temperature, eps)
        assert scales[i] == pytest.approx(expected, rel=rel), f"position {i}"
    return n


def bf16_logits(path):
    """The BF16 `logits` tensor of a safetensors file as float64 (exact: bf16 → f32 is a shift)."""
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
        info = header["logits"]
        assert info["dtype"] == "BF16"
        start, end = info["data_offsets"]
        f.seek(8 + n + start)
        raw = np.frombuffer(f.read(end - start), dtype="<u2")
    return (raw.astype(np.uint32) << 16).view(np.float32).astype(np.float64).reshape(info["shape"])


def test_compare_on_the_sample_dumps(tmp_path):
    before = os.path.join(ROOT, "data", "sample", "step_0001.safetensors")
    after = os.path.join(ROOT, "data", "sample", "step_0002.safetensors")
    summary, t = compare_scales(before, after, tmp_path, "--trust-tolerance", "0.2")
    a = bf16_logits(before)
    b = bf16_logits(after)
    valid = t["valid"].astype(bool)
    scales = t["trust_scale"]
    # The binary's kernel accumulates exponentials in float lanes widened to double; 1e-5
    # relative on s* (a ratio of two small sums) leaves room for that and fails on any formula slip.
    # Every 7th valid row: the dense 2048 × 2048 Hessian per row is the slow part.
    n = check_rows(a, b, valid, scales, summary["temperature"], 0.2, 1e-5, stride=7)
    assert n == summary["tokens"]
    outside = int(np.sum(scales[valid] < 1))
    assert summary["outside_trust_radius_tokens"] == outside
    assert summary["outside_trust_radius_share"] == pytest.approx(outside / n, rel=1e-15)


def test_compare_on_random_f64_dumps(tmp_path):
    rng = np.random.default_rng(11)
    a = rng.standard_normal((3, 5, 200)) * 3
    b = a + rng.standard_normal(a.shape) * np.array([0.01, 0.2, 1.0])[:, None, None]
    mask = np.ones((3, 5), np.uint8)
    mask[2, 4] = 0
    for name, logits in (("before", a), ("after", b)):
        save_file({"logits": logits, "mask": mask}, str(tmp_path / f"{name}.safetensors"), metadata={"temperature": "0.8"})
    summary, t = compare_scales(str(tmp_path / "before.safetensors"), str(tmp_path / "after.safetensors"), tmp_path)
    n = check_rows(a, b, t["valid"].astype(bool), t["trust_scale"], 0.8, 0.1, 1e-6)
    assert n == 14
    assert 0 < summary["outside_trust_radius_share"] < 1
