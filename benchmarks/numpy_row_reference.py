#!/usr/bin/env python3
# DeltaH — entropy change of softmax policies.
"""numpy reference for the LogitKernels benchmark.

Reads the matrices written by `logit-kernel-benchmark --output DIR`, computes the same per-row
quantities with numpy (one row at a time, float64 reductions: the fastest numpy formulation
measured on this machine), prints Gelem/s, and reports the largest
absolute difference between the Swift results (same directory) and this float64 reference.

Usage: numpy_row_reference.py DIR [REPEATS]
Lines starting with RESULT are parsed by benchmarks/kernels.sh.
"""
import os
import sys
import time

# One thread, like the per-thread figures of the Swift benchmark (np.dot would otherwise use
# OpenBLAS threads, which only contend with each other on 2 cores).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402


def bf16_to_f32(u16):
    return (u16.astype(np.uint32) << 16).view(np.float32)


def row_statistics(z, token, temperature=1.0):
    """(LSE, H, Σπ², E_π[S], log π_k, S_k, top-2 gap) of one row, float64."""
    x = z.astype(np.float64) / temperature
    m = x.max()
    e = np.exp(x - m)
    s = e.sum()
    lse = m + np.log(s)
    logp = x - lse
    p = e / s
    h = -np.dot(p, logp)
    pp = p * p
    sumsq = pp.sum()
    es = np.dot(pp, logp + h)
    lk = logp[token]
    top2 = np.partition(x, -2)[-2:] if x.size > 1 else None
    gap = (top2[1] - top2[0]) if top2 is not None else np.inf
    return lse, h, sumsq, es, lk, np.exp(lk) * (lk + h), gap


def change_statistics(a, b, temperature=1.0):
    """(H_a, H_b, first order, second order, local KL, exact KL) of one row pair, float64."""
    xa = a.astype(np.float64) / temperature
    xb = b.astype(np.float64) / temperature
    la = xa - (xa.max() + np.log(np.exp(xa - xa.max()).sum()))
    lb = xb - (xb.max() + np.log(np.exp(xb - xb.max()).sum()))
    p = np.exp(la)
    q = np.exp(lb)
    ha = -np.dot(p, la)
    hb = -np.dot(q, lb)
    delta = xb - xa
    u = la + ha
    mu = np.dot(p, delta)
    first = -np.dot(p * u, delta)
    w = p * (1 + u)
    wd = np.dot(w, delta)
    quad = 0.5 * (-np.dot(w, delta * delta) + 2 * wd * mu - mu * mu)
    local_kl = 0.5 * (np.dot(p, delta * delta) - mu * mu)
    kl = np.dot(p, la - lb)
    return ha, hb, first, first + quad, local_kl, kl


def timed(fn, repeats):
    best = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best.append(time.perf_counter() - t0)
    return sorted(best)[len(best) // 2], out


def main():
    directory = sys.argv[1] if len(sys.argv) > 1 else "/tmp/deltah-kernel-bench"
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    before = np.load(f"{directory}/before_f32.npy")
    after = np.load(f"{directory}/after_f32.npy")
    before_bf16 = np.load(f"{directory}/before_bf16.npy")
    after_bf16 = np.load(f"{directory}/after_bf16.npy")
    tokens = np.load(f"{directory}/tokens.npy")
    rows, v = before.shape
    elements = rows * v
    print(f"numpy {np.__version__} reference: {rows} x {v}, median of {repeats}, 1 thread")

    def rows_f32():
        return np.array([row_statistics(before[r], tokens[r]) for r in range(rows)])

    def rows_bf16():
        return np.array([row_statistics(bf16_to_f32(before_bf16[r]), tokens[r]) for r in range(rows)])

    def changes(a, b, decode):
        return np.array([change_statistics(decode(a[r]), decode(b[r])) for r in range(rows)])

    results = {}
    for key, label, fn in [
        ("numpy_row_f32", "row statistics    f32 ", rows_f32),
        ("numpy_row_bf16", "row statistics    bf16", rows_bf16),
        ("numpy_change_f32", "change statistics f32 ", lambda: changes(before, after, lambda r: r)),
        ("numpy_change_bf16", "change statistics bf16", lambda: changes(before_bf16, after_bf16, bf16_to_f32)),
    ]:
        seconds, out = timed(fn, repeats)
        results[key] = out
        rate = elements / seconds / 1e9
        print(f"{label}  {seconds * 1e3:9.1f} ms  {rate:.3f} Gelem/s")
        print(f"RESULT {key} {rate}")

    # Accuracy of the Swift kernels (preferred path) against this float64 reference.
    names = ["logSumExp", "entropy", "sumSquaredProbabilities", "expectedDiscriminator",
             "sampledLogProbability", "sampledDiscriminator", "topTwoGap"]
    change_names = ["entropyBefore", "entropyAfter", "firstOrder", "secondOrder", "localKL", "exactKL"]
    for kind in ["f32", "bf16"]:
        swift_rows = np.load(f"{directory}/swift_row_{kind}.npy")
        diff = np.abs(swift_rows - results[f"numpy_row_{kind}"]).max(axis=0)
        print(f"max |swift - numpy| rows {kind}: " + ", ".join(f"{n} {d:.1e}" for n, d in zip(names, diff)))
        swift_changes = np.load(f"{directory}/swift_change_{kind}.npy")
        diff = np.abs(swift_changes - results[f"numpy_change_{kind}"]).max(axis=0)
        print(f"max |swift - numpy| change {kind}: " + ", ".join(f"{n} {d:.1e}" for n, d in zip(change_names, diff)))
    h = results["numpy_row_f32"][:, 1]
    print(f"entropy range of the rows: {h.min():.3f} .. {h.max():.3f} nats")


if __name__ == "__main__":
    main()
