"""Helpers of the TRL capture tests: TRL's own per-token log-probabilities as GRPOTrainer computes
its loss, dump writes made to fail, a bf16 trainer with a float32 LM head, and each linearised
step's θ and Δθ kept for reference passes."""

import errno


def record_trl_logps(trainer):
    """Wrap ``trainer._get_per_token_logps_and_entropies`` and return the list it fills: one float64
    array of TRL's per-token log π for each pass of the loss itself (model in training mode with
    gradients on, θ before the step), in order."""
    import torch

    recorded = []
    original = trainer._get_per_token_logps_and_entropies

    def recording(model, *args, **kwargs):
        out = original(model, *args, **kwargs)
        if model.training and torch.is_grad_enabled():  # the loss's own pass, at θ before the step
            recorded.append(out[0].detach().double().numpy())
        return out

    trainer._get_per_token_logps_and_entropies = recording
    return recorded


def fail_dump_writes(monkeypatch, failing):
    """Make ``deltah.export``'s safetensors writer raise ENOSPC (a full disk) for the dumps whose
    metadata ``failing(metadata)`` picks (e.g. ``metadata["phase"] == "after"``); others are written."""
    from deltah import export

    real = export._write_safetensors

    def write(path, fields, metadata):
        if failing(metadata):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(path, fields, metadata)

    monkeypatch.setattr(export, "_write_safetensors", write)


def bf16_float32_head_trainer(tmp_path, tiny, max_steps):
    """The tiny Qwen2 GRPOTrainer (``tiny`` is the example module ``trl_grpo_tiny``) in bf16 mixed
    precision with ``GRPOConfig(cast_lm_head_to_fp32=True)``: CPU autocast is bf16, and TRL projects
    the hidden states onto the vocabulary in float32. Seeded (torch, model, data) for repeatable runs."""
    import torch
    from trl import GRPOConfig, GRPOTrainer

    torch.manual_seed(0)
    tok = tiny.build_tokenizer()
    args = GRPOConfig(
        output_dir=str(tmp_path / "trainer"), per_device_train_batch_size=8, num_generations=4,
        max_completion_length=12, max_steps=max_steps, learning_rate=5e-4, temperature=0.9, use_cpu=True, bf16=True,
        cast_lm_head_to_fp32=True, report_to=[], save_strategy="no", logging_steps=1, seed=0, data_seed=0,
        dataloader_num_workers=0, disable_tqdm=True)
    return GRPOTrainer(model=tiny.build_model(tok, seed=0), reward_funcs=tiny.reward_letters, args=args,
                       train_dataset=tiny.build_dataset(seed=0), processing_class=tok)


def train_keeping_linearized_steps(trainer):
    """Train a trainer captured with ``linearize=True`` and return, for each linearised step, the
    parameters θ before it, its step Δθ and the captured batch: ``{step: (θ, Δθ, batch)}``."""
    from deltah import linearize as lz
    from deltah import trl_linearize

    kept = {}
    original = trl_linearize.linearize_step

    def keeping(cb, pending, model):
        theta = {n: t.clone() for n, t in pending["theta_before"].items()}
        batch = pending["batch"]
        record = original(cb, pending, model)
        kept[pending["step"]] = (theta, lz.parameter_delta(theta, model), batch)
        return record

    trl_linearize.linearize_step = keeping
    try:
        trainer.train()
    finally:
        trl_linearize.linearize_step = original
    return kept
