"""`deltah compare` on a real (small) network's logits before and after one gradient step.

A two-layer tanh MLP maps 64 random contexts to logits over V = 500 tokens. One REINFORCE step
(sampled tokens, centred rewards) moves all weights, so every position's logits change through
shared parameters, not as a tabular update. `deltah compare` must reproduce the actual per-position
ΔH computed here in float64 (to 1e-9: F64 logits), and for this small step the second-order
prediction must track it closely.
"""

import json
import subprocess

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

from deltah_binary import DELTAH
from deltah_binary import requires_binary as pytestmark  # noqa: F401


def entropy(logits):
    x = logits - logits.max(-1, keepdims=True)
    logp = x - np.log(np.exp(x).sum(-1, keepdims=True))
    return -(np.exp(logp) * logp).sum(-1), logp


def test_compare_reproduces_a_network_step(tmp_path):
    rng = np.random.default_rng(5)
    n, d, hidden, v = 64, 16, 32, 500
    x = rng.standard_normal((n, d))
    w1 = rng.standard_normal((d, hidden)) / np.sqrt(d)
    w2 = rng.standard_normal((hidden, v)) * 1.5 / np.sqrt(hidden)

    def forward(w1, w2):
        h = np.tanh(x @ w1)
        return h, h @ w2

    h, z0 = forward(w1, w2)
    _, logp = entropy(z0)
    p = np.exp(logp)
    tokens = np.array([rng.choice(v, p=row) for row in p])
    reward = (tokens % 3 == 0).astype(float)
    adv = reward - reward.mean()
    # ∂/∂z of Σ_t A_t log π(y_t | x_t) is A_t (e_y − π); backpropagate to both layers.
    g_z = adv[:, None] * (np.eye(v)[tokens] - p)
    g_w2 = h.T @ g_z
    g_h = g_z @ w2.T * (1 - h * h)
    g_w1 = x.T @ g_h
    lr = 0.02
    _, z1 = forward(w1 + lr * g_w1, w2 + lr * g_w2)

    before, after = str(tmp_path / "before.safetensors"), str(tmp_path / "after.safetensors")
    for path, z in ((before, z0), (after, z1)):
        save_file({"logits": z, "token_ids": tokens.astype(np.int64), "advantages": adv}, path)
    out = str(tmp_path / "cmp.safetensors")
    proc = subprocess.run([DELTAH, "compare", before, after, "--json", "--per-token", out], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    per_token = load_file(out)

    actual = entropy(z1)[0] - entropy(z0)[0]
    assert np.max(np.abs(per_token["delta_actual"] - actual)) <= 1e-9
    # Independent first order: −Σ π (log π + H) Δz.
    h0, logp0 = entropy(z0)
    first = -(np.exp(logp0) * (logp0 + h0[:, None]) * (z1 - z0)).sum(-1)
    assert np.max(np.abs(per_token["delta_first_order"] - first)) <= 1e-9
    assert summary["tokens"] == n
    assert summary["pearson_second_order"] > 0.99
    assert summary["rmse_second_order"] < summary["rmse_first_order"]
    # Sign agreement of the first-order prediction, counted independently.
    assert summary["sign_agreement"] == pytest.approx(np.mean(np.sign(first) == np.sign(actual)), abs=1e-12)
