"""Held-out check of `deltah whatif` against an independent float64 numpy computation.

On a random dump with old log-probabilities: the `none` row is the plain polarity total
Σ η·A·(E_π S − S_y)/T; `forking` sums the polarity over the tokens whose entropy is at least
numpy's linear-rule 80th percentile, each weighed N/N_kept (the paper's loss averages over the
kept tokens; `forking-bottom` likewise over the rest); `ppo-clip` weights each token
by r·1[not clipped]; `cispo` by clip(r, 0, 1.28); `expanding-only` keeps the positive terms.
"""

import json
import os
import sys

import numpy as np
from safetensors.numpy import save_file

HERE = os.path.dirname(__file__)
sys.path.insert(0, HERE)
from deltah_binary import run  # noqa: E402
from float64_reference import token_quantities  # noqa: E402
from deltah_binary import requires_binary as pytestmark  # noqa: E402,F401


def test_whatif_rows_match_numpy(tmp_path):
    rng = np.random.default_rng(7)
    b, t, v, temperature, lr = 5, 16, 200, 0.8, 0.3
    logits = (rng.standard_normal((b, t, v)) * 2.5).astype(np.float32)
    tokens = rng.integers(0, v, size=(b, t)).astype(np.int64)
    adv = rng.standard_normal((b, t))
    mask = np.ones((b, t), np.uint8)
    mask[0, -4:] = 0
    q = token_quantities(logits, tokens, temperature)
    h, es, logp, s_y = q["entropy"], q["expected_discriminator"], q["logp"], q["sampled_discriminator"]
    old = logp + 0.25 * rng.standard_normal((b, t))
    path = str(tmp_path / "whatif.safetensors")
    save_file({"logits": logits, "token_ids": tokens, "advantages": adv, "mask": mask, "old_logprobs": old},
              path, metadata={"temperature": str(temperature), "lr": str(lr), "step": "3"})
    out = json.loads(run("whatif", path, "--json", "--clip-low", "0.2", "--clip-high", "0.28"))
    rows = {r["name"]: r for r in out["interventions"]}

    valid = mask.astype(bool)
    polarity = (lr / temperature * adv * (es - s_y))[valid]
    entropy = h[valid]
    r = np.exp(logp - old)[valid]
    a = adv[valid]
    tau = np.quantile(entropy, 0.8)  # numpy's default "linear" rule
    clipped = ((a > 0) & (r > 1.28)) | ((a < 0) & (r < 0.8))
    expected = {
        "none": polarity.sum(),
        "forking": entropy.size / (entropy >= tau).sum() * polarity[entropy >= tau].sum(),
        "forking-bottom": entropy.size / (entropy < tau).sum() * polarity[entropy < tau].sum(),
        "expanding-only": polarity[polarity > 0].sum(),
        "ppo-clip": (r * ~clipped * polarity).sum(),
        "cispo": (np.minimum(r, 1.28) * polarity).sum(),
    }
    # F32 logits: deltah's per-position quantities agree with float64 numpy to ~1e-6 relative;
    # the sums run over 76 terms of size ≤ ~1.
    scale = np.abs(polarity).sum()
    for name, value in expected.items():
        assert abs(rows[name]["delta_first_order"] - value) <= 1e-6 * scale, (name, rows[name]["delta_first_order"] - value, scale)
    assert rows["forking"]["tokens_touched"] == int(valid.sum())  # every weight is N/N_kept or 0
    assert rows["ppo-clip"]["tokens_touched"] == int(valid.sum())  # every weight is r ≠ 1 or 0
    for row in out["interventions"]:
        assert abs(row["raising"] + row["lowering"] - row["delta_first_order"]) <= 1e-12 * max(1, scale)
