"""Cost of deltah.linearize's passes next to one plain forward, on random Qwen2 models (CPU).

    python python/examples/linearize_cost.py                     # needs deltah[torch] and transformers

For each model size: the best of ``--repeats`` wall-clock times of a no-grad forward over a batch
(the cost unit: the capture's before and after dumps are one forward each), J·Δθ
(``linearized_logit_change``: one forward-mode pass), ∇θH̄ (``entropy_gradient``: forward + backward
on a separate graph), the θ_before copy and ``predict_update`` (AdamW with state). Seeds are fixed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))


def best(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def measure(hidden: int, layers: int, vocab: int, batch: int, length: int, repeats: int, seed: int = 0) -> dict:
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    from deltah import linearize as lz

    torch.manual_seed(seed)
    config = Qwen2Config(vocab_size=vocab, hidden_size=hidden, intermediate_size=2 * hidden, num_hidden_layers=layers,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=4 * length)
    model = Qwen2ForCausalLM(config)
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(0, vocab, (batch, length), generator=g)
    attention = torch.ones_like(ids)
    window = (slice(None), slice(length // 2 - 1, length - 1))
    mask = torch.ones(batch, length - length // 2, dtype=torch.bool)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    for _ in range(2):  # give AdamW state
        opt.zero_grad()
        model(input_ids=ids, attention_mask=attention).logits.logsumexp(-1).mean().backward()
        opt.step()
    theta = lz.snapshot_parameters(model)
    delta = {n: 1e-4 * torch.randn(t.shape, generator=g) for n, t in theta.items()}
    lz.eager_twin(model)  # built once per model, not part of a step

    def forward():
        with torch.no_grad():
            model(input_ids=ids, attention_mask=attention, use_cache=False)

    times = {
        "forward": best(forward, repeats),
        "jvp": best(lambda: lz.linearized_logit_change(model, theta, delta, ids, attention, window), repeats),
        "entropy_gradient": best(lambda: lz.entropy_gradient(model, theta, [(ids, attention, window, mask)]), repeats),
        "snapshot": best(lambda: lz.snapshot_parameters(model), repeats),
        "predict_update": best(lambda: lz.predict_update(opt, dict(model.named_parameters())), repeats),
    }
    parameters = sum(t.numel() for t in theta.values())
    return {"hidden": hidden, "layers": layers, "vocab": vocab, "batch": batch, "length": length,
            "parameters": parameters, "seconds": times,
            "relative_to_forward": {k: v / times["forward"] for k, v in times.items()}}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (1: steadier on a shared host)")
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    sizes = [(64, 2, 42, 8, 18), (256, 4, 4096, 8, 64), (512, 8, 32000, 4, 128)]
    rows = [measure(*s, repeats=args.repeats) for s in sizes]
    print(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
