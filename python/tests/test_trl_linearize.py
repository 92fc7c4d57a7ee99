"""deltah.trl.capture(..., linearize=True) on real TRL GRPOTrainer runs (tiny random Qwen2, CPU).

The three end-to-end equalities of the linearised capture, on 3 GRPO steps with weight decay and
gradient clipping active (max_grad_norm 1 < the measured gradient norms):

1. ∇θH̄·Δθ (reverse mode, stored in the jvp file) equals the token mean of
   `delta_linearized_first_order` that `deltah compare --linearized` computes from the stored F32
   logits and F32 J·Δθ, to 1e-6 relative. The model runs in true float64 (float64_qwen2) so that the
   only rounding left is the F32 storage of z and J·Δθ (measured ≤ 6e-7 relative; the step whose
   mean ΔH nearly cancels is the worst).
2. (H̄(θ + εΔθ) − H̄(θ))/ε on the model itself converges to it: relative error ≤ 1e-4 at the best ε.
3. The Δθ predicted before optimizer.step() equals the actual Δθ to 1e-6 relative, for AdamW and SGD
   (float64: the formulas against torch's own arithmetic agree to ~1e-14).

A float32 run (the realistic case) checks the same with float32 tolerances stated at the asserts and
records the cost of linearize. Skipped without torch/trl/datasets; needs the deltah binary.
"""

import os
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("trl")
pytest.importorskip("datasets")

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "examples"))
sys.path.insert(0, os.path.join(HERE, ".."))

import trl_grpo_tiny as tiny  # noqa: E402
from deltah import cli  # noqa: E402
from deltah import linearize as lz  # noqa: E402
from deltah.trl import capture  # noqa: E402

from deltah_binary import DELTAH, requires_binary  # noqa: E402
from float64_qwen2 import true_float64  # noqa: E402
from trl_test_support import bf16_float32_head_trainer, train_keeping_linearized_steps  # noqa: E402

pytestmark = requires_binary


def linearized_run(tmp_path, optimizer, float64, steps=3, **config):
    """Train with linearize on; keep θ_before and Δθ of each step for the finite differences."""
    tok = tiny.build_tokenizer()
    model = tiny.build_model(tok, seed=0)
    if float64:
        model = model.double()
    torch.manual_seed(0)
    trainer = tiny.make_trainer(str(tmp_path / "trainer"), steps=steps, seed=0, model=model, tokenizer=tok,
                                optimizer=optimizer, weight_decay=0.01, **config)
    callback = capture(trainer, tmp_path / "dumps", dtype="f32", linearize=True)
    kept = train_keeping_linearized_steps(trainer)
    assert callback.failures == []
    assert sorted(callback.linearized) == list(range(1, steps + 1))
    return trainer, callback, kept


def compare_step(callback, step):
    before, after = callback.written[step - 1]
    return cli.compare(before, after, linearized=callback.linearized[step]["path"], binary=DELTAH)


def segment(dump_path):
    """(input_ids, attention_mask, completion window, mask) of a before dump, for mean_entropy."""
    tensors, _ = lz.read_safetensors(dump_path)
    prompt, tokens = torch.from_numpy(tensors["prompt_ids"][1]).long(), torch.from_numpy(tensors["token_ids"][1]).long()
    attention = torch.cat([torch.from_numpy(tensors["prompt_mask"][1]).long(), torch.from_numpy(tensors["mask"][1]).long()], 1)
    p, c = prompt.shape[1], tokens.shape[1]
    return torch.cat([prompt, tokens], 1), attention, (slice(None), slice(p - 1, p + c - 1)), torch.from_numpy(tensors["mask"][1]).bool()


@pytest.mark.parametrize("optimizer", ["adamw_torch", "sgd"])
def test_three_equalities_float64(tmp_path, optimizer):
    with true_float64():
        trainer, callback, kept = linearized_run(tmp_path, optimizer, float64=True)
        model = trainer.model
        for step, record in callback.linearized.items():
            # 3. the update predicted before the step is the update the step made.
            assert record["predicted_update_relative_error"] <= 1e-6, (optimizer, step, record)
            # 1. two routes, one number.
            summary = compare_step(callback, step)
            assert summary["parameter_space_first_order"] == record["parameter_space_first_order"]
            assert summary["parameter_space_first_order"] == pytest.approx(summary["mean_delta_linearized_first_order"], rel=1e-6)
            assert summary["predicted_before_step"] == pytest.approx(summary["parameter_space_first_order"], rel=1e-6)
            parts = summary["mean_delta_linearized_first_order"] + summary["mean_logit_nonlinearity"] + summary["mean_second_order_remainder"]
            assert parts == pytest.approx(summary["mean_delta_actual"], rel=1e-12, abs=1e-15)
            # 2. finite differences on the model converge to it.
            theta, delta, _ = kept[step]
            ids, attention, window, mask = segment(callback.written[step - 1][0])
            t = callback.trainer.temperature
            h0 = lz.mean_entropy(model, theta, ids, attention, window, mask, t)
            errors = []
            for eps in [10.0 ** -k for k in range(0, 8)]:
                h = lz.mean_entropy(model, {n: theta[n] + eps * delta[n] for n in theta}, ids, attention, window, mask, t)
                errors.append(abs((h - h0) / eps - record["parameter_space_first_order"]) / abs(record["parameter_space_first_order"]))
            assert min(errors) <= 1e-4, (optimizer, step, errors)
            two_routes = abs(summary["parameter_space_first_order"] / summary["mean_delta_linearized_first_order"] - 1)
            print(f"[measured] {optimizer} step {step}: predicted Δθ rel. error {record['predicted_update_relative_error']:.2e}, "
                  f"two routes {two_routes:.2e}, finite differences best {min(errors):.2e} at ε = 1e-{int(np.argmin(errors))}")


def test_float32_run_and_cost(tmp_path):
    """The realistic float32 run. Tolerances: the two routes differ by float32 rounding inside the
    network (forward- vs reverse-mode arithmetic) and the F32 storage, ~1e-7 of the per-token
    values, which the token mean can amplify where it nearly cancels: 1e-5. The predicted update is
    exact in float64; the step itself rounds θ to float32 (twice with decoupled weight decay:
    θ(1 − ηλ), then + step), so each element of the actual Δθ is off by at most ~1 ulp(θ), and the
    relative error is bounded by 2‖ulp(θ)‖/‖Δθ‖ (measured 6e-6–3e-5 against bounds ~10× larger)."""
    trainer, callback, kept = linearized_run(tmp_path, "adamw_torch", float64=False)
    for step, record in callback.linearized.items():
        summary = compare_step(callback, step)
        assert summary["parameter_space_first_order"] == pytest.approx(summary["mean_delta_linearized_first_order"], rel=1e-5)
        theta, delta, _ = kept[step]
        ulp = {n: torch.nextafter(t.abs(), torch.full_like(t, float("inf"))) - t.abs() for n, t in theta.items()}
        def norm(d):
            return float(torch.sqrt(sum((x.double() ** 2).sum() for x in d.values())))

        bound = 2 * norm(ulp) / norm(delta)
        assert record["predicted_update_relative_error"] <= bound, (step, record["predicted_update_relative_error"], bound)
        print(f"[measured] float32 step {step}: predicted Δθ rel. error {record['predicted_update_relative_error']:.2e} "
              f"(bound {bound:.2e}), two routes {abs(summary['parameter_space_first_order'] / summary['mean_delta_linearized_first_order'] - 1):.2e}, "
              f"linearize {record['linearize_seconds']:.3f} s, before+after capture {callback.timings[step] - record['linearize_seconds']:.3f} s")
        assert bound < 1e-3  # the bound itself is tight enough to mean something
        assert 0 < record["linearize_seconds"] < callback.timings[step] + record["linearize_seconds"]
        # The jvp file names the before dump's positions.
        jvp, meta = lz.read_safetensors(record["path"])
        before, before_meta = lz.read_safetensors(callback.written[step - 1][0])
        assert np.array_equal(jvp["token_ids"][1], before["token_ids"][1]) and jvp["logits"][1].shape == before["logits"][1].shape
        assert meta["step"] == before_meta["step"] == str(step) and meta["temperature"] == before_meta["temperature"]


def test_gradient_accumulation_two_micro_batches(tmp_path):
    """Two micro-batches per optimizer step: J·Δθ per micro-batch, assembled like the before dump,
    and ∇θH̄ over both (H̄ the mean over all their valid positions). Float64 as above: 1e-6."""
    with true_float64():
        _, callback, _ = linearized_run(tmp_path, "adamw_torch", float64=True, steps=2, grad_accum=2, batch=4)
        for step, record in callback.linearized.items():
            jvp, _ = lz.read_safetensors(record["path"])
            before, _ = lz.read_safetensors(callback.written[step - 1][0])
            assert jvp["logits"][1].shape == before["logits"][1].shape and before["logits"][1].shape[0] == 8
            summary = compare_step(callback, step)
            assert summary["parameter_space_first_order"] == pytest.approx(summary["mean_delta_linearized_first_order"], rel=1e-6)
            assert record["predicted_update_relative_error"] <= 1e-6


def test_unsupported_optimizer_keeps_the_jvp_dump(tmp_path):
    """With an optimizer predict_update does not model, the step is still linearised (no
    predicted_before_step) and the failure is reported, not raised."""
    tok = tiny.build_tokenizer()
    torch.manual_seed(0)
    trainer = tiny.make_trainer(str(tmp_path / "trainer"), steps=1, seed=0, tokenizer=tok, optimizer="rmsprop")
    callback = capture(trainer, tmp_path / "dumps", dtype="f32", linearize=True)
    with pytest.warns(RuntimeWarning, match="RMSprop"):
        trainer.train()
    assert len(callback.failures) == 1 and "RMSprop" in callback.failures[0]
    record = callback.linearized[1]
    assert "predicted_before_step" not in record and os.path.exists(record["path"])
    summary = compare_step(callback, 1)
    assert "predicted_before_step" not in summary
    assert summary["parameter_space_first_order"] == pytest.approx(summary["mean_delta_linearized_first_order"], rel=1e-5)


def test_linearize_needs_full_logits(tmp_path):
    """A top-k before dump has no logit rows to pair J·Δθ with: refused up front, by name."""
    class Trainer:
        state = None

        def add_callback(self, callback):
            raise AssertionError("must not install")

        def compute_loss(self, *args):
            pass

    with pytest.raises(ValueError, match="logits='full'"):
        capture(Trainer(), tmp_path / "dumps", logits="topk", top_k=5, linearize=True)


def test_jvp_runs_a_float32_lm_head_like_the_capture(tmp_path):
    """bf16 mixed precision (CPU autocast is bf16) with GRPOConfig(cast_lm_head_to_fp32=True): the
    before/after forwards project onto the vocabulary in float32 outside autocast, so J·Δθ must too.
    Before: the jvp pass ran the LM head under autocast, so J·Δθ = W·J_hΔθ + ΔW·h was rounded to
    bf16: relative error 4.6e-3 (~2^-8) against the same pass with the head in float64.

    Reference: the same forward-mode pass (same autocast body, same grad mode, so the same hidden
    states h and tangents J_hΔθ) with the twin's head replaced by a float64 projection, rounded to
    F32 like the file. Tolerance 1e-5 relative (‖·‖ over the valid positions): a float32 product over
    the hidden size K = 64 is off by at most ~K·2^-24 ≈ 4e-6 (measured ~1e-7); bf16 is ~400× above.
    The head under autocast is also checked to be ≥ 1e-3 off, so the run does exercise bf16."""
    from deltah.trl import _autocast, _captured_micro_batches

    trainer = bf16_float32_head_trainer(tmp_path, tiny, max_steps=1)
    callback = capture(trainer, tmp_path / "dumps", dtype="f32", linearize=True)
    kept = train_keeping_linearized_steps(trainer)
    assert callback.failures == [] and sorted(kept) == [1]
    model = trainer.model
    head = lz.eager_twin(model).get_output_embeddings()
    assert "forward" not in head.__dict__  # the twin's head is restored after the pass

    def jvp_with_head(projection):
        theta, delta, batch = kept[1]
        parts = []
        if projection is not None:
            head.forward = projection
        try:
            for ids, attention, completion, _ in _captured_micro_batches(batch):
                c, length = completion.shape[1], ids.shape[1]
                with _autocast(trainer):
                    jvp = lz.linearized_logit_change(model, theta, delta, ids, attention,
                                                     (slice(None), slice(length - c - 1, length - 1)))
                parts.append(torch.nn.functional.pad(jvp.cpu(), (0, 0, 0, batch["widths"][1] - c)))
        finally:
            head.__dict__.pop("forward", None)
        return torch.cat(parts, 0)[: batch["rows"]].float().double()

    def float64_head(hidden):
        with torch.autocast(hidden.device.type, enabled=False):
            return torch.nn.functional.linear(hidden.double(), head.weight.double())

    reference = jvp_with_head(float64_head)
    autocast_head = jvp_with_head(None)
    tensors, _ = lz.read_safetensors(callback.linearized[1]["path"])
    stored = torch.from_numpy(tensors["logits"][1]).double()
    valid = torch.from_numpy(tensors["mask"][1]).bool()

    def relative(x):
        return float((x - reference)[valid].norm() / reference[valid].norm())

    print(f"[measured] J·Δθ with cast_lm_head_to_fp32 under bf16 autocast: stored vs float64 head {relative(stored):.2e}, "
          f"head under autocast {relative(autocast_head):.2e}")
    assert relative(autocast_head) >= 1e-3
    assert relative(stored) <= 1e-5
