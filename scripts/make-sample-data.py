#!/usr/bin/env python3
"""Generate DeltaH's bundled sample dumps (data/sample/step_000{1,2,3}.safetensors).

A toy stand-in for an RL fine-tuning run, small enough to commit and exact enough to check the
theory on: every (sequence, position) is a tabular softmax policy over V tokens (the logits are the
parameters). Positions are mostly confident (peaked logits) with a minority of "forking" positions
(flat logits), as in Wang et al.'s 80/20 observation. Each step:

  * samples one token per position from softmax(z / T);
  * scores each sequence (reward 1 when its mean sampled log-probability beats the group median,
    an arbitrary but deterministic rule), GRPO-normalises rewards within groups of G sequences and
    broadcasts the advantage to the sequence's tokens;
  * writes the dump (BF16 logits, token ids, advantages, mask with right padding, old log-probs
    (the sampling policy's, with a little off-policy noise), the logged entropy in float32,
    group ids, temperature/step/lr metadata);
  * applies the exact tabular update of the sampled token, z <- z + lr * A * (e_y - pi), at every
    valid position, which gives the next step's logits.

So `deltah compare step_0001 step_0002` sees a real logit step whose first-order entropy change is
the polarity of the sampled token. Run from the repository root:  python3 scripts/make-sample-data.py
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "python"))
from deltah.export import bf16_bits_to_float32, float32_to_bf16_bits, save_dump  # noqa: E402

SEED = 20251123
B, T, V, G = 8, 24, 2048, 4          # sequences, positions per sequence, vocabulary, group size
TEMPERATURE = 1.0
LR = 0.5
STEPS = 3
OUT = os.path.join(os.path.dirname(__file__), "..", "data", "sample")


def softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def main():
    rng = np.random.default_rng(SEED)
    forking = rng.random((B, T)) < 0.2
    scale = np.where(forking, 0.6, 6.0)[..., None]
    z = rng.standard_normal((B, T, V)) * scale
    z[..., 0] += np.where(forking, 0.0, 4.0)  # a dominant token at confident positions
    z = bf16_bits_to_float32(float32_to_bf16_bits(z)).astype(np.float64)  # start on the bf16 grid
    lengths = rng.integers(T - 6, T + 1, size=B)
    mask = (np.arange(T)[None, :] < lengths[:, None]).astype(np.uint8)
    groups = np.repeat(np.arange(B // G), G)
    os.makedirs(OUT, exist_ok=True)
    for step in range(1, STEPS + 1):
        logits_bf16 = bf16_bits_to_float32(float32_to_bf16_bits(z)).astype(np.float64)
        pi = softmax(logits_bf16 / TEMPERATURE)
        logpi = np.log(np.maximum(pi, 1e-300))
        tokens = np.array([[rng.choice(V, p=pi[b, t]) for t in range(T)] for b in range(B)])
        sampled_logp = np.take_along_axis(logpi, tokens[..., None], axis=-1)[..., 0]
        seq_score = (sampled_logp * mask).sum(1) / mask.sum(1)
        rewards = np.zeros(B)
        for g in range(B // G):
            idx = groups == g
            rewards[idx] = (seq_score[idx] > np.median(seq_score[idx])).astype(float)
        adv_seq = np.zeros(B)
        for g in range(B // G):
            idx = groups == g
            adv_seq[idx] = (rewards[idx] - rewards[idx].mean()) / (rewards[idx].std() + 1e-6)
        advantages = np.repeat(adv_seq[:, None], T, axis=1) * mask
        entropy = -(pi * logpi).sum(-1)
        old_logprobs = sampled_logp + rng.normal(0, 0.01, size=(B, T))
        save_dump(
            os.path.join(OUT, f"step_{step:04d}.safetensors"),
            logits=logits_bf16.astype(np.float32), logits_dtype="bf16",
            token_ids=tokens.astype(np.int64), advantages=advantages.astype(np.float32),
            mask=mask, old_logprobs=old_logprobs.astype(np.float32), entropy=entropy.astype(np.float32),
            group_ids=np.repeat(groups[:, None], T, axis=1).astype(np.int64),
            temperature=TEMPERATURE, step=step, lr=LR)
        # Exact tabular update of each sampled token, on the raw logits.
        onehot = np.zeros_like(pi)
        np.put_along_axis(onehot, tokens[..., None], 1.0, axis=-1)
        z = logits_bf16 + LR * (advantages * mask)[..., None] * (onehot - pi)
    print(f"wrote {STEPS} dumps of [{B}, {T}, {V}] BF16 logits to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
