"""Helpers of the TRL capture tests: TRL's own per-token log-probabilities as GRPOTrainer computes
its loss, and dump writes made to fail."""

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
