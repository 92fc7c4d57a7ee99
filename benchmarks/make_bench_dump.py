#!/usr/bin/env python3
"""Write a benchmark dump: BF16 logits [rows, vocab] (default 2048 × 151,936, Qwen's vocabulary),
with token ids and advantages, plus (with --pair) a second checkpoint for `deltah compare`."""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "python"))
from deltah.export import save_dump  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("--rows", type=int, default=2048)
ap.add_argument("--vocab", type=int, default=151_936)
ap.add_argument("--pair", help="also write a perturbed second checkpoint here")
args = ap.parse_args()
rng = np.random.default_rng(0)
logits = np.empty((args.rows, args.vocab), np.float32)
for r in range(args.rows):  # row by row keeps memory near the output size
    row = rng.standard_normal(args.vocab, dtype=np.float32) * (1.0 + 3.0 * (r % 4))
    row[r % 97] += 12.0
    logits[r] = row
tokens = rng.integers(0, args.vocab, size=args.rows)
adv = rng.standard_normal(args.rows)
save_dump(args.out, logits=logits, token_ids=tokens, advantages=adv, logits_dtype="bf16")
if args.pair:
    logits += rng.standard_normal(logits.shape, dtype=np.float32) * 0.05
    save_dump(args.pair, logits=logits, token_ids=tokens, advantages=adv, logits_dtype="bf16")
