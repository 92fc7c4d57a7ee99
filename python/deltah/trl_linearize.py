"""``deltah.trl.capture(..., linearize=True)``: the network's own first order at each captured step.

For a captured optimizer step ``s`` the capture (``deltah.trl``) already writes the before and after
dumps. With ``linearize=True`` it also

1. before ``optimizer.step()`` (in ``on_pre_optimizer_step``, after gradient clipping): keeps a copy
   of θ_before and predicts the update Δθ_pred from the gradients and the optimizer state
   (``deltah.linearize.predict_update``; SGD, Adam, AdamW), changing neither;
2. after the step (in ``on_step_end``): takes the exact update Δθ = θ_after − θ_before, computes
   J·Δθ for the captured completions at θ_before with one forward-mode pass per micro-batch (under
   the trainer's autocast, with ``cast_lm_head_to_fp32`` the LM head in float32 outside it, exactly
   as the before/after forwards), and
   ∇θH̄ at θ_before with one reverse-mode pass per micro-batch on a separate graph (H̄ the mean
   entropy of softmax(z/T) over the captured valid positions);
3. writes ``step_{s:06d}.jvp.safetensors``: ``logits`` = J·Δθ (F32, raw, padded like the before
   dump), the before dump's position tensors and metadata, and the metadata
   ``parameter_space_first_order`` = ∇θH̄·Δθ, ``predicted_before_step`` = ∇θH̄·Δθ_pred,
   ``predicted_update_relative_error`` = ‖Δθ_pred − Δθ‖/‖Δθ‖ (Δθ_pred in float64) and
   ``predicted_update_relative_error_rounded`` (the same with θ_before + Δθ_pred rounded to the
   parameters' dtype first, which is how the step itself lands), ``linearize_seconds``.

``deltah compare BEFORE AFTER --linearized JVP`` then reports Lemma 1 on J·Δθ next to Lemma 1 on
the actual logit change and the three-part decomposition of the actual ΔH.

The callback records, per captured step, ``callback.linearized[s]`` (a dict of the scalars above and
the jvp path). Costs: one θ copy and one Δθ_pred (float64) held between the two hooks, one
forward-mode and one forward+backward pass over the captured sequences, only on captured steps.
"""

from __future__ import annotations

import time
from typing import Any

import torch

from . import linearize as lz
from .trl import _autocast, _captured_micro_batches, _float32_lm_head

__all__ = ["predict_before_step", "linearize_step"]


def _named_parameters(model: Any) -> dict[str, Any]:
    return dict(lz._unwrap_model(model).named_parameters())


def predict_before_step(pending: dict[str, Any], model: Any, optimizer: Any) -> None:
    """Store θ_before and the predicted Δθ in ``pending`` (called before ``optimizer.step()``)."""
    start = time.perf_counter()
    params = _named_parameters(model)
    pending["theta_before"] = {n: p.detach().clone() for n, p in params.items() if p.requires_grad}
    try:
        pending["predicted_delta"] = lz.predict_update(optimizer, params)
    finally:
        pending["linearize_seconds"] = time.perf_counter() - start


def linearize_step(callback: Any, pending: dict[str, Any], model: Any) -> dict[str, Any]:
    """J·Δθ, ∇θH̄·Δθ and ∇θH̄·Δθ_pred for a captured step; writes the jvp dump (after the step)."""
    start = time.perf_counter()
    theta_before = pending.pop("theta_before")
    predicted = pending.pop("predicted_delta", None)
    delta = lz.parameter_delta(theta_before, model)
    batch = pending["batch"]
    temperature = float(pending["temperature"])
    width_c = batch["widths"][1]
    jvps = []
    segments = []
    twin = lz.eager_twin(model)  # the module the jvp pass runs (its LM head, not the model's, is the one called)
    for ids, attention, completion, mask in _captured_micro_batches(batch):
        c = completion.shape[1]
        length = ids.shape[1]
        window = (slice(None), slice(length - c - 1, length - 1))  # the logits predicting completion tokens
        # As the before/after forwards: the accelerator's autocast, and with cast_lm_head_to_fp32 the
        # LM head in float32 outside it (else J·Δθ's head would run in bf16: ~2^-8 relative error).
        with _autocast(callback.trainer), _float32_lm_head(callback.trainer, twin):
            jvp = lz.linearized_logit_change(model, theta_before, delta, ids, attention, window)
        jvps.append(torch.nn.functional.pad(jvp.float().cpu(), (0, 0, 0, width_c - c), value=0.0))
        segments.append((ids, attention, window, mask.bool()))
    jvp = torch.cat(jvps, 0)[: batch["rows"]]
    gradient = lz.entropy_gradient(model, theta_before, segments, temperature, names=list(delta))
    record: dict[str, Any] = {"parameter_space_first_order": lz.dot(gradient, delta)}
    if predicted is not None:
        record["predicted_before_step"] = lz.dot(gradient, predicted)
        record["predicted_update_relative_error"] = lz.relative_difference(predicted, delta)
        landed = {n: (theta_before[n] + predicted[n].to(theta_before[n].dtype)) - theta_before[n] for n in predicted if n in theta_before}
        record["predicted_update_relative_error_rounded"] = lz.relative_difference(landed, delta)
    step = pending["step"]
    path = callback._path(step, "jvp")  # lz.jvp_path(output_dir, step) with a single process
    record["linearize_seconds"] = pending.get("linearize_seconds", 0.0) + time.perf_counter() - start
    lz.write_jvp_dump(
        path, jvp, callback._path(step, "before"),
        parameter_space_first_order=record["parameter_space_first_order"],
        predicted_before_step=record.get("predicted_before_step"),
        metadata={
            "phase": "jvp", "source": "deltah.trl.capture(linearize=True)",
            **{k: repr(float(v)) for k, v in record.items() if k not in ("parameter_space_first_order", "predicted_before_step")},
        },
    )
    record["path"] = path
    return record
