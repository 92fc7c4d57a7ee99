#!/usr/bin/env python3
"""numpy per-row reference for the benchmark: the same per-position quantities `deltah analyze`
computes from full logits (LSE, entropy, sampled log-prob, Σπ², E_π[S], S_k), row by row from a
memory map (temporaries stay in cache: the fastest numpy formulation measured here), float32
vectors with BLAS-dot reductions (DeltaH accumulates in float32 within 1024-element blocks and in
Double across them). With --compare it computes what `deltah compare` does for two dumps.

Prints one line: `numpy <mode> <seconds> <Gelem/s> <check>`, where check is the token-mean
entropy (analyze) or the mean first-order ΔH (compare), for the benchmark to cross-check DeltaH."""
import json
import sys
import time

import numpy as np


def open_bf16(path):
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
    info = header["logits"]
    assert info["dtype"] == "BF16"
    begin, _ = info["data_offsets"]
    rows, vocab = info["shape"]
    u16 = np.memmap(path, dtype=np.uint16, mode="r", offset=8 + n + begin, shape=(rows, vocab))
    tok = header["token_ids"]
    tb, _ = tok["data_offsets"]
    tokens = np.memmap(path, dtype=np.int64, mode="r", offset=8 + n + tb, shape=(rows,))
    return u16, tokens


def to_f32(u16_row):
    return (u16_row.astype(np.uint32) << 16).view(np.float32)


def analyze(path):
    """Per row, in float32 vectors with BLAS dot products for the sums (no float64 temporaries,
    which triple numpy's time): S0 = Σe, S1 = Σe·d, S2 = Σe², S3 = Σe²·d with e = exp(d), d = z − max z;
    then LSE, H, Σπ², E_π[S], log π_k and S_k in Python floats (the same algebra as DeltaH)."""
    u16, tokens = open_bf16(path)
    rows, vocab = u16.shape
    out = np.empty((rows, 6))
    t0 = time.perf_counter()
    for r in range(rows):
        z = to_f32(u16[r])
        m = z.max()
        d = z - m
        e = np.exp(d)
        e2 = e * e
        s0, s1 = float(e.sum()), float(np.dot(e, d))
        s2, s3 = float(e2.sum()), float(np.dot(e2, d))
        logz = np.log(s0)
        h = logz - s1 / s0
        sum_p2 = s2 / (s0 * s0)
        es = (s3 - s2 * logz) / (s0 * s0) + h * sum_p2
        lk = float(d[tokens[r]]) - logz
        out[r] = (m + logz, h, lk, sum_p2, es, np.exp(lk) * (lk + h))
    dt = time.perf_counter() - t0
    return dt, rows * vocab, out[:, 1].mean()


def compare(before, after):
    """Per row pair, float32 vectors and BLAS dots: H_a, H_b, −Cov_π(log π, Δ) and the
    second-order term, as `deltah compare` computes them."""
    a, _ = open_bf16(before)
    b, _ = open_bf16(after)
    rows, vocab = a.shape
    out = np.empty((rows, 4))
    t0 = time.perf_counter()
    for r in range(rows):
        za, zb = to_f32(a[r]), to_f32(b[r])
        da = za - za.max()
        ea = np.exp(da)
        sa = float(ea.sum())
        logza = np.log(sa)
        ha = logza - float(np.dot(ea, da)) / sa
        db = zb - zb.max()
        eb = np.exp(db)
        sb = float(eb.sum())
        hb = np.log(sb) - float(np.dot(eb, db)) / sb
        delta = zb - za
        ed = ea * delta
        pv = float(ed.sum()) / sa                      # π·Δ
        plv = (float(np.dot(ed, da)) / sa) - logza * pv  # Σ π ℓ Δ
        first = -(plv + ha * pv)
        pvv = float(np.dot(ed, delta)) / sa            # Σ π Δ²
        plvv = float(np.dot(ed * delta, da)) / sa - logza * pvv
        wv = pv + plv + ha * pv                         # wᵀΔ, w = π(1 + ℓ + H)
        wvv = pvv + plvv + ha * pvv
        second = first + 0.5 * (-wvv + 2 * wv * pv - pv * pv)
        out[r] = (ha, hb, first, second)
    dt = time.perf_counter() - t0
    return dt, rows * vocab, out[:, 2].mean()


if __name__ == "__main__":
    if sys.argv[1] == "--compare":
        dt, n, check = compare(sys.argv[2], sys.argv[3])
        mode = "compare"
    else:
        dt, n, check = analyze(sys.argv[1])
        mode = "analyze"
    print(f"numpy {mode} {dt:.3f} {n / dt / 1e9:.3f} {check:.9g}")
