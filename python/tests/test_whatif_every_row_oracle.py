"""Every row of `deltah whatif` against an independent float64 numpy computation of its rule.

On a random [B, T] dump with old log-probabilities, prompt groups and a mask, each row's
`delta_first_order` must equal Σ_valid (w_t·P_t + b_t·g_t) with w_t, b_t computed here from the
rule as the README's methods table states it (g_t = (η/T)(E_π S − S_y), P_t = A_t·g_t), and its
`tokens_touched` and `weight_removed` must match. The formulas below are written from the
methods table and the rules' doc comments, not from the Swift code.
"""

import itertools
import json
import os
import sys

import numpy as np
import pytest
from safetensors.numpy import save_file

HERE = os.path.dirname(__file__)
sys.path.insert(0, HERE)
from deltah_binary import run  # noqa: E402
from float64_reference import log_softmax, token_quantities  # noqa: E402
from deltah_binary import requires_binary as pytestmark  # noqa: E402,F401


def _steer_linear(omega, lo=0.8, hi=1.2):
    a = np.abs(omega)
    m, big = a.min(), a.max()
    if big == m:
        return np.full_like(a, (lo + hi) / 2)
    return np.clip(hi - (a - m) * (hi - lo) / (big - m), lo, hi)


def _max_variance_subset(values, m):
    """Brute force over all size-m subsets (population variance; the first maximum in
    lexicographic order of sorted index tuples is not needed: the test's values have no ties)."""
    best, best_var = None, -np.inf
    for subset in itertools.combinations(range(len(values)), m):
        v = np.var(values[list(subset)])
        if v > best_var + 1e-15:
            best, best_var = subset, v
    return set(best)


def _expected_rows(d):
    """(w, b) per row name over the valid tokens (flat order), from the rules as documented."""
    a, g, p, h, logp, old = d["a"], d["g"], d["p"], d["h"], d["logp"], d["old"]
    seq, grp, step = d["seq"], d["grp"], d["step"]
    n = a.size
    one, zero = np.ones(n), np.zeros(n)
    r = np.exp(logp - old)
    cov = (logp - logp.mean()) * (a - a.mean())
    rows = {"none": (one, zero)}

    # Clip-Cov with a pick ratio so large that every candidate is picked (the draw is then not random).
    cand = (cov > d["cc_lo"]) & (cov < d["cc_hi"])
    assert 0 < cand.sum() <= max(1, int(np.floor(d["cc_ratio"] * n)))
    rows["clip-cov"] = (np.where(cand, 0.0, 1.0), zero)

    # KL-Cov: w = r, b = −β sign(ℓ − ℓ_old) on the top max(1, ⌊k·N⌋) centred products, β from
    # --kl-coef (1 by default); kl-cov-annealed: β_t = β₀/(1 + t/100) with β₀ = β.
    k = max(1, int(np.floor(d["kl_ratio"] * n)))
    top = np.argsort(-cov, kind="stable")[:k]
    sign = np.sign(logp - old)
    beta = d["kl_coef"]
    b = zero.copy()
    b[top] = -beta * sign[top]
    rows["kl-cov"] = (r, b)
    beta_t = 1.0 / (1 + step / 100)
    rows["kl-cov-annealed"] = (r, b * beta_t)

    # STEER, linear map of the code-form Ω.
    x = np.clip(np.exp(logp), 1e-8, 1 - 1e-8)
    o = np.clip(np.exp(old), 1e-8, 1)
    omega = a / o * x * (1 - x) * (np.log(x) + h)
    rows["steer"] = (_steer_linear(omega), zero)

    # OPEFO: λ* = (Φ− − Φ+)/(Φ− + Φ+), w = 1 ± λ* by the sign of P.
    plus, minus = p[p > 0].sum(), -p[p < 0].sum()
    lam = (minus - plus) / (minus + plus)
    rows["opefo"] = (np.where(p > 0, 1 + lam, np.where(p < 0, 1 - lam, 1.0)), zero)

    # Forking arms: kept tokens weigh N/N_kept (the paper's loss averages over the kept tokens).
    tau = np.quantile(h, 0.8)
    rows["forking"] = ((h >= tau) * n / (h >= tau).sum(), zero)
    rows["forking-bottom"] = ((h < tau) * n / (h < tau).sum(), zero)
    rows["expanding-only"] = (np.where(p > 0, 1.0, np.where(p < 0, 0.0, 1.0)), zero)
    rows["contracting-only"] = (np.where(p > 0, 0.0, np.where(p < 0, 1.0, 1.0)), zero)

    # Entrocraft: bounds (0.6, 0.7) → (0.1, 0.2) over 1000 steps; m from the token-mean entropy.
    f = min(step, 1000) / 1000
    lo_b, hi_b = 0.6 + (0.1 - 0.6) * f, 0.7 + (0.2 - 0.7) * f
    hbar = h.mean()
    m_dir = (1 if hbar > hi_b else 0) - (1 if hbar < lo_b else 0)
    rows["entrocraft"] = ((m_dir * a >= 0).astype(float), zero)

    # PPO clip (0.2, 0.28 from the command line) and CISPO clip(r, 0, 1.28).
    clipped = ((a > 0) & (r > 1.28)) | ((a < 0) & (r < 0.8))
    rows["ppo-clip"] = (np.where(clipped, 0.0, r), zero)
    rows["cispo"] = (np.clip(r, 0, 1.28), zero)

    # BAPO: raise (c_low, c_high) from (0.6, 1.2) by (0.02, 0.05) until the positive share ≥ 0.5.
    def share(lo_c, hi_c):
        kept = ~(((a > 0) & (r > hi_c)) | ((a < 0) & (r < lo_c)))
        mass = np.abs(a) * r * kept
        return mass[a > 0].sum() / mass.sum(), kept

    lo_c, hi_c = 0.6, 1.2
    rho, kept = share(lo_c, hi_c)
    while rho < 0.5 and lo_c + 0.02 <= 0.9 + 1e-12:
        if hi_c + 0.05 <= 3.0 + 1e-12:
            hi_c += 0.05
        lo_c += 0.02
        rho, kept = share(lo_c, hi_c)
    rows["bapo"] = (np.where(kept, r, 0.0), zero)

    # HAPO: ε_h = 0.2 + ĥ·0.08, ε_l = 0.2 + (1 − ĥ)·0.08, ĥ the min–max normalised entropy.
    hn = (h - h.min()) / (h.max() - h.min())
    eh, el = 0.2 + hn * 0.08, 0.2 + (1 - hn) * 0.08
    hclip = ((a > 0) & (r > 1 + eh)) | ((a < 0) & (r < 1 - el))
    rows["hapo"] = (np.where(hclip, 0.0, r), zero)

    # Covariance kernel: exp(−Cov²/(2σ²)), σ² = mean Cov².
    rows["cov-kernel"] = (np.exp(-cov**2 / (2 * np.mean(cov**2))), zero)

    # D³S at step t: p = q = 0.5 + 0.5·t/100; per group keep the ⌈q·G⌉ max-variance sequences
    # (a sequence's advantage is its first valid token's), then the top ⌈p·N_kept⌉ by |A|·H.
    q = 0.5 + 0.5 * min(step, 100) / 100
    keep_seq = set()
    for gid in np.unique(grp):
        seqs = list(dict.fromkeys(seq[grp == gid]))
        adv = np.array([a[np.flatnonzero(seq == s)[0]] for s in seqs])
        msize = int(np.ceil(q * len(seqs)))
        keep_seq |= {seqs[i] for i in _max_variance_subset(adv, msize)}
    kept_tok = np.flatnonzero(np.isin(seq, list(keep_seq)))
    ntop = int(np.ceil(q * kept_tok.size))
    score = np.abs(a) * h
    order = kept_tok[np.argsort(-score[kept_tok], kind="stable")][:ntop]
    w = zero.copy()
    w[order] = 1
    rows["d3s"] = (w, zero)

    # Lp-Reg: protect A < 0 tokens with 0.02 < π(y) < δ, δ the 1 % linear quantile of π(y).
    py = np.exp(logp)
    delta = np.quantile(py, 0.01)
    rows["lp-reg"] = (np.where((a < 0) & (py < delta) & (py > 0.02), 0.0, 1.0), zero)

    # SIREN: b = −0.01·(log π(y) + H) on the top-20 % entropy positions.
    rows["siren"] = (one, np.where(h >= tau, -0.01 * (logp + h), 0.0))

    # EMPG: w = exp(−ĥ)/mean exp(−ĥ); b = 0.05·exp(−ĥ_next), next valid token of the same sequence.
    e = np.exp(-hn)
    bonus = zero.copy()
    for i in range(n):
        later = np.flatnonzero((seq == seq[i]) & (np.arange(n) > i))
        if later.size:
            bonus[i] = 0.05 * np.exp(-hn[later[0]])
    rows["empg"] = (e / e.mean(), bonus)

    # EPO: α = −2β(H − H̄_hist) outside [0.5, 1.5]·H̄_hist, b = −α(log π(y) + H).
    hist = np.mean(d["history"])
    alpha = -2 * 0.01 * (hbar - hist) if (hbar < 0.5 * hist or hbar > 1.5 * hist) else 0.0
    assert alpha != 0
    rows["epo"] = (one, -alpha * (logp + h))
    return rows


@pytest.mark.parametrize("with_old,kl_coef", [(True, None), (False, None), (True, 0.37)])
def test_every_whatif_row_matches_numpy(tmp_path, with_old, kl_coef):
    rng = np.random.default_rng(11)
    b, t, v, temperature, lr, step = 8, 10, 30, 0.9, 0.4, 7
    logits = (rng.standard_normal((b, t, v)) * np.linspace(0.3, 2.5, b)[:, None, None]).astype(np.float32)
    # Sampled from π (at T) as a rollout would be, so that no sampled token is wildly unlikely.
    pi = np.exp(log_softmax(logits, temperature))
    tokens = np.array([[rng.choice(v, p=pi[i, j] / pi[i, j].sum()) for j in range(t)] for i in range(b)], np.int64)
    picked = np.take_along_axis(pi, tokens[..., None], -1)[..., 0]
    tokens = np.where(picked < 0.03, pi.argmax(-1), tokens)  # Lp-Reg's noise floor is τ = 0.02
    # GRPO-style: one advantage per sequence, broadcast; two groups of four sequences.
    adv = np.repeat(rng.standard_normal((b, 1)), t, axis=1)
    groups = np.repeat(np.array([0, 0, 0, 0, 1, 1, 1, 1])[:, None], t, axis=1).astype(np.int64)
    mask = np.ones((b, t), np.uint8)
    mask[1, -3:] = 0
    mask[5, :2] = 0
    q = token_quantities(logits, tokens, temperature)
    # Lp-Reg protects the least likely sampled token when it has A < 0 and π(y) > 0.02.
    least = np.unravel_index(np.argmin(np.where(mask == 1, q["logp"], np.inf)), (b, t))
    assert np.exp(q["logp"][least]) > 0.02
    adv[least[0]] = -np.abs(adv[least[0]])
    # Without old log-probabilities every ratio is 1 (π_old = π_θ).
    old = q["logp"] + 0.3 * rng.standard_normal((b, t)) if with_old else q["logp"]
    path = str(tmp_path / "every_row.safetensors")
    tensors = {"logits": logits, "token_ids": tokens, "advantages": adv, "mask": mask, "group_ids": groups}
    if with_old:
        tensors["old_logprobs"] = old
    save_file(tensors,
              path, metadata={"temperature": str(temperature), "lr": str(lr), "step": str(step)})

    valid = mask.astype(bool)
    seq = np.repeat(np.arange(b)[:, None], t, axis=1)[valid]
    d = {
        "a": adv[valid], "h": q["entropy"][valid], "logp": q["logp"][valid], "old": old[valid],
        "seq": seq, "grp": groups[valid], "step": step,
        "cc_lo": 0.05, "cc_hi": 0.5, "cc_ratio": 0.9, "kl_ratio": 0.05, "kl_coef": 1.0 if kl_coef is None else kl_coef,
    }
    d["g"] = (lr / temperature * (q["expected_discriminator"] - q["sampled_discriminator"]))[valid]
    d["p"] = d["a"] * d["g"]
    d["history"] = [float(3 * d["h"].mean()), float(2.5 * d["h"].mean())]
    history = ",".join(repr(x) for x in d["history"])
    out = json.loads(run("whatif", path, "--json", "--clip-low", "0.2", "--clip-high", "0.28",
                         "--clip-cov-bounds", "0.05,0.5", "--clip-cov-ratio", "0.9", "--kl-cov-ratio", "0.05",
                         "--entropy-history", history, *(["--kl-coef", repr(kl_coef)] if kl_coef is not None else [])))
    rows = {row["name"]: row for row in out["interventions"]}
    # β is shown with its source, in the JSON and in both KL-Cov rows' parameters.
    source = "default" if kl_coef is None else "flag"
    assert (out["kl_coef"], out["kl_coef_source"]) == (d["kl_coef"], source)
    assert f"β = {d['kl_coef']!r} ({source})" in rows["kl-cov"]["parameters"], rows["kl-cov"]["parameters"]
    assert f"β₀ = {d['kl_coef']!r} ({source})" in rows["kl-cov-annealed"]["parameters"]
    expected = _expected_rows(d)
    assert set(rows) == set(expected), set(rows) ^ set(expected)
    # F32 logits: per-position quantities agree with float64 numpy to ~1e-6 relative (deltah reads
    # the logits as Double and forms the same terms); 75 terms of size ≤ ~1 are summed.
    scale = np.abs(d["p"]).sum() + np.abs(d["g"]).sum()
    for name, (w, off) in expected.items():
        c = w * d["p"] + off * d["g"]
        got = rows[name]
        assert abs(got["delta_first_order"] - c.sum()) <= 1e-6 * scale, (name, got["delta_first_order"], c.sum())
        assert got["tokens_touched"] == int(((w != 1) | (off != 0)).sum()), (name, got["tokens_touched"])
        assert abs(got["weight_removed"] - (1 - w).sum()) <= 1e-6 * d["a"].size, (name, got["weight_removed"])
        assert abs(got["raising"] - c[c > 0].sum()) <= 1e-6 * scale, name
