"""End-to-end example: 3 GRPO steps of TRL on a tiny random Qwen2 (CPU, no download), with DeltaH's
before/after logit capture, then ``deltah compare`` per step, ``deltah analyze`` on the series and
``deltah report --html``.

    python python/examples/trl_grpo_tiny.py --out out/trl-tiny            # needs deltah[trl]

The model is built from a ``Qwen2Config`` with random weights (seeded), the tokenizer is a
character-level ``tokenizers`` WordLevel model built here, the prompts and the reward function are
defined here. Everything random takes ``--seed``: the same seed gives the same dumps.

The functions (``build_tokenizer``, ``build_model``, ``build_dataset``, ``reward_letters``,
``make_trainer``) are reused by the tests in ``python/tests/test_trl_*.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from typing import Optional

import numpy as np

ALPHABET = list("abcdefghijklmnopqrstuvwxyz0123456789+= ")
SPECIAL = ["<pad>", "<s>", "</s>"]


def build_tokenizer():
    """A character-level tokenizer (WordLevel over ``ALPHABET`` plus pad/bos/eos), left padding."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {tok: i for i, tok in enumerate(SPECIAL + ALPHABET)}
    core = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<pad>"))
    core.pre_tokenizer = pre_tokenizers.Split("", "isolated")
    core.decoder = decoders.Fuse()
    tok = PreTrainedTokenizerFast(tokenizer_object=core, pad_token="<pad>", bos_token="<s>", eos_token="</s>")
    tok.padding_side = "left"
    return tok


def build_model(tokenizer, seed: int = 0, hidden: int = 64, layers: int = 2, init_range: float = 0.1):
    """A Qwen2ForCausalLM with random weights from ``seed`` (float32, eager-free defaults)."""
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    config = Qwen2Config(
        vocab_size=len(tokenizer), hidden_size=hidden, intermediate_size=2 * hidden, num_hidden_layers=layers,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128, tie_word_embeddings=False,
        initializer_range=init_range, pad_token_id=tokenizer.pad_token_id, bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id, use_cache=True,
    )
    torch.manual_seed(seed)
    model = Qwen2ForCausalLM(config)
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    return model


def build_dataset(n: int = 24, seed: int = 0):
    """``n`` prompts ``"a+b="`` as a ``datasets.Dataset`` with a ``prompt`` column."""
    from datasets import Dataset

    rng = random.Random(seed)
    prompts = [f"{rng.randint(0, 9)}+{rng.randint(0, 9)}=" for _ in range(n)]
    return Dataset.from_dict({"prompt": prompts})


def reward_letters(completions, **kwargs):
    """Reward: the share of characters of the completion in ``"aeiou"`` (varies within a group)."""
    return [sum(ch in "aeiou" for ch in c) / max(1, len(c)) for c in completions]


def make_trainer(output_dir: str, *, steps: int = 3, seed: int = 0, lr: float = 5e-4, temperature: float = 0.9,
                 batch: int = 8, generations: int = 4, grad_accum: int = 1, completion_length: int = 12,
                 optimizer: str = "adamw_torch", model=None, tokenizer=None, **config):
    """A ``GRPOTrainer`` on the tiny model, CPU only, no logging or checkpoints."""
    from trl import GRPOConfig, GRPOTrainer

    tokenizer = tokenizer or build_tokenizer()
    model = model or build_model(tokenizer, seed=seed)
    args = GRPOConfig(
        output_dir=output_dir, per_device_train_batch_size=batch, num_generations=generations,
        gradient_accumulation_steps=grad_accum, max_completion_length=completion_length, max_steps=steps,
        learning_rate=lr, temperature=temperature, use_cpu=True, bf16=False, report_to=[], save_strategy="no",
        logging_steps=1, seed=seed, data_seed=seed, optim=optimizer, dataloader_num_workers=0,
        disable_tqdm=True, **config,
    )
    return GRPOTrainer(model=model, reward_funcs=reward_letters, args=args,
                       train_dataset=build_dataset(seed=seed), processing_class=tokenizer)


def run(out: str, steps: int = 3, seed: int = 0, dtype: str = "bf16", deltah_bin: Optional[str] = None,
        every: int = 1, max_sequences: Optional[int] = None, linearize: bool = False) -> dict:
    """Train with capture into ``out/dumps``, then compare/analyze/report; returns the figures.

    ``linearize=True`` also writes ``step_*.jvp.safetensors`` (J·Δθ, ∇θH̄·Δθ, the ΔH predicted
    before the step) and runs ``deltah compare --linearized`` on each step."""
    import torch

    from deltah import cli
    from deltah.trl import capture

    torch.manual_seed(seed)
    dumps = os.path.join(out, "dumps")
    trainer = make_trainer(os.path.join(out, "trainer"), steps=steps, seed=seed)
    callback = capture(trainer, dumps, every=every, max_sequences=max_sequences, dtype=dtype, linearize=linearize)
    start = time.perf_counter()
    trainer.train()
    seconds = time.perf_counter() - start
    if callback.failures:
        raise RuntimeError("capture failed: " + "; ".join(callback.failures))
    per_step = []
    for before, after in callback.written:
        step = int(os.path.basename(before)[5:11])
        jvp = callback.linearized.get(step, {}).get("path") if linearize else None
        result = cli.compare(before, after, per_token=before.replace(".before.safetensors", ".compare.safetensors"),
                             binary=deltah_bin, linearized=jvp)
        per_step.append({"step": step, **{k: result.get(k) for k in (
            "tokens", "pearson_first_order", "pearson_second_order", "sign_agreement", "mean_delta_actual",
            "mean_delta_first_order", "mean_delta_second_order", "pearson_linearized_first_order",
            "mean_delta_linearized_first_order", "mean_logit_nonlinearity", "mean_second_order_remainder",
            "parameter_space_first_order", "predicted_before_step") if k in result}})
    befores = [b for b, _ in callback.written]
    series = cli.analyze(befores, binary=deltah_bin)
    report = os.path.join(out, "report.html")
    cli.report(befores, compare=callback.written[0], html=report, out=os.path.join(out, "report"), binary=deltah_bin)
    return {"steps": per_step, "train_seconds": seconds, "capture_seconds": callback.timings,
            "linearized": callback.linearized,
            "series": series, "report": report, "written": callback.written}


def overhead(out: str, steps: int = 9, every: int = 2, seed: int = 0, dtype: str = "bf16", **model_args) -> dict:
    """Wall time per optimizer step with capture (steps every, 2*every, …) and without (the others).

    A callback registered after the capture's records the time between consecutive step ends, so a
    captured step includes both capture forwards and both writes. Step 1 (warm-up) is left out.
    """
    from transformers import TrainerCallback

    from deltah.trl import capture

    tok = build_tokenizer()
    trainer = make_trainer(os.path.join(out, "trainer"), steps=steps, seed=seed, tokenizer=tok,
                           model=build_model(tok, seed=seed, **model_args))
    callback = capture(trainer, os.path.join(out, "dumps"), every=every, dtype=dtype)
    ends: dict = {}

    class Clock(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            ends[state.global_step] = time.perf_counter()

    trainer.add_callback(Clock())
    trainer.train()
    durations = {s: ends[s] - ends[s - 1] for s in ends if s - 1 in ends}
    captured = [d for s, d in durations.items() if s % every == 0]
    plain = [d for s, d in durations.items() if s % every]
    return {"captured_step_seconds": float(np.median(captured)), "plain_step_seconds": float(np.median(plain)),
            "capture_seconds": float(np.median(list(callback.timings.values()))),
            "captured_steps": len(captured), "plain_steps": len(plain)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="out/trl-tiny", help="output folder (dumps/, report.html)")
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dtype", default="bf16", choices=["bf16", "f32", "f16"])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--linearize", action="store_true", help="also capture J·Δθ (step_*.jvp.safetensors)")
    parser.add_argument("--overhead", action="store_true",
                        help="measure the wall time of captured vs uncaptured steps instead (9 steps, every=2)")
    parser.add_argument("--hidden", type=int, default=64, help="hidden size (with --overhead)")
    parser.add_argument("--layers", type=int, default=2, help="layers (with --overhead)")
    args = parser.parse_args(argv)
    if args.overhead:
        r = overhead(args.out, seed=args.seed, dtype=args.dtype, hidden=args.hidden, layers=args.layers)
        print(f"median wall time per step: captured {r['captured_step_seconds']:.3f} s, uncaptured "
              f"{r['plain_step_seconds']:.3f} s; capture itself {r['capture_seconds']:.3f} s per captured step "
              f"({r['captured_steps']} captured, {r['plain_steps']} uncaptured steps after warm-up)")
        return 0
    result = run(args.out, steps=args.steps, seed=args.seed, dtype=args.dtype, linearize=args.linearize)
    if args.json:
        print(json.dumps({k: v for k, v in result.items() if k != "series"}, indent=1, default=str))
        return 0
    print(f"trained {args.steps} GRPO steps in {result['train_seconds']:.2f} s (capture: "
          + ", ".join(f"step {s}: {t:.3f} s" for s, t in result["capture_seconds"].items()) + ")")
    print(f"{'step':>4} {'tokens':>6} {'pearson 1st':>12} {'pearson 2nd':>12} {'sign agr.':>9} {'mean ΔH':>12} {'1st order':>12}")
    for row in result["steps"]:
        print(f"{row['step']:>4} {row['tokens']:>6} {row['pearson_first_order']:>12.6f} {row['pearson_second_order']:>12.6f} "
              f"{row['sign_agreement']:>9.4f} {row['mean_delta_actual']:>12.4e} {row['mean_delta_first_order']:>12.4e}")
    if args.linearize:
        print(f"{'step':>4} {'r linearized':>12} {'ΔH actual':>12} {'= linearized':>12} {'+ nonlinear':>12} {'+ 2nd-order':>12} {'∇θH̄·Δθ':>12} {'predicted':>12}")
        for row in result["steps"]:
            print(f"{row['step']:>4} {row['pearson_linearized_first_order']:>12.6f} {row['mean_delta_actual']:>12.4e} "
                  f"{row['mean_delta_linearized_first_order']:>12.4e} {row['mean_logit_nonlinearity']:>12.4e} "
                  f"{row['mean_second_order_remainder']:>12.4e} {row['parameter_space_first_order']:>12.4e} "
                  f"{row.get('predicted_before_step', float('nan')):>12.4e}")
    print(f"report: {result['report']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
